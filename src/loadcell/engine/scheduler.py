"""Runs all scenarios in parallel, each from its startTime, until done or hard-stopped."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from loadcell.config.durations import format_duration
from loadcell.config.options import ScenarioConfig
from loadcell.engine.distributed.protocol import ScenarioStats
from loadcell.engine.executors import ExecutionState, Executor, build_executor
from loadcell.engine.executors.base import Progress


class Scheduler:
    def __init__(self, scenarios: dict[str, ScenarioConfig], state: ExecutionState) -> None:
        self.state = state
        self.scenarios = scenarios
        self.executors: dict[str, Executor] = {
            name: build_executor(name, cfg, state) for name, cfg in scenarios.items()
        }
        self.loop = asyncio.get_event_loop()
        self.started_at: float | None = None

    def max_duration(self) -> float:
        """Longest scenario end including gracefulStop (k6's 'max duration (incl. graceful stop)')."""
        ends = []
        for ex in self.executors.values():
            cfg = ex.config
            extra = getattr(cfg, "gracefulRampDown", 0.0) if cfg.executor == "ramping-vus" else 0.0
            ends.append(cfg.startTime + cfg.nominal_duration() + max(cfg.gracefulStop, extra))
        return max(ends, default=0.0)

    def planned_vus(self) -> int:
        return sum(ex.planned_vus() for ex in self.executors.values())

    def max_vus(self) -> int:
        return sum(ex.max_vus() for ex in self.executors.values())

    def header(self) -> list[str]:
        n = len(self.executors)
        share = float(self.state.segment.segment.length) * 100
        lines = [
            f"     scenarios: ({share:.2f}%) {n} scenario{'s' if n != 1 else ''}, {self.max_vus()} max VUs, "
            f"{format_duration(self.max_duration())} max duration (incl. graceful stop):"
        ]
        lines.extend(f"              * {name}: {ex.describe()}" for name, ex in self.executors.items())
        return lines

    async def _run_one(self, executor: Executor) -> None:
        start = executor.config.startTime
        if start > 0:
            sleeper = self.loop.create_task(asyncio.sleep(start))
            stopper = self.loop.create_task(self.state.hard_stop.wait())
            await asyncio.wait({sleeper, stopper}, return_when=asyncio.FIRST_COMPLETED)
            sleeper.cancel()
            stopper.cancel()
            if self.state.hard_stop.is_set():
                executor.finished = True
                return
        await executor.run()

    async def run(self) -> None:
        self.started_at = self.loop.time()
        results = await asyncio.gather(
            *(self._run_one(ex) for ex in self.executors.values()), return_exceptions=True
        )
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
                raise result

    async def run_elsewhere(self, run: Callable[[], Awaitable[None]]) -> None:
        """The scenarios run in worker processes or agents (`run`); these executors only show their
        progress, as `follow` hands it over, and are finished when `run` returns."""
        self.started_at = self.loop.time()
        await run()
        for ex in self.executors.values():
            ex.finished = True

    def follow(self, progress: Mapping[str, ScenarioStats]) -> None:
        """The workers' summed progress per scenario, shown by the executors of the same names."""
        loop_time = self.loop.time()
        for name, stats in progress.items():
            self.executors[name].follow(stats, loop_time)

    def elapsed(self) -> float:
        return 0.0 if self.started_at is None else self.loop.time() - self.started_at

    def progress(self) -> dict[str, Progress]:
        return {name: ex.progress() for name, ex in self.executors.items()}

    @property
    def active_vus(self) -> int:
        return sum(ex.active for ex in self.executors.values())

    @property
    def completed(self) -> int:
        return sum(ex.completed for ex in self.executors.values())

    @property
    def interrupted(self) -> int:
        return sum(ex.interrupted for ex in self.executors.values())
