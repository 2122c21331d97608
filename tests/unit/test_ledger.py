"""A VU's ledger (C): a finished exchange becomes one sample row and one Response, checks and
iterations become their rows, and the rows are what the folder reads. Real VUs and real C
connections fed by hand; no sockets."""

from __future__ import annotations

import asyncio
import gc
import math
import types
import warnings
import weakref
from collections.abc import Iterator
from types import MappingProxyType

import numpy as np
import pytest

from loadcell.engine.context import RunContext, set_context
from loadcell.engine.vu import VU
from loadcell.http._wire import Ledger
from loadcell.http.connection import HttpConnection
from loadcell.http.expected import DEFAULT_EXPECTED, ExpectedStatuses
from loadcell.metrics import registry as R
from loadcell.metrics.buffer import Folder
from loadcell.metrics.clock import now

URL = "http://127.0.0.1:9/ledger"
GET = b"GET /ledger HTTP/1.1\r\n\r\n"


class _Transport(asyncio.Transport):
    def write(self, data: bytes) -> None:  # type: ignore[override]
        pass

    def close(self) -> None:
        pass


@pytest.fixture
def vu() -> Iterator[VU]:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    ctx = RunContext(env={})
    set_context(ctx)
    vu = VU(1, ctx)
    vu.enter_scenario("default", {}, {})
    yield vu
    asyncio.set_event_loop(None)
    loop.close()


def _answered(response: bytes) -> HttpConnection:
    conn = HttpConnection(asyncio.get_event_loop())
    conn.connection_made(_Transport())
    waiter = conn.send(GET)
    conn.data_received(response)
    assert waiter.done()
    return conn


def _ok(status: int = 200, extra: bytes = b"", body: bytes = b"ok") -> bytes:
    return b"HTTP/1.1 %d X\r\nContent-Length: %d\r\n%s\r\n%s" % (status, len(body), extra, body)


def _tags(vu: VU, tid: float) -> dict[str, str]:
    return vu.tagsets.as_dict(int(tid))


def test_a_finished_exchange_is_one_row_and_one_response(vu: VU) -> None:
    conn = _answered(_ok())
    # Stamps 50 ms of waiting and 2 ms of receiving after the write.
    conn.t_first = conn.t_sent + 0.050
    conn.t_done = conn.t_first + 0.002
    t_conn = conn.t_sent - 0.001
    idle: list[HttpConnection] = []
    response = vu.ledger.settle(
        conn, idle, "GET", URL, None, DEFAULT_EXPECTED, t_conn - 0.003, t_conn, 0.0021, 0.0007
    )

    assert (response.status, response.proto, response.body, response.error, response.error_code) == (
        200,
        "HTTP/1.1",
        b"ok",
        "",
        0,
    )
    assert response.raw_head == b"HTTP/1.1 200 X\r\nContent-Length: 2"
    timings = response.timings
    assert (
        timings.blocked,
        timings.connecting,
        timings.tls_handshaking,
        timings.sending,
        timings.waiting,
        timings.receiving,
    ) == pytest.approx((3.0, 2.1, 0.7, 1.0, 50.0, 2.0), abs=1e-6)
    assert idle == [conn] and not conn.closed
    assert (vu.ledger.bytes_sent, vu.ledger.bytes_received) == (len(GET), len(_ok()))
    assert conn.bytes_in == conn.bytes_out == 0  # counted once

    http, _, _ = vu.buffer.drain()
    assert http.shape == (1, 10)
    row = http[0]
    assert row[1] == conn.t_done
    np.testing.assert_allclose(row[2:9], [53.0, 3.0, 2.1, 0.7, 1.0, 50.0, 2.0], atol=1e-6)
    assert row[9] == 0.0  # http_req_failed
    tags = _tags(vu, row[0])
    assert tags == {
        "expected_response": "true",
        "method": "GET",
        "name": URL,
        "proto": "HTTP/1.1",
        "scenario": "default",
        "status": "200",
        "url": URL,
    }


def test_an_unexpected_status_fails_and_a_closing_connection_is_closed(vu: VU) -> None:
    conn = _answered(_ok(404, b"Connection: close\r\n"))
    idle: list[HttpConnection] = []
    response = vu.ledger.settle(conn, idle, "GET", URL, None, DEFAULT_EXPECTED, 0.0, 0.0, 0.0, 0.0)
    assert (response.status, response.error, response.error_code) == (404, "HTTP 404", 1404)
    assert idle == [] and conn.closed
    row = vu.buffer.drain()[0][0]
    assert row[9] == 1.0
    tags = _tags(vu, row[0])
    assert (tags["expected_response"], tags["error_code"], tags["status"]) == ("false", "1404", "404")


