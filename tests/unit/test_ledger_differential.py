"""The C Ledger against its rules in Python (loadcell.http._reference) on the same calls.

Two metrics handles with their own buffers and tag sets, one written by each ledger: the same
exchanges, checks and iterations must give the same rows, tag sets and Responses. Columns that
hold the clock (a check's time, an iteration's end and duration, a failed request's time) differ
between two calls by nature; those are checked for what relates them instead.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loadcell.http._reference import ReferenceLedger
from loadcell.http._wire import HTTP_FIELDS, HTTP_TIME_COL, Ledger
from loadcell.http.connection import HttpConnection
from loadcell.http.expected import ExpectedStatuses
from loadcell.http.response import Response
from loadcell.metrics import registry as R
from loadcell.metrics.buffer import SampleBuffer
from loadcell.metrics.handle import MetricsHandle
from loadcell.metrics.tags import TagSets

BASE = (("scenario", "default"),)
_STATUS = st.sampled_from([101, 200, 204, 301, 399, 400, 401, 404, 499, 500, 599]) | st.integers(100, 599)
_EXPECTED = st.none() | st.lists(
    st.integers(100, 599) | st.tuples(st.integers(100, 399), st.integers(200, 599)), min_size=1, max_size=3
).map(lambda specs: ExpectedStatuses(*specs))
_TAGS = st.none() | st.dictionaries(
    st.sampled_from(["name", "k", "page"]), st.sampled_from(["a", "b", "/x"]), max_size=2
)
_STAMP = st.floats(0.0, 5.0, allow_nan=False)


class _Transport(asyncio.Transport):
    def write(self, data: bytes) -> None:  # type: ignore[override]
        pass

    def close(self) -> None:
        pass


class _Pair:
    """One handle per ledger, on their own buffers and tag sets."""

    def __init__(self) -> None:
        self.c_handle = MetricsHandle(SampleBuffer(), TagSets(), BASE)
        self.py_handle = MetricsHandle(SampleBuffer(), TagSets(), BASE)
        self.c = Ledger(self.c_handle, Response, R.CHECKS.id)
        self.py = ReferenceLedger(self.py_handle, R.CHECKS.id)

    def set_group(self, group: str) -> None:
        self.c_handle.group = self.py_handle.group = group

    def rows(self) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
        return self.c_handle.buffer.drain(), self.py_handle.buffer.drain()

    def tagsets(self) -> tuple[list[Any], list[Any]]:
        return self.c_handle.tagsets.items, self.py_handle.tagsets.items


@pytest.fixture(autouse=True)
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    yield loop
    asyncio.set_event_loop(None)
    loop.close()


def _same_response(a: Response, b: Response, exact: bool = True) -> None:
    fields = ("method", "url", "status", "proto", "raw_head", "body", "error", "error_code", "tls_version")
    assert [getattr(a, f) for f in fields] == [getattr(b, f) for f in fields]
    timings = a.timings.as_dict()
    assert timings == (b.timings.as_dict() if exact else pytest.approx(b.timings.as_dict(), abs=1e-6))


def _same_rows(c: np.ndarray, py: np.ndarray) -> None:
    np.testing.assert_array_equal(c, py)  # NaN == NaN here: http_req_failed without expected statuses


exchange = st.fixed_dictionaries(
    {
        "group": st.sampled_from(["", "::g", "::g::h"]),
        "method": st.sampled_from(["GET", "POST"]),
        "url": st.sampled_from(["http://a/1", "http://a/2"]),
        "tags": _TAGS,
        "expected": _EXPECTED,
        "status": _STATUS,
        "proto": st.sampled_from(["HTTP/1.1", "HTTP/2.0"]),
        "tls": st.sampled_from([("", ""), ("tls1.3", "TLS_AES_128_GCM_SHA256")]),
        "stamps": st.lists(_STAMP, min_size=7, max_size=7),
        "bytes": st.tuples(st.integers(0, 10_000), st.integers(0, 10_000)),
    }
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(exchange, min_size=1, max_size=8))
def test_recorded_exchanges_are_the_same_rows_tag_sets_and_responses(exchanges: list[dict[str, Any]]) -> None:
    pair = _Pair()
    for ex in exchanges:
        pair.set_group(ex["group"])
        args = (
            ex["method"], ex["url"], ex["tags"], ex["expected"], ex["status"], ex["proto"], *ex["tls"],
            b"HTTP/1.1 200 X", b"body", *ex["stamps"], *ex["bytes"],
        )  # fmt: skip
        _same_response(pair.c.record(*args), pair.py.record(*args))
    (c_http, _, _), (py_http, _, _) = pair.rows()
    _same_rows(c_http, py_http)
    assert pair.tagsets()[0] == pair.tagsets()[1]
    assert (pair.c.bytes_sent, pair.c.bytes_received) == (pair.py.bytes_sent, pair.py.bytes_received)


def _answered(response: bytes, keep_body: bool) -> HttpConnection:
    conn = HttpConnection(asyncio.get_event_loop())
    conn.connection_made(_Transport())
    conn.send(b"GET / HTTP/1.1\r\n\r\n", False, keep_body)
    conn.data_received(response)
    return conn


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    status=_STATUS,
    keep_alive=st.booleans(),
    keep_body=st.booleans(),
    chunks=st.lists(st.binary(min_size=1, max_size=20), max_size=3),
    expected=_EXPECTED,
    tags=_TAGS,
    stamps=st.lists(_STAMP, min_size=5, max_size=5),
)
def test_settled_connections_are_the_same_rows_and_responses(
    status: int,
    keep_alive: bool,
    keep_body: bool,
    chunks: list[bytes],
    expected: ExpectedStatuses | None,
    tags: dict[str, str] | None,
    stamps: list[float],
) -> None:
    pair = _Pair()
    body = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"
    close = b"" if keep_alive else b"Connection: close\r\n"
    wire = b"HTTP/1.1 %d X\r\nTransfer-Encoding: chunked\r\n%s\r\n%s" % (status, close, body)
    settled = []
    for ledger in (pair.c, pair.py):
        # Each connection's write time is its own clock reading: the other stamps are set from it.
        conn = _answered(wire, keep_body)
        before_write, before_dial, connect_s, tls_s, after_write = stamps
        conn.t_first = conn.t_sent + after_write
        conn.t_done = conn.t_first + after_write / 2
        t_conn = conn.t_sent - before_write
        idle: list[HttpConnection] = []
        response = ledger.settle(
            conn, idle, "GET", "http://a/", tags, expected, t_conn - before_dial, t_conn, connect_s, tls_s
        )
        settled.append((response, idle == [conn], conn.closed))
    (c_response, c_idle, c_closed), (py_response, py_idle, py_closed) = settled
    _same_response(c_response, py_response, exact=False)
    assert (c_idle, c_closed) == (py_idle, py_closed)
    (c_http, _, _), (py_http, _, _) = pair.rows()
    assert c_http.shape == py_http.shape == (1, HTTP_FIELDS)
    c_http, py_http = np.delete(c_http, HTTP_TIME_COL, axis=1), np.delete(py_http, HTTP_TIME_COL, axis=1)
    np.testing.assert_allclose(c_http, py_http, atol=1e-6)  # the tag set and failed exactly (ints, NaN)
    assert (pair.c.bytes_sent, pair.c.bytes_received) == (pair.py.bytes_sent, pair.py.bytes_received)


class _Boom(Exception):
    pass


def _raise(value: object) -> bool:
    raise _Boom


_PREDICATE = st.sampled_from([True, False, 0, 1, "", "x", None, bool, lambda v: v == 1, _raise])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    group=st.sampled_from(["", "::g"]),
    checks=st.dictionaries(st.sampled_from(["a", "b", "status is 200"]), _PREDICATE, max_size=3),
    value=st.sampled_from([0, 1]),
    tags=_TAGS,
)
def test_checks_are_the_same_samples(group: str, checks: dict[str, Any], value: int, tags: Any) -> None:
    pair = _Pair()
    pair.set_group(group)
    outcomes = []
    for ledger in (pair.c, pair.py):
        try:
            outcomes.append(ledger.checks(value, checks, tags))
        except _Boom:
            outcomes.append("raised")
    assert outcomes[0] == outcomes[1]
    (_, c_gen, _), (_, py_gen, _) = pair.rows()
    time = 2  # a generic row's clock column
    _same_rows(np.delete(c_gen, time, axis=1), np.delete(py_gen, time, axis=1))
    assert pair.tagsets()[0] == pair.tagsets()[1]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    completed=st.booleans(),
    sent=st.integers(0, 10**6),
    received=st.integers(0, 10**6),
    start_ago=st.floats(0.0, 10.0),
)
def test_iterations_are_the_same_rows(completed: bool, sent: int, received: int, start_ago: float) -> None:
    pair = _Pair()
    rows = []
    for ledger in (pair.c, pair.py):
        ledger.bytes_sent, ledger.bytes_received = sent, received
        start = ledger.iteration(0, 0.0, True) - start_ago  # a clock reading, then the iteration
        end = ledger.iteration(7, start, completed)
        rows.append((end, start))
        assert (ledger.bytes_sent, ledger.bytes_received) == (0, 0)
    (_, _, c_iters), (_, _, py_iters) = pair.rows()
    for iters, (end, start) in zip((c_iters, py_iters), rows, strict=True):
        assert iters[1, 1] == end
        assert iters[1, 2] == pytest.approx((end - start) * 1000.0)
    clock = [1, 2]  # end, duration
    _same_rows(np.delete(c_iters, clock, axis=1), np.delete(py_iters, clock, axis=1))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(failed=st.sampled_from([math.nan, 1.0]), stamps=st.lists(_STAMP, min_size=7, max_size=7))
def test_failed_requests_are_the_same_rows(failed: float, stamps: list[float]) -> None:
    pair = _Pair()
    timings = [ledger.failed(3, failed, *stamps) for ledger in (pair.c, pair.py)]
    assert timings[0] == timings[1]
    (c_http, _, _), (py_http, _, _) = pair.rows()
    _same_rows(np.delete(c_http, HTTP_TIME_COL, axis=1), np.delete(py_http, HTTP_TIME_COL, axis=1))
