"""Aggregated mode (`mode=aggregated`): per push interval and per (metric, tag set), one point to the
measurement `<metric>_agg` with count/sum/min/max/mean/p50/p90/p95/p99 (trends), count/sum/rate
(counters), count/sum/mean (rates) or last/min/max (gauges), from the coordinator's sink deltas; the raw
measurements k6's dashboards read are never touched. See docs/outputs.md.
"""

from __future__ import annotations

import math
import time

from loadcell.metrics.buffer import MetricBatch
from loadcell.metrics.registry import Registry
from loadcell.metrics.sinks import CounterSink, RateSink, Sink, TrendSink, new_sink
from loadcell.output.influxdb.lines import LineFormatter, go_float

AGG_SUFFIX = "_agg"
_PCTS = (("p50", 0.50), ("p90", 0.90), ("p95", 0.95), ("p99", 0.99))


class Aggregator:
    """One window of per-(metric, emitted tag set) aggregates, closed into `<metric>_agg` lines.

    Built from the coordinator's sink deltas (batch.deltas), so in this mode no raw sample is shipped from
    the workers or formatted at all. Tag sets that differ only by a tag written as a field (url, ...)
    share one point: fields are per sample, an aggregate has many.
    """

    def __init__(self, formatter: LineFormatter, registry: Registry) -> None:
        self.fmt = formatter
        self.registry = registry
        self.groups: dict[tuple[int, str], Sink] = {}
        self.start = time.time()

    def add(self, batch: MetricBatch) -> None:
        groups, tagstr, metrics = self.groups, self.fmt.tag_string, self.registry.metrics
        for mid, tid, delta in batch.deltas:
            key = (mid, tagstr(tid))
            own = groups.get(key)
            if own is None:
                own = groups[key] = new_sink(metrics[mid].type)
            own.merge(delta)  # type: ignore[arg-type]  # a delta's sink is of its metric's type, as own is

    def close(self) -> list[str]:
        """The window's lines (timestamped at the window start); starts a new window."""
        now = time.time()
        seconds = max(now - self.start, 1e-9)
        ts = self.fmt.timestamp(self.start)
        lines = []
        f = go_float
        metrics = self.registry.metrics
        for (mid, tagstr), sink in self.groups.items():
            if isinstance(sink, TrendSink):
                if not sink.count:
                    continue
                fields = [
                    ("count", sink.count),
                    ("sum", sink.sum),
                    ("min", sink.min),
                    ("max", sink.max),
                    ("mean", sink.sum / sink.count),
                    *((name, sink.percentile(p)) for name, p in _PCTS),
                ]
            elif isinstance(sink, CounterSink):
                fields = [("count", sink.total), ("sum", sink.total), ("rate", sink.total / seconds)]
            elif isinstance(sink, RateSink):
                if not sink.total:
                    continue
                fields = [("count", sink.total), ("sum", sink.trues), ("mean", sink.trues / sink.total)]
            else:
                if not sink.seen:
                    continue
                fields = [("last", sink.last), ("min", sink.min), ("max", sink.max)]
            values = [(k, float(v)) for k, v in fields]
            if not all(math.isfinite(v) for _, v in values):
                values = [(k, v) for k, v in values if math.isfinite(v)]
                if not values:
                    continue
            body = ",".join(f"{k}={f(v)}" for k, v in values)
            lines.append(f"{metrics[mid].name}{AGG_SUFFIX}{tagstr} {body} {ts}")
        self.groups = {}
        self.start = now
        return lines
