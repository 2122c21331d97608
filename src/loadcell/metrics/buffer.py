"""The hot path's sample store: flat byte buffers of packed doubles, folded into sinks in batches.

A request's row is ten doubles appended to a bytearray (by the VU's Ledger, in C: no Python float
per value); numpy reads the bytes in place and folds thousands of rows at once into histograms. No
Python object per sample survives the request.
"""

from __future__ import annotations

import struct
import time
from dataclasses import dataclass, field

import numpy as np

from loadcell.http._wire import (
    GEN_FIELDS,
    HTTP_FAILED_COL,
    HTTP_FIELDS,
    HTTP_TAGSET_COL,
    HTTP_TIME_COL,
    ITER_FIELDS,
)
from loadcell.metrics import registry as R

# The row layout is the C extension's (loadcell.http.contract); outputs read it from here.
__all__ = ["HTTP_FAILED_COL", "HTTP_TAGSET_COL", "HTTP_TIME_COL", "Folder", "MetricBatch", "SampleBuffer"]
from loadcell.metrics.clock import wall_offset
from loadcell.metrics.registry import Metric, Registry
from loadcell.metrics.sinks import CounterSink, RateSink, Sink, TrendSink, new_sink
from loadcell.metrics.tags import TagPairs, TagSets

# The row layouts are the C Ledger's (loadcell.http._wire, see loadcell.http.contract). HTTP row:
# tagset id, end time, the seven trend columns in HTTP_TREND_COLUMNS order, failed (NaN = none).
# Generic row: metric id, tagset id, time, value. Iteration row: tagset id, end time, duration
# (ms), bytes sent, bytes received, completed (1) or not (0).

# The row packer for the Python writers (custom metrics, group durations, dropped iterations); a
# VU's requests, checks and iterations are written by its Ledger.
gen_row = struct.Struct(f"{GEN_FIELDS}d").pack
_ROW_BYTES = {"http": HTTP_FIELDS * 8, "gen": GEN_FIELDS * 8, "iters": ITER_FIELDS * 8}


def _take(rows: bytearray, fields: int) -> np.ndarray:
    """Copy the rows out as an (n, fields) array and empty the buffer in place."""
    out = np.frombuffer(rows, dtype=np.float64).copy().reshape(-1, fields)
    del rows[:]
    return out


