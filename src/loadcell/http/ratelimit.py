"""k6's `rps` option: a cap on the requests per second a test sends, shared by all its VUs."""

from __future__ import annotations

import asyncio

from loadcell.metrics.clock import now


class RateLimiter:
    """Requests leave at most `rate` a second, evenly spaced (k6 uses a token bucket of burst 1).

    One per process; with several workers each gets its execution segment's share of the rate.
    """

    __slots__ = ("interval", "next")

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self.next = 0.0

    async def wait(self) -> None:
        t = now()
        slot = self.next if self.next > t else t
        self.next = slot + self.interval
        if slot > t:
            await asyncio.sleep(slot - t)
