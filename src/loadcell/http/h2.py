"""HTTP/2, as k6 speaks it to a server that offers `h2` over ALPN: one connection per VU and host,
its requests multiplexed as streams (k6's batch).

The `h2` package holds the protocol's state (framing, HPACK, flow control, stream states: sans-IO);
this module owns the socket and the stamps a request's timings come from. A finished stream is
handed to the VU's Ledger (`Ledger.record`), the same sample path as HTTP/1.1's `settle`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Iterable
from typing import Any

import hpack
import hpack.hpack
import hpack.huffman_table
from h2.config import H2Configuration
from h2.connection import ConnectionState
from h2.connection import H2Connection as H2State
from h2.errors import ErrorCodes
from h2.events import (
    ConnectionTerminated,
    DataReceived,
    InformationalResponseReceived,
    ResponseReceived,
    StreamEnded,
    StreamReset,
    TrailersReceived,
    WindowUpdated,
)
from h2.exceptions import ProtocolError
from h2.stream import StreamState
from h2.utilities import HeaderValidationFlags, validate_headers
from hyperframe.frame import DataFrame, Frame, HeadersFrame

from loadcell.http.errors import REQUEST_TIMEOUT, TCP_RESET, RequestError
from loadcell.http.head import COOKIES, ENCODED
from loadcell.http.url import Target
from loadcell.metrics.clock import now

PROTO = "HTTP/2.0"
# Request headers are built here, lowercase and checked (open_stream), so h2 need not normalise and
# validate them again on every request. What the server sends is validated by h2's own rules, once
# for each distinct header list (_validated) rather than on every response.
_CONFIG = H2Configuration(
    client_side=True,
    header_encoding=None,
    validate_outbound_headers=False,
    normalize_outbound_headers=False,
    validate_inbound_headers=False,
    normalize_inbound_headers=False,  # it only joins request cookie crumbs: nothing in a response
)
_RESPONSE = HeaderValidationFlags(
    is_client=True, is_trailer=False, is_response_header=True, is_push_promise=False
)
_TRAILERS = _RESPONSE._replace(is_trailer=True, is_response_header=False)
# Streams whose frames take _State's short way: the request is sent (or being sent), not yet answered.
_ANSWERING = (StreamState.HALF_CLOSED_LOCAL, StreamState.OPEN)
# hpack decodes Huffman strings in pure Python (~100 us a header here); servers such as nginx send
# the same few strings (server, content-type, ...) on every response without indexing them, so a
# bounded memo of the pure decoding function saves a sixth of a response's CPU.
hpack.hpack.decode_huffman = functools.lru_cache(maxsize=4096)(hpack.huffman_table.decode_huffman)  # type: ignore[assignment]  # hpack imports it by name; the memo takes its place
_RECEIVE_WINDOW = 16 * 1024 * 1024  # so a large body does not wait on WINDOW_UPDATE round trips
_FORBIDDEN = frozenset("\r\n\0")  # in a field value (RFC 9113 8.2.1)
# Fields HTTP/2 forbids (RFC 9113 8.2.2); `host` becomes :authority.
_CONNECTION_SPECIFIC = frozenset(
    {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"}
)
# k6's codes (lib/netext/httpext/error_codes.go): the base, plus 1 + the HTTP/2 error code up to 13.
GOAWAY_ERROR, STREAM_ERROR, CONNECTION_ERROR = 1610, 1630, 1650


def _error(base: int, kind: str, code: int) -> RequestError:
    try:
        name = ErrorCodes(code).name
    except ValueError:
        name = f"unknown error code 0x{code:x}"
    return RequestError(
        base + (1 + code if code <= ErrorCodes.HTTP_1_1_REQUIRED else 0), f"http2: {kind} {name}"
    )


class BlockCache:
    """HPACK for requests, as a cache of header blocks: a block that never touches the dynamic table
    (every field a never-indexed literal or a static-table entry) depends on the header list alone,
    so the few lists a test sends are encoded once each. It costs 20-40 bytes a request on the wire
    against an encoder that indexes (as Go's does), and saves most of the request side's CPU."""

    def __init__(self) -> None:
        self._encoder = hpack.Encoder()
        self._blocks: dict[tuple[tuple[bytes, bytes], ...], bytes] = {}
        self._resized = False

    @property
    def header_table_size(self) -> int:
        return self._encoder.header_table_size

    @header_table_size.setter
    def header_table_size(self, value: int) -> None:
        """The peer's SETTINGS_HEADER_TABLE_SIZE: the next block signals the new size, once."""
        self._encoder.header_table_size = value
        self._resized = True

    def encode(self, headers: Iterable[tuple[bytes, bytes]]) -> bytes:
        key = tuple(headers)
        block = self._blocks.get(key)
        if block is None or self._resized:
            block = self._encoder.encode([(name, value, True) for name, value in key])
            if self._resized:
                self._resized = False  # this block carries the size update: not one to repeat
                return block
            if len(self._blocks) > 1024:
                self._blocks.clear()
            self._blocks[key] = block
        return block


class BlockMemo(hpack.Decoder):
    """HPACK for responses, with a memo: a header block that leaves the dynamic table as it found
    it decodes to the same fields whenever the table is the same, so it is decoded once (most
    servers send every response's fields as literals that are not indexed; the date changes once a
    second)."""

    def __init__(self, max_header_list_size: int) -> None:
        super().__init__(max_header_list_size)
        self._blocks: dict[tuple[bytes, bool, tuple[Any, ...]], list[Any]] = {}

    def decode(self, data: bytes, raw: bool = False) -> list[Any]:
        table = self.header_table.dynamic_entries
        key = (bytes(data), raw, tuple(table))
        fields = self._blocks.get(key)
        if fields is None:
            fields = list(super().decode(data, raw))
            if tuple(table) == key[2]:
                if len(self._blocks) > 1024:
                    self._blocks.clear()
                self._blocks[key] = fields
        return list(fields)


@functools.lru_cache(maxsize=1024)
def _validated(headers: tuple[tuple[bytes, bytes], ...], flags: HeaderValidationFlags) -> None:
    """h2's inbound header rules (RFC 9113 8.2-8.3); a server sends the same few lists again and
    again, so each is checked once. Raises h2's ProtocolError."""
    for _ in validate_headers(headers, flags):
        pass


@functools.lru_cache(maxsize=1024)
def _request_headers(
    method: str, path: str, host: str, fields: tuple[tuple[str, str], ...], length: int | None
) -> tuple[tuple[bytes, bytes], ...]:
    """A request's HTTP/2 header list, as bytes: a test sends the same few lists again and again,
    so each is built and checked once (h2's encoding of str headers is a tenth of a request)."""
    headers = [(b":method", method.encode()), (b":scheme", b"https"), (b":authority", host.encode()),
               (b":path", path.encode())]  # fmt: skip
    for name, value in fields:
        lower = name.lower()
        if lower not in _CONNECTION_SPECIFIC:
            if _FORBIDDEN & set(value):
                raise RequestError(1000, f"net/http: invalid header field value for {name!r}")
            headers.append((lower.encode(), value.encode()))
    if length is not None:
        headers.append((b"content-length", b"%d" % length))
    return tuple(headers)


class _State(H2State):
    """h2's connection state, with a short way for the frames of a response in progress: h2 formats
    every frame it receives for its trace log (`repr(frame)`, a twentieth of a request's CPU) before
    it asks whether anyone logs. A HEADERS or DATA frame on a stream that is open for it cannot hit
    the closed-stream handling the long way adds, so it goes straight to h2's handler for its type."""

    def _receive_frame(self, frame: Frame) -> list[Any]:
        stream = self.streams.get(frame.stream_id)
        kind = type(frame)
        if stream is None or (kind is not HeadersFrame and kind is not DataFrame):
            return super()._receive_frame(frame)
        if stream.state_machine.state not in _ANSWERING:
            return super()._receive_frame(frame)
        frames, events = self._frame_dispatch_table[kind](frame)
        self._prepare_for_sending(frames)
        return list(events)


class Unprocessed(RequestError):
    """The server refused the stream before processing it (GOAWAY below its id, REFUSED_STREAM): the
    request may be sent again on a new connection, as Go's transport does."""


class Stream:
    """One request on the connection: its future, its response and the wire's stamps."""

    __slots__ = (
        "body",
        "conn",
        "data",
        "deadline",
        "flags",
        "head",
        "id",
        "keep",
        "status",
        "t_done",
        "t_first",
        "t_sent",
        "waiter",
    )

    def __init__(self, conn: H2Connection, stream_id: int, keep: bool, deadline: float) -> None:
        self.conn = conn
        self.id = stream_id
        self.keep = keep
        self.deadline = deadline
        self.waiter: asyncio.Future[None] = conn.loop.create_future()
        self.data = b""  # request body not yet sent (flow control)
        self.status = 0
        self.head = b""
        self.body: list[bytes] = []
        self.flags = 0
        self.t_sent = self.t_first = self.t_done = 0.0

    def timeout(self) -> None:
        """Called by the timeout sweeper: the stream is reset, the request fails with k6's 1050."""
        self.conn.cancel(self, RequestError(REQUEST_TIMEOUT, "request timeout"))


class H2Connection(asyncio.Protocol):
    """A client connection; set on an established TLS transport that negotiated `h2`."""

    def __init__(self, loop: asyncio.AbstractEventLoop, tls_version: str, tls_cipher: str) -> None:
        self.loop = loop
        self.tls_version = tls_version
        self.tls_cipher = tls_cipher
        self.state = _State(config=_CONFIG)
        self.state.encoder = BlockCache()  # type: ignore[assignment]  # hpack.Encoder duck: encode() + header_table_size
        self.state.decoder = BlockMemo(self.state.decoder.max_header_list_size)
        self.streams: dict[int, Stream] = {}
        self.transport: asyncio.Transport | None = None
        self.closed = False  # no new streams: GOAWAY received, or the connection is gone
        self.bytes_in = 0
        self.bytes_out = 0
        self._window: asyncio.Event | None = None  # set when the peer opens its flow-control window

    # the socket ---------------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # ALPN gave an asyncio.Transport
        state = self.state
        state.local_settings.initial_window_size = _RECEIVE_WINDOW
        state.local_settings.enable_push = 0
        state.initiate_connection()
        state.increment_flow_control_window(_RECEIVE_WINDOW)
        self._flush()

    def _flush(self) -> None:
        data = self.state.data_to_send()
        if data and self.transport is not None:
            self.bytes_out += len(data)
            self.transport.write(data)

    def data_received(self, data: bytes) -> None:
        t = now()
        self.bytes_in += len(data)
        try:
            self._dispatch(self.state.receive_data(data), t)
        except ProtocolError as exc:
            code = int(getattr(exc, "error_code", ErrorCodes.PROTOCOL_ERROR))
            if self.state.state_machine.state is not ConnectionState.CLOSED:
                self.state.close_connection(code)  # a header rule _validated found broken
            self._fail_all(_error(CONNECTION_ERROR, "connection error with http2 ErrCode", code))
            self._flush()
            self.close()
            return
        self._flush()

    def _dispatch(self, events: list[Any], t: float) -> None:
        for event in events:
            kind = type(event)
            stream = self.streams.get(getattr(event, "stream_id", 0) or 0)
            if kind is DataReceived:
                self.state.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                if stream is not None and stream.keep:
                    stream.body.append(event.data)
            elif kind is ResponseReceived:
                _validated(tuple(event.headers), _RESPONSE)
                if stream is not None:
                    self._head(stream, event.headers, t)
            elif kind is StreamEnded:
                if stream is not None:
                    stream.t_done = t
                    del self.streams[stream.id]
                    if not stream.waiter.done():
                        stream.waiter.set_result(None)
            elif kind is InformationalResponseReceived:
                _validated(tuple(event.headers), _RESPONSE)
            elif kind is TrailersReceived:
                _validated(tuple(event.headers), _TRAILERS)
            elif kind is StreamReset:
                if stream is not None:
                    code = int(event.error_code)
                    error = _error(STREAM_ERROR, "stream error with http2 ErrCode", code)
                    if code == ErrorCodes.REFUSED_STREAM:
                        error = Unprocessed(error.code, str(error))
                    self._end(stream, error)
            elif kind is WindowUpdated:
                if self._window is not None:
                    self._window.set()
            elif kind is ConnectionTerminated:
                self._goaway(event.error_code, event.last_stream_id)

    def _head(self, stream: Stream, headers: list[tuple[bytes, bytes]], t: float) -> None:
        """The response's head, as HTTP/1.1's raw head (the Response splits it only when asked)."""
        lines = []
        flags = 0
        for name, value in headers:
            if name == b":status":
                stream.status = int(value)
                continue
            if name == b"content-encoding":
                flags |= ENCODED
            elif name == b"set-cookie":
                flags |= COOKIES
            lines.append(name + b": " + value)
        stream.head = b"\r\n".join([b"HTTP/2.0 %d" % stream.status, *lines])
        stream.flags = flags
        stream.t_first = t

    def _goaway(self, code: int, last_stream_id: int | None) -> None:
        """No new streams; those above `last_stream_id` were never processed and may go again."""
        self.closed = True
        last = last_stream_id if last_stream_id is not None else 0
        for stream in [s for s in self.streams.values() if s.id > last]:
            error = _error(GOAWAY_ERROR, "received GoAway with http2 ErrCode", int(code))
            self._end(stream, Unprocessed(error.code, str(error)))
        if code != ErrorCodes.NO_ERROR:
            self._fail_all(_error(GOAWAY_ERROR, "received GoAway with http2 ErrCode", int(code)))
        if not self.streams:
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.transport = None
        self._fail_all(RequestError(TCP_RESET, "read: connection reset by peer"))
        if self._window is not None:
            self._window.set()

    def _end(self, stream: Stream, error: BaseException) -> None:
        self.streams.pop(stream.id, None)
        if not stream.waiter.done():
            stream.waiter.set_exception(error)
            stream.waiter.exception()  # a cancelled request's stream has nobody left to await it

    def _fail_all(self, error: BaseException) -> None:
        for stream in list(self.streams.values()):
            self._end(stream, error)

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def take_bytes(self) -> tuple[int, int]:
        """(sent, received) since the last exchange that finished here: streams share the socket,
        so whichever finishes next is charged with them, and a VU's totals stay exact."""
        sent, received = self.bytes_out, self.bytes_in
        self.bytes_out = self.bytes_in = 0
        return sent, received

    # requests -----------------------------------------------------------------------------------
    def open_stream(
        self,
        method: str,
        target: Target,
        host: str,
        fields: list[tuple[str, str]],
        body: bytes | None,
        keep: bool,
        timeout: float,
    ) -> Stream:
        """Send a request's HEADERS (and as much of its body as the window allows)."""
        state = self.state
        stream_id = state.get_next_available_stream_id()
        length = None if body is None or any(n.lower() == "content-length" for n, _ in fields) else len(body)
        headers = _request_headers(method, target.path, host, tuple(fields), length)
        stream = Stream(self, stream_id, keep, now() + timeout)
        self.streams[stream_id] = stream
        state.send_headers(stream_id, headers, end_stream=not body)
        if body:
            stream.data = body
            self._send_data(stream)
        self._flush()
        if not stream.data:
            stream.t_sent = now()
        return stream

    def _send_data(self, stream: Stream) -> None:
        state = self.state
        while stream.data:
            size = min(
                len(stream.data), state.local_flow_control_window(stream.id), state.max_outbound_frame_size
            )
            if size <= 0:
                return
            chunk, stream.data = stream.data[:size], stream.data[size:]
            state.send_data(stream.id, chunk, end_stream=not stream.data)

    async def drain(self, stream: Stream) -> None:
        """Send the rest of a body the peer's flow-control window held back."""
        while stream.data and not self.closed and stream.id in self.streams:
            if self._window is None:
                self._window = asyncio.Event()
            self._window.clear()
            await self._window.wait()
            self._send_data(stream)
            self._flush()
        stream.t_sent = now()

    def cancel(self, stream: Stream, error: BaseException) -> None:
        if stream.id in self.streams and not self.closed:
            with contextlib.suppress(ProtocolError):
                self.state.reset_stream(stream.id, ErrorCodes.CANCEL)
            self._flush()
        self._end(stream, error)

    def __repr__(self) -> str:
        return f"<H2Connection streams={len(self.streams)} closed={self.closed}>"


def body_of(stream: Stream) -> bytes | None:
    if not stream.keep:  # k6's discardResponseBodies / responseType "none": the body is null
        return None
    chunks = stream.body
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)
