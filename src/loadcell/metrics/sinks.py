"""Per-metric aggregates for k6's four metric types; all of them merge, so workers can be summed."""

from __future__ import annotations

import math
import re

import numpy as np

from loadcell.metrics.histogram import Histogram, percentile
from loadcell.metrics.registry import MetricType

_PCT = re.compile(r"^p\((\d+(?:\.\d+)?)\)$")


class CounterSink:
    __slots__ = ("total",)

    def __init__(self) -> None:
        self.total = 0.0

    def add_many(self, values: np.ndarray, times: np.ndarray) -> None:
        self.total += float(values.sum())

    def merge(self, other: CounterSink) -> None:
        self.total += other.total

    def values(self, elapsed: float, trend_stats: list[str] | None = None) -> dict[str, float]:
        return {"count": self.total, "rate": self.total / elapsed if elapsed > 0 else 0.0}

    @property
    def empty(self) -> bool:
        return self.total == 0


class GaugeSink:
    __slots__ = ("last", "last_time", "max", "min", "seen")

    def __init__(self) -> None:
        self.last = 0.0
        self.last_time = -math.inf
        self.min = math.inf
        self.max = -math.inf
        self.seen = False

    def add_many(self, values: np.ndarray, times: np.ndarray) -> None:
        if values.size == 0:
            return
        i = int(np.argmax(times))
        if times[i] >= self.last_time:
            self.last, self.last_time = float(values[i]), float(times[i])
        self.min = min(self.min, float(values.min()))
        self.max = max(self.max, float(values.max()))
        self.seen = True

    def merge(self, other: GaugeSink) -> None:
        if not other.seen:
            return
        if other.last_time >= self.last_time:
            self.last, self.last_time = other.last, other.last_time
        self.min = min(self.min, other.min)
        self.max = max(self.max, other.max)
        self.seen = True

    def values(self, elapsed: float, trend_stats: list[str] | None = None) -> dict[str, float]:
        if not self.seen:
            return {"value": 0.0, "min": 0.0, "max": 0.0}
        return {"value": self.last, "min": self.min, "max": self.max}

    @property
    def empty(self) -> bool:
        return not self.seen


class RateSink:
    __slots__ = ("total", "trues")

    def __init__(self) -> None:
        self.trues = 0
        self.total = 0

    def add_many(self, values: np.ndarray, times: np.ndarray) -> None:
        self.trues += int(np.count_nonzero(values))
        self.total += int(values.size)

    def merge(self, other: RateSink) -> None:
        self.trues += other.trues
        self.total += other.total

    def values(self, elapsed: float, trend_stats: list[str] | None = None) -> dict[str, float]:
        rate = self.trues / self.total if self.total else 0.0
        return {"rate": rate, "passes": self.trues, "fails": self.total - self.trues}

    @property
    def empty(self) -> bool:
        return self.total == 0


class TrendSink:
    __slots__ = ("count", "hist", "max", "min", "sum")

    def __init__(self) -> None:
        self.hist = Histogram()
        self.count = 0
        self.sum = 0.0
        self.min = math.inf
        self.max = -math.inf

    def add_many(self, values: np.ndarray, times: np.ndarray) -> None:
        if values.size == 0:
            return
        self.hist.add_many(values)
        self.count += int(values.size)
        self.sum += float(values.sum())
        self.min = min(self.min, float(values.min()))
        self.max = max(self.max, float(values.max()))

    def merge(self, other: TrendSink) -> None:
        if other.count == 0:
            return
        self.hist.merge(other.hist)
        self.count += other.count
        self.sum += other.sum
        self.min = min(self.min, other.min)
        self.max = max(self.max, other.max)

    def percentile(self, p: float) -> float:
        return percentile(self.hist, self.count, self.min, self.max, p)

    def stat(self, name: str) -> float:
        if name == "count":
            return float(self.count)
        if self.count == 0:
            return 0.0
        if name == "avg":
            return self.sum / self.count
        if name == "min":
            return self.min
        if name == "max":
            return self.max
        if name == "med":
            return self.percentile(0.5)
        match = _PCT.match(name)
        if match:
            return self.percentile(float(match.group(1)) / 100.0)
        raise ValueError(f"unknown trend stat {name!r}")

    def values(self, elapsed: float, trend_stats: list[str] | None = None) -> dict[str, float]:
        stats = trend_stats or ["avg", "min", "med", "max", "p(90)", "p(95)"]
        return {s: self.stat(s) for s in stats}

    @property
    def empty(self) -> bool:
        return self.count == 0


Sink = CounterSink | GaugeSink | RateSink | TrendSink

SINK_TYPES: dict[MetricType, type[Sink]] = {
    MetricType.COUNTER: CounterSink,
    MetricType.GAUGE: GaugeSink,
    MetricType.RATE: RateSink,
    MetricType.TREND: TrendSink,
}


def new_sink(mtype: MetricType) -> Sink:
    return SINK_TYPES[mtype]()


def is_valid_trend_stat(name: str) -> bool:
    return name in {"avg", "min", "med", "max", "count"} or bool(_PCT.match(name))
