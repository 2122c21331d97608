"""Request timeouts by one periodic sweep per event loop instead of one timer per request.

A uvloop timer handle costs microseconds to arm and cancel; a set insert and discard cost tens of
nanoseconds. The sweep runs while requests are in flight; timeouts fire within SWEEP_INTERVAL.
"""

from __future__ import annotations

import asyncio
from typing import ClassVar, Protocol
from weakref import WeakKeyDictionary

from loadcell.http._wire import Outbox
from loadcell.http.arrivals import ArrivalWatch
from loadcell.http.tls import DIALS_IN_FLIGHT
from loadcell.metrics.clock import now

SWEEP_INTERVAL = 0.05


class Expirable(Protocol):
    deadline: float

    def timeout(self) -> None: ...


class TimeoutSweeper:
    _by_loop: ClassVar[WeakKeyDictionary[asyncio.AbstractEventLoop, TimeoutSweeper]] = WeakKeyDictionary()

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.inflight: set[Expirable] = set()
        self.arrivals = ArrivalWatch()  # the same loop's first-byte stamps (loadcell.http.arrivals)
        # The same loop's corked request writes (loadcell.http._wire); a flush ends with a look.
        self.outbox = Outbox(loop, self.arrivals.after_flush)
        self.dials = asyncio.Semaphore(DIALS_IN_FLIGHT)  # TLS dials at once (loadcell.http.tls)
        self.task: asyncio.Task[None] | None = None

    @classmethod
    def for_loop(cls, loop: asyncio.AbstractEventLoop) -> TimeoutSweeper:
        sweeper = cls._by_loop.get(loop)
        if sweeper is None:
            sweeper = cls._by_loop[loop] = cls(loop)
        return sweeper

    def start(self) -> None:
        """Clients add to `inflight` directly (no call per request) and start the sweep if it is idle."""
        if self.task is None:
            self.task = self.loop.create_task(self._run())

    async def _run(self) -> None:
        try:
            while self.inflight:
                await asyncio.sleep(SWEEP_INTERVAL)
                t = now()
                for item in [i for i in self.inflight if i.deadline <= t]:
                    self.inflight.discard(item)
                    item.timeout()
        finally:
            self.task = None