def test_without_expected_statuses_there_is_no_failed_value_and_no_tag(vu: VU) -> None:
    response = vu.ledger.settle(_answered(_ok(500)), [], "GET", URL, None, None, 0.0, 0.0, 0.0, 0.0)
    assert response.error_code == 1500
    row = vu.buffer.drain()[0][0]
    assert math.isnan(row[9]) and "expected_response" not in _tags(vu, row[0])


def test_tag_sets_are_cached_per_group_and_extra_tags(vu: VU) -> None:
    def settle(tags: dict[str, str] | None = None) -> float:
        vu.ledger.settle(_answered(_ok()), [], "GET", URL, tags, DEFAULT_EXPECTED, 0.0, 0.0, 0.0, 0.0)
        return float(vu.buffer.drain()[0][0, 0])

    first = settle()
    # The C keys the VU's cache as the VU's Python method does (a wrong key would only miss).
    assert vu.metrics.http_cache[("", "GET", URL, 200, "HTTP/1.1", "true", None, "")] == first
    vu.metrics.http_cache[("", "GET", URL, 200, "HTTP/1.1", "true", None, "")] = 12345
    assert settle() == 12345  # the cache answered
    vu.metrics.http_cache.clear()
    vu.group = "::login"
    in_group = settle()
    assert in_group != first and _tags(vu, in_group)["group"] == "::login"
    named = _tags(vu, settle({"name": "ping", "kind": "probe"}))
    assert (named["name"], named["url"], named["kind"]) == ("ping", "ping", "probe")


