"""k6's threshold grammar, parsed at start so a typo fails before any load (exit 104)."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from loadcell.config.durations import parse_duration
from loadcell.config.values import as_bool, show
from loadcell.errors import InvalidConfigError
from loadcell.metrics.registry import MetricType
from loadcell.metrics.sinks import CounterSink, GaugeSink, RateSink, Sink, TrendSink

# k6 scans operators in this order and splits at the first one found.
_OPERATORS: list[tuple[str, Callable[[float, float], bool]]] = [
    ("<=", operator.le),
    ("<", operator.lt),
    (">=", operator.ge),
    (">", operator.gt),
    ("===", operator.eq),
    ("==", operator.eq),
    ("!=", operator.ne),
]
# What Go's strconv.ParseFloat takes in decimal (k6 parses both sides of a threshold with it).
_GO_FLOAT = re.compile(r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity|nan)", re.IGNORECASE)
_METHODS = frozenset({"count", "rate", "value", "avg", "min", "max", "med"})
ALLOWED_AGGREGATIONS: dict[MetricType, tuple[str, ...]] = {
    MetricType.COUNTER: ("count", "rate"),
    MetricType.GAUGE: ("value",),
    MetricType.RATE: ("rate",),
    MetricType.TREND: ("avg", "min", "max", "med"),
}
_SUPPORTED_TEXT = {
    MetricType.COUNTER: "count, rate",
    MetricType.GAUGE: "value",
    MetricType.RATE: "rate",
    MetricType.TREND: "avg, min, max, med, p",
}


@dataclass(slots=True)
class Threshold:
    source: str
    aggregation: str
    op: Callable[[float, float], bool]
    target: float
    abort_on_fail: bool = False
    delay_abort_eval: float = 0.0
    ok: bool = True
    last_value: float | None = None


@dataclass(slots=True)
class MetricThresholds:
    key: str  # "metric" or "metric{tag:value}"
    metric_name: str
    selector: dict[str, str]
    thresholds: list[Threshold] = field(default_factory=list)


def parse_metric_key(key: str) -> tuple[str, dict[str, str]]:
    """Split 'http_req_duration{group:::CREATE,status:200}' into the name and its tag selector."""
    if "{" not in key:
        return key.strip(), {}
    if not key.endswith("}"):
        raise InvalidConfigError(
            f"invalid threshold key {key!r}: a sub-metric selector must end with '}}',"
            " e.g. 'http_req_duration{name:home}'"
        )
    name, _, inner = key[:-1].partition("{")
    selector: dict[str, str] = {}
    for part in inner.split(","):
        if not part.strip():
            continue
        k, sep, v = part.partition(":")
        if not sep or not k.strip():
            raise InvalidConfigError(
                f"invalid threshold key {key!r}: each selector entry needs 'tag:value', got {part!r}"
            )
        selector[k.strip()] = v.strip().strip("\"'")
    return name.strip(), selector


def parse_go_float(text: str) -> float:
    """A number as Go's strconv.ParseFloat reads it: no '1_000', no '0x10'; past float64 is an error."""
    if not _GO_FLOAT.fullmatch(text):
        raise ValueError(f"{show(text)} is not a number")
    value = float(text)
    if np.isinf(value) and "inf" not in text.lower():
        raise ValueError(f"{show(text, 40)} is out of range")
    return value


def parse_expression(
    source: str, metric: str, mtype: MetricType
) -> tuple[str, Callable[[float, float], bool], float]:
    """k6's AGGREGATION OPERATOR NUMBER; a percentile comes back as p(N) with N in plain decimals."""
    text = source.strip()
    found = next(((sym, fn) for sym, fn in _OPERATORS if sym in text), None)
    if found is None:
        raise InvalidConfigError(
            f'failed parsing threshold expression "{source}" on metric {metric}; reason: malformed threshold'
            " expression (no comparison operator); write e.g. 'p(95)<250' or 'rate>=0.99'"
        )
    symbol, func = found
    left, _, right = text.partition(symbol)
    agg = left.strip()
    left_error = (
        f'failed parsing threshold expression\'s "{source}" left hand side on metric {metric}; reason:'
    )
    if agg.startswith("p(") and agg.endswith(")"):
        try:
            value = parse_go_float(agg[2:-1].strip())
        except ValueError as exc:
            raise InvalidConfigError(
                f"{left_error} malformed percentile value; reason: {exc}; write e.g. 'p(95)<250'"
            ) from None
        if not 0 <= value <= 100:
            raise InvalidConfigError(
                f"{left_error} malformed percentile value; reason: percentile must be between 0 and 100"
            )
        agg = f"p({np.format_float_positional(value, trim='-')})"
    elif agg not in _METHODS:
        raise InvalidConfigError(
            f"{left_error} failed parsing method from expression; write AGGREGATION OPERATOR NUMBER, e.g."
            f" 'p(95)<250', with one of {', '.join(sym for sym, _ in _OPERATORS)}"
        )
    try:
        target = parse_go_float(right.strip())
    except ValueError as exc:
        raise InvalidConfigError(
            f'failed parsing threshold expression\'s "{source}" right hand side on metric {metric};'
            f" reason: {exc}"
        ) from None
    if agg.startswith("p(") and mtype is MetricType.TREND:
        return agg, func, target
    if agg not in ALLOWED_AGGREGATIONS[mtype]:
        raise InvalidConfigError(
            f'invalid threshold "{source}" applied on metric {metric}; reason: unsupported aggregation'
            f" method {agg} on metric of type {mtype}. supported aggregation methods for this metric"
            f" are: {_SUPPORTED_TEXT[mtype]}"
        )
    return agg, func, target


