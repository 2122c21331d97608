"""The histogram behind Trend metrics: percentile error and merge arithmetic."""

from __future__ import annotations

import numpy as np
import pytest

from loadcell.metrics.histogram import ALPHA, Histogram
from loadcell.metrics.sinks import TrendSink


def k6_percentile(values: np.ndarray, p: float) -> float:
    """k6's exact definition: linear interpolation at rank p*(n-1) over sorted values."""
    xs = np.sort(values)
    rank = p * (len(xs) - 1)
    lo, hi = int(np.floor(rank)), int(np.ceil(rank))
    return float(xs[lo] + (xs[hi] - xs[lo]) * (rank - lo))


def trend(values: np.ndarray) -> TrendSink:
    sink = TrendSink()
    sink.add_many(values, np.zeros_like(values))
    return sink


@pytest.mark.parametrize(
    "values",
    [
        np.random.default_rng(1).lognormal(mean=-1.0, sigma=1.5, size=100_000),  # mostly sub-millisecond
        np.random.default_rng(2).uniform(0.001, 0.999, size=100_000),  # all sub-millisecond
        np.random.default_rng(3).exponential(250.0, size=100_000),  # ms-scale latencies
        np.random.default_rng(4).normal(50.0, 0.3, size=100_000),  # a tight 50 ms band
    ],
    ids=["lognormal", "submillisecond", "exponential", "tight-band"],
)
def test_percentiles_within_one_percent_of_exact(values: np.ndarray) -> None:
    sink = trend(values)
    for p in (0.5, 0.9, 0.95, 0.99, 0.999, 0.01):
        exact = k6_percentile(values, p)
        assert sink.percentile(p) == pytest.approx(exact, rel=0.01), p
    assert sink.stat("avg") == pytest.approx(values.mean(), rel=1e-9)
    assert sink.stat("min") == values.min()
    assert sink.stat("max") == values.max()
    assert sink.stat("count") == len(values)


def test_relative_error_bound_holds_per_value() -> None:
    values = np.geomspace(1e-6, 1e7, 2000)
    hist = Histogram()
    hist.add_many(values)
    for rank in range(0, 2000, 37):
        assert hist.value_at_rank(rank) == pytest.approx(values[rank], rel=ALPHA * 1.0001)


def test_merge_equals_one_histogram_of_all_values() -> None:
    rng = np.random.default_rng(7)
    parts = [rng.lognormal(1, 1, size=n) for n in (10, 5000, 33_333)]
    merged = TrendSink()
    for part in parts:
        merged.merge(trend(part))
    whole = trend(np.concatenate(parts))
    assert merged.count == whole.count
    assert np.array_equal(
        merged.hist.pos.counts[np.flatnonzero(merged.hist.pos.counts)],
        whole.hist.pos.counts[np.flatnonzero(whole.hist.pos.counts)],
    )
    for p in (0.5, 0.95, 0.99):
        assert merged.percentile(p) == whole.percentile(p)
    assert merged.sum == pytest.approx(whole.sum)


def test_negative_and_zero_values_order_correctly() -> None:
    values = np.array([-10.0, -1.0, 0.0, 0.0, 1.0, 10.0, 100.0])
    sink = trend(values)
    assert sink.stat("min") == -10.0
    assert sink.percentile(0.5) == pytest.approx(0.0, abs=1e-12)
    assert sink.hist.value_at_rank(1) == pytest.approx(-1.0, rel=ALPHA)
    assert sink.hist.value_at_rank(5) == pytest.approx(10.0, rel=ALPHA)


def test_state_round_trip_is_lossless() -> None:
    values = np.random.default_rng(9).lognormal(0, 2, size=10_000)
    hist = Histogram()
    hist.add_many(values)
    back = Histogram.from_state(hist.to_state())
    assert back.count == hist.count
    assert [back.value_at_rank(r) for r in range(0, 10_000, 999)] == [
        hist.value_at_rank(r) for r in range(0, 10_000, 999)
    ]


def test_single_value_and_empty() -> None:
    assert TrendSink().stat("p(95)") == 0.0
    one = trend(np.array([3.25]))
    assert one.percentile(0.95) == 3.25
    assert one.stat("med") == 3.25
