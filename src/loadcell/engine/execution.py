"""k6/execution: `execution.vu`, `.scenario`, `.instance` and `.test`, read when asked.

Counters are this process's (k6's "instance": with --workers or agents, each worker is one);
`scenario.iteration_in_test` maps this process's index onto the whole test's with the execution
segment's striped offsets, as k6 does, so indices stay unique across instances.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any, NoReturn

from loadcell.engine.context import get_context
from loadcell.engine.vu import VU, current_vu
from loadcell.errors import ScriptAbortedError

log = logging.getLogger("loadcell")

if TYPE_CHECKING:
    from loadcell.engine.executors.base import Executor
    from loadcell.engine.scheduler import Scheduler


def _vu(what: str) -> VU:
    vu = current_vu.get(None)
    if vu is None:
        raise RuntimeError(f"execution.{what} is only known inside setup(), a VU function or teardown()")
    return vu


def _scheduler(what: str) -> Scheduler:
    scheduler = get_context().scheduler
    if scheduler is None:
        raise RuntimeError(f"execution.{what} is only known once the test runs (not at import)")
    return scheduler


class _VUInfo:
    """k6's exec.vu: ids, iteration counters and tags of the calling VU (0 in setup/teardown)."""

    @property
    def id_in_test(self) -> int:
        return _vu("vu").id

    @property
    def id_in_instance(self) -> int:
        vu = _vu("vu")
        scheduler = get_context().scheduler
        first = scheduler.state.pool.first_id if scheduler is not None else 1
        return vu.id - first + 1 if vu.id else 0

    @property
    def iteration_in_instance(self) -> int:
        return _vu("vu").iteration_in_instance

    @property
    def iteration_in_scenario(self) -> int:
        return _vu("vu").iteration

    @property
    def tags(self) -> dict[str, str]:
        """A copy; change them with set_tag(key, value) (None removes one)."""
        return _vu("vu").tags

    def set_tag(self, key: str, value: str | None) -> None:
        _vu("vu").set_tag(key, value)


class _ScenarioInfo:
    """k6's exec.scenario: the calling VU's scenario."""

    @staticmethod
    def _executor() -> Executor:
        executor: Executor | None = _vu("scenario").executor
        if executor is None:
            raise RuntimeError(
                "execution.scenario is only known in a scenario's function, not in setup/teardown"
            )
        return executor

    @property
    def name(self) -> str:
        return self._executor().name

    @property
    def executor(self) -> str:
        return self._executor().config.executor

    @property
    def start_time(self) -> float:
        """When the scenario started, in Unix milliseconds (k6's startTime)."""
        ex = self._executor()
        started = ex.started_at if ex.started_at is not None else ex.loop.time()
        return (time.time() - (ex.loop.time() - started)) * 1000.0

    @property
    def progress(self) -> float:
        """0..1: the share of the scenario done (its time, or its iterations for iteration executors)."""
        return self._executor().progress().fraction

    @property
    def iteration_in_instance(self) -> int:
        return _vu("scenario").scenario_iteration

    @property
    def iteration_in_test(self) -> int:
        local = _vu("scenario").scenario_iteration
        if local < 0:
            return local
        start, offsets, lcd = self._executor().et.striped_offsets()
        whole, part = divmod(local, len(offsets))
        return start + whole * lcd + sum(offsets[:part])


class _InstanceInfo:
    """k6's exec.instance: this process's VUs, iterations and run time."""

    @property
    def vus_active(self) -> int:
        return _scheduler("instance").active_vus

    @property
    def vus_initialized(self) -> int:
        scheduler = _scheduler("instance")
        return max(scheduler.state.pool.initialized, scheduler.planned_vus())

    @property
    def iterations_completed(self) -> int:
        return _scheduler("instance").completed

    @property
    def iterations_interrupted(self) -> int:
        return _scheduler("instance").interrupted

    @property
    def current_test_run_duration(self) -> float:
        """Milliseconds since the scenarios started."""
        return _scheduler("instance").elapsed() * 1000.0


def abort(reason: str = "test aborted") -> NoReturn:
    """Stop the whole test now (exit code 108), like exec.test.abort()."""
    raise ScriptAbortedError(reason)


def mark_failed(reason: str = "") -> None:
    """k6's exec.test.fail(): the test runs on to the end, then exits 110."""
    ctx = get_context()
    if not ctx.failed_mark:
        log.error("test marked as failed%s", f": {reason}" if reason else "")
    ctx.failed_mark = reason or "marked as failed"


class _TestInfo:
    """k6's exec.test: abort(), fail() and the options the test runs with."""

    abort = staticmethod(abort)
    fail = staticmethod(mark_failed)

    @property
    def options(self) -> dict[str, Any]:
        """The resolved options, k6's keys; durations in seconds."""
        options = get_context().options
        if options is None:
            raise RuntimeError("execution.test.options is only known once the options are resolved")
        return options.model_dump(exclude_none=True)


class Execution:
    """`from loadcell import execution as exec`, then exec.vu.id_in_test, exec.scenario.name, ..."""

    vu = _VUInfo()
    scenario = _ScenarioInfo()
    instance = _InstanceInfo()
    test = _TestInfo()


execution = Execution()
