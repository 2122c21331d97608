"""constant-arrival-rate: iteration i starts at i * timeUnit / rate, whatever the responses do."""

from __future__ import annotations

from collections.abc import Iterator

from loadcell.config.durations import format_duration
from loadcell.config.options import ConstantArrivalRate
from loadcell.engine.executors.arrival_rate import ArrivalRateExecutor, ns
from loadcell.engine.segment import ExecutionTuple, constant_arrival_rate_starts


class ConstantArrivalRateExecutor(ArrivalRateExecutor):
    config: ConstantArrivalRate

    def start_offsets(self, iteration_tuple: ExecutionTuple) -> Iterator[float]:
        cfg = self.config
        for _, offset in constant_arrival_rate_starts(
            iteration_tuple, cfg.rate, ns(cfg.timeUnit), ns(cfg.duration)
        ):
            yield offset / 1e9

    def rate_text(self) -> str:
        rate = float(self.scaling.rate_per_second)
        return f"{rate:.2f} iterations/s for {format_duration(self.config.duration)}"
