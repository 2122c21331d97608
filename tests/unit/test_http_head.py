"""The sans-IO head helpers the client relies on after every response."""

from __future__ import annotations

import asyncio

import pytest

from loadcell.http.connection import HttpConnection
from loadcell.http.head import COOKIES, ENCODED, field_values, framed, http_version, scan
from loadcell.http.request import build_head, set_user_agent
from loadcell.http.url import parse_target

HEAD = (
    b"HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: application/json\r\n"
    b"Content-Length: 213\r\nConnection: keep-alive"
)


def test_plain_head_has_no_flags_and_is_framed() -> None:
    assert scan(HEAD) == 0
    assert framed(HEAD)


@pytest.mark.parametrize("name", [b"Content-Encoding", b"content-encoding", b"CONTENT-ENCODING"])
def test_content_encoding_is_found_in_any_case(name: bytes) -> None:
    assert scan(HEAD + b"\r\n" + name + b": gzip") == ENCODED


def test_cookies_and_encoding_together() -> None:
    head = HEAD + b"\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nContent-Encoding: gzip"
    assert scan(head) == ENCODED | COOKIES
    assert field_values(head, b"set-cookie") == [b"a=1", b"b=2"]


def test_a_header_value_mentioning_a_name_is_not_that_header() -> None:
    assert scan(HEAD + b"\r\nX-Note: set-cookie: no") == 0


def test_chunked_is_framed_and_no_length_is_not() -> None:
    assert framed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked")
    assert not framed(b"HTTP/1.0 200 OK\r\nServer: x")


@pytest.mark.parametrize(
    ("head", "proto"),
    [
        (HEAD, "HTTP/1.1"),
        (b"HTTP/1.0 404 Not Found\r\nServer: x", "HTTP/1.0"),
        (b"HTTP/1.2 200 OK", "HTTP/1.2"),
    ],
)
def test_protocol_tag_comes_from_the_status_line(head: bytes, proto: str) -> None:
    assert http_version(head) == proto


def test_connection_skips_blank_lines_before_the_status_line_as_llhttp_does() -> None:
    loop = asyncio.new_event_loop()
    try:
        conn = HttpConnection(loop, ("http", "127.0.0.1", 1))
        conn.connection_made(_NullTransport())
        waiter = conn.send(b"GET / HTTP/1.1\r\n\r\n")
        conn.data_received(b"\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\nSet-Cookie: a=1\r\n\r\nok")
        assert waiter.done()
        assert (conn.status, conn.version, conn.body) == (200, "HTTP/1.1", [b"ok"])
        assert conn.head.startswith(b"HTTP/1.1 200") and scan(conn.head) == COOKIES
    finally:
        loop.close()


def test_a_discarded_body_is_counted_and_not_kept() -> None:
    loop = asyncio.new_event_loop()
    try:
        conn = HttpConnection(loop, ("http", "127.0.0.1", 1))
        conn.connection_made(_NullTransport())
        for _ in range(2):
            waiter = conn.send(b"GET / HTTP/1.1\r\n\r\n", keep_body=False)
            conn.data_received(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
            for _ in range(10):
                conn.data_received(b"x" * 10_000)
            assert waiter.done() and conn.status == 200
            assert len(conn.body) == 0
        assert conn.bytes_in > 200_000
    finally:
        loop.close()


class _NullTransport(asyncio.Transport):
    def write(self, data: bytes) -> None:  # type: ignore[override]
        pass


def test_a_new_user_agent_drops_heads_cached_with_the_old_one() -> None:
    target = parse_target("http://127.0.0.1:9/agent-cache")
    try:
        set_user_agent("suite/1")
        target.heads["GET"] = build_head("GET", target, None, None, None, None)
        assert b"User-Agent: suite/1" in target.heads["GET"]
        set_user_agent(None)  # the next run in this process keeps loadcell's agent
        assert "GET" not in target.heads
        assert b"User-Agent: loadcell/" in build_head("GET", target, None, None, None, None)
    finally:
        set_user_agent(None)