def test_a_chunked_body_is_joined_and_an_empty_one_is_empty(vu: VU) -> None:
    conn = _answered(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n3\r\ncde\r\n0\r\n\r\n")
    assert vu.ledger.settle(conn, [], "GET", URL, None, None, 0.0, 0.0, 0.0, 0.0).body == b"abcde"
    empty = _answered(_ok(204, body=b""))
    assert vu.ledger.settle(empty, [], "GET", URL, None, None, 0.0, 0.0, 0.0, 0.0).body == b""


def test_each_expected_statuses_object_is_honoured(vu: VU) -> None:
    for expected, failed in ((DEFAULT_EXPECTED, 1.0), (ExpectedStatuses(404), 0.0), (DEFAULT_EXPECTED, 1.0)):
        vu.ledger.settle(_answered(_ok(404)), [], "GET", URL, None, expected, 0.0, 0.0, 0.0, 0.0)
        assert vu.buffer.drain()[0][0, 9] == failed


def test_a_failing_tag_set_lookup_fails_the_settle_and_writes_nothing(vu: VU) -> None:
    class Unprintable:
        def __str__(self) -> str:
            raise ValueError("no text")

    with pytest.raises(ValueError, match="no text"):  # raised by the VU's miss method, through the C
        vu.ledger.settle(_answered(_ok()), [], "GET", URL, {"k": Unprintable()}, None, 0.0, 0.0, 0.0, 0.0)
    with pytest.raises(AttributeError):  # tags that are not a mapping
        vu.ledger.settle(_answered(_ok()), [], "GET", URL, 42, None, 0.0, 0.0, 0.0, 0.0)
    assert vu.buffer.drain()[0].size == 0


def test_a_ledger_without_init_refuses_to_write() -> None:
    with pytest.raises(RuntimeError, match="__init__"):
        Ledger.__new__(Ledger).iteration(0, 0.0, True)


def test_a_vu_and_its_ledger_are_collected(vu: VU) -> None:
    other = VU(2, vu.ctx)
    ref = weakref.ref(other)
    del other
    gc.collect()
    assert ref() is None  # the VU <-> ledger cycle (bound methods, caches) is the collector's


def test_settle_refuses_what_is_not_a_connection(vu: VU) -> None:
    with pytest.raises(TypeError, match="settle"):
        vu.ledger.settle(object(), [], "GET", URL, None, None, 0.0, 0.0, 0.0, 0.0)


def test_checks_write_one_row_each_in_the_group(vu: VU) -> None:
    vu.group = "::g"
    assert vu.ledger.checks(7, {"fine": lambda v: v == 7, "odd": lambda v: v % 2}, None) is True
    assert vu.ledger.checks(7, {"fine": False}, {"k": "v"}) is False  # a value is its own result
    _, gen, _ = vu.buffer.drain()
    assert gen[:, 0].tolist() == [R.CHECKS.id] * 3 and gen[:, 3].tolist() == [1.0, 1.0, 0.0]
    assert _tags(vu, gen[0, 1]) == {"check": "fine", "group": "::g", "scenario": "default"}
    assert _tags(vu, gen[1, 1])["check"] == "odd"
    assert _tags(vu, gen[2, 1])["k"] == "v"
    assert vu.metrics.check_cache[("::g", "fine", (("k", "v"),))] == gen[2, 1]  # keyed as the VU keys it


def test_a_predicate_that_raises_is_a_failed_check_and_raises(vu: VU) -> None:
    with pytest.raises(ZeroDivisionError):
        vu.ledger.checks(0, {"before": True, "divides": lambda v: 1 / v, "after": True}, None)
    gen = vu.buffer.drain()[1]
    assert [_tags(vu, t)["check"] for t in gen[:, 1]] == ["before", "divides"]
    assert gen[:, 3].tolist() == [1.0, 0.0]


def test_an_awaitable_result_is_a_script_error(vu: VU) -> None:
    async def later(_: object) -> bool:
        return True

    @types.coroutine
    def old_style(_: object) -> Iterator[None]:
        yield

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a coroutine left unclosed would warn "never awaited"
        for predicate in (later, old_style):
            with pytest.raises(TypeError, match="'async' returned an awaitable"):
                vu.ledger.checks(1, {"async": predicate}, None)
            gc.collect()
    assert vu.buffer.drain()[1][:, 3].tolist() == [0.0, 0.0]


def test_an_interrupt_in_a_predicate_is_not_a_failed_check(vu: VU) -> None:
    def interrupted(_: object) -> bool:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        vu.ledger.checks(1, {"stop": interrupted}, None)
    assert vu.buffer.drain()[1].size == 0


def test_a_predicate_may_drop_its_own_entry(vu: VU) -> None:
    def drop(_: object) -> bool:
        checks.clear()  # the C holds its own references to the name and the predicate
        gc.collect()
        return True

    checks = {"drops itself": drop}
    with pytest.raises(RuntimeError, match="changed size"):
        vu.ledger.checks(1, checks, None)
    assert _tags(vu, vu.buffer.drain()[1][0, 1])["check"] == "drops itself"


def test_check_names_and_mappings_are_validated(vu: VU) -> None:
    with pytest.raises(ValueError, match="::"):
        vu.ledger.checks(1, {"a::b": True}, None)
    assert vu.buffer.drain()[1].size == 0  # a refused name writes nothing

    def grow(_: object) -> bool:
        checks["more"] = True
        return True

    checks = {"grows": grow}
    with pytest.raises(RuntimeError, match="changed size"):
        vu.ledger.checks(1, checks, None)
    assert vu.buffer.drain()[1].shape[0] == 1  # the check that ran was counted

    def cycle(_: object) -> bool:
        del same["cycles"]
        same["cycles"] = cycle  # the same size: Python's iterator stops this too
        return True

    same = {"cycles": cycle}
    with pytest.raises(RuntimeError, match="keys changed"):
        vu.ledger.checks(1, same, None)
    assert vu.ledger.checks(1, MappingProxyType({"proxy": True}), None) is True  # any mapping


def test_an_iteration_row_carries_its_bytes_and_folds(vu: VU) -> None:
    vu.ledger.settle(_answered(_ok()), [], "GET", URL, None, DEFAULT_EXPECTED, 0.0, 0.0, 0.0, 0.0)
    vu.ledger.bytes_sent += 7  # as the client adds a failed request's bytes
    start = now()
    end = vu.ledger.iteration(vu.base_tid, start, True)
    vu.ledger.iteration(vu.base_tid, end, False)
    http, gen, iters = vu.buffer.drain()
    assert iters[0].tolist()[:2] == [vu.base_tid, end]
    assert iters[0, 2] == pytest.approx((end - start) * 1000.0)
    assert iters[0, 3:].tolist() == [len(GET) + 7, len(_ok()), 1.0]
    assert iters[1, 3:].tolist() == [0.0, 0.0, 0.0]  # the counts started again

    batch = Folder(R.REGISTRY, vu.tagsets).fold(http, gen, iters, keep_raw=False)
    totals = {(m, t): s for m, t, s in batch.deltas}
    assert totals[(R.ITERATIONS.id, vu.base_tid)].total == 1.0  # the interrupted one is not counted
    assert totals[(R.DATA_SENT.id, vu.base_tid)].total == len(GET) + 7
    assert totals[(R.HTTP_REQS.id, int(http[0, 0]))].total == 1.0
