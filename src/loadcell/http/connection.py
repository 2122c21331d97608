"""One HTTP/1.1 connection: an asyncio.Protocol feeding httptools, one parser for its whole life.

The protocol only records what the wire did (bytes, first-byte time, headers, body chunks) and
resolves a future when a response is complete; the client turns that into metrics.
"""

from __future__ import annotations

import asyncio
import ssl

import httptools

from loadcell.http.errors import RequestError
from loadcell.metrics.clock import now

# Lengths of the header names the client needs to notice, so most headers skip the lower() call.
_WATCHED_LENGTHS = frozenset({8, 10, 14, 16, 17})


class HttpConnection(asyncio.Protocol):
    __slots__ = (
        "body",
        "bytes_in",
        "bytes_out",
        "closed",
        "content_encoding",
        "expect_eof_body",
        "head_request",
        "headers",
        "headers_done",
        "keep_alive",
        "key",
        "location",
        "loop",
        "parser",
        "set_cookies",
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
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        self.t_first = 0.0
        self.t_done = 0.0
        self.bytes_in = 0
        self.bytes_out = 0
        self.closed = False
        self.headers_done = False
        self.expect_eof_body = True
        self.head_request = False
        self.content_encoding: bytes | None = None
        self.location: bytes | None = None
        self.set_cookies: list[bytes] | None = None
        self.status = 0
        self.version = "1.1"
        self.keep_alive = False

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if not self.t_first:
            self.t_first = now()
        self.bytes_in += len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(RequestError(1000, f"malformed HTTP response: {exc}"))
            self.close()

    def eof_received(self) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            if self.headers_done and self.expect_eof_body:
                self.on_message_complete()
            else:
                self._fail(exc or ConnectionResetError("connection closed before the response was complete"))

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))
        if len(name) in _WATCHED_LENGTHS:
            lname = name.lower()
            if lname == b"content-length" or lname == b"transfer-encoding":
                self.expect_eof_body = False
            elif lname == b"content-encoding":
                self.content_encoding = value.lower()
            elif lname == b"location":
                self.location = value
            elif lname == b"set-cookie":
                if self.set_cookies is None:
                    self.set_cookies = []
                self.set_cookies.append(value)

    def on_headers_complete(self) -> None:
        self.headers_done = True
        parser = self.parser
        status = self.status = parser.get_status_code()
        self.version = parser.get_http_version()
        self.keep_alive = parser.should_keep_alive()
        if status in (204, 304) or 100 <= status < 200:
            self.expect_eof_body = False
        if self.head_request:
            # llhttp would wait for a body the server never sends; finish here and start a fresh parser.
            self.parser = httptools.HttpResponseParser(self)
            self._resolve()

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        self._resolve()

    # client side
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

    def send(self, data: bytes, head_request: bool = False) -> asyncio.Future:
        """Write a request; the future resolves when the whole response has been parsed."""
        self.headers = []
        self.body = []
        self.t_first = 0.0
        self.headers_done = False
        self.expect_eof_body = True
        self.head_request = head_request
        self.content_encoding = None
        self.location = None
        self.set_cookies = None
        waiter = self.loop.create_future()
        self.waiter = waiter
        self.transport.write(data)  # type: ignore[union-attr]
        self.bytes_out += len(data)
        return waiter

    def timeout(self) -> None:
        """Timer callback: fail the request in flight and drop the connection (k6 code 1050)."""
        self._fail(RequestError(1050, "request timeout"))
        self.close()

    @property
    def reusable(self) -> bool:
        return not self.closed and self.headers_done and self.keep_alive

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
    transport, conn = await loop.create_connection(lambda: HttpConnection(loop, key), host, port)
    t1 = now()
    tls_time = 0.0
    if ssl_context is not None:
        new_transport = await loop.start_tls(transport, conn, ssl_context, server_hostname=server_hostname)
        conn.transport = new_transport  # type: ignore[assignment]
        tls_time = now() - t1
    return conn, t1 - t0, tls_time
