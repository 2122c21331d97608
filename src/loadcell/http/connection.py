"""One HTTP/1.1 connection: the C protocol of loadcell.http._wire, plus its rare paths in Python.

The C half (data_received, llhttp's callbacks, send) records what the wire did (bytes, first-byte
time, the raw head, body chunks) and resolves a future when a response is complete; the VU's
Ledger (_ledger.c) turns that into metrics. What happens once per connection or on failure is here.
"""

from __future__ import annotations

import asyncio
import ssl

from loadcell.http._wire import Connection
from loadcell.http.arrivals import ArrivalWatch
from loadcell.http.errors import RequestError
from loadcell.metrics.clock import now


class HttpConnection(Connection):
    __slots__ = ()

    def eof_received(self) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.arrivals is not None:
            self.arrivals.forget(self.fd, self)
        waiter = self.waiter
        # _finish() completes a body that ends at EOF (no Content-Length, not chunked).
        if waiter is not None and not waiter.done() and not (self.headers_done and self._finish()):
            self._fail(exc or ConnectionResetError("connection closed before the response was complete"))

    def _malformed(self, reason: str) -> None:
        """llhttp refused the response (called from C)."""
        self._fail(RequestError(1000, f"malformed HTTP response: {reason}"))
        self.close()

    def _fail(self, exc: BaseException) -> None:
        waiter = self.waiter
        self.waiter = None
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)

    def watch_arrivals(self, watch: ArrivalWatch) -> None:
        """Let `watch` stamp first bytes that land while the loop is busy (plain TCP only)."""
        sock = self.transport.get_extra_info("socket") if self.transport is not None else None
        if sock is not None:
            self.fd = sock.fileno()
            self.arrivals = watch
            watch.watch(self.fd, self)

    def timeout(self) -> None:
        """Called by the timeout sweeper: fail the request in flight, drop the connection (k6 code 1050)."""
        self._fail(RequestError(1050, "request timeout"))
        self.close()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            if self.transport is not None:
                self.transport.close()


async def open_connection(
    loop: asyncio.AbstractEventLoop,
    key: tuple[str, str, int],
    ssl_context: ssl.SSLContext | None,
    server_hostname: str,
) -> tuple[HttpConnection, float, float]:
    """Dial TCP, then TLS separately so both phases are timed; returns (conn, connect_s, tls_s)."""
    _, host, port = key
    t0 = now()
    transport, conn = await loop.create_connection(lambda: HttpConnection(loop), host, port)
    t1 = now()
    tls_time = 0.0
    if ssl_context is not None:
        new_transport = await loop.start_tls(transport, conn, ssl_context, server_hostname=server_hostname)
        conn.transport = new_transport  # type: ignore[assignment]
        tls_time = now() - t1
    return conn, t1 - t0, tls_time
