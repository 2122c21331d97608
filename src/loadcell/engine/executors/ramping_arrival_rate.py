"""ramping-arrival-rate: the start rate ramps linearly; starts come from the area under the rate."""

from __future__ import annotations

from collections.abc import Iterator

from loadcell.config.durations import format_duration
from loadcell.config.options import RampingArrivalRate
from loadcell.engine.executors.arrival_rate import ArrivalRateExecutor, ns
from loadcell.engine.segment import ExecutionTuple, Stage, ramping_arrival_rate_starts


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
