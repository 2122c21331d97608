"""ramping-arrival-rate: the start rate ramps linearly; starts come from the area under the rate."""

from __future__ import annotations

import math
from collections.abc import Iterator

from loadcell.config.durations import format_duration
from loadcell.config.options import RampingArrivalRate
from loadcell.engine.executors.arrival_rate import ArrivalRateExecutor


def start_times(
    start_rate: float, stages: list[tuple[float, float]], indices: Iterator[int]
) -> Iterator[float]:
    """k6's `cal`: event n (1-based area) starts when the integral of the rate reaches n.

    Rates are per second; stages are (duration seconds, target rate). `indices` are the 0-based
    global iteration numbers this segment runs (striped).
    """
    stage_start = 0.0
    done_so_far = end_count = 0.0
    from_rate = start_rate
    pending = next(indices, None)
    for duration, to_rate in stages:
        if from_rate != to_rate:
            end_count += duration * ((to_rate - from_rate) / 2 + from_rate)
        else:
            end_count += duration * to_rate
        while pending is not None and pending + 1 <= end_count + 1e-9:
            area = pending + 1 - done_so_far
            if from_rate != to_rate:
                disc = duration * (from_rate * from_rate * duration + 2 * area * (to_rate - from_rate))
                x = (from_rate * duration - math.sqrt(max(disc, 0.0))) / (from_rate - to_rate)
            else:
                x = area / to_rate
            yield stage_start + x
            pending = next(indices, None)
        done_so_far = end_count
        from_rate = to_rate
        stage_start += duration


class RampingArrivalRateExecutor(ArrivalRateExecutor):
    config: RampingArrivalRate

    def start_offsets(self) -> Iterator[float]:
        cfg = self.config
        unit = cfg.timeUnit
        stages = [(s.duration, s.target / unit) for s in cfg.stages]
        return start_times(cfg.startRate / unit, stages, self.global_iterations())

    def rate_text(self) -> str:
        cfg = self.config
        top = max([cfg.startRate, *(s.target for s in cfg.stages)]) / cfg.timeUnit
        share = self.state.segment.segment.length if self.state.segment else 1
        return (
            f"Up to {float(top * share):.2f} iterations/s for {format_duration(cfg.nominal_duration())} over"
            f" {len(cfg.stages)} stages"
        )
