"""k6's expected statuses: which responses count as failed (http_req_failed) and how they are
tagged (expected_response)."""

from __future__ import annotations

from collections.abc import Mapping


class ExpectedStatuses:
    """k6's http.expectedStatuses(): feeds http_req_failed and the expected_response tag."""

    __slots__ = ("codes",)

    def __init__(self, *specs: int | range | tuple[int, int] | Mapping[str, int]) -> None:
        codes: set[int] = set()
        for spec in specs:
            if isinstance(spec, int):
                codes.add(spec)
            elif isinstance(spec, range):
                codes.update(spec)
            elif isinstance(spec, tuple):
                codes.update(range(spec[0], spec[1] + 1))
            elif isinstance(spec, Mapping):
                codes.update(range(int(spec["min"]), int(spec["max"]) + 1))
            else:
                raise TypeError(f"expected status spec {spec!r}: use an int, (min, max) or range")
        self.codes = frozenset(codes)

    def __contains__(self, status: int) -> bool:
        return status in self.codes


def expected_statuses(*specs: int | range | tuple[int, int] | Mapping[str, int]) -> ExpectedStatuses:
    return ExpectedStatuses(*specs)


DEFAULT_EXPECTED: ExpectedStatuses | None = ExpectedStatuses((200, 399))


def set_response_callback(callback: ExpectedStatuses | None) -> None:
    """k6's http.setResponseCallback(): the test-wide default of every VU made after it (call it at
    import time, as k6 scripts do); None turns http_req_failed and expected_response off."""
    global DEFAULT_EXPECTED
    if callback is not None and not isinstance(callback, ExpectedStatuses):
        raise TypeError(
            "set_response_callback() takes expected_statuses(...) or None, as k6's takes only"
            f" http.expectedStatuses(); got {type(callback).__name__}"
        )
    DEFAULT_EXPECTED = callback
