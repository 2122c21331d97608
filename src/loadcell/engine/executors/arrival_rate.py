"""The open-model machinery both arrival-rate executors share: start on time or drop, never queue."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

from loadcell.config.durations import format_duration
from loadcell.config.options import ConstantArrivalRate, RampingArrivalRate
from loadcell.engine.executors.base import Executor, Progress
from loadcell.engine.executors.steps import SECOND_NS, ns
from loadcell.engine.segment import ExecutionTuple, SegmentError
from loadcell.engine.vu import VU, current_vu
from loadcell.errors import ScriptAbortedError

log = logging.getLogger("loadcell")


@dataclass(frozen=True)
class ArrivalRateScaling:
    """constant_arrival_rate.go / ramping_arrival_rate.go for one segment.

    - ``pre_allocated_vus = et.ScaleInt64(preAllocatedVUs)``, ``max_vus = et.ScaleInt64(maxVUs)``,
      ``max_unplanned_vus = max_vus - pre_allocated_vus`` (both executors since k6 PR #3593).
    - The iterations are striped with ``iteration_tuple = et.GetNewExecutionTupleFromValue(maxVUs)``
      (unscaled maxVUs): its ``striped_offsets()`` give the global slots ``gi`` this instance starts, and
      its ``segmented_index()`` numbers the iterations. None (and no work) when ``max_vus`` is 0.
    - ``rate_per_second``: the scaled rate k6 displays, ``rate/timeUnit * iteration_tuple.length``.
    """

    pre_allocated_vus: int
    max_vus: int
    max_unplanned_vus: int
    iteration_tuple: ExecutionTuple | None
    rate_per_second: Fraction

    @property
    def has_work(self) -> bool:
        return self.max_vus > 0


def scale_arrival_rate(
    et: ExecutionTuple,
    rate: int,
    pre_allocated: int,
    max_vus: int | None = None,
    time_unit_ns: int = SECOND_NS,
) -> ArrivalRateScaling:
    """Scaled VUs, iteration tuple and display rate of an arrival-rate scenario (``max_vus`` defaults to
    ``pre_allocated`` as in k6's ``Validate``)."""
    max_vus = pre_allocated if max_vus is None else max_vus
    scaled_pre, scaled_max = et.scale_int(pre_allocated), et.scale_int(max_vus)
    it_tuple: ExecutionTuple | None = None
    if scaled_max > 0:
        try:
            it_tuple = et.new_from_value(max_vus)
        except SegmentError:
            it_tuple = None
    length = it_tuple.segment.length if it_tuple is not None else Fraction(0)
    per_sec = Fraction(rate, time_unit_ns) * length * SECOND_NS
    return ArrivalRateScaling(scaled_pre, scaled_max, scaled_max - scaled_pre, it_tuple, per_sec)


class ArrivalRateExecutor(Executor):
    """Subclasses yield iteration start offsets (seconds from the scenario start) in order."""

    pooled = True
    config: ConstantArrivalRate | RampingArrivalRate

    @property
    def scaling(self) -> ArrivalRateScaling:
        cfg = self.config
        rate = cfg.rate if isinstance(cfg, ConstantArrivalRate) else 0  # only displayed, see rate_text()
        return scale_arrival_rate(self.et, rate, cfg.preAllocatedVUs, cfg.maxVUs, ns(cfg.timeUnit))

    def max_vus(self) -> int:
        return self.scaling.max_vus

    def planned_vus(self) -> int:
        return self.scaling.pre_allocated_vus

    def start_offsets(self, iteration_tuple: ExecutionTuple) -> Iterator[float]:
        raise NotImplementedError

    def rate_text(self) -> str:
        raise NotImplementedError

    async def execute(self) -> None:
        cfg = self.config
        scaling = self.scaling
        if not scaling.has_work or scaling.iteration_tuple is None:
            return
        self.vu_limit = scaling.max_vus
        self.idle: list[VU] = [self.take_vu() for _ in range(scaling.pre_allocated_vus)]
        self.dropped = 0
        self._initializing = False
        self._warned = False
        start = self.loop.time()
        end = start + cfg.nominal_duration()
        loop_time = self.loop.time
        for offset in self.start_offsets(scaling.iteration_tuple):
            due = start + offset
            if due > end:  # one due exactly at the end still starts, as k6's timer beats its deadline
                break
            delay = due - loop_time()
            if delay > 0:
                await asyncio.sleep(delay)
            self._start_one()
        await self.wait_then_stop(list(self.tasks), end, cfg.gracefulStop)

    def _start_one(self) -> None:
        if self.idle:
            self.spawn(self._iteration(self.idle.pop()))
            return
        # No free VU: the iteration is dropped, never queued (k6's open model).
        self.dropped += 1
        self.emit_dropped(1)
        if len(self.vus) < self.vu_limit:
            if not self._initializing:
                self._initializing = True
                self.loop.call_soon(self._add_vu)
        elif not self._warned:
            self._warned = True
            log.warning(
                "Insufficient VUs, reached %d active VUs and cannot initialize more",
                self.vu_limit,
                extra={"fields": {"executor": self.config.executor, "scenario": self.name}},
            )

    def _add_vu(self) -> None:
        self._initializing = False
        if not self.finished and len(self.vus) < self.vu_limit:
            self.idle.append(self.take_vu())

    async def _iteration(self, vu: VU) -> None:
        current_vu.set(vu)
        self.active += 1
        try:
            await self.iterate(vu)
        except ScriptAbortedError as exc:
            self.state.abort(exc)
        finally:
            self.active -= 1
            self.idle.append(vu)

    def describe(self) -> str:
        scaling = self.scaling
        return self.rate_text() + self.options_text(f"maxVUs: {scaling.pre_allocated_vus}-{scaling.max_vus}")

    def progress(self) -> Progress:
        base = super().progress()
        total = self.duration()
        base.text = (
            f"{self.active}/{self.vu_count} VUs  {format_duration(round(min(self.elapsed(), total), 1))}/"
            f"{format_duration(total)}"
        )
        return base
