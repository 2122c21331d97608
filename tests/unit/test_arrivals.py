"""ArrivalWatch: first-byte stamps from the kernel's readiness, on real socket pairs."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import pytest

from loadcell.http._wire import Connection
from loadcell.http.arrivals import STAMP_INTERVAL, ArrivalWatch
from loadcell.metrics.clock import now


@pytest.fixture(autouse=True)
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    yield loop
    asyncio.set_event_loop(None)
    loop.close()


def _conn(waiting: bool = True) -> Connection:
    """A C connection with a request in flight (or none), never connected: the watch reads only
    its waiter and first-byte stamp."""
    loop = asyncio.get_event_loop()
    conn = Connection(loop)
    conn.waiter = loop.create_future() if waiting else None
    return conn


@pytest.fixture
def pairs() -> Iterator[list[tuple[socket.socket, socket.socket]]]:
    made = [socket.socketpair() for _ in range(4)]
    yield made
    for a, b in made:
        a.close()
        b.close()


def test_only_in_flight_requests_with_unread_bytes_are_stamped(pairs: list) -> None:
    watch = ArrivalWatch()
    landed, silent, idle, stamped = _conn(), _conn(), _conn(waiting=False), _conn()
    stamped.t_first = 1.0
    for (ours, _), conn in zip(pairs, (landed, silent, idle, stamped), strict=True):
        watch.watch(ours.fileno(), conn)
    for i in (0, 2, 3):
        pairs[i][1].send(b"HTTP/1.1 200 OK\r\n")
    before = now()
    watch.stamp()
    assert before <= landed.t_first <= now()
    assert silent.t_first == 0.0  # nothing to read yet
    assert idle.t_first == 0.0  # no request in flight: bytes of a closed or stray response
    assert stamped.t_first == 1.0  # the first stamp stands


def test_a_read_socket_is_not_stamped_again(pairs: list) -> None:
    watch = ArrivalWatch()
    conn = _conn()
    ours, theirs = pairs[0]
    watch.watch(ours.fileno(), conn)
    theirs.send(b"x")
    ours.recv(1)  # uvloop read it first
    watch.stamp()
    assert conn.t_first == 0.0


def test_forgetting_a_closed_connection_keeps_the_one_that_reuses_its_number(pairs: list) -> None:
    watch = ArrivalWatch()
    old, new = _conn(), _conn()
    ours, theirs = pairs[0]
    fd = ours.fileno()
    watch.watch(fd, old)
    watch.watch(fd, new)  # the number came back before the old connection was forgotten
    watch.forget(fd, old)
    theirs.send(b"x")
    watch.stamp()
    assert new.t_first > 0.0 and old.t_first == 0.0
    watch.forget(fd, new)
    assert watch.conns == {}


def test_each_arrival_is_reported_once(pairs: list) -> None:
    """Edge-triggered: bytes still unread at the next look are not walked over again."""
    watch = ArrivalWatch()
    conn = _conn()
    ours, theirs = pairs[0]
    watch.watch(ours.fileno(), conn)
    theirs.send(b"x")
    watch.stamp()
    first = conn.t_first
    conn.t_first = 0.0
    watch.stamp()
    assert first > 0.0 and conn.t_first == 0.0
    theirs.send(b"y")  # new bytes are a new arrival
    watch.stamp()
    assert conn.t_first > first


def test_a_flush_looks_only_when_the_last_look_is_older_than_the_interval(pairs: list) -> None:
    watch = ArrivalWatch()
    conn = _conn()
    (ours, theirs) = pairs[0]
    watch.watch(ours.fileno(), conn)
    theirs.send(b"HTTP/1.1 200 OK\r\n")
    watch.last = now()  # a look just happened
    watch.after_flush()
    assert conn.t_first == 0.0
    watch.last = now() - 2 * STAMP_INTERVAL
    watch.after_flush()
    assert conn.t_first > 0.0
