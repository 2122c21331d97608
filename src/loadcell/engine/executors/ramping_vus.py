"""ramping-vus: the VU count follows linear stages; ramped-down VUs finish their iteration first."""

from __future__ import annotations

import asyncio

from loadcell.config.durations import format_duration
from loadcell.config.options import RampingVUs
from loadcell.engine.executors.base import Executor
from loadcell.engine.segment import Stage, ramping_vus_raw_steps
from loadcell.engine.vu import VU


def ns(seconds: float) -> int:
    return round(seconds * 1e9)


class RampingVUsExecutor(Executor):
    config: RampingVUs

    def steps(self) -> list[tuple[float, int]]:
        """(offset seconds, planned VUs) for this segment, striped VU by VU as k6 does."""
        cfg = self.config
        stages = [Stage(ns(s.duration), s.target) for s in cfg.stages]
        return [
            (st.time_offset, st.planned_vus) for st in ramping_vus_raw_steps(self.et, cfg.startVUs, stages)
        ]

    def max_vus(self) -> int:
        return max(planned for _, planned in self.steps())

    async def execute(self) -> None:
        cfg = self.config
        steps = self.steps()
        start = self.loop.time()
        end = start + cfg.nominal_duration()
        self.target = 0
        slot_vus: list[VU] = []
        slot_tasks: dict[int, asyncio.Task] = {}
        generation: dict[int, int] = {}

        def activate(slot: int) -> None:
            while len(slot_vus) <= slot:
                slot_vus.append(self.take_vu())
            generation[slot] = generation.get(slot, 0) + 1
            task = slot_tasks.get(slot)
            if task is None or task.done():
                slot_tasks[slot] = self.spawn(
                    self.vu_loop(slot_vus[slot], lambda _vu, s=slot: s < self.target)
                )

        def interrupt_if_still_down(slot: int, gen: int) -> None:
            task = slot_tasks.get(slot)
            if generation.get(slot) == gen and slot >= self.target and task is not None and not task.done():
                task.cancel()

        for offset, planned in steps:
            delay = start + offset - self.loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            previous, self.target = self.target, planned
            for slot in range(previous, planned):
                activate(slot)
            for slot in range(planned, previous):
                gen = generation.get(slot, 0)
                self.loop.call_later(cfg.gracefulRampDown, interrupt_if_still_down, slot, gen)
        delay = end - self.loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        self.target = 0
        await self.wait_then_stop(list(slot_tasks.values()), end, cfg.gracefulStop)

    def describe(self) -> str:
        cfg = self.config
        return (
            f"Up to {self.max_vus()} looping VUs for {format_duration(cfg.nominal_duration())}"
            f" over {len(cfg.stages)} stages"
            + self.options_text(f"gracefulRampDown: {format_duration(cfg.gracefulRampDown)}")
        )
