"""The response side of a connection (the C protocol on llhttp) and the head helpers the client
relies on after every response: fed bytes by hand, no sockets."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from loadcell.http._wire import Outbox
from loadcell.http.connection import HttpConnection
from loadcell.http.errors import RequestError
from loadcell.http.head import COOKIES, ENCODED, field_values
from loadcell.http.request import build_head, default_fields, use_default_fields
from loadcell.http.url import parse_target
from loadcell.metrics.clock import now

HEAD = (
    b"HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: application/json\r\n"
    b"Content-Length: 2\r\nConnection: keep-alive"
)
GET = b"GET / HTTP/1.1\r\n\r\n"


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


def _conn(loop: asyncio.AbstractEventLoop, refuse: bool = False) -> tuple[HttpConnection, _NullTransport]:
    conn = HttpConnection(loop)
    transport = _NullTransport(refuse)
    conn.connection_made(transport)
    return conn, transport


def _exchange(loop: asyncio.AbstractEventLoop, head: bytes, body: bytes = b"ok") -> HttpConnection:
    conn, _ = _conn(loop)
    waiter = conn.send(GET)
    conn.data_received(head + b"\r\n\r\n" + body)
    assert waiter.done() and waiter.exception() is None
    return conn


def test_a_plain_response_is_parsed_with_no_flags(loop: asyncio.AbstractEventLoop) -> None:
    conn = _exchange(loop, HEAD)
    assert (conn.status, conn.version, conn.body, conn.flags, conn.keep_alive) == (
        200,
        "HTTP/1.1",
        [b"ok"],
        0,
        True,
    )
    assert conn.head == HEAD
    assert conn.bytes_in == len(HEAD) + 6 and conn.t_done >= conn.t_first > 0


def test_the_request_is_written_and_counted(loop: asyncio.AbstractEventLoop) -> None:
    conn, transport = _conn(loop)
    conn.send(GET)
    assert transport.written == [GET] and conn.bytes_out == len(GET)


@pytest.mark.parametrize("name", [b"Content-Encoding", b"content-encoding", b"CONTENT-ENCODING"])
def test_content_encoding_is_found_in_any_case(loop: asyncio.AbstractEventLoop, name: bytes) -> None:
    assert _exchange(loop, HEAD + b"\r\n" + name + b": identity").flags == ENCODED


def test_cookies_and_encoding_together(loop: asyncio.AbstractEventLoop) -> None:
    head = HEAD + b"\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nContent-Encoding: identity"
    conn = _exchange(loop, head)
    assert conn.flags == ENCODED | COOKIES
    assert field_values(conn.head, b"set-cookie") == [b"a=1", b"b=2"]


def test_a_header_value_mentioning_a_name_is_not_that_header(loop: asyncio.AbstractEventLoop) -> None:
    assert _exchange(loop, HEAD + b"\r\nX-Note: set-cookie: no").flags == 0


@pytest.mark.parametrize(
    ("status_line", "proto"),
    [(b"HTTP/1.1 200 OK", "HTTP/1.1"), (b"HTTP/1.0 404 Not Found", "HTTP/1.0")],
)
def test_protocol_tag_comes_from_the_status_line(
    loop: asyncio.AbstractEventLoop, status_line: bytes, proto: str
) -> None:
    conn = _exchange(loop, status_line + b"\r\nContent-Length: 2")
    assert conn.version == proto
    assert conn.keep_alive is (proto == "HTTP/1.1")  # HTTP/1.0 closes unless asked to keep alive


def test_a_response_split_across_reads_keeps_its_whole_head(loop: asyncio.AbstractEventLoop) -> None:
    conn, _ = _conn(loop)
    waiter = conn.send(GET)
    wire = HEAD + b"\r\n\r\nok"
    t0 = now()
    for i in range(len(wire)):
        conn.data_received(wire[i : i + 1])
    assert waiter.done()
    assert conn.head == HEAD and b"".join(conn.body) == b"ok"
    assert t0 <= conn.t_first <= conn.t_done <= now()


def test_chunked_bodies_are_decoded(loop: asyncio.AbstractEventLoop) -> None:
    conn = _exchange(
        loop, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked", b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    )
    assert b"".join(conn.body) == b"hello world"


def test_a_head_response_has_no_body_whatever_it_declares(loop: asyncio.AbstractEventLoop) -> None:
    conn, _ = _conn(loop)
    waiter = conn.send(b"HEAD / HTTP/1.1\r\n\r\n", True)
    conn.data_received(b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n")
    assert waiter.done() and conn.body == []
    waiter = conn.send(GET)  # the connection is still usable: the parser did not wait for a body
    conn.data_received(HEAD + b"\r\n\r\nok")
    assert waiter.done() and conn.body == [b"ok"]


def test_a_body_without_length_ends_at_eof(loop: asyncio.AbstractEventLoop) -> None:
    conn, _ = _conn(loop)
    waiter = conn.send(GET)
    conn.data_received(b"HTTP/1.0 200 OK\r\nServer: x\r\n\r\npartial")
    conn.data_received(b" and the rest")
    assert not waiter.done()
    conn.connection_lost(None)
    assert waiter.done() and waiter.exception() is None
    assert b"".join(conn.body) == b"partial and the rest"


def test_a_framed_body_cut_short_is_a_reset(loop: asyncio.AbstractEventLoop) -> None:
    conn, _ = _conn(loop)
    waiter = conn.send(GET)
    conn.data_received(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
    conn.connection_lost(None)
    assert isinstance(waiter.exception(), ConnectionResetError)


def test_a_malformed_response_fails_the_request_and_closes(loop: asyncio.AbstractEventLoop) -> None:
    conn, transport = _conn(loop)
    waiter = conn.send(GET)
    conn.data_received(b"HTTP/1.1 abc nonsense\r\n\r\n")
    error = waiter.exception()
    assert isinstance(error, RequestError) and error.code == 1000
    assert str(error).startswith("malformed HTTP response: ") and len(str(error)) > 25
    assert conn.closed and transport.closed


def test_connection_skips_blank_lines_before_the_status_line_as_llhttp_does(
    loop: asyncio.AbstractEventLoop,
) -> None:
    conn, _ = _conn(loop)
    waiter = conn.send(GET)
    conn.data_received(b"\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\nSet-Cookie: a=1\r\n\r\nok")
    assert waiter.done()
    assert (conn.status, conn.version, conn.body) == (200, "HTTP/1.1", [b"ok"])
    assert conn.head.startswith(b"HTTP/1.1 200") and conn.flags == COOKIES


def test_a_discarded_body_is_counted_and_not_kept(loop: asyncio.AbstractEventLoop) -> None:
    conn, _ = _conn(loop)
    for _ in range(2):
        waiter = conn.send(GET, False, False)
        conn.data_received(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
        for _ in range(10):
            conn.data_received(b"x" * 10_000)
        assert waiter.done() and conn.status == 200
        assert len(conn.body) == 0
    assert conn.bytes_in > 200_000


def test_a_cancelled_request_is_not_resolved_again(loop: asyncio.AbstractEventLoop) -> None:
    conn, _ = _conn(loop)
    waiter = conn.send(GET)
    waiter.cancel()
    conn.data_received(HEAD + b"\r\n\r\nok")  # must not raise InvalidStateError
    assert waiter.cancelled() and conn.waiter is None


class _NullTransport(asyncio.Transport):
    def __init__(self, refuse: bool = False) -> None:
        super().__init__()
        self.written: list[bytes] = []
        self.closed = False
        self.refuse = refuse

    def write(self, data: bytes) -> None:  # type: ignore[override]
        if self.refuse:
            raise ConnectionResetError("write: connection reset by peer")
        self.written.append(data)

    def close(self) -> None:
        self.closed = True


def test_a_new_user_agent_drops_heads_cached_with_the_old_one() -> None:
    target = parse_target("http://127.0.0.1:9/agent-cache")
    try:
        use_default_fields(default_fields("suite/1"))
        target.heads["GET"] = build_head("GET", target, None, None, None, None)
        assert b"User-Agent: suite/1" in target.heads["GET"]
        use_default_fields(default_fields(None))  # the next run in this process keeps loadcell's agent
        assert "GET" not in target.heads
        assert b"User-Agent: loadcell/" in build_head("GET", target, None, None, None, None)
    finally:
        use_default_fields(default_fields(None))


def test_corked_requests_go_out_together_when_the_loop_pass_ends(loop: asyncio.AbstractEventLoop) -> None:
    outbox = Outbox(loop)
    first, first_t = _conn(loop)
    conns = [_conn(loop) for _ in range(3)]
    for conn, _ in [(first, first_t), *conns]:
        conn.outbox = outbox
    first.send(GET)  # nothing written for a while: out at once
    assert first_t.written == [GET] and first.t_sent > 0
    waiters = [conn.send(GET, False, True, 5.0) for conn, _ in conns]  # right after: corked
    assert all(t.written == [] for _, t in conns) and outbox.pending() == 3
    assert all(conn.t_sent == 0 for conn, _ in conns)
    t0 = now()
    loop.run_until_complete(asyncio.sleep(0))  # one pass: the flush runs
    assert all(t.written == [GET] for _, t in conns) and outbox.pending() == 0
    for (conn, _), waiter in zip(conns, waiters, strict=True):
        assert t0 <= conn.t_sent <= now() and abs(conn.deadline - (conn.t_sent + 5.0)) < 1e-9
        conn.data_received(HEAD + b"\r\n\r\nok")
        assert waiter.done()
    loop.run_until_complete(asyncio.sleep(0.002))  # a quiet while after the flush
    later, later_t = conns[0]
    later.send(GET)
    assert later_t.written == [GET, GET]  # out at once again


def test_a_failed_corked_write_fails_only_its_request(loop: asyncio.AbstractEventLoop) -> None:
    outbox = Outbox(loop)
    (first, _), (good, good_t), (bad, _), (gone, gone_t) = (_conn(loop, refuse=i == 2) for i in range(4))
    for conn in (first, good, bad, gone):
        conn.outbox = outbox
    first.send(GET)  # written at once; the three after it are corked
    waiters = [conn.send(GET) for conn in (good, bad, gone)]
    gone.close()  # closed while corked: nothing is written
    loop.run_until_complete(asyncio.sleep(0))
    assert good_t.written == [GET] and gone_t.written == []
    assert isinstance(waiters[1].exception(), ConnectionResetError) and not waiters[0].done()


def test_the_outbox_calls_after_once_per_flush(loop: asyncio.AbstractEventLoop) -> None:
    calls: list[int] = []
    outbox = Outbox(loop, lambda: calls.append(outbox.pending()))
    for conn, _ in (_conn(loop) for _ in range(3)):
        conn.outbox = outbox
        conn.send(GET)  # the first at once, the other two corked
    loop.run_until_complete(asyncio.sleep(0))
    assert calls == [0]  # after the writes, not before


def test_a_user_agent_with_a_control_character_is_refused_before_the_load() -> None:
    from loadcell.errors import InvalidConfigError

    with pytest.raises(InvalidConfigError, match=r"userAgent .* control character"):
        default_fields("loadcell\r\nX-Injected: yes")
    head = build_head("GET", parse_target("http://127.0.0.1/"), None, None, None, None)
    assert b"User-Agent: loadcell/" in head
