"""shared-iterations: a fixed number of iterations taken from one counter by all VUs."""

from __future__ import annotations

from dataclasses import dataclass

from loadcell.config.durations import format_duration
from loadcell.config.options import SharedIterations
from loadcell.engine.executors.base import Executor, Progress
from loadcell.engine.segment import ExecutionTuple, SegmentError
from loadcell.engine.vu import VU


@dataclass(frozen=True)
class SharedIterationsScaling:
    """shared_iterations.go for one segment.

    ``vus = et.ScaleInt64(vus)``; the iterations are striped with the tuple re-cut by the *unscaled* VUs
    (``GetNewExecutionTupleFromValue(vus)``), so an instance without VUs gets no iterations either.
    ``iteration_tuple`` is that re-cut tuple: k6 numbers the iterations (``iterationInTest``) with its
    ``segmented_index()``. It is None when this segment gets no VUs.
    """

    vus: int
    iterations: int
    iteration_tuple: ExecutionTuple | None

    @property
    def has_work(self) -> bool:
        return self.vus > 0 and self.iterations > 0


def scale_shared_iterations(et: ExecutionTuple, vus: int, iterations: int) -> SharedIterationsScaling:
    """Scaled VUs and iterations of a shared-iterations scenario (10 iterations/3 VUs over thirds: 4/3/3)."""
    try:
        it_tuple: ExecutionTuple | None = et.new_from_value(vus)
    except SegmentError:
        it_tuple = None
    scaled_iters = it_tuple.scale_int(iterations) if it_tuple is not None else 0
    return SharedIterationsScaling(et.scale_int(vus), scaled_iters, it_tuple)


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
