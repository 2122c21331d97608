"""Hostile option dicts, threshold strings and CLI values, and the validation path they go through.

Shared by the property-based tests (tests/unit/test_validation_fuzz.py) and the counting run that
measures how the validation path fares (bench/fuzz_validation.py). `validate` runs what happens
before any load: option resolution, threshold parsing and the scheduler's planning (VU counts, the
header), so a value that validation lets through and planning chokes on is caught too.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import io
import logging
import math
import signal
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

from loadcell.config.resolve import resolve
from loadcell.engine.context import RunContext
from loadcell.engine.distributed.pool import auto_workers
from loadcell.engine.executors import ExecutionState
from loadcell.engine.scheduler import Scheduler
from loadcell.engine.segment import ExecutionTuple
from loadcell.engine.vu import VUPool
from loadcell.errors import ExitCode, LoadcellError
from loadcell.metrics.registry import REGISTRY
from loadcell.metrics.thresholds import parse_thresholds

HANG_AFTER = 5.0  # seconds one case may take before it counts as a hang
BATCH = 10  # cases per hypothesis example: the engine's per-example cost is most of the time otherwise

EXECUTORS = [
    "shared-iterations",
    "per-vu-iterations",
    "constant-vus",
    "ramping-vus",
    "constant-arrival-rate",
    "ramping-arrival-rate",
]
TOP_KEYS = [
    "vus",
    "duration",
    "iterations",
    "stages",
    "scenarios",
    "thresholds",
    "summaryTrendStats",
    "summaryTimeUnit",
    "tags",
    "setupTimeout",
    "teardownTimeout",
    "insecureSkipTLSVerify",
    "noSetup",
    "noTeardown",
    "maxRedirects",
    "userAgent",
    "rps",
    "minIterationDuration",
    "discardResponseBodies",
    "tlsVersion",
    "tlsCipherSuites",
    "tlsAuth",
    "noHTTP2",
]
SCENARIO_KEYS = [
    "executor",
    "startTime",
    "gracefulStop",
    "exec",
    "env",
    "tags",
    "vus",
    "iterations",
    "maxDuration",
    "duration",
    "startVUs",
    "stages",
    "gracefulRampDown",
    "rate",
    "timeUnit",
    "preAllocatedVUs",
    "maxVUs",
    "startRate",
]
METRICS = ["http_req_duration", "http_req_failed", "http_reqs", "checks", "iterations", "vus", "data_sent"]

# Values a hostile or careless script writes: every JSON type, Python-only numbers (huge ints, nan),
# and strings that look like durations, numbers or booleans.
HOSTILE_STRINGS = st.sampled_from(
    [
        "",
        " ",
        "1s",
        "-1s",
        "0s",
        "1m30s",
        "1.5h",
        "9" * 400 + "s",
        "99999999999h",
        "300000h",
        "1e400s",
        "nan",
        "inf",
        "false",
        "true",
        "1",
        "-1",
        "10",
        "a\n",
        "\x00",
        "p(95)<250",
        "constant-vus",
        "default",
    ]
) | st.text(max_size=12)
HOSTILE_NUMBERS = (
    st.sampled_from([0, 1, -1, 2, 10, 2**31, 2**63 - 1, 2**63, -(2**63) - 1, 10**12, 1.5, 1.0, -0.5])
    | st.builds(pow, st.just(10), st.just(4300))
    | st.sampled_from([math.nan, math.inf, -math.inf, 1e308, 5e-324])
)
SCALARS = st.none() | st.booleans() | HOSTILE_NUMBERS | st.integers() | st.floats() | HOSTILE_STRINGS
# Containers one level deep: deeper nesting found nothing more and costs generation time.
HOSTILE = SCALARS | st.lists(SCALARS, max_size=2) | st.dictionaries(HOSTILE_STRINGS, SCALARS, max_size=2)

DURATIONS = st.sampled_from(["1s", "2s", "10s", "1m", "500ms", 1000, 2500])
SMALL = st.integers(min_value=1, max_value=5)


def _scenario(executor: str, a: int, b: int, duration: str | int) -> dict[str, Any]:
    """A scenario k6 accepts, for one executor."""
    stages = [{"duration": duration, "target": a}]
    fields = {
        "shared-iterations": {"vus": 1, "iterations": a},
        "per-vu-iterations": {"vus": a, "iterations": b},
        "constant-vus": {"vus": a, "duration": "2s" if duration == "500ms" else duration},
        "ramping-vus": {"startVUs": 0, "stages": stages},
        "constant-arrival-rate": {"rate": a, "duration": "2s", "preAllocatedVUs": b},
        "ramping-arrival-rate": {"preAllocatedVUs": b, "stages": stages},
    }[executor]
    return {"executor": executor, **fields}


def valid_scenarios(executors: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(_scenario, st.sampled_from(executors), SMALL, SMALL, DURATIONS)


VALID_SCENARIO = valid_scenarios(EXECUTORS)
STAGED_SCENARIO = valid_scenarios(["ramping-vus", "ramping-arrival-rate"])

THRESHOLD_EXPRESSIONS = st.sampled_from(
    [
        "p(95)<250",
        "p(99.9)<=1000",
        "avg<200",
        "med>=1",
        "rate<0.01",
        "count>0",
        "value<10",
        "max==1",
        "min!=0",
    ]
)


METHODS = (
    st.sampled_from(["avg", "min", "max", "med", "count", "rate", "value", "p(95)", "p(0)", "p(100)"])
    | st.sampled_from(["p(N)", "p()", "p(-1)", "p(101)", "p(95", "p95", "P(95)", "avg()", "p(1e2)"])
    | st.sampled_from(["p(nan)", "p(inf)", "p(9" + "9" * 400 + ")", "count(3)", ""])
    | st.builds(lambda v: f"p({v})", st.floats(allow_nan=True, allow_infinity=True))
    | st.text(max_size=6)
)
OPERATORS = st.sampled_from(["<", "<=", ">", ">=", "==", "===", "!=", "=", "=<", "", "<<"])
TARGETS = (
    st.sampled_from(["250", "0.99", "1e3", "nan", "Inf", "-Inf", "0x10", "", "abc", "1_000", "9" * 400])
    | st.builds(str, st.floats())
    | st.builds(str, st.integers())
)
# k6's grammar, AGGREGATION OPERATOR NUMBER, well-formed or broken anywhere.
THRESHOLD_STRINGS = st.builds(
    lambda method, op, target, space: f"{method}{space}{op}{space}{target}",
    METHODS,
    OPERATORS,
    TARGETS,
    st.sampled_from(["", " "]),
)
# A threshold as a string, or k6's object form with hostile abortOnFail/delayAbortEval.
THRESHOLD_ENTRY = (
    THRESHOLD_STRINGS
    | THRESHOLD_EXPRESSIONS
    | st.fixed_dictionaries(
        {"threshold": THRESHOLD_STRINGS | THRESHOLD_EXPRESSIONS},
        optional={"abortOnFail": st.booleans() | HOSTILE, "delayAbortEval": DURATIONS | HOSTILE},
    )
    | HOSTILE
)


# --- one fault in an otherwise valid config: the message must name the faulty key ------------------


@dataclass
class Case:
    options: dict[str, Any]
    key: str  # the key a rejection must name
    cli: dict[str, Any] | None = None


BASES = st.sampled_from([{}, {"vus": 2, "duration": "2s"}, {"iterations": 3}])
TOP_FAULT_KEYS = st.sampled_from([k for k in TOP_KEYS if k != "scenarios"])
SCENARIO_FAULT_KEYS = st.sampled_from(SCENARIO_KEYS)
STAGE_KEYS = st.sampled_from(["duration", "target"])


@st.composite
def single_fault(draw: st.DrawFn) -> Case:
    """A config k6 accepts with exactly one value replaced by a hostile one."""
    kind = draw(st.sampled_from(["top", "scenario", "stage", "threshold", "name"]))
    value = draw(HOSTILE) if kind in ("top", "scenario", "stage") else None
    if kind == "top":
        key = draw(TOP_FAULT_KEYS)
        base: dict[str, Any] = dict(draw(BASES))
        if key in ("iterations", "stages") and "duration" in base:
            base.pop("duration")
        if key in ("duration", "stages"):
            base.pop("iterations", None)
        base[key] = value
        return Case(base, key)
    if kind in ("scenario", "stage"):
        if kind == "stage":
            scenario = draw(STAGED_SCENARIO)
            key = draw(STAGE_KEYS)
            scenario["stages"] = [{**scenario["stages"][0], key: value}]
        else:
            scenario = draw(VALID_SCENARIO)
            key = draw(SCENARIO_FAULT_KEYS)
            scenario[key] = value
        return Case({"scenarios": {"s": scenario}}, key)
    if kind == "threshold":
        metric = draw(st.sampled_from(METRICS))
        entry = draw(THRESHOLD_ENTRY)
        return Case({"vus": 1, "duration": "2s", "thresholds": {metric: [entry]}}, metric)
    name = draw(HOSTILE_STRINGS)
    return Case({"scenarios": {name: {"executor": "constant-vus", "duration": "2s"}}}, name)


FREE_TOP = st.dictionaries(st.sampled_from(TOP_KEYS), HOSTILE, max_size=4)
FREE_SCENARIO = st.dictionaries(st.sampled_from(SCENARIO_KEYS), HOSTILE, max_size=5)
FREE_THRESHOLDS = st.dictionaries(
    st.sampled_from(METRICS) | st.text(max_size=10), st.lists(THRESHOLD_ENTRY, max_size=2), max_size=3
)


@st.composite
def free_form(draw: st.DrawFn) -> dict[str, Any]:
    """Any mix of known keys and hostile values, at the top and in scenarios."""
    options = draw(FREE_TOP)
    if draw(st.booleans()):
        scenario = draw(FREE_SCENARIO)
        scenario.setdefault("executor", draw(st.sampled_from(EXECUTORS)))
        options["scenarios"] = {draw(st.sampled_from(["s", "a b", "x-1"])): scenario}
    if draw(st.booleans()):
        options["thresholds"] = draw(FREE_THRESHOLDS)
    return options


CLI_VALUES = st.fixed_dictionaries(
    {},
    optional={
        "--vus": st.sampled_from(["1", "0", "-1", "2", "abc", "1.5", str(2**63), str(10**12), "9" * 5000]),
        "--duration": HOSTILE_STRINGS,
        "--iterations": st.sampled_from(["1", "0", "-3", "10", "x", str(2**63), "1e3"]),
        "--stage": st.builds(
            lambda d, t: f"{d}:{t}", HOSTILE_STRINGS, st.sampled_from(["1", "0", "-1", "x", str(10**12), ""])
        )
        | HOSTILE_STRINGS,
        "--summary-trend-stats": st.sampled_from(["avg,p(99)", "p(N)", "p(101)", "", ",", "count"])
        | st.text(max_size=8),
        "--tag": HOSTILE_STRINGS,
        "--summary-time-unit": st.sampled_from(["s", "ms", "us", "ns", ""]),
    },
)


# What a rejection of each flag must name: the flag, or the option it sets.
CLI_KEYS = {
    "--vus": "vus",
    "--duration": "duration",
    "--iterations": "iterations",
    "--stage": "stage",
    "--summary-trend-stats": "summaryTrendStats",
    "--tag": "tag",
    "--summary-time-unit": "summary-time-unit",
}


def cli_args(values: dict[str, str]) -> list[str]:
    """The generated flags as argv (a value never becomes a flag of its own)."""
    return [f"{flag}={value}" for flag, value in values.items()]


def batches(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[list[Any]]:
    return st.lists(strategy, min_size=BATCH, max_size=BATCH)


def fuzz_settings(examples: int) -> settings:
    """Derandomized (CI sees the same cases every run), no deadline: hangs are timed by `outcome`."""
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        # No shrinking or explaining: explaining traces every line, which slows a valid plan of
        # thousands of VUs past the hang limit and reports that instead of the real failure.
        phases=[Phase.generate],
    )


# --- the validation path -------------------------------------------------------------------------


class Hang(Exception):
    """A case ran past HANG_AFTER seconds."""


@contextlib.contextmanager
def time_limit(seconds: float = HANG_AFTER) -> Iterator[None]:
    def on_alarm(signum: int, frame: Any) -> None:
        raise Hang(f"still running after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    # The alarm repeats, and the collector is off: an alarm landing in a callback whose exceptions
    # are ignored (hypothesis' gc callback, which a runaway allocation calls constantly) must not
    # let the case run on.
    gc.disable()
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.25)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        gc.enable()


async def _noop(vu: Any) -> None:
    return None


PLAN_VUS = 1_000_000  # valid configs larger than this are validated, not planned


def validate(options: Any, cli: dict[str, Any] | None = None) -> None:
    """Everything between `options` and the first VU: resolve, thresholds, planning (1 and 2 workers).

    The scheduler and executors take the thread's event loop when they are made, as they are in a run;
    an earlier test's asyncio.run() leaves none, so one is set here."""
    _event_loop()
    resolved = resolve(options, cli or {})
    ctx = RunContext(env={})  # not configured: that loads TLS contexts (~50 ms), all checked by resolve
    parse_thresholds(resolved.options.thresholds, {m.name: m.type for m in REGISTRY.metrics})
    if sum(cfg.max_vus() for cfg in resolved.scenarios.values()) > PLAN_VUS:
        return  # valid; planning it is proportional to its VUs by design (as in k6), not validation
    functions = {cfg.exec: _noop for cfg in resolved.scenarios.values()}
    for segment in (ExecutionTuple("0:1", "0,1"), ExecutionTuple("0:1/2", "0,1/2,1")):
        state = ExecutionState(ctx, VUPool(ctx), functions, segment=segment)  # type: ignore[arg-type]
        scheduler = Scheduler(resolved.scenarios, state)
        scheduler.header()
        scheduler.planned_vus()
        auto_workers(scheduler, 2)


