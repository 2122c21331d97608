"""The coordinator's side of multi-process runs: one worker per execution segment, started together,
their reports merged, all stopped when the test stops. Workers are local processes (spawned here) or
agents on other machines that dial in (loadcell.engine.distributed.agents); both speak the same
protocol. The pool hands what the workers report up through two callbacks, metrics (`on_report`) and
the fleet's summed progress per scenario (`on_progress`); it never touches the coordinator's executors.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

from loadcell.config.options import ScenarioConfig
from loadcell.engine.distributed.agents import AgentListener
from loadcell.engine.distributed.protocol import (
    Abort,
    Channel,
    Done,
    Failed,
    ProtocolError,
    Report,
    ScenarioStats,
    Start,
    Stop,
    WorkerSpec,
)
from loadcell.engine.executors.base import ExecutionState
from loadcell.engine.scheduler import Scheduler
from loadcell.engine.segment import ExecutionTuple, split
from loadcell.errors import ExitCode, LoadcellError, ScriptError
from loadcell.metrics.engine import Source

log = logging.getLogger("loadcell")
READY_TIMEOUT = 120.0
# A started worker reports every 100 ms; silence this long means it (or its machine) is gone.
LOST_AFTER = 30.0
MIN_POOL_PER_WORKER = 10  # VUs of a pooled scenario (arrivals, shared iterations) each worker must get
EXIT_TIMEOUT = 10.0  # a worker that sent its last report and still runs (a script's thread) is killed
WORKER_MODULE = "loadcell.cli.worker"  # the process entry: logging is the command line's to set up


def usable_cores() -> int:
    """Cores this process may run on (taskset, cpusets), as Go's GOMAXPROCS counts them; not the host's."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def auto_workers(scheduler: Scheduler, cores: int) -> tuple[int, str]:
    """The default --workers: every core, unless the test is too small to split without changing it.

    Returns the count and, when it is below `cores`, why. VUs split exactly, so a test never gets more
    workers than VUs; a pooled scenario (arrival rate, shared iterations) gets at least
    MIN_POOL_PER_WORKER VUs per worker, or a worker's few VUs would drop iterations that one
    process's free VUs would have run (as k6 instances split by segment do).
    """
    count, why = min(cores, max(1, scheduler.max_vus())), "fewer VUs than cores"
    for name, executor in scheduler.executors.items():
        fits = max(1, executor.max_vus() // MIN_POOL_PER_WORKER)
        if executor.pooled and fits < count:
            vus = executor.max_vus()
            count, why = fits, f"scenario {name!r} shares {vus} VU{'s' if vus != 1 else ''}"
    return count, why if count < cores else ""


class WorkerFailed(LoadcellError):
    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class WorkerLost(LoadcellError):
    """A worker or agent stopped reporting mid-run: the results would be partial, so the run fails."""

    exit_code = ExitCode.GENERIC_ENGINE


class RemoteAbort(LoadcellError):
    """A worker aborted the test (abort() in a script); carries the worker's exit code."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class _Handle:
    """One worker: a local process (commands on its stdin) or an agent (both ways on one socket)."""

    def __init__(
        self,
        index: int,
        channel: Channel,
        source: Source,
        proc: asyncio.subprocess.Process | None = None,
        socket: asyncio.StreamWriter | None = None,
    ) -> None:
        self.index = index
        self.channel = channel
        self.socket = socket  # an agent's connection, closed by finish()
        self.send = channel.send
        self.source = source
        self.proc = proc
        self.last: Report | None = None
        self.done = False
        self.killed = False  # by us, EXIT_TIMEOUT after its last report

    @property
    def name(self) -> str:
        return f"worker {self.index}" if self.proc is not None else f"agent {self.index}"

    async def finish(self) -> int | None:
        """Reap a local worker (its exit code) or close an agent's connection (None)."""
        if self.proc is None:
            if self.socket is not None:
                self.socket.close()
            return None
        try:
            return await asyncio.wait_for(self.proc.wait(), EXIT_TIMEOUT)
        except TimeoutError:
            log.warning("worker %d still ran %.0f s after its last report; killed", self.index, EXIT_TIMEOUT)
            self.killed = True
            self.proc.kill()
            return await self.proc.wait()


class WorkerPool:
    """Runs the scenarios in `count` worker processes (or agents)."""

    def __init__(
        self,
        count: int,
        base_spec: dict[str, Any],
        state: ExecutionState,
        scenarios: dict[str, ScenarioConfig],
        new_source: Callable[[], Source],
        on_report: Callable[[Source, Report], None],
        on_progress: Callable[[dict[str, ScenarioStats]], None],
        listener: AgentListener | None = None,
    ) -> None:
        self.count = count
        self.listener = listener
        self.base_spec = base_spec
        self.state = state
        self.scenarios = scenarios
        self.new_source = new_source
        self.on_report = on_report
        self.on_progress = on_progress
        self.handles: list[_Handle] = []

    def _first_vu_ids(self, segments: list[str], sequence: str) -> list[int]:
        """Give each worker its own block of VU ids so vu.id is unique across the whole test."""
        firsts, next_id = [], 1
        for seg in segments:
            firsts.append(next_id)
            shadow = ExecutionState(
                self.state.ctx, self.state.pool, self.state.functions, segment=ExecutionTuple(seg, sequence)
            )
            next_id += Scheduler(self.scenarios, shadow).max_vus()
        return firsts

    async def _spawn(self, index: int) -> _Handle:
        loop = asyncio.get_running_loop()
        read_fd, write_fd = os.pipe()
        env = {**os.environ, "LOADCELL_WORKER_FD": str(write_fd)}
        # A session of its own: a Ctrl-C at the terminal reaches the coordinator alone, which stops
        # the workers itself (one still importing Python would die of it, as a failed init).
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            WORKER_MODULE,
            stdin=asyncio.subprocess.PIPE,
            pass_fds=(write_fd,),
            env=env,
            start_new_session=True,
        )
        os.close(write_fd)
        reader = asyncio.StreamReader(limit=2**30)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(read_fd, "rb"))
        assert proc.stdin is not None  # stdin=PIPE
        return _Handle(index, Channel(reader, proc.stdin), self.new_source(), proc)

    async def _connect(self) -> None:
        """Local worker processes, or the agents that dial in (in the order they arrive)."""
        if self.listener is None:
            for i in range(self.count):  # each kept at once, so a stop meanwhile can end it
                self.handles.append(await self._spawn(i))
            return
        streams = await self.listener.accept(self.count, self.state.hard_stop)
        self.handles = [
            _Handle(i, Channel(r, w, keys), self.new_source(), socket=w)
            for i, (r, w, keys) in enumerate(streams)
        ]

    async def prepare(self) -> None:
        """Spawn the workers and wait until each has imported the script and built its executors.

        A stop meanwhile (Ctrl-C, SIGTERM) ends the wait at once and dismisses the workers: nothing
        waits on a worker that is still importing the script."""
        init = asyncio.ensure_future(self._init())
        stopper = asyncio.ensure_future(self.state.hard_stop.wait())
        try:
            await asyncio.wait({init, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopper.cancel()
        if not self.state.hard_stop.is_set():
            init.result()  # the workers are ready, or why not
            return
        init.cancel()
        await asyncio.gather(init, return_exceptions=True)
        await self.dismiss()

    async def dismiss(self) -> None:
        """End workers that were never started: local ones are killed (a script's import cannot be
        interrupted otherwise), agents are told to stop; none of them has run any load."""
        reason = self.state.ctx.abort_reason
        for handle in self.handles:
            if handle.proc is not None:
                if handle.proc.returncode is None:
                    handle.proc.kill()
            else:
                handle.send(Stop(getattr(reason, "exit_code", ExitCode.EXTERNAL_ABORT), str(reason)))
            await handle.finish()

    async def _init(self) -> None:
        segments, sequence = split(self.count)
        seg_texts, seq_text = [str(s) for s in segments], str(sequence)
        firsts = self._first_vu_ids(seg_texts, seq_text)
        specs = [
            WorkerSpec(
                index=i,
                segment=seg_texts[i],
                sequence=seq_text,
                first_vu_id=firsts[i],
                **self.base_spec,
            )
            for i in range(self.count)
        ]
        await self._connect()
        for handle, spec in zip(self.handles, specs, strict=True):
            handle.send(spec)
        for handle in self.handles:
            try:
                message = await asyncio.wait_for(handle.channel.read(), READY_TIMEOUT)
            except ProtocolError as exc:
                message = None
                log.error("%s: %s", handle.name, exc)
            if message is None:
                raise ScriptError(f"{handle.name} exited during init (code {await handle.finish()})")
            if isinstance(message, Failed):
                raise WorkerFailed(message.reason, message.exit_code)

    def start(self) -> None:
        """The start barrier: all workers are ready; they get setup()'s data and go together."""
        for handle in self.handles:
            handle.send(Start(self.state.setup_json))

    async def _pump(self, handle: _Handle) -> None:
        while True:
            try:
                message = await asyncio.wait_for(handle.channel.read(), LOST_AFTER)
            except (TimeoutError, ProtocolError, OSError) as exc:
                message = None
                log.error("%s: %s", handle.name, exc or f"no report for {LOST_AFTER:.0f} s")
            if message is None:
                if not handle.done and not self.state.hard_stop.is_set():
                    lost = f"{handle.name} was lost mid-run; its share of the load is missing"
                    self.state.abort(WorkerLost(lost))
                break
            if isinstance(message, Report):
                handle.last = message
                self.on_report(handle.source, message)
                self.on_progress(self.progress())
            elif isinstance(message, Abort):
                self.state.abort(RemoteAbort(message.reason, message.exit_code))
            elif isinstance(message, Done):
                break
        handle.done = True

    async def reap(self) -> int:
        """Wait for the workers to exit: after the test's end is stamped, as their interpreters'
        shutdown is no part of the test (it added ~0.1 s to the elapsed time rates divide by).

        Returns GENERIC_ENGINE when a worker died abnormally (an exception after its last report,
        a signal): whatever it reported, the run did not go as planned, so it must not pass.
        """
        failed = False
        for handle in (h for h in self.handles if h.done):  # never started ones go with our pipes
            code = await handle.finish()
            if code in (0, None) or handle.killed:
                continue
            failed = True
            if code < 0:
                log.error("worker %d was killed by signal %s", handle.index, signal.Signals(-code).name)
            else:
                log.error("worker %d exited with code %d", handle.index, code)
        return ExitCode.GENERIC_ENGINE if failed else ExitCode.OK

    def progress(self) -> dict[str, ScenarioStats]:
        """Each scenario's progress, summed over the workers that reported it."""
        reports = [h.last for h in self.handles if h.last is not None]
        names = dict.fromkeys(name for report in reports for name in report.scenarios)
        return {
            name: ScenarioStats.total(
                [r.scenarios[name] for r in reports if name in r.scenarios], len(self.handles)
            )
            for name in names
        }

    @property
    def initialized(self) -> int:
        return sum(h.last.initialized for h in self.handles if h.last is not None)

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        pumps = [loop.create_task(self._pump(h)) for h in self.handles]
        stopper = loop.create_task(self.state.hard_stop.wait())
        try:
            pending: set[asyncio.Task[Any]] = set(pumps)
            while pending:
                done, pending = await asyncio.wait(pending | {stopper}, return_when=asyncio.FIRST_COMPLETED)
                pending.discard(stopper)
                if stopper in done:
                    self.stop()
                    await asyncio.gather(*pending)
                    break
        finally:
            stopper.cancel()

    def stop(self) -> None:
        reason = self.state.ctx.abort_reason
        code = getattr(reason, "exit_code", ExitCode.EXTERNAL_ABORT)
        for handle in self.handles:
            if not handle.done:
                handle.send(Stop(code, str(reason)))
