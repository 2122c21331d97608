"""Running one iteration of a scenario function, with k6's per-iteration metrics."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from types import CoroutineType
from typing import Any

from loadcell.engine.context import RunContext
from loadcell.engine.vu import VU
from loadcell.errors import ScriptAbortedError
from loadcell.metrics.clock import now

ScenarioFn = Callable[[VU], Any]
STARVED_AFTER = 0.2  # seconds without a loop tick after which a VU yields after each iteration


async def call_script_fn(fn: Callable[..., Any], *args: Any) -> Any:
    """Scripts may define sync or async functions; both are accepted everywhere."""
    result = fn(*args)
    if inspect.isawaitable(result):
        result = await result
    return result


async def run_iteration(vu: VU, fn: ScenarioFn, ctx: RunContext) -> bool:
    """One iteration. Returns False when it was interrupted (cancelled), as k6 counts those apart.

    An exception inside the iteration is logged once per distinct error and the iteration still
    counts, as in k6. abort() propagates and stops the test.
    """
    vu.iteration += 1
    vu.iteration_in_instance += 1
    executor = vu.executor
    if executor is not None:
        vu.scenario_iteration = executor.iterations_started
        executor.iterations_started += 1
    vu.metrics.group = ""  # k6: each iteration starts in the root group
    start = now()
    completed = awaited = False
    try:
        result = fn(vu)
        if type(result) is CoroutineType or (result is not None and inspect.isawaitable(result)):
            await result
            awaited = True
        completed = True
    except asyncio.CancelledError:
        raise
    except ScriptAbortedError:
        completed = True  # k6 counts the iteration that called abort() (iterations, its duration)
        raise
    except Exception as exc:
        ctx.record_iteration_error(exc, vu.scenario_name)
        completed = True
    finally:
        end = vu.ledger.iteration(vu.base_tid, start, completed)
        http = vu.http
        if http.cookies.cookies:  # k6 clears the jar between iterations; a call only when there is one
            http.reset()
        vu.iteration_end = start + ctx.min_iteration_duration
        # The other VUs and the scheduler run only when this one yields: a sync iteration never does,
        # and an async one that never waits for anything starves the loop (seen by its ticks).
        vu.must_yield = not awaited or end - ctx.loop_tick > STARVED_AFTER
    return completed


async def pad_iteration(vu: VU) -> None:
    """After a finished iteration: k6's minIterationDuration (the VU idles until the minimum has
    passed), or one pass of the event loop for an iteration that did not yield (see must_yield).

    The pad is not part of iteration_duration (k6 records the iteration first), and it is cancelled
    with the VU at the end of the run.
    """
    left = vu.iteration_end - now()
    if left <= 0:
        await asyncio.sleep(0)
        return
    while left > 0:  # loop timers may fire a little early
        await asyncio.sleep(left)
        left = vu.iteration_end - now()
