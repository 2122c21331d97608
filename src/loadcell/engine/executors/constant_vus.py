"""constant-vus: a fixed number of VUs looping for a duration (closed model)."""

from __future__ import annotations

from loadcell.config.durations import format_duration
from loadcell.config.options import ConstantVUs
from loadcell.engine.executors.base import Executor
from loadcell.engine.segment import ExecutionTuple
from loadcell.engine.vu import VU


def scale_constant_vus(et: ExecutionTuple, vus: int) -> int:
    """constant_vus.go: ``et.ScaleInt64(vus)``; 0 means this instance has no work for the scenario."""
    return et.scale_int(vus)


class ConstantVUsExecutor(Executor):
    config: ConstantVUs

    def max_vus(self) -> int:
        return scale_constant_vus(self.et, self.config.vus)

    async def execute(self) -> None:
        cfg = self.config
        end = self.loop.time() + cfg.duration

        def keep_going(_vu: VU) -> bool:
            return self.loop.time() < end

        tasks = [self.spawn(self.vu_loop(self.take_vu(), keep_going)) for _ in range(self.max_vus())]
        await self.wait_then_stop(tasks, end, cfg.gracefulStop)

    def describe(self) -> str:
        return (
            f"{self.max_vus()} looping VUs for {format_duration(self.config.duration)}"
            + self.options_text("")
        )
