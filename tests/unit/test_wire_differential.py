"""The C protocol against httptools on the same bytes: random responses cut at random places.

httptools runs the same llhttp, with Python callbacks: what it reports (status, version,
keep-alive, body, where a message ends) is what the C protocol must report, whatever the reads.
"""

from __future__ import annotations

import asyncio

import httptools
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loadcell.http.connection import HttpConnection
from loadcell.http.head import COOKIES, ENCODED

_TOKEN = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=12).filter(
    lambda s: s.lower() not in {"content-length", "transfer-encoding", "connection"}
)
_VALUE = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789 /=;,.", max_size=20).map(str.strip)


@st.composite
def responses(draw: st.DrawFn) -> tuple[bytes, bool]:
    """(wire bytes of one response, whether its body ends only at EOF)."""
    version = draw(st.sampled_from(["1.1", "1.0"]))
    status = draw(st.sampled_from([200, 201, 204, 301, 304, 404, 500]))
    body = draw(st.binary(max_size=300) | st.binary(min_size=1000, max_size=5000))
    headers = draw(st.lists(st.tuples(_TOKEN, _VALUE), max_size=5))
    if draw(st.booleans()):
        headers.append(("Set-Cookie", "a=1"))
    if draw(st.booleans()):
        headers.append(("Content-Encoding", "identity"))
    framing = draw(st.sampled_from(["length", "chunked", "eof"]))
    if status in (204, 304):
        framing, body = "length", b""
    if framing == "length":
        headers.append(("Content-Length", str(len(body))))
        payload = body
    elif framing == "chunked":
        headers.append(("Transfer-Encoding", "chunked"))
        cuts = sorted(draw(st.lists(st.integers(0, len(body)), max_size=4)))
        pieces = [body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True) if b > a]
        payload = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"
    else:
        headers.append(("Connection", "close"))
        payload = body
    if version == "1.0" and framing != "eof" and draw(st.booleans()):
        headers.append(("Connection", "keep-alive"))
    head = f"HTTP/{version} {status} X\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers)
    return head.encode() + b"\r\n" + payload, framing == "eof"


class _Reference:
    """httptools with Python callbacks: the expected outcome."""

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.body = b""
        self.done = False
        self.status = 0
        self.keep_alive = False
        self.version = ""

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        self.keep_alive = self.parser.should_keep_alive()
        self.version = "HTTP/" + self.parser.get_http_version()

    def on_body(self, body: bytes) -> None:
        self.body += body

    def on_message_complete(self) -> None:
        self.done = True


class _Transport(asyncio.Transport):
    def write(self, data: bytes) -> None:  # type: ignore[override]
        pass


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(responses(), st.lists(st.integers(1, 40), max_size=30))
def test_the_c_protocol_reports_what_httptools_reports(case: tuple[bytes, bool], cuts: list[int]) -> None:
    wire, ends_at_eof = case
    ref = _Reference()
    ref.parser.feed_data(wire)
    loop = asyncio.new_event_loop()
    try:
        _check(loop, wire, ends_at_eof, [len(wire)], ref)  # one read
        _check(loop, wire, ends_at_eof, cuts, ref)  # the same bytes in reads of random sizes
    finally:
        loop.close()


def _check(
    loop: asyncio.AbstractEventLoop, wire: bytes, ends_at_eof: bool, cuts: list[int], ref: _Reference
) -> None:
    conn = HttpConnection(loop)
    conn.connection_made(_Transport())
    waiter = conn.send(b"GET / HTTP/1.1\r\n\r\n")
    pos = 0
    for size in cuts:
        if pos < len(wire):
            conn.data_received(wire[pos : pos + size])
            pos += size
    if pos < len(wire):
        conn.data_received(wire[pos:])
    assert waiter.done() is ref.done
    if ends_at_eof:
        assert not waiter.done()
        conn.connection_lost(None)
        assert waiter.done() and waiter.exception() is None
    status, proto, head, body, flags = conn.status, conn.version, conn.head, b"".join(conn.body), conn.flags
    assert (status, proto, body) == (ref.status, ref.version, ref.body)
    assert conn.keep_alive is ref.keep_alive
    assert head == wire[: wire.find(b"\r\n\r\n")]
    assert bool(flags & COOKIES) is (b"\r\nSet-Cookie:" in head)
    assert bool(flags & ENCODED) is (b"\r\nContent-Encoding:" in head)