def _event_loop() -> None:
    try:
        asyncio.get_event_loop()
    except RuntimeError:
        asyncio.set_event_loop(asyncio.new_event_loop())


@dataclass
class Outcome:
    verdict: str  # "accepted", "rejected", "crashed" or "hung"
    code: int = 0
    message: str = ""


def outcome(options: Any, cli: dict[str, Any] | None = None) -> Outcome:
    """The verdict of `validate`: a rejection keeps its exit code and message; anything else crashed."""
    try:
        with time_limit():
            validate(options, cli)
    except Hang as exc:
        return Outcome("hung", message=str(exc))
    except LoadcellError as exc:
        return Outcome("rejected", exc.exit_code, str(exc))
    except Exception as exc:  # what the CLI would print as a traceback
        return Outcome("crashed", 1, f"{type(exc).__name__}: {exc}"[:300])
    return Outcome("accepted")


def names_key(message: str, key: str) -> bool:
    """Whether a rejection names the key (k6 spells some in prose: 'the number of VUs', 'invalid
    threshold on 'checks'' for a wrong entry of `thresholds`)."""
    text = message.lower()
    return any(name.lower() in text for name in (key, repr(key), key.removesuffix("s")) if name)


def cli_outcome(script: Path, values: dict[str, str]) -> Outcome:
    """`loadcell inspect SCRIPT FLAGS...` through the CLI's own entry point, in this process."""
    from loadcell.cli.main import main

    argv, out = sys.argv, io.StringIO()
    logger = logging.getLogger("loadcell")
    handlers, level = list(logger.handlers), logger.level
    sys.argv = ["loadcell", "inspect", str(script), *cli_args(values)]
    try:
        with time_limit(), contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
        return Outcome("accepted" if code == 0 else "rejected", code, out.getvalue())
    except Hang as exc:
        return Outcome("hung", message=str(exc))
    except Exception as exc:
        return Outcome("crashed", 1, f"{type(exc).__name__}: {exc}"[:300])
    finally:
        sys.argv = argv
        logger.handlers[:], logger.level = handlers, level  # the CLI pointed them at `out`
    return Outcome("accepted", ExitCode.OK, out.getvalue())
