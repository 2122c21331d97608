"""The one decoder of a batch's raw rows (their layouts are metrics/buffer.py's) for the raw outputs.

A request row is decoded whole, not sample by sample: its nine samples share a tag set and a time,
so an output writes them together, and the seven timings take a single `%` operation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import repeat
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


def requests(batch: MetricBatch, stamps: Stamps[T]) -> Iterator[tuple[int, T, list[str], float]]:
    """Per request row: tag set id, time, the timings in HTTP_TREND_COLUMNS order as `%.6f` text ("nan"
    or "inf" when not finite), and the http_req_failed value (NaN: the request has none).

    Column by column, and each row's parts zipped in C: no Python frame per row beyond the output's own.
    """
    http = batch.http
    if http is None or not http.size:
        return iter(())
    texts = map(_TIMINGS.__mod__, map(tuple, http[:, 2:HTTP_FAILED_COL].tolist()))
    return zip(
        http[:, 0].astype(np.int64).tolist(),
        stamps(http[:, 1]),
        map(str.split, texts, repeat("|")),
        http[:, HTTP_FAILED_COL].tolist(),
        strict=True,
    )


def samples(
    batch: MetricBatch, metrics: list[Metric], stamps: Stamps[T]
) -> Iterator[tuple[Metric, int, T, float]]:
    """Per generic row (checks, groups, iterations, custom metrics): metric, tag set id, time, value."""
    gen = batch.gen
    if gen is None or not gen.size:
        return iter(())
    return zip(
        map(metrics.__getitem__, gen[:, 0].astype(np.int64).tolist()),
        gen[:, 1].astype(np.int64).tolist(),
        stamps(gen[:, 2]),
        gen[:, 3].tolist(),
        strict=True,
    )
