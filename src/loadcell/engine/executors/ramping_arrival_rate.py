"""ramping-arrival-rate: the start rate ramps linearly; starts come from the area under the rate."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

from loadcell.config.durations import format_duration
from loadcell.config.options import RampingArrivalRate
from loadcell.engine.executors.arrival_rate import ArrivalRateExecutor
from loadcell.engine.executors.steps import SECOND_NS, Stage, ns
from loadcell.engine.rational import go_duration
from loadcell.engine.segment import ExecutionTuple


def _no_negative_sqrt(f: float) -> float:
    return math.sqrt(f) if math.copysign(1.0, f) > 0 else 0.0


def ramping_arrival_rate_starts(
    iteration_tuple: ExecutionTuple, start_rate: int, stages: Sequence[Stage], time_unit_ns: int = SECOND_NS
) -> Iterator[tuple[int, int]]:
    """Port of k6's ``RampingArrivalRateConfig.cal``: ``(gi, start_offset_ns)`` of this segment's
    iterations, in order, until the stages end.

    The i-th global iteration starts when the area under the (linear) rate curve reaches i; k6 solves that
    with float64 (the same IEEE operations in the same order here, then Go's truncating conversion), and
    skips the indices other segments own via the striped offsets of ``iteration_tuple`` (the tuple re-cut by
    maxVUs, see ``scale_arrival_rate``).
    """
    start, offsets, _ = iteration_tuple.striped_offsets()
    li = -1
    stage_start = 0
    time_unit = float(time_unit_ns)
    done_so_far = end_count = 0.0
    frm = float(start_rate) / time_unit
    i = float(start + 1)  # the algorithm works with areas, so the first event is at area 1, not 0
    n = len(offsets)
    for duration, target in stages:
        to = float(target) / time_unit
        dur = float(duration)
        if frm != to:
            end_count += dur * ((to - frm) / 2 + frm)
            while i <= end_count:
                x = (
                    frm * dur
                    - _no_negative_sqrt(dur * (frm * frm * dur + 2 * (i - done_so_far) * (to - frm)))
                ) / (frm - to)
                yield int(i) - 1, go_duration(x) + stage_start
                li += 1
                i += float(offsets[li % n])
        else:
            end_count += dur * to
            while i <= end_count:
                yield int(i) - 1, go_duration((i - done_so_far) / to) + stage_start
                li += 1
                i += float(offsets[li % n])
        done_so_far = end_count
        frm = to
        stage_start += duration


class RampingArrivalRateExecutor(ArrivalRateExecutor):
    config: RampingArrivalRate

    def start_offsets(self, iteration_tuple: ExecutionTuple) -> Iterator[float]:
        cfg = self.config
        stages = [Stage(ns(s.duration), s.target) for s in cfg.stages]
        for _, offset in ramping_arrival_rate_starts(
            iteration_tuple, cfg.startRate, stages, ns(cfg.timeUnit)
        ):
            yield offset / 1e9

    def rate_text(self) -> str:
        cfg = self.config
        tup = self.scaling.iteration_tuple
        share = float(tup.segment.length) if tup is not None else 0.0
        top = max([cfg.startRate, *(s.target for s in cfg.stages)]) / cfg.timeUnit
        return (
            f"Up to {top * share:.2f} iterations/s for {format_duration(cfg.nominal_duration())} over"
            f" {len(cfg.stages)} stages"
        )
