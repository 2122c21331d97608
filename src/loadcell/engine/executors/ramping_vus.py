"""ramping-vus: the VU count follows linear stages; ramped-down VUs finish their iteration first."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from loadcell.config.durations import format_duration
from loadcell.config.options import RampingVUs
from loadcell.engine.executors.base import Executor
from loadcell.engine.executors.steps import SECOND_NS, ExecutionStep, Stage, ns
from loadcell.engine.rational import go_quo
from loadcell.engine.segment import ExecutionTuple
from loadcell.engine.vu import VU


@dataclass(frozen=True)
class RampingVUsScaling:
    """ramping_vus.go summary values: ``start_vus = et.ScaleInt64(startVUs)`` and ``max_vus`` =
    ``et.ScaleInt64(max(startVUs, targets))`` (the "Up to N looping VUs" of the description). The actual
    schedule is per-VU striped, see ``ramping_vus_raw_steps``."""

    start_vus: int
    max_vus: int


def scale_ramping_vus(et: ExecutionTuple, start_vus: int, stage_targets: Iterable[int]) -> RampingVUsScaling:
    """Scaled start and peak VUs of a ramping-vus scenario (target 5 over thirds: up to 2/2/1)."""
    peak = max([start_vus, *stage_targets])
    return RampingVUsScaling(et.scale_int(start_vus), et.scale_int(peak))


def ramping_vus_raw_steps(
    et: ExecutionTuple, start_vus: int, stages: Sequence[Stage], zero_end: bool = False
) -> list[ExecutionStep]:
    """k6's ``RampingVUsConfig.getRawExecutionSteps``: this segment's planned VUs over time.

    The unscaled ramp is walked VU by VU with the tuple's ``SegmentedIndex``: this instance adds a VU
    exactly when the global ramp reaches a VU number it owns, so the sum over all instances reproduces the
    unsplit shape step by step. Offsets use Go's integer nanosecond arithmetic. Graceful ramp-down is not
    included (see ``ramping_vus_requirements``); ``zero_end`` appends a final 0-VU step like k6.
    """
    index = et.segmented_index()
    from_vus = start_vus
    time_till_end = 0
    scaled, unscaled = index.go_to(from_vus)
    steps = [ExecutionStep(0, scaled)]

    def add_step(offset: int, planned: int) -> None:
        if steps[-1].planned_vus != planned:
            steps.append(ExecutionStep(offset, planned))

    for duration, stage_end in stages:
        time_till_end += duration
        diff = stage_end - from_vus
        if diff == 0:
            continue
        if duration == 0:
            scaled, unscaled = index.go_to(stage_end)
            add_step(time_till_end, scaled)
            from_vus = stage_end
            continue
        if unscaled > stage_end:  # ramp down: a VU stops at the time of the next-lower global VU
            while unscaled > stage_end:
                add_step(time_till_end - go_quo(duration * (stage_end - unscaled + 1), diff), scaled - 1)
                scaled, unscaled = index.prev()
        else:
            while unscaled <= stage_end:
                add_step(time_till_end - go_quo(duration * (stage_end - unscaled), diff), scaled)
                scaled, unscaled = index.next()
        from_vus = stage_end
    if zero_end and steps[-1].planned_vus != 0:
        steps.append(ExecutionStep(time_till_end, 0))
    return steps


def _reserve_vus_for_graceful_ramp_downs(
    raw: list[ExecutionStep], end_offset: int, graceful_ramp_down: int
) -> list[ExecutionStep]:
    """k6's ``reserveVUsForGracefulRampDowns``: keep VUs reserved while ramped-down ones may still finish."""
    new_steps: list[ExecutionStep] = []
    last_planned = 0
    last_downward_slope = 0
    n = len(raw)
    step_num = 0
    while step_num < n:
        step = raw[step_num]
        if step_num == 0 or step.planned_vus > last_planned:
            new_steps.append(step)
            last_planned = step.planned_vus
            step_num += 1
            continue
        if step.planned_vus == last_planned:
            step_num += 1
            continue
        skipped = False
        timeout_offset = step.time_offset_ns + graceful_ramp_down
        adv_start = max(step_num + 1, last_downward_slope)
        was_ramping_down = True
        for adv in range(adv_start, n):
            adv_step = raw[adv]
            if adv_step.time_offset_ns > timeout_offset:
                break
            if adv_step.planned_vus >= last_planned:
                step_num = adv - 1
                skipped = True
                break
            if was_ramping_down:
                if raw[adv - 1].planned_vus > adv_step.planned_vus:
                    last_downward_slope = adv
                else:
                    was_ramping_down = False
        if skipped:
            step_num += 1
            continue
        if timeout_offset >= end_offset:
            break
        new_steps.append(ExecutionStep(timeout_offset, step.planned_vus))
        last_planned = step.planned_vus
        step_num += 1
    return new_steps


def ramping_vus_requirements(
    et: ExecutionTuple,
    start_vus: int,
    stages: Sequence[Stage],
    graceful_ramp_down_ns: int = 30 * SECOND_NS,
    graceful_stop_ns: int = 30 * SECOND_NS,
) -> list[ExecutionStep]:
    """k6's ``RampingVUsConfig.GetExecutionRequirements``: raw steps plus VUs held for graceful ramp-down,
    ending with 0 VUs at ``sum(durations) + gracefulStop``. Its max is the instance's VU reservation."""
    steps = ramping_vus_raw_steps(et, start_vus, stages, zero_end=False)
    end_offset = sum(s.duration_ns for s in stages) + graceful_stop_ns
    if graceful_ramp_down_ns > 0:
        steps = _reserve_vus_for_graceful_ramp_downs(steps, end_offset, graceful_ramp_down_ns)
    if steps[-1].planned_vus != 0:
        steps.append(ExecutionStep(end_offset, 0))
    return steps


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
        slot_tasks: dict[int, asyncio.Task[None]] = {}
        generation: dict[int, int] = {}

        def below_target(slot: int) -> Callable[[VU], bool]:
            """A slot's VU keeps looping while the ramp's target is above it."""
            return lambda _vu: slot < self.target

        def activate(slot: int) -> None:
            while len(slot_vus) <= slot:
                slot_vus.append(self.take_vu())
            generation[slot] = generation.get(slot, 0) + 1
            task = slot_tasks.get(slot)
            if task is None or task.done():
                slot_tasks[slot] = self.spawn(self.vu_loop(slot_vus[slot], below_target(slot)))

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
