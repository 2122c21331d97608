"""A worker: runs one execution segment of the test and streams mergeable metrics upward.

A local worker is a process the coordinator starts (`python -m loadcell.cli.worker`, which sets up
its logging and calls `main`): it reads commands on stdin and writes reports to the file descriptor
in LOADCELL_WORKER_FD (stdout stays the script's). As an agent on another machine (`loadcell agent`),
it does the same over one TCP connection to the coordinator (`agent`).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import signal
import sys
from collections import Counter

from loadcell import masking
from loadcell.config.resolve import resolve
from loadcell.engine.context import RunContext, set_context
from loadcell.engine.distributed.agents import connect
from loadcell.engine.distributed.protocol import (
    Abort,
    Channel,
    Done,
    Failed,
    ProtocolError,
    Ready,
    Report,
    ScenarioStats,
    Start,
    Stop,
    WorkerSpec,
)
from loadcell.engine.executors import ExecutionState
from loadcell.engine.lag import LagWatch
from loadcell.engine.scheduler import Scheduler
from loadcell.engine.script import load_script
from loadcell.engine.segment import ExecutionTuple
from loadcell.engine.vu import VUPool
from loadcell.errors import ExitCode, LoadcellError, ScriptAbortedError
from loadcell.metrics.buffer import Folder
from loadcell.metrics.clock import now
from loadcell.metrics.registry import REGISTRY

REPORT_INTERVAL = 0.1
START_TIMEOUT = 900.0  # the coordinator runs setup() between "ready" and "start"


class WorkerAbort(LoadcellError):
    """The coordinator asked this worker to stop (signal, threshold abort, another worker's abort)."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class Worker:
    def __init__(self, spec: WorkerSpec, channel: Channel, base_env: dict[str, str] | None = None) -> None:
        self.spec = spec
        self.channel = channel
        self.send = channel.send
        # An agent runs with its own machine's environment under the coordinator's -e values.
        env = {**base_env, **spec.env} if base_env is not None else spec.env
        self.ctx = RunContext(env=env, log_errors=False)
        masking.configure(env)
        self.coordinator_gone = False
        set_context(self.ctx)
        self._sent_errors: Counter[str] = Counter()

    def prepare(self) -> None:
        script = load_script(self.spec.script)
        resolved = resolve(script.options, self.spec.cli_options)
        tuple_ = ExecutionTuple(self.spec.segment, self.spec.sequence)
        self.ctx.configure(resolved.options, float(tuple_.segment.end - tuple_.segment.start))
        functions = script.exec_functions({s.exec for s in resolved.scenarios.values()})
        self.pool = VUPool(self.ctx, first_id=self.spec.first_vu_id)
        self.state = ExecutionState(self.ctx, self.pool, functions, segment=tuple_)
        self.state.on_abort = self._on_abort
        self.scheduler = self.ctx.scheduler = Scheduler(resolved.scenarios, self.state)
        self.folder = Folder(REGISTRY, self.ctx.tagsets)

    def _on_abort(self, exc: BaseException) -> None:
        if not isinstance(exc, WorkerAbort):
            self.send(Abort(getattr(exc, "exit_code", 1), str(exc)))

    def report(self) -> None:
        batch = self.folder.fold(*self.ctx.buffer.drain(), keep_raw=self.spec.keep_raw)
        scenarios = {
            name: ScenarioStats(
                ex.active, len(ex.vus), ex.completed, ex.interrupted, ex.started_at is not None, ex.finished
            )
            for name, ex in self.scheduler.executors.items()
        }
        errors = {
            k: v - self._sent_errors[k] for k, v in self.ctx.errors.items() if v != self._sent_errors[k]
        }
        self._sent_errors.update(errors)
        self.send(Report(batch, scenarios, errors, self.pool.initialized, self.ctx.failed_mark))

    async def _report_loop(self) -> None:
        lag = LagWatch()
        while True:
            await lag.sleep(REPORT_INTERVAL)
            self.ctx.loop_tick = now()
            self.report()

    async def _commands(self) -> None:
        while True:
            try:
                message = await self.channel.read()
            except (ProtocolError, OSError):
                message = None
            if message is None:
                self.coordinator_gone = True
                self.state.abort(WorkerAbort("coordinator went away", ExitCode.EXTERNAL_ABORT))
                return
            if isinstance(message, Stop):
                self.state.abort(WorkerAbort(message.reason, message.exit_code))

    async def run(self) -> int:
        """The run, after the start barrier; 0, or 105 when the coordinator went away."""
        try:
            message = await asyncio.wait_for(self.channel.read(), START_TIMEOUT)
        except (TimeoutError, ProtocolError, OSError):
            message = None
        if not isinstance(message, Start):
            return ExitCode.EXTERNAL_ABORT
        self.state.setup_json = message.setup_json
        self.ctx.running = True
        self.ctx.loop_tick = now()
        loop = asyncio.get_running_loop()
        commands = loop.create_task(self._commands())
        reporter = loop.create_task(self._report_loop())
        try:
            await self.scheduler.run()
        except ScriptAbortedError as exc:
            self._on_abort(exc)
        finally:
            reporter.cancel()
            commands.cancel()
            self.pool.close()
            self.report()
            self.send(Done())
        return ExitCode.EXTERNAL_ABORT if self.coordinator_gone else 0


async def serve(channel: Channel, base_env: dict[str, str] | None = None) -> int:
    """The worker's whole life: spec, init, ready, the start barrier, the run, the last report."""
    # Workers share the terminal: a line goes out in one write, never cut by another worker's print.
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True, write_through=False)
    try:
        message = await channel.read()
    except (ProtocolError, OSError):
        message = None
    if not isinstance(message, WorkerSpec):
        return ExitCode.EXTERNAL_ABORT
    worker = Worker(message, channel, base_env)
    try:
        worker.prepare()
    except LoadcellError as exc:
        worker.send(Failed(exc.exit_code, str(exc)))
        return exc.exit_code
    worker.send(Ready(worker.scheduler.max_vus()))
    return await worker.run()


class _Pipe(asyncio.Protocol):
    """The report pipe's protocol; `flushed` resolves once close() has written out the buffer."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.flushed = loop.create_future()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.flushed.done():
            self.flushed.set_result(None)


async def main() -> int:
    """A local worker process's life; its exit code."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the coordinator handles Ctrl-C and tells us to stop
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin.buffer)
    out_file = os.fdopen(int(os.environ["LOADCELL_WORKER_FD"]), "wb", buffering=0)
    out, pipe = await loop.connect_write_pipe(lambda: _Pipe(loop), out_file)
    code = await serve(Channel(reader, out))
    # The last report can be megabytes of raw rows: exit only once the pipe has taken all of it.
    out.close()
    await pipe.flushed
    return code


async def agent(host: str, port: int, token: str, connect_timeout: float, env: dict[str, str]) -> int:
    """`loadcell agent`: dial the coordinator, then serve one run on that connection."""
    reader, writer, keys = await connect(host, port, token, connect_timeout)
    try:
        return await serve(Channel(reader, writer, keys), env)
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()  # the last report is flushed before the process exits
