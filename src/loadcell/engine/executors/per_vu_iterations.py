"""per-vu-iterations: each VU runs exactly `iterations` iterations."""

from __future__ import annotations

from dataclasses import dataclass

from loadcell.config.durations import format_duration
from loadcell.config.options import PerVUIterations
from loadcell.engine.executors.base import Executor, Progress
from loadcell.engine.segment import ExecutionTuple
from loadcell.engine.vu import VU


@dataclass(frozen=True)
class PerVUIterationsScaling:
    """per_vu_iterations.go: only the VUs are scaled (``et.ScaleInt64``); each still runs ``iterations``
    (scaling both would be quadratic). Iterations are numbered with the base tuple's index."""

    vus: int
    iterations_per_vu: int

    @property
    def total_iterations(self) -> int:
        return self.vus * self.iterations_per_vu

    @property
    def has_work(self) -> bool:
        return self.vus > 0 and self.iterations_per_vu > 0


def scale_per_vu(et: ExecutionTuple, vus: int, iterations: int = 1) -> PerVUIterationsScaling:
    """Scaled VUs of a per-vu-iterations scenario; iterations per VU are unchanged."""
    return PerVUIterationsScaling(et.scale_int(vus), iterations)


class PerVUIterationsExecutor(Executor):
    config: PerVUIterations

    def max_vus(self) -> int:
        return scale_per_vu(self.et, self.config.vus, self.config.iterations).vus

    async def execute(self) -> None:
        cfg = self.config
        per_vu = cfg.iterations
        end = self.loop.time() + cfg.maxDuration
        started: dict[int, int] = {}

        def keep_going(vu: VU) -> bool:
            count = started.get(vu.id, 0)
            if count >= per_vu or self.loop.time() >= end:
                return False
            started[vu.id] = count + 1
            return True

        tasks = [self.spawn(self.vu_loop(self.take_vu(), keep_going)) for _ in range(self.max_vus())]
        await self.wait_then_stop(tasks, end, cfg.gracefulStop)
        # k6: each VU reports the iterations it never started when maxDuration hits.
        self.emit_dropped(sum(per_vu - started.get(vu.id, 0) for vu in self.vus))

    def describe(self) -> str:
        cfg = self.config
        return f"{cfg.iterations} iterations for each of {self.max_vus()} VUs" + self.options_text(
            f"maxDuration: {format_duration(cfg.maxDuration)}"
        )

    def progress(self) -> Progress:
        base = super().progress()
        total = self.config.iterations * self.max_vus()
        done = self.completed + self.interrupted
        base.fraction = 1.0 if self.ran_to_end else (done / total if total else 1.0)
        base.text = (
            f"{self.vu_count} VUs  {format_duration(round(self.elapsed(), 1))}/"
            f"{format_duration(self.config.maxDuration)}  {self.completed}/{total} iters, "
            f"{self.config.iterations} per VU"
        )
        return base
