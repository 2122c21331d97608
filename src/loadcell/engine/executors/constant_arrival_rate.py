"""constant-arrival-rate: iteration i starts at i * timeUnit / rate, whatever the responses do."""

from __future__ import annotations

from collections.abc import Iterator

from loadcell.config.durations import format_duration
from loadcell.config.options import ConstantArrivalRate
from loadcell.engine.executors.arrival_rate import ArrivalRateExecutor


class ConstantArrivalRateExecutor(ArrivalRateExecutor):
    config: ConstantArrivalRate

    def start_offsets(self) -> Iterator[float]:
        period = self.config.timeUnit / self.config.rate
        for gi in self.global_iterations():
            yield gi * period

    def rate_text(self) -> str:
        cfg = self.config
        per_second = (
            cfg.rate / cfg.timeUnit * (self.state.segment.segment.length if self.state.segment else 1)
        )
        return f"{float(per_second):.2f} iterations/s for {format_duration(cfg.duration)}"
