"""Noticing a blocked event loop.

All VUs of a process share one event loop: a VU that calls something blocking (`time.sleep`,
`requests.get`, a long computation) stops every other VU until it returns, and the test quietly
measures something else. k6 cannot have this problem (each VU is its own goroutine); Locust users
know it well. The periodic tasks that run anyway tell when they woke up late, and the warning says
whose work it was: loadcell's own (TLS handshakes, writing results to the outputs) is counted as it
happens, and only lateness that it does not explain is blamed on VU code.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict

from loadcell.http.tls import handshakes

log = logging.getLogger("loadcell")
BLOCKED_AFTER = 0.5  # seconds a periodic wake-up may be late before the loop counts as blocked
HANDSHAKE_STORM = 20  # TLS handshakes in one late wake-up's window that name them as the cause
own_work: defaultdict[str, float] = defaultdict(float)  # seconds of loadcell's own loop time, by what it was


class LagWatch:
    def __init__(self) -> None:
        self.warned = False

    async def sleep(self, interval: float) -> None:
        """asyncio.sleep(interval), then a warning (once) if the loop woke up much later than asked."""
        loop = asyncio.get_running_loop()
        due = loop.time() + interval
        shook, own = handshakes.finished, sum(own_work.values())
        await asyncio.sleep(interval)
        late = loop.time() - due
        if late > BLOCKED_AFTER and not self.warned:
            self.warned = True
            log.warning("%s", blame(late, handshakes.finished - shook, sum(own_work.values()) - own))


def blame(late: float, shook: int, own: float) -> str:
    """The warning for a loop `late` seconds late, in which `shook` TLS handshakes finished and
    loadcell's own timed work took `own` seconds."""
    if shook >= HANDSHAKE_STORM:
        return (
            f"the event loop was blocked for {late:.1f} s by loadcell's own work, not VU code: "
            f"{shook} TLS handshakes finished in that time (a few ms of OpenSSL CPU each); a ramp-up "
            "(stages) or more processes (--workers, agents) spreads them (logged once)"
        )
    if own >= late / 2:
        return (
            f"the event loop was blocked for {late:.1f} s by loadcell's own work, not VU code: "
            f"{own:.1f} s writing results to the outputs; a slow output, or --out with raw samples at a "
            "high request rate, holds the loop (logged once)"
        )
    return (
        f"the event loop was blocked for {late:.1f} s: VU code called something that blocks (time.sleep,"
        " requests, a long computation) and every VU of this process waited; use `await sleep()`"
        " and vu.http, or move the work to setup() (logged once)"
    )
