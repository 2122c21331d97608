"""A test run's lifecycle: init -> setup -> scenarios -> teardown -> summary, and its exit code.

This is the coordinator: it owns the metrics engine, the outputs, the threshold loop and the
summary. VU samples reach it as MetricBatch messages from the in-process engine (and, with
several workers, from worker processes), so totals and percentiles are computed in one place.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import signal
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loadcell import masking
from loadcell.config.resolve import Resolved, resolve
from loadcell.engine.context import RunContext, set_context
from loadcell.engine.distributed.agents import TOKEN_ENV, AgentListener, parse_address, require_token
from loadcell.engine.distributed.pool import WorkerPool, auto_workers, usable_cores
from loadcell.engine.distributed.protocol import Report
from loadcell.engine.executors import ExecutionState
from loadcell.engine.iteration import call_script_fn
from loadcell.engine.lag import LagWatch, own_work
from loadcell.engine.lifecycle import Lifecycle
from loadcell.engine.scheduler import Scheduler
from loadcell.engine.script import Script, load_script
from loadcell.engine.vu import VUPool
from loadcell.errors import ExitCode, InvalidConfigError, LoadcellError
from loadcell.metrics import registry as R
from loadcell.metrics.buffer import Folder, MetricBatch
from loadcell.metrics.clock import now
from loadcell.metrics.engine import MetricsEngine, Source
from loadcell.metrics.registry import REGISTRY
from loadcell.metrics.thresholds import parse_thresholds
from loadcell.output.base import Output, OutputStats, RunInfo
from loadcell.output.files import require_writable
from loadcell.report.recorder import ResultsRecorder
from loadcell.summary.export import export_json
from loadcell.summary.write import build_summary, handle_summary, log_output_stats, print_texts, save_files

if TYPE_CHECKING:  # the dashboard (and aiohttp) is imported only when asked for
    from loadcell.report.dashboard import Dashboard, DashboardSettings

log = logging.getLogger("loadcell")

FLUSH_INTERVAL = 0.1
THRESHOLD_INTERVAL = 2.0


class ExternalAbort(LoadcellError):
    exit_code = ExitCode.EXTERNAL_ABORT


class ThresholdAbort(LoadcellError):
    exit_code = ExitCode.THRESHOLDS_FAILED


@dataclass
class RunSettings:
    """What the CLI decided: the script, option overrides and where results go (the outputs themselves
    are built by the caller, see TestRun.execute)."""

    script: str
    cli_options: dict[str, Any] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    cli_env: dict[str, str] = field(default_factory=dict)  # the -e values alone (what agents are sent)
    summary_export: str | None = None
    no_summary: bool = False
    no_thresholds: bool = False
    summary_mode: str = "compact"
    quiet: bool = False
    results_dir: str | None = None  # None: no results folder
    workers: int = 1  # 0: every usable core, unless the test is too small to split (auto_workers)
    agents: int = 0  # > 0: no local workers; this many `loadcell agent`s dial in to `listen`
    listen: str = "127.0.0.1:6565"
    agents_timeout: float = 300.0  # how long to wait for all agents to dial in
    dashboard: DashboardSettings | None = None  # None: no live page
    test_id: str = ""

    def __post_init__(self) -> None:
        if not self.test_id:
            stem = Path(self.script).stem
            self.test_id = f"{time.strftime('%Y%m%d-%H%M%S')}-{stem}-{uuid.uuid4().hex[:6]}"


@dataclass
class RunResult:
    exit_code: int
    summary_data: dict[str, Any] | None = None
    summary_text: str = ""
    output_stats: dict[str, OutputStats] = field(default_factory=dict)


class TestRun:
    __test__ = False  # not a pytest class

    def __init__(self, settings: RunSettings, printer: Callable[[str], None] = print) -> None:
        self.settings = settings
        self.print = printer
        self.ctx = RunContext(env={**os.environ, **settings.env})
        masking.configure(self.ctx.env)  # what this run must never write (the CLI's list, or a test's)
        set_context(self.ctx)
        self.script: Script | None = None
        self.resolved: Resolved | None = None
        self.engine: MetricsEngine | None = None
        self.outputs: list[Output] = []
        self.scheduler: Scheduler | None = None
        self._signals = 0
        self.worker_pool: WorkerPool | None = None
        self.progress_hook: Callable[[TestRun, bool], None] | None = None
        self.dashboard: Dashboard | None = None
        self.start_time: float | None = None
        # The failing thresholds of the last evaluation; None before the first one.
        self.threshold_failures: list[tuple[Any, Any]] | None = None

    # init phase --------------------------------------------------------------------------------------
    def prepare(self) -> Resolved:
        """Import the script and validate every option and threshold before any load starts."""
        self.script = load_script(self.settings.script)
        resolved = resolve(self.script.options, self.settings.cli_options)
        for warning in resolved.warnings:
            log.warning(warning)
        self.ctx.configure(resolved.options)
        types = {m.name: m.type for m in REGISTRY.metrics}
        thresholds = (
            [] if self.settings.no_thresholds else parse_thresholds(resolved.options.thresholds, types)
        )
        self.engine = MetricsEngine(REGISTRY, thresholds, scoped=self.settings.summary_mode == "full")
        self.functions = self.script.exec_functions({s.exec for s in resolved.scenarios.values()})
        self.resolved = resolved
        return resolved

    # the run --------------------------------------------------------------------------------------------
    async def execute(self, make_outputs: Callable[[TestRun], list[Output]] | None = None) -> RunResult:
        assert self.resolved is not None and self.engine is not None and self.script is not None
        loop = asyncio.get_running_loop()
        ctx, engine, opts = self.ctx, self.engine, self.resolved.options
        pool = VUPool(ctx)
        state = ExecutionState(ctx, pool, self.functions)
        self.state = state
        self.lifecycle = Lifecycle(ctx, state, self.script)
        self._install_signals(loop)  # from here on a Ctrl-C stops the run and still gets its summary
        self.outputs = make_outputs(self) if make_outputs else []
        self.recorder: ResultsRecorder | None = None
        if self.settings.results_dir is not None:
            folder = Path(self.settings.results_dir) / self.settings.test_id
            self.recorder = ResultsRecorder(str(folder), engine.registry, engine.tagsets, ctx.env)
            self.outputs.insert(0, self.recorder)
        results = (
            str(Path(self.settings.results_dir) / self.settings.test_id) if self.settings.results_dir else ""
        )
        info = RunInfo(self.settings.test_id, str(self.script.path), results, opts.thresholds)
        if self.settings.summary_export:
            require_writable(self.settings.summary_export, "--summary-export")
        for started, output in enumerate(self.outputs):
            try:
                await output.start(info)
            except BaseException:
                for ready in self.outputs[:started]:  # a refused start leaves nothing half-open behind
                    await ready.stop()
                raise
        if self.settings.dashboard is not None:
            from loadcell.report.dashboard import Dashboard

            self.dashboard = Dashboard(self.settings.dashboard, self)
            await self.dashboard.start()
        self.folder = Folder(REGISTRY, ctx.tagsets)
        self.source = engine.new_source()
        self.keep_raw = any(o.wants_raw for o in self.outputs)
        self.scheduler = ctx.scheduler = Scheduler(self.resolved.scenarios, state)
        self.workers_note = ""
        if self.settings.workers <= 0:
            self.settings.workers, self.workers_note = auto_workers(self.scheduler, usable_cores())
        self.print_header()
        try:
            await self._prepare_workers()
        except LoadcellError:
            for output in self.outputs:
                await output.stop()
            if self.dashboard is not None:
                await self.dashboard.stop()
            raise
        ctx.running = True
        ctx.loop_tick = now()
        self.start_time = loop.time()
        local_vus = self.settings.agents <= 0 and self.settings.workers <= 1  # VUs run on this loop
        background = [
            loop.create_task(self._every(FLUSH_INTERVAL, self.flush, LagWatch() if local_vus else None)),
            loop.create_task(self._every(1.0, self._emit_vus)),
            loop.create_task(self._every(THRESHOLD_INTERVAL, self._check_thresholds)),
        ]
        hook = self.progress_hook
        if hook is not None:
            background.append(loop.create_task(self._every(1.0, lambda: hook(self, False))))
        if self.dashboard is not None:
            background.append(
                loop.create_task(self._every(self.dashboard.settings.period, self.dashboard.tick))
            )
        exit_code = ExitCode.OK
        setup_ok = False
        try:
            # A stop before the start (Ctrl-C while workers import the script or setup() runs) skips
            # what has not begun, as k6: no setup() after it, no VU started after it.
            if not state.hard_stop.is_set():
                if not opts.noSetup:
                    await self.lifecycle.setup(opts.setupTimeout)
                setup_ok = True
            if not state.hard_stop.is_set():
                await self._run_scenarios()
            elif self.worker_pool is not None:
                await self.worker_pool.dismiss()
        except LoadcellError as exc:
            exit_code = exc.exit_code
            self._log_abort(exc)
        finally:
            if setup_ok and not opts.noTeardown:
                code = await self.lifecycle.teardown(opts.teardownTimeout)
                exit_code = exit_code or code
            for task in background:
                task.cancel()
            await asyncio.gather(*background, return_exceptions=True)
            pool.close()
            self.flush()
            if self.progress_hook is not None:
                self.progress_hook(self, True)
        elapsed = loop.time() - self.start_time
        workers_code = ExitCode.OK
        if self.worker_pool is not None:
            workers_code = await self.worker_pool.reap()
        abort = ctx.abort_reason
        if exit_code == ExitCode.OK and abort is not None:
            exit_code = getattr(abort, "exit_code", ExitCode.EXTERNAL_ABORT)
            self._log_abort(abort)
        if exit_code == ExitCode.OK and workers_code != ExitCode.OK:
            log.error("a worker process failed: the run's results are incomplete")
            exit_code = workers_code
        failed = engine.evaluate_thresholds(elapsed, final=True)
        output_stats: dict[str, OutputStats] = {}
        for output in self.outputs:
            try:
                output_stats[output.description()] = await output.stop()
            except Exception as exc:
                log.error("output %s failed to stop cleanly: %s", output.description(), exc)
        crossed = ""
        if failed:
            if not isinstance(abort, ThresholdAbort):  # an abortOnFail stop has said it already
                crossed = ", ".join(sorted({g.key for g, _ in failed}))
            if exit_code == ExitCode.OK:
                exit_code = ExitCode.THRESHOLDS_FAILED
        if exit_code == ExitCode.OK and ctx.failed_mark:
            log.error("test run was marked as failed: %s", ctx.failed_mark)
            exit_code = ExitCode.MARKED_AS_FAILED
        if ctx.errors:
            total = sum(ctx.errors.values())
            log.warning("%d iteration error(s) of %d kind(s):", total, len(ctx.errors))
            for key, count in ctx.errors.most_common():
                log.warning("  %d× %s", count, key)
        result = RunResult(exit_code, output_stats=output_stats)
        await self._summary(result, elapsed, output_stats)
        if crossed:  # after the summary, as k6 logs it
            log.error("thresholds on metrics '%s' have been crossed", crossed)
        if self.dashboard is not None:
            report = self.recorder.folder / "report.html" if self.recorder is not None else None
            status = f"{'PASSED' if result.exit_code == 0 else 'FAILED'} (exit {result.exit_code})"
            await self.dashboard.finish(report, status)
        return result

    async def _run_scenarios(self) -> None:
        """In this process, or split by execution segments across worker processes."""
        assert self.scheduler is not None
        if self.worker_pool is None:
            await self.scheduler.run()
            return
        try:
            self.worker_pool.start()
            await self.scheduler.run_elsewhere(self.worker_pool.run)
        finally:
            self.worker_pool.stop()

    async def _prepare_workers(self) -> None:
        """Spawn (or await) and initialise the workers (k6's init phase: not part of the test time)."""
        agents = self.settings.agents
        if agents <= 0 and self.settings.workers <= 1:
            return
        assert self.resolved is not None and self.engine is not None and self.scheduler is not None
        listener = None
        if agents > 0:
            host, port = parse_address(self.settings.listen, "--listen")
            listener = AgentListener(host, port, require_token(self.ctx.env), self.settings.agents_timeout)
        # Local workers share this machine's environment; agents get only the -e values (never the
        # token) and read their own environment and .env for the rest.
        env = self.ctx.env
        if agents > 0:
            env = {k: v for k, v in self.settings.cli_env.items() if k != TOKEN_ENV}
        base = {
            "script": self.settings.script,
            "cli_options": self.settings.cli_options,
            "env": env,
            "keep_raw": self.keep_raw,
        }
        self.worker_pool = WorkerPool(
            agents or self.settings.workers,
            base,
            self.state,
            self.resolved.scenarios,
            self.engine.new_source,
            self._on_report,
            self.scheduler.follow,
            listener,
        )
        await self.worker_pool.prepare()

    def _on_report(self, source: Source, report: Report) -> None:
        self.ctx.merge_errors(report.errors)
        if report.failed_mark and not self.ctx.failed_mark:
            self.ctx.failed_mark = report.failed_mark
        assert self.engine is not None
        self._deliver(self.engine.ingest(source, report.batch))

    def _deliver(self, batch: MetricBatch) -> None:
        for output in self.outputs:
            try:
                output.add(batch)
            except Exception as exc:  # one broken output must not stop the others
                log.error("output %s rejected a batch: %s", output.description(), exc)

    def _log_abort(self, exc: BaseException) -> None:
        if getattr(exc, "exit_code", None) == ExitCode.SCRIPT_ABORTED:
            log.error("test aborted: %s", exc)
        else:
            log.error("%s", exc)

    async def _every(self, interval: float, fn: Callable[[], Any], lag: LagWatch | None = None) -> None:
        while True:
            await (lag.sleep(interval) if lag is not None else asyncio.sleep(interval))
            t0 = now()
            try:
                fn()
            except Exception:
                log.exception("periodic task %s failed", getattr(fn, "__name__", fn))
            own_work[getattr(fn, "__name__", "periodic")] += now() - t0

    def flush(self) -> None:
        """Fold what VUs recorded since the last flush into the engine and the outputs."""
        self.ctx.loop_tick = now()
        if not len(self.ctx.buffer):
            return
        batch = self.folder.fold(*self.ctx.buffer.drain(), keep_raw=self.keep_raw)
        assert self.engine is not None
        self._deliver(self.engine.ingest(self.source, batch))

    def _emit_vus(self) -> None:
        tid = self.ctx.tagsets.intern(self.ctx.test_tags)
        t = now()
        active = self.scheduler.active_vus if self.scheduler else 0
        row = self.ctx.buffer.sample
        row(R.VUS.id, tid, t, float(active))
        initialized = self.state.pool.initialized
        if self.worker_pool is not None:
            initialized += self.worker_pool.initialized
        # k6 initializes the planned VUs before the start; ours are created as scenarios start.
        planned = self.scheduler.planned_vus() if self.scheduler else 0
        row(R.VUS_MAX.id, tid, t, float(max(initialized, planned)))

    def elapsed(self) -> float:
        """Seconds since the scenarios started (0 before)."""
        if self.start_time is None:
            return 0.0
        return asyncio.get_event_loop().time() - self.start_time

    def _check_thresholds(self) -> None:
        self.flush()
        elapsed = self.elapsed()
        assert self.engine is not None
        failed = self.engine.evaluate_thresholds(elapsed, final=False)
        self.threshold_failures = failed
        aborting = [
            (g, th)
            for g, th in failed
            if th.abort_on_fail and (th.delay_abort_eval <= 0 or elapsed >= th.delay_abort_eval)
        ]
        if aborting and self.ctx.abort_reason is None:
            names = ", ".join(sorted({g.key for g, _ in aborting}))
            self.state.abort(
                ThresholdAbort(
                    f"thresholds on metrics '{names}' were crossed; at least one has abortOnFail enabled,"
                    " stopping test prematurely"
                )
            )

    # signals ----------------------------------------------------------------------------------------------
    def _install_signals(self, loop: asyncio.AbstractEventLoop) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self._on_signal, sig)

    def _on_signal(self, sig: signal.Signals) -> None:
        self._signals += 1
        name = "interrupt" if sig == signal.SIGINT else "terminated"
        if self._signals == 1:
            log.warning("stopping the test (received %s); press Ctrl+C again to skip teardown", name)
            self.state.abort(
                ExternalAbort(f"test run was aborted because loadcell received a '{name}' signal")
            )
        else:
            log.warning("second signal: teardown cancelled, outputs stop waiting; the summary follows")
            self.lifecycle.cancel_teardown()
            for output in self.outputs:
                output.hurry()

    # reporting -------------------------------------------------------------------------------------------
    def print_header(self) -> None:
        if self.settings.quiet:
            return
        assert self.scheduler is not None
        outputs = ", ".join(o.description() for o in self.outputs) or "-"
        if self.settings.agents > 0:
            execution = f"distributed, {self.settings.agents} agents via {self.settings.listen}"
        elif self.settings.workers > 1:
            execution = f"local, {self.settings.workers} worker processes"
        else:
            execution = "local, 1 process"
        if self.workers_note:
            execution += f" ({self.workers_note}; --workers N to split anyway)"
        lines = [
            "",
            "  loadcell — k6's model, in Python",
            "",
            f"     execution: {execution}",
            f"        script: {self.settings.script}",
            f"        output: {outputs}",
            *([f" web dashboard: {self.dashboard.url}"] if self.dashboard and self.dashboard.url else []),
            "",
            *self.scheduler.header(),
            "",
        ]
        self.print("\n".join(lines))

    async def _summary(self, result: RunResult, elapsed: float, output_stats: dict[str, OutputStats]) -> None:
        assert self.engine is not None and self.resolved is not None and self.script is not None
        user_outputs = {
            n: st
            for n, st in output_stats.items()
            if self.recorder is None or n != self.recorder.description()
        }
        extra = {"outputs": {n: st.as_dict() for n, st in user_outputs.items()}} if user_outputs else {}
        summary = build_summary(
            self.engine,
            self.resolved.options,
            elapsed,
            mode=self.settings.summary_mode,
            setup_data=self.lifecycle.setup_data,
            errors=self.ctx.errors,
            extra=extra,
        )
        result.summary_data, result.summary_text = summary.data, summary.text
        handler = self.script.handle_summary
        produced = None
        if handler is not None:
            produced = await handle_summary(functools.partial(call_script_fn, handler), summary.data)
        export = export_json(summary.data)
        to_print = save_files(produced or {}, export, self.settings.summary_export)
        report = None
        if self.recorder is not None:
            report = self.recorder.finalize(summary.record, summary.text, export, result.exit_code)
        for output in self.outputs:
            try:
                output.conclude(summary.record, result.exit_code)
            except Exception as exc:
                log.error("output %s failed to write the verdicts: %s", output.description(), exc)
        if (handler is None or produced is None) and not self.settings.no_summary:
            to_print.append(summary.text)
        print_texts(to_print, self.print)
        if self.recorder is not None and self.recorder.stats.dropped:  # the results folder lost rows
            user_outputs[self.recorder.description()] = self.recorder.stats
        log_output_stats(user_outputs)
        if report is not None:
            log.info("results: %s (open %s)", report.parent, report)


__all__ = ["InvalidConfigError", "RunResult", "RunSettings", "TestRun"]