def _entry(entry: Any, key: str) -> tuple[str, bool, float]:
    """One threshold: the expression, abortOnFail and delayAbortEval, typed as k6 decodes them."""
    if isinstance(entry, str):
        return entry, False, 0.0
    if not isinstance(entry, dict):
        raise InvalidConfigError(
            f"invalid threshold {show(entry)} on {key!r}: expected a string such as 'p(95)<250'"
            " or {'threshold': ..., 'abortOnFail': ..., 'delayAbortEval': ...}"
        )
    unknown = set(entry) - {"threshold", "abortOnFail", "delayAbortEval"}
    if unknown or not isinstance(entry.get("threshold"), str):
        raise InvalidConfigError(
            f"invalid threshold entry {show(entry)} on {key!r}: use the keys threshold (a string),"
            " abortOnFail, delayAbortEval"
        )
    abort_on_fail = entry.get("abortOnFail")
    try:
        abort = False if abort_on_fail is None else as_bool(abort_on_fail)
    except ValueError as exc:
        raise InvalidConfigError(f"invalid abortOnFail on {key!r}: {exc}") from None
    try:
        delay = parse_duration(entry.get("delayAbortEval") or 0)
    except ValueError as exc:
        raise InvalidConfigError(f"invalid delayAbortEval on {key!r}: {exc}") from None
    return entry["threshold"], abort, delay


def parse_thresholds(spec: dict[str, Any], metric_types: dict[str, MetricType]) -> list[MetricThresholds]:
    """Validate the `thresholds` option against the known metrics (built-in and custom)."""
    if not isinstance(spec, dict):
        raise InvalidConfigError("'thresholds' must be a mapping of metric name to a list of expressions")
    out: list[MetricThresholds] = []
    for key, entries in spec.items():
        if not isinstance(key, str):
            raise InvalidConfigError(
                f"invalid threshold key {show(key)}: it must be a metric name (a string)"
            )
        if entries is None:  # k6's null: no thresholds on this metric
            continue
        name, selector = parse_metric_key(key)
        mtype = metric_types.get(name)
        if mtype is None:
            raise InvalidConfigError(
                f"invalid threshold on {key!r}: metric {name!r} does not exist; define it as a custom metric"
                " at import time or fix the name (built-ins: http_req_duration, checks, iterations, ...)"
            )
        if isinstance(entries, str | dict):
            entries = [entries]
        if not isinstance(entries, list):
            raise InvalidConfigError(
                f"thresholds for {key!r} must be a list of expressions, got {show(entries)}"
            )
        group = MetricThresholds(key, name, selector)
        for entry in entries:
            source, abort, delay = _entry(entry, key)
            agg, func, target = parse_expression(source, name, mtype)
            group.thresholds.append(Threshold(source, agg, func, target, abort, delay))
        out.append(group)
    return out


def aggregate(sink: Sink, agg: str, elapsed: float) -> float | None:
    """The value a threshold compares; None means 'no data, skip' (k6: empty Rate)."""
    if isinstance(sink, CounterSink):
        return sink.total if agg == "count" else (sink.total / elapsed if elapsed > 0 else 0.0)
    if isinstance(sink, GaugeSink):
        return sink.last if sink.seen else 0.0
    if isinstance(sink, RateSink):
        return sink.trues / sink.total if sink.total else None
    if isinstance(sink, TrendSink):
        return sink.stat(agg) if sink.count else 0.0
    raise TypeError(sink)


def evaluate(group: MetricThresholds, sink: Sink, elapsed: float, final: bool) -> list[Threshold]:
    """Update each threshold's ok flag; returns the ones that newly or still fail."""
    failed: list[Threshold] = []
    if sink.empty and not final:
        return failed
    for th in group.thresholds:
        value = aggregate(sink, th.aggregation, elapsed)
        if value is None:
            continue
        th.last_value = value
        th.ok = bool(th.op(value, th.target))
        if not th.ok:
            failed.append(th)
    return failed
