"""First-byte stamps for responses that land while the event loop is busy running VU code.

uvloop reads a socket, and the client stamps a response's first byte, only when the loop next
polls. A response that lands while the loop runs other VUs' iterations waits unread, and that wait
would count as server time in http_req_waiting: +2.2 ms at p95 against a packet capture of the same
run (200 VUs, 50 ms endpoint; docs/performance.md). So while requests are in flight the client asks
the kernel, at most every STAMP_INTERVAL, which of its sockets got bytes since it last asked (one
`epoll_wait(0)` over an edge-triggered epoll set of its own) and stamps their first byte then.
Edge-triggered, each arrival is reported once, so a look costs the syscall plus the new arrivals,
not every socket still waiting to be read (level-triggered cost 12% of the throughput case). The
kernel re-checks a socket's readiness when it reports it, so a socket uvloop has read in between is
not reported: a stamp never predates its response.
"""

from __future__ import annotations

import contextlib
import select

from loadcell.http import _wire
from loadcell.http._wire import Connection
from loadcell.metrics.clock import now

STAMP_INTERVAL = 0.0002  # bounds how late a first byte is stamped while the loop is busy
HAVE_EPOLL = hasattr(select, "epoll")  # Linux; elsewhere first bytes are stamped when read
_EVENTS = select.EPOLLIN | select.EPOLLET if HAVE_EPOLL else 0


class ArrivalWatch:
    """The plain-TCP connections of one event loop, by file descriptor (TLS records are not
    response bytes until decrypted, so TLS connections keep the stamp taken when data is read)."""

    __slots__ = ("_epoll", "conns", "last")

    def __init__(self) -> None:
        self._epoll: select.epoll | None = None  # made on first use: after any fork into workers
        self.conns: dict[int, Connection] = {}
        self.last = 0.0

    def watch(self, fd: int, conn: Connection) -> None:
        if not HAVE_EPOLL:
            return
        if self._epoll is None:
            self._epoll = select.epoll()
        try:
            self._epoll.register(fd, _EVENTS)
        except FileExistsError:  # the number of a closed socket, reused before we forgot it
            self._epoll.modify(fd, _EVENTS)
        self.conns[fd] = conn

    def forget(self, fd: int, conn: Connection) -> None:
        if self.conns.get(fd) is conn:  # not a newer connection that reuses the number
            del self.conns[fd]
            with contextlib.suppress(OSError):  # closing the socket has dropped it already
                self._epoll.unregister(fd)  # type: ignore[union-attr]  # watch() made it

    def after_flush(self) -> None:
        """After the outbox wrote a pass's requests: a flush of many writes is a stretch of loop
        time in which no request send looks (bench/run.sh --slow: 0.27 -> 0.70 ms late at p95
        without this)."""
        if self.conns and now() - self.last > STAMP_INTERVAL:
            self.stamp()

    def stamp(self) -> None:
        """Stamp every in-flight request whose socket got unread bytes since the last look (in C:
        `loadcell.http._wire.stamp`, with now() taken after the poll, so never before the bytes
        were there)."""
        self.last = _wire.stamp(self._epoll.fileno(), self.conns)  # type: ignore[union-attr]  # conns: watched
