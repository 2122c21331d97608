"""k6's params object ({headers, tags, timeout, responseType, ...}) as the client's keyword arguments,
so a k6 call ports as it is: `http.get(url, {"headers": ...})` or `http.get(url, params={...})`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeGuard

from loadcell.config.durations import parse_duration

# k6's params keys -> the keyword argument each becomes.
_KEYWORDS = {
    "headers": "headers",
    "tags": "tags",
    "timeout": "timeout",
    "responseType": "response_type",
    "redirects": "redirects",
    "responseCallback": "expected_statuses",
    "cookies": "cookies",
    "jar": "jar",
}
# k6 keys loadcell refuses rather than ignores: the request would be a different one.
_UNSUPPORTED = {
    "auth": "set the Authorization header yourself (basic: base64 of user:password)",
    "compression": "compress the body yourself and set Content-Encoding",
}
K6_PARAM_KEYS = frozenset(_KEYWORDS) | frozenset(_UNSUPPORTED)


def is_k6_params(value: object) -> TypeGuard[Mapping[str, Any]]:
    """A `params=` mapping whose keys are all k6 params keys is a k6 params object; any other
    mapping (or a list of pairs) is a query string, as `params=` has always been."""
    return isinstance(value, Mapping) and bool(value) and all(key in K6_PARAM_KEYS for key in value)


def k6_params_kwargs(params: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments a k6 params object stands for. `given`: the keyword arguments the call
    set itself (None for those it did not); a key given both ways is refused, not silently chosen."""
    if not isinstance(params, Mapping):
        raise TypeError(f"a k6 params object is a dict, not {type(params).__name__}")
    kwargs: dict[str, Any] = {}
    for key, value in params.items():
        if key in _UNSUPPORTED:
            raise ValueError(f"k6's params.{key} is not supported by loadcell: {_UNSUPPORTED[key]}")
        keyword = _KEYWORDS.get(key)
        if keyword is None:
            raise ValueError(
                f"unknown k6 params key {key!r}; use {', '.join(sorted(_KEYWORDS))} (or keyword arguments)"
            )
        if given.get(keyword) is not None:
            raise ValueError(f"{key!r} is set both in the k6 params object and as {keyword}=: keep one")
        if key == "timeout":
            value = _k6_timeout(value)
        kwargs[keyword] = value
    return kwargs


def _k6_timeout(value: Any) -> float:
    """k6's timeout: a number is milliseconds, a string a duration ("30s"); seconds here."""
    if isinstance(value, str):
        return parse_duration(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value / 1000.0
    raise TypeError(f"k6 params timeout {value!r}: use milliseconds (a number) or a duration string")
