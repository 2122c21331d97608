"""A mergeable log-bucket histogram (DDSketch's mapping) with numpy dense stores.

Relative error is bounded by ALPHA for every quantile, whatever the scale, so sub-millisecond and
multi-minute values are both exact to 0.5%. Memory is bounded by the value range, not the sample
count, and two histograms merge by adding arrays: that is what makes fleet-wide percentiles exact
to the same bound.
"""

from __future__ import annotations

import math

import numpy as np

ALPHA = 0.005
GAMMA = (1 + ALPHA) / (1 - ALPHA)
LOG_GAMMA = math.log(GAMMA)
# Values below this magnitude count as zero (1e-9 ms is a femtosecond; nothing measures that).
MIN_MAGNITUDE = 1e-9


class _Store:
    """Dense counts for bucket indices [offset, offset + len(counts))."""

    __slots__ = ("counts", "offset")

    def __init__(self) -> None:
        self.counts = np.zeros(0, dtype=np.int64)
        self.offset = 0

    @property
    def total(self) -> int:
        return int(self.counts.sum())

    def _ensure(self, lo: int, hi: int) -> None:
        """Grow the window to cover bucket indices lo..hi inclusive."""
        if self.counts.size == 0:
            self.offset = lo
            self.counts = np.zeros(hi - lo + 1, dtype=np.int64)
            return
        cur_lo, cur_hi = self.offset, self.offset + self.counts.size - 1
        if lo >= cur_lo and hi <= cur_hi:
            return
        new_lo, new_hi = min(lo, cur_lo), max(hi, cur_hi)
        grown = np.zeros(new_hi - new_lo + 1, dtype=np.int64)
        grown[cur_lo - new_lo : cur_lo - new_lo + self.counts.size] = self.counts
        self.counts, self.offset = grown, new_lo

    def add_indices(self, idx: np.ndarray) -> None:
        if idx.size == 0:
            return
        lo, hi = int(idx.min()), int(idx.max())
        self._ensure(lo, hi)
        binned = np.bincount(idx - lo, minlength=hi - lo + 1)
        start = lo - self.offset
        self.counts[start : start + binned.size] += binned

    def merge(self, other: _Store) -> None:
        if other.counts.size == 0:
            return
        lo, hi = other.offset, other.offset + other.counts.size - 1
        self._ensure(lo, hi)
        start = lo - self.offset
        self.counts[start : start + other.counts.size] += other.counts

    def key_at_rank(self, rank: int, from_top: bool = False) -> int:
        """Bucket index holding the rank-th value (0-based) counting up, or down if from_top."""
        counts = self.counts[::-1] if from_top else self.counts
        pos = int(np.searchsorted(np.cumsum(counts), rank, side="right"))
        pos = min(pos, counts.size - 1)
        return self.offset + (counts.size - 1 - pos if from_top else pos)

    def to_sparse(self) -> tuple[int, np.ndarray]:
        nz = np.flatnonzero(self.counts)
        if nz.size == 0:
            return 0, np.zeros(0, dtype=np.int64)
        return self.offset + int(nz[0]), self.counts[nz[0] : nz[-1] + 1].copy()

    @classmethod
    def from_sparse(cls, offset: int, counts: np.ndarray) -> _Store:
        store = cls()
        store.offset, store.counts = offset, counts.astype(np.int64, copy=True)
        return store


# A histogram as plain data (what a worker ships): the positive and negative stores as (offset,
# counts), and the count of zeros.
HistogramState = tuple[tuple[int, np.ndarray], tuple[int, np.ndarray], int]


def bucket_indices(magnitudes: np.ndarray) -> np.ndarray:
    """Bucket index of each positive magnitude: bucket k covers (GAMMA^(k-1), GAMMA^k]."""
    indices: np.ndarray = np.ceil(np.log(magnitudes) / LOG_GAMMA).astype(np.int64)
    return indices


def bucket_value(index: int) -> float:
    """The value that represents bucket k with relative error <= ALPHA."""
    return 2.0 * GAMMA**index / (GAMMA + 1.0)


class Histogram:
    """Counts of values by bucket: positives, zeros and negatives (mirrored)."""

    __slots__ = ("neg", "pos", "zero")

    def __init__(self) -> None:
        self.pos = _Store()
        self.neg = _Store()
        self.zero = 0

    @property
    def count(self) -> int:
        return self.pos.total + self.neg.total + self.zero

    def add_many(self, values: np.ndarray) -> None:
        values = np.asarray(values, dtype=np.float64)
        mag = np.abs(values)
        tiny = mag < MIN_MAGNITUDE
        self.zero += int(tiny.sum())
        positive = values[(values > 0) & ~tiny]
        if positive.size:
            self.pos.add_indices(bucket_indices(positive))
        negative = values[(values < 0) & ~tiny]
        if negative.size:
            self.neg.add_indices(bucket_indices(-negative))

    def add(self, value: float) -> None:
        self.add_many(np.array([value]))

    def merge(self, other: Histogram) -> None:
        self.pos.merge(other.pos)
        self.neg.merge(other.neg)
        self.zero += other.zero

    def value_at_rank(self, rank: int) -> float:
        """The rank-th smallest value (0-based), to within ALPHA relative error."""
        n_neg = self.neg.total
        if rank < n_neg:
            # Negatives in ascending order are magnitudes in descending order.
            return -bucket_value(self.neg.key_at_rank(rank, from_top=True))
        rank -= n_neg
        if rank < self.zero:
            return 0.0
        rank -= self.zero
        return bucket_value(self.pos.key_at_rank(rank))

    def to_state(self) -> HistogramState:
        return (self.pos.to_sparse(), self.neg.to_sparse(), self.zero)

    @classmethod
    def from_state(cls, state: HistogramState) -> Histogram:
        hist = cls()
        (po, pc), (no, nc), hist.zero = state
        hist.pos = _Store.from_sparse(po, pc)
        hist.neg = _Store.from_sparse(no, nc)
        return hist


def percentile(hist: Histogram, count: int, vmin: float, vmax: float, p: float) -> float:
    """k6's percentile: linear interpolation at rank p*(n-1), on bucket values clamped to [min, max]."""
    if count == 0:
        return 0.0
    if count == 1:
        return vmin
    rank = p * (count - 1)
    lo = math.floor(rank)
    hi = math.ceil(rank)

    def at(r: int) -> float:
        if r <= 0:
            return vmin
        if r >= count - 1:
            return vmax
        return min(max(hist.value_at_rank(r), vmin), vmax)

    v_lo = at(lo)
    if hi == lo:
        return v_lo
    return v_lo + (at(hi) - v_lo) * (rank - lo)
