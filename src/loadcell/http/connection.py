"""One HTTP/1.1 connection: an asyncio.Protocol feeding httptools, one parser for its whole life.

The protocol only records what the wire did (bytes, first-byte time, the raw head, body chunks)
and resolves a future when a response is complete; the client turns that into metrics.
"""

from __future__ import annotations

import asyncio
import ssl

import httptools

from loadcell.http.arrivals import ArrivalWatch
from loadcell.http.errors import RequestError
from loadcell.http.head import framed, http_version, scan
from loadcell.metrics.clock import now


class HttpConnection(asyncio.Protocol):
    __slots__ = (
        "arrivals",
        "body",
        "bytes_in",
        "bytes_out",
        "closed",
        "deadline",
        "fd",
        "flags",
        "head",
        "head_request",
        "headers_done",
        "keep_alive",
        "key",
        "loop",
        "parser",
        "pending",
        "status",
        "t_done",
        "t_first",
        "transport",
        "version",
        "waiter",
    )

    def __init__(self, loop: asyncio.AbstractEventLoop, key: tuple[str, str, int]) -> None:
        self.loop = loop
        self.key = key
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.waiter: asyncio.Future | None = None
        self.pending = b""  # bytes received before the head was complete
        self.head = b""
        self.flags = 0
        self.body: list[bytes] = []
        self.t_first = 0.0
        self.t_done = 0.0
        self.deadline = 0.0
        self.bytes_in = 0
        self.bytes_out = 0
        self.closed = False
        self.headers_done = False
        self.head_request = False
        self.status = 0
        self.version = "HTTP/1.1"
        self.keep_alive = False
        self.arrivals: ArrivalWatch | None = None
        self.fd = -1

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if not self.t_first:
            self.t_first = now()
        self.bytes_in += len(data)
        if not self.headers_done:
            self.pending = self.pending + data if self.pending else data
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(RequestError(1000, f"malformed HTTP response: {exc}"))
            self.close()

    def eof_received(self) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.arrivals is not None:
            self.arrivals.forget(self.fd, self)
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            if self.headers_done and self._body_ends_at_eof():
                self._resolve()
            else:
                self._fail(exc or ConnectionResetError("connection closed before the response was complete"))

    # httptools callbacks (no on_header: the head is scanned once, see loadcell.http.head)
    def on_headers_complete(self) -> None:
        self.headers_done = True
        parser = self.parser
        self.status = parser.get_status_code()
        self.keep_alive = parser.should_keep_alive()
        pending = self.pending
        if pending[:1] != b"H":  # llhttp skips CR/LF before a status line; so must the head
            pending = pending.lstrip(b"\r\n")
        head = self.head = pending[: pending.find(b"\r\n\r\n")]
        self.version = http_version(head)
        self.pending = b""
        self.flags = scan(head)
        if self.head_request:
            # llhttp would wait for a body the server never sends; finish here and start a fresh parser.
            self.parser = httptools.HttpResponseParser(self)
            self._resolve()

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    # client side
    def _body_ends_at_eof(self) -> bool:
        status = self.status
        return status >= 200 and status not in (204, 304) and not framed(self.head)

    def _resolve(self) -> None:
        self.t_done = now()
        waiter = self.waiter
        self.waiter = None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _fail(self, exc: BaseException) -> None:
        waiter = self.waiter
        self.waiter = None
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)

    on_message_complete = _resolve  # httptools' callback, without a frame in between

    def send(self, data: bytes, head_request: bool = False, keep_body: bool = True) -> asyncio.Future:
        """Write a request; the future resolves when the whole response has been parsed.

        keep_body=False (k6's responseType "none") counts the body's bytes and keeps none of them."""
        self.body = [] if keep_body else _DROP
        self.t_first = 0.0
        self.headers_done = False
        self.head_request = head_request
        waiter = self.waiter = self.loop.create_future()
        self.transport.write(data)  # type: ignore[union-attr]
        self.bytes_out += len(data)
        return waiter

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


class _Drop(list):
    """A body that keeps nothing: a discarded 1 GB download costs no memory."""

    def append(self, _chunk: bytes) -> None:
        pass


_DROP = _Drop()


async def open_connection(
    loop: asyncio.AbstractEventLoop,
    key: tuple[str, str, int],
    ssl_context: ssl.SSLContext | None,
    server_hostname: str,
) -> tuple[HttpConnection, float, float]:
    """Dial TCP, then TLS separately so both phases are timed; returns (conn, connect_s, tls_s)."""
    _, host, port = key
    t0 = now()
    transport, conn = await loop.create_connection(lambda: HttpConnection(loop, key), host, port)
    t1 = now()
    tls_time = 0.0
    if ssl_context is not None:
        new_transport = await loop.start_tls(transport, conn, ssl_context, server_hostname=server_hostname)
        conn.transport = new_transport  # type: ignore[assignment]
        tls_time = now() - t1
    return conn, t1 - t0, tls_time
