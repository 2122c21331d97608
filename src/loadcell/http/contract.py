"""The C/Python contract of loadcell.http._wire, in one place.

Numbers both sides use are defined once, in C (_wire.h), and exported as module attributes:
the sample rows' widths and columns (HTTP_FIELDS, HTTP_TAGSET_COL, HTTP_TIME_COL, HTTP_FAILED_COL,
GEN_FIELDS, ITER_FIELDS; read by loadcell.metrics.buffer), a connection's flag bits (ENCODED,
COOKIES; read by loadcell.http.head), the tag-set cache keys (HTTP_KEY_FIELDS, HTTP_KEY_EXTRA,
CHECK_KEY_FIELDS, and the functions `http_key` and `check_key` that build them for both sides) and
k6's error code of an HTTP error status (ERROR_CODE_BASE + status from ERROR_STATUS on).

What C reads from and calls on Python objects is declared below: the Ledger's metrics handle
(LedgerHandle, read once when the Ledger is made, except `group`, read per sample) and the calls a
Connection makes into its Python subclass (ConnectionUpcalls). loadcell.http._reference states the
Ledger's rules in Python.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol


class SampleRows(Protocol):
    """The sample buffer's append-only rows (loadcell.metrics.buffer.SampleBuffer)."""

    http: bytearray
    gen: bytearray
    iters: bytearray


class LedgerHandle(Protocol):
    """What the Ledger is given (loadcell.metrics.handle.MetricsHandle): the rows it writes, the
    tag-set caches it reads, and the two methods it calls on a cache miss, which intern the tag
    set and fill the cache."""

    @property
    def buffer(self) -> SampleRows: ...
    @property
    def group(self) -> str: ...

    http_cache: dict[tuple[object, ...], int]
    check_cache: dict[tuple[object, ...], int]

    def http_tagset(
        self,
        method: str,
        url: str,
        status: int,
        proto: str,
        expected: str,
        error_code: int,
        extra: Mapping[str, str] | None,
        tls_version: str = "",
        error: str = "",
    ) -> int:
        """The request's tag-set id, on a miss in http_cache (the Ledger passes the first eight)."""
        ...

    def check_tagset(self, name: str, extra: Mapping[str, str] | None) -> int:
        """The check's tag-set id, on a miss in check_cache."""
        ...


class ConnectionUpcalls(Protocol):
    """What a Connection (C) calls on itself, which its Python subclass
    (loadcell.http.connection.HttpConnection) provides."""

    def _malformed(self, reason: str) -> None:
        """llhttp refused the response (`reason` is llhttp's)."""

    def _fail(self, exc: BaseException) -> None:
        """The request's write failed: fail its waiter with `exc`."""

    def close(self) -> None:
        """The Ledger settled an exchange that leaves the connection unusable (no keep-alive)."""


if TYPE_CHECKING:
    from loadcell.http.connection import HttpConnection
    from loadcell.metrics.handle import MetricsHandle

    def _provided(conn: HttpConnection, handle: MetricsHandle) -> tuple[ConnectionUpcalls, LedgerHandle]:
        """For mypy: the Python side provides what C calls."""
        return conn, handle
