"""k6's threshold grammar, parsed at start so a typo fails before any load (exit 104)."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from loadcell.config.durations import parse_duration
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
_PCT = re.compile(r"^p\((\d+(?:\.\d+)?)\)$")
_METHOD = re.compile(r"^[a-z]+(?:\([^()]*\))?$")  # what may stand left of the operator
ALLOWED_AGGREGATIONS: dict[MetricType, tuple[str, ...]] = {
    MetricType.COUNTER: ("count", "rate"),
    MetricType.GAUGE: ("value",),
    MetricType.RATE: ("rate",),
    MetricType.TREND: ("avg", "min", "max", "med", "p(N)"),
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


def parse_expression(source: str, metric: str, mtype: MetricType) -> tuple[str, Callable, float]:
    text = source.strip()
    found = next(((sym, fn) for sym, fn in _OPERATORS if sym in text), None)
    if found is None:
        raise InvalidConfigError(
            f'invalid threshold "{source}" applied on metric {metric}: no comparison operator;'
            " write e.g. 'p(95)<250' or 'rate>=0.99'"
        )
    symbol, func = found
    left, _, right = text.partition(symbol)
    agg = left.strip()
    if not _METHOD.match(agg):
        raise InvalidConfigError(
            f'failed parsing threshold expression\'s "{source}" left hand side; reason: failed parsing'
            f" method from expression (metric {metric}); write AGGREGATION OPERATOR NUMBER, e.g."
            f" 'p(95)<250', with one of {', '.join(sym for sym, _ in _OPERATORS)}"
        )
    try:
        target = float(right.strip())
    except ValueError:
        raise InvalidConfigError(
            f'invalid threshold "{source}" applied on metric {metric}: {right.strip()!r} is not a number'
        ) from None
    pct = _PCT.match(agg)
    if pct and mtype is MetricType.TREND:
        value = float(pct.group(1))
        if not 0 <= value <= 100:
            raise InvalidConfigError(
                f'invalid threshold "{source}" applied on metric {metric}:'
                f" percentile {value} is outside 0-100"
            )
        return agg, func, target
    if agg not in ALLOWED_AGGREGATIONS[mtype]:
        raise InvalidConfigError(
            f'invalid threshold "{source}" applied on metric {metric}; reason: unsupported aggregation'
            f" method {agg} on metric of type {mtype}. supported aggregation methods for this metric"
            f" are: {_SUPPORTED_TEXT[mtype]}"
        )
    return agg, func, target


def parse_thresholds(spec: dict[str, Any], metric_types: dict[str, MetricType]) -> list[MetricThresholds]:
    """Validate the `thresholds` option against the known metrics (built-in and custom)."""
    if not isinstance(spec, dict):
        raise InvalidConfigError("'thresholds' must be a mapping of metric name to a list of expressions")
    out: list[MetricThresholds] = []
    for key, entries in spec.items():
        name, selector = parse_metric_key(str(key))
        mtype = metric_types.get(name)
        if mtype is None:
            raise InvalidConfigError(
                f"invalid threshold on {key!r}: metric {name!r} does not exist; define it as a custom metric"
                " at import time or fix the name (built-ins: http_req_duration, checks, iterations, ...)"
            )
        if isinstance(entries, str | dict):
            entries = [entries]
        if not isinstance(entries, list):
            raise InvalidConfigError(f"thresholds for {key!r} must be a list of expressions, got {entries!r}")
        group = MetricThresholds(str(key), name, selector)
        for entry in entries:
            abort, delay = False, 0.0
            if isinstance(entry, dict):
                unknown = set(entry) - {"threshold", "abortOnFail", "delayAbortEval"}
                if unknown or "threshold" not in entry:
                    raise InvalidConfigError(
                        f"invalid threshold entry {entry!r} on {key!r}: use keys threshold, abortOnFail,"
                        " delayAbortEval"
                    )
                source = str(entry["threshold"])
                abort = bool(entry.get("abortOnFail", False))
                try:
                    delay = parse_duration(entry.get("delayAbortEval", 0) or 0)
                except ValueError as exc:
                    raise InvalidConfigError(f"invalid delayAbortEval on {key!r}: {exc}") from None
            elif isinstance(entry, str):
                source = entry
            else:
                raise InvalidConfigError(f"invalid threshold {entry!r} on {key!r}: expected a string")
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
