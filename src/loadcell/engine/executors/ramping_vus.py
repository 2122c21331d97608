"""ramping-vus: the VU count follows linear stages; ramped-down VUs finish their iteration first."""

from __future__ import annotations

import asyncio

from loadcell.config.durations import format_duration
from loadcell.config.options import RampingVUs
from loadcell.engine.executors.base import Executor
from loadcell.engine.vu import VU


def raw_steps(start_vus: int, stages: list[tuple[float, int]]) -> list[tuple[float, int]]:
    """(time offset, planned VUs) each time the linear ramp crosses an integer, k6-style."""
    steps = [(0.0, start_vus)]
    t, current = 0.0, start_vus
    for duration, target in stages:
        if duration == 0:
            steps.append((t, target))
        else:
            diff = target - current
            sign = 1 if diff > 0 else -1
            for i in range(1, abs(diff) + 1):
                steps.append((t + duration * i / abs(diff), current + sign * i))
        t += duration
        current = target
    return steps


class RampingVUsExecutor(Executor):
    config: RampingVUs

    async def execute(self) -> None:
        cfg = self.config
        stages = [(s.duration, self.scale(s.target)) for s in cfg.stages]
        steps = raw_steps(self.scale(cfg.startVUs), stages)
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
        max_vus = max([self.scale(cfg.startVUs), *(self.scale(s.target) for s in cfg.stages)])
        return (
            f"Up to {max_vus} looping VUs for {format_duration(cfg.nominal_duration())}"
            f" over {len(cfg.stages)} stages "
            + self.options_text(f"gracefulRampDown: {format_duration(cfg.gracefulRampDown)}")
        )
