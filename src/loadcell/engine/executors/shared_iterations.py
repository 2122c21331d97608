"""shared-iterations: a fixed number of iterations taken from one counter by all VUs."""

from __future__ import annotations

from loadcell.config.durations import format_duration
from loadcell.config.options import SharedIterations
from loadcell.engine.executors.base import Executor, Progress
from loadcell.engine.segment import SharedIterationsScaling, scale_shared_iterations
from loadcell.engine.vu import VU


class SharedIterationsExecutor(Executor):
    pooled = True
    config: SharedIterations

    @property
    def scaling(self) -> SharedIterationsScaling:
        return scale_shared_iterations(self.et, self.config.vus, self.config.iterations)

    def max_vus(self) -> int:
        return self.scaling.vus

    async def execute(self) -> None:
        cfg = self.config
        scaling = self.scaling
        total = scaling.iterations if scaling.has_work else 0
        self.started = 0
        end = self.loop.time() + cfg.maxDuration

        def keep_going(_vu: VU) -> bool:
            if self.started >= total or self.loop.time() >= end:
                return False
            self.started += 1
            return True

        tasks = [self.spawn(self.vu_loop(self.take_vu(), keep_going)) for _ in range(scaling.vus)]
        await self.wait_then_stop(tasks, end, cfg.gracefulStop)
        # k6: when maxDuration ends the scenario, the iterations never attempted are dropped.
        self.emit_dropped(total - self.started)

    def describe(self) -> str:
        scaling = self.scaling
        return f"{scaling.iterations} iterations shared among {scaling.vus} VUs" + self.options_text(
            f"maxDuration: {format_duration(self.config.maxDuration)}"
        )

    def progress(self) -> Progress:
        base = super().progress()
        total = self.scaling.iterations
        done = self.completed + self.interrupted
        base.fraction = 1.0 if self.ran_to_end else (done / total if total else 1.0)
        base.text = (
            f"{self.vu_count} VUs  {format_duration(round(self.elapsed(), 1))}/"
            f"{format_duration(self.config.maxDuration)}  {self.completed}/{total} shared iters"
        )
        return base
