"""Noticing a blocked event loop.

All VUs of a process share one event loop: a VU that calls something blocking (`time.sleep`,
`requests.get`, a long computation) stops every other VU until it returns, and the test quietly
measures something else. k6 cannot have this problem (each VU is its own goroutine); Locust users
know it well. The periodic tasks that run anyway tell when they woke up late.
"""

from __future__ import annotations

import asyncio
import logging

log = logging.getLogger("loadcell")
BLOCKED_AFTER = 0.5  # seconds a periodic wake-up may be late before the loop counts as blocked


class LagWatch:
    def __init__(self) -> None:
        self.warned = False

    async def sleep(self, interval: float) -> None:
        """asyncio.sleep(interval), then a warning (once) if the loop woke up much later than asked."""
        loop = asyncio.get_running_loop()
        due = loop.time() + interval
        await asyncio.sleep(interval)
        late = loop.time() - due
        if late > BLOCKED_AFTER and not self.warned:
            self.warned = True
            log.warning(
                "the event loop was blocked for %.1f s: VU code called something that blocks (time.sleep,"
                " requests, a long computation) and every VU of this process waited; use `await sleep()`"
                " and vu.http, or move the work to setup() (logged once)",
                late,
            )
