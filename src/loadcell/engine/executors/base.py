"""What every executor shares: VU hand-out, graceful stop, interruption counting and progress."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from loadcell.config.durations import format_duration
from loadcell.config.options import ScenarioConfig
from loadcell.engine.context import RunContext
from loadcell.engine.distributed.protocol import ScenarioStats
from loadcell.engine.iteration import ScenarioFn, pad_iteration, run_iteration
from loadcell.engine.segment import ExecutionTuple
from loadcell.engine.vu import VU, VUPool, current_vu
from loadcell.errors import ScriptAbortedError
from loadcell.metrics import registry as R
from loadcell.metrics.clock import now


@dataclass
class ExecutionState:
    """What the scheduler hands to executors; the same object for every scenario of a run."""

    ctx: RunContext
    pool: VUPool
    functions: dict[str, ScenarioFn]
    setup_json: str = "null"
    hard_stop: asyncio.Event = field(default_factory=asyncio.Event)
    segment: ExecutionTuple = field(default_factory=lambda: ExecutionTuple("0:1", "0,1"))

    on_abort: Callable[[BaseException], None] | None = None

    def abort(self, exc: BaseException) -> None:
        if self.ctx.abort_reason is None:
            self.ctx.abort_reason = exc
            if self.on_abort is not None:
                self.on_abort(exc)
        self.hard_stop.set()


@dataclass(slots=True)
class Progress:
    fraction: float
    text: str
    vus_active: int
    vus_initialized: int


class Executor:
    # True where the VUs serve one pool of work (shared iterations, arrivals): split across processes,
    # one worker's idle VU cannot take another worker's iteration, so small pools are not split.
    pooled = False

    def __init__(self, name: str, config: ScenarioConfig, state: ExecutionState) -> None:
        self.name = name
        self.config = config
        self.state = state
        self.ctx = state.ctx
        self.fn: ScenarioFn = state.functions[config.exec]
        self.loop = asyncio.get_event_loop()
        self.vus: list[VU] = []
        self.tasks: set[asyncio.Task[None]] = set()
        self.active = 0
        self.completed = 0
        self.interrupted = 0
        self.iterations_started = 0  # in this process, for k6/execution's scenario.iteration*
        self.started_at: float | None = None
        self.finished_at: float | None = None
        self.remote_vus: int | None = None  # set when the VUs run in worker processes

    @property
    def finished(self) -> bool:
        return self.finished_at is not None

    @finished.setter
    def finished(self, value: bool) -> None:
        """Stamps the end, so an interrupted scenario's progress stops where it was cut."""
        if not value:
            self.finished_at = None
        elif self.finished_at is None:
            self.finished_at = self.loop.time()

    @property
    def vu_count(self) -> int:
        return len(self.vus) if self.remote_vus is None else self.remote_vus

    @property
    def et(self) -> ExecutionTuple:
        """This process's share of the test (k6's execution tuple)."""
        return self.state.segment

    def follow(self, remote: ScenarioStats, loop_time: float) -> None:
        """Shows the progress of this scenario where it runs elsewhere (worker processes, agents)."""
        self.active = remote.active
        self.completed = remote.completed
        self.interrupted = remote.interrupted
        self.remote_vus = remote.initialized
        if self.started_at is None and remote.started:
            self.started_at = loop_time
        self.finished = remote.finished

    def max_vus(self) -> int:
        """VUs this executor may need in this segment (for the header)."""
        raise NotImplementedError

    def planned_vus(self) -> int:
        """VUs k6 initializes before the test starts (arrival rates add unplanned ones later)."""
        return self.max_vus()

    # VUs --------------------------------------------------------------------------------------------
    def take_vu(self) -> VU:
        vu = self.state.pool.acquire()
        vu.enter_scenario(self.name, self.config.tags, self.config.env)
        vu.executor = self
        vu.data = json.loads(self.state.setup_json)
        self.vus.append(vu)
        return vu

    def spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = self.loop.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def iterate(self, vu: VU) -> None:
        """One iteration with interruption and abort bookkeeping."""
        padding = False
        try:
            if await run_iteration(vu, self.fn, self.ctx):
                self.completed += 1
                if self.ctx.min_iteration_duration or vu.must_yield:
                    padding = True
                    await pad_iteration(vu)
        except asyncio.CancelledError:
            self.interrupted += not padding  # a cancelled pad follows a complete iteration
            raise

    async def vu_loop(self, vu: VU, keep_going: Callable[[VU], bool]) -> None:
        """A looping VU: runs iterations while keep_going(vu) says so (one frame less than iterate())."""
        current_vu.set(vu)
        self.active += 1
        fn, ctx = self.fn, self.ctx
        padding = False
        try:
            while keep_going(vu):
                if await run_iteration(vu, fn, ctx):
                    self.completed += 1
                    if ctx.min_iteration_duration or vu.must_yield:
                        padding = True
                        await pad_iteration(vu)
                        padding = False
        except asyncio.CancelledError:
            self.interrupted += not padding  # a cancelled pad follows a complete iteration
            raise
        except ScriptAbortedError as exc:
            self.state.abort(exc)
        finally:
            self.active -= 1

    async def wait_then_stop(
        self, tasks: set[asyncio.Task[None]] | list[asyncio.Task[None]], end: float, graceful: float
    ) -> None:
        """Wait for tasks until `end` (loop time), then give them `graceful` more seconds, then cancel."""
        pending = {t for t in tasks if not t.done()}
        timeout = end - self.loop.time()
        if pending and timeout > 0:
            _, pending = await asyncio.wait(pending, timeout=timeout)
        if pending and graceful > 0:
            _, pending = await asyncio.wait(pending, timeout=graceful)
        await self.cancel(pending)

    @staticmethod
    async def cancel(tasks: set[asyncio.Task[None]] | list[asyncio.Task[None]]) -> None:
        tasks = [t for t in tasks if not t.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    def emit_dropped(self, count: int) -> None:
        # k6 pushes these only while the test's context lives: an aborted test drops nothing.
        if count > 0 and self.ctx.abort_reason is None:
            tid = self.ctx.tagsets.intern_dict(
                {**dict(self.ctx.test_tags), **self.config.tags, "scenario": self.name}
            )
            self.ctx.buffer.sample(R.DROPPED_ITERATIONS.id, tid, now(), float(count))

    # lifecycle -------------------------------------------------------------------------------------
    async def run(self) -> None:
        self.started_at = self.loop.time()
        main = self.loop.create_task(self.execute())
        stopper = self.loop.create_task(self.state.hard_stop.wait())
        try:
            await asyncio.wait({main, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopper.cancel()
            if not main.done():
                main.cancel()
            await self.cancel(list(self.tasks))
            await asyncio.gather(main, return_exceptions=True)
            self.finished = True
            for vu in self.vus:
                self.state.pool.release(vu)
            self.vus.clear()
        if not main.cancelled() and (error := main.exception()) is not None:
            raise error

    async def execute(self) -> None:
        raise NotImplementedError

    # reporting ---------------------------------------------------------------------------------------
    def elapsed(self) -> float:
        if self.started_at is None:
            return 0.0
        return (self.finished_at if self.finished_at is not None else self.loop.time()) - self.started_at

    def duration(self) -> float:
        """Nominal duration (without gracefulStop), for progress."""
        return self.config.nominal_duration()

    def describe(self) -> str:
        raise NotImplementedError

    def options_text(self, first: str) -> str:
        parts = [first] if first else []
        cfg = self.config
        if cfg.exec != "default":
            parts.append(f"exec: {cfg.exec}")
        if cfg.startTime:
            parts.append(f"startTime: {format_duration(cfg.startTime)}")
        if cfg.gracefulStop > 0:  # k6 leaves a zero out
            parts.append(f"gracefulStop: {format_duration(cfg.gracefulStop)}")
        return " (" + ", ".join(parts) + ")" if parts else ""

    @property
    def ran_to_end(self) -> bool:
        """Finished and not cut short by an abort or a signal (its progress then stays where it was)."""
        return self.finished and self.ctx.abort_reason is None

    def progress(self) -> Progress:
        total = self.duration()
        elapsed = total if self.ran_to_end else min(self.elapsed(), total)
        frac = 1.0 if self.ran_to_end else (elapsed / total if total else 0.0)
        text = f"{self.vu_count} VUs  {format_duration(round(elapsed, 1))}/{format_duration(total)}"
        return Progress(frac, text, self.active, self.vu_count)
