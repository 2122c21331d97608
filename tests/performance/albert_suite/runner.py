"""Iteration bodies the scripts export: one journey, a weighted mix, or all ten in order."""

from __future__ import annotations

from loadcell.engine.vu import VU

from .journeys import ALL, WEIGHTS, j1_bootstrap
from .session import Session, session_for


async def ready(vu: VU) -> Session:
    """The VU's session; J1 (bootstrap) runs on its first iteration."""
    s = session_for(vu)
    if not s.user_id:
        await j1_bootstrap(s)
    return s


async def weighted_journey(vu: VU) -> None:
    s = await ready(vu)
    names, weights = zip(*WEIGHTS.items(), strict=True)
    await ALL[s.data.rng.choices(names, weights)[0]](s)


async def every_journey(vu: VU) -> None:
    s = await ready(vu)
    for name, journey in ALL.items():
        if name != "J1":
            await journey(s)


async def bulk_export(vu: VU) -> None:
    await ALL["J9"](await ready(vu))
