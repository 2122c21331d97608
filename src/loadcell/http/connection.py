"""Dialling (TCP, then TLS and ALPN's choice of protocol), and one HTTP/1.1 connection: the C
protocol of loadcell.http._wire, plus its rare paths in Python.

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
from loadcell.http.h2 import H2Connection
from loadcell.http.tls import describe, handshakes
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


class _Handshaking(asyncio.Protocol):
    """The protocol while TLS is negotiated: which of HTTP/1.1 and HTTP/2 follows is known only once
    ALPN has chosen, and an HTTP/2 server may send its SETTINGS in the same read that ends the handshake."""

    def __init__(self) -> None:
        self.early: list[bytes] = []
        self.lost: tuple[Exception | None] | None = None

    def data_received(self, data: bytes) -> None:
        self.early.append(data)

    def eof_received(self) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = (exc,)


async def open_connection(
    loop: asyncio.AbstractEventLoop,
    key: tuple[str, str, int],
    ssl_context: ssl.SSLContext | None,
    server_hostname: str,
    dials: asyncio.Semaphore,
) -> tuple[HttpConnection | H2Connection, float, float]:
    """Dial TCP, then TLS separately so both phases are timed; returns (conn, connect_s, tls_s).

    A TLS dial waits for one of the loop's `dials` (loadcell.http.tls): handshakes at scale run a
    bounded number at a time instead of all in lockstep."""
    _, host, port = key
    if ssl_context is None:
        t0 = now()
        _, conn = await loop.create_connection(lambda: HttpConnection(loop), host, port)
        return conn, now() - t0, 0.0
    async with dials:
        t0 = now()
        transport, pending = await loop.create_connection(_Handshaking, host, port)
        t1 = now()
        handshakes.started += 1
        try:
            secured = await loop.start_tls(transport, pending, ssl_context, server_hostname=server_hostname)
        except BaseException:
            transport.close()
            raise
        finally:
            handshakes.finished += 1
        t2 = now()
    if secured is None:  # the peer hung up as the handshake finished
        transport.close()
        raise ConnectionResetError("connection closed during the TLS handshake")
    transport = secured
    sslobj = transport.get_extra_info("ssl_object")
    version, cipher = describe(sslobj)
    proto: HttpConnection | H2Connection
    if sslobj is not None and sslobj.selected_alpn_protocol() == "h2":
        proto = H2Connection(loop, version, cipher)
    else:
        proto = HttpConnection(loop)
        proto.tls_version, proto.tls_cipher = version, cipher
    transport.set_protocol(proto)
    proto.connection_made(transport)
    for data in pending.early:
        proto.data_received(data)
    if pending.lost is not None:
        proto.connection_lost(pending.lost[0])
    return proto, t1 - t0, t2 - t1