class SampleBuffer:
    """Per-process append-only rows. The bytearrays stay the same objects for the whole run: each
    VU's Ledger holds them."""

    __slots__ = ("gen", "http", "iters")

    def __init__(self) -> None:
        self.http = bytearray()
        self.gen = bytearray()
        self.iters = bytearray()

    def sample(self, metric_id: int, tagset: int, t: float, value: float) -> None:
        """One generic sample (custom metrics, group durations, dropped iterations)."""
        self.gen.extend(gen_row(metric_id, tagset, t, value))

    def __len__(self) -> int:
        return sum(len(getattr(self, name)) // size for name, size in _ROW_BYTES.items())

    def drain(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Copy the rows out and empty the buffers in place (the ledgers' references stay valid)."""
        return _take(self.http, HTTP_FIELDS), _take(self.gen, GEN_FIELDS), _take(self.iters, ITER_FIELDS)


@dataclass(slots=True)
class MetricBatch:
    """What a worker ships to the coordinator: new names, new tag sets, sink deltas, raw rows."""

    new_metrics: list[tuple[str, str, str]] = field(default_factory=list)
    new_tagsets: list[TagPairs] = field(default_factory=list)
    deltas: list[tuple[int, int, Sink]] = field(default_factory=list)
    # Raw rows (times converted to wall seconds), only when a raw output needs them.
    http: np.ndarray | None = None
    gen: np.ndarray | None = None
    # Wall-clock time of the fold: the deltas cover the interval that ends here.
    time: float = 0.0


def _segments(keys: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """Group row indices by key (stable), returning (key, indices) per distinct key."""
    if keys.size == 0:
        return []
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    cuts = np.flatnonzero(np.diff(sorted_keys)) + 1
    starts = np.concatenate(([0], cuts))
    ends = np.concatenate((cuts, [keys.size]))
    return [(int(sorted_keys[s]), order[s:e]) for s, e in zip(starts, ends, strict=True)]


def _with_iteration_samples(gen: np.ndarray, iters: np.ndarray) -> np.ndarray:
    """Iteration rows as generic rows, in k6's order per iteration (data_sent, data_received,
    iteration_duration, iterations; the last two only for completed iterations), merged by time."""
    n = iters.shape[0]
    tid, t = iters[:, 0], iters[:, 1]
    rows = np.empty((n, 4, GEN_FIELDS))
    for i, (metric, value) in enumerate(
        (
            (R.DATA_SENT, iters[:, 3]),
            (R.DATA_RECEIVED, iters[:, 4]),
            (R.ITERATION_DURATION, iters[:, 2]),
            (R.ITERATIONS, np.ones(n)),
        )
    ):
        rows[:, i, 0], rows[:, i, 1], rows[:, i, 2], rows[:, i, 3] = metric.id, tid, t, value
    keep = np.ones((n, 4), dtype=bool)
    keep[:, 2:] = (iters[:, 5] == 1.0)[:, None]
    merged = np.concatenate((gen, rows[keep]))
    return merged[np.argsort(merged[:, 2], kind="stable")]


class Folder:
    """Turns drained rows into per-(metric, tagset) sink deltas and tracks what the peer has seen."""

    def __init__(self, registry: Registry, tagsets: TagSets) -> None:
        self.registry = registry
        self.tagsets = tagsets
        self._sent_metrics = 0
        self._sent_tagsets = 0

    def fold(self, http: np.ndarray, gen: np.ndarray, iters: np.ndarray, keep_raw: bool) -> MetricBatch:
        batch = MetricBatch(time=time.time())
        metrics = self.registry.metrics
        batch.new_metrics = [(m.name, m.type.value, m.contains.value) for m in metrics[self._sent_metrics :]]
        self._sent_metrics = len(metrics)
        batch.new_tagsets = self.tagsets.items[self._sent_tagsets :]
        self._sent_tagsets = len(self.tagsets.items)
        deltas = batch.deltas
        for tid, rows in _segments(http[:, HTTP_TAGSET_COL].astype(np.int64)):
            part = http[rows]
            reqs = CounterSink()
            reqs.total = float(rows.size)
            deltas.append((R.HTTP_REQS.id, tid, reqs))
            times = part[:, HTTP_TIME_COL]
            for col, metric in enumerate(R.HTTP_TREND_COLUMNS, start=2):
                sink = TrendSink()
                sink.add_many(part[:, col], times)
                deltas.append((metric.id, tid, sink))
            failed = part[:, HTTP_FAILED_COL]
            failed = failed[~np.isnan(failed)]
            if failed.size:
                rate = RateSink()
                rate.add_many(failed, times)
                deltas.append((R.HTTP_REQ_FAILED.id, tid, rate))
        for tid, rows in _segments(iters[:, 0].astype(np.int64)):
            part = iters[rows]
            times = part[:, 1]
            for col, metric in ((3, R.DATA_SENT), (4, R.DATA_RECEIVED)):
                counter = CounterSink()
                counter.total = float(part[:, col].sum())
                deltas.append((metric.id, tid, counter))
            done = part[part[:, 5] == 1.0]
            if done.size:
                count = CounterSink()
                count.total = float(done.shape[0])
                deltas.append((R.ITERATIONS.id, tid, count))
                trend = TrendSink()
                trend.add_many(done[:, 2], times)
                deltas.append((R.ITERATION_DURATION.id, tid, trend))
        if gen.size:
            keys = gen[:, 0].astype(np.int64) * (1 << 32) + gen[:, 1].astype(np.int64)
            for key, rows in _segments(keys):
                gen_metric: Metric = metrics[key >> 32]
                gen_sink = new_sink(gen_metric.type)
                gen_sink.add_many(gen[rows, 3], gen[rows, 2] + wall_offset())
                deltas.append((gen_metric.id, key & 0xFFFFFFFF, gen_sink))
        if keep_raw:
            if iters.size:
                gen = _with_iteration_samples(gen, iters)
            off = wall_offset()
            if http.size:
                http = http.copy()
                http[:, 1] += off
            if gen.size:
                gen = gen.copy()
                gen[:, 2] += off
            batch.http, batch.gen = http, gen
        return batch
