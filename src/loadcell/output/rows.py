"""The one decoder of a batch's raw rows (their layouts are metrics/buffer.py's) for the raw outputs.

A request row is decoded whole, not sample by sample: its nine samples share a tag set and a time,
so an output writes them together, and the seven timings take a single `%` operation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

import numpy as np

from loadcell.metrics import registry as R
from loadcell.metrics.buffer import HTTP_FAILED_COL, MetricBatch
from loadcell.metrics.registry import Metric

T = TypeVar("T")
# A column of wall seconds to each row's time as an output writes it, vectorised.
Stamps = Callable[[np.ndarray], list[T]]

# Built-in time metrics whose k6 values are whole nanoseconds: six decimals in ms are exact.
WHOLE_NS_METRICS = frozenset(m.name for m in (*R.HTTP_TREND_COLUMNS, R.ITERATION_DURATION, R.GROUP_DURATION))
_TIMINGS = "|".join(["%.6f"] * len(R.HTTP_TREND_COLUMNS))


def seconds(column: np.ndarray) -> list[float]:
    """Row times as they are: wall seconds."""
    times: list[float] = column.tolist()
    return times


def requests(batch: MetricBatch, stamps: Stamps[T]) -> Iterator[tuple[int, T, list[str], float | None]]:
    """Per request row: tag set id, time, the timings in HTTP_TREND_COLUMNS order as `%.6f` text ("nan"
    or "inf" when not finite), and the http_req_failed value (None: the request has none)."""
    if batch.http is None or not batch.http.size:
        return
    timings = _TIMINGS
    for row, t in zip(batch.http.tolist(), stamps(batch.http[:, 1]), strict=True):
        failed = row[HTTP_FAILED_COL]
        texts = (timings % tuple(row[2:HTTP_FAILED_COL])).split("|")
        yield int(row[0]), t, texts, failed if failed == failed else None


def samples(
    batch: MetricBatch, metrics: list[Metric], stamps: Stamps[T]
) -> Iterator[tuple[Metric, int, T, float]]:
    """Per generic row (checks, groups, iterations, custom metrics): metric, tag set id, time, value."""
    if batch.gen is None or not batch.gen.size:
        return
    for (mid, tid, _, value), t in zip(batch.gen.tolist(), stamps(batch.gen[:, 2]), strict=True):
        yield metrics[int(mid)], int(tid), t, value
