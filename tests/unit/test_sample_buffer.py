"""The packed sample rows: what the Python writers append is exactly what the folder reads back
(the C ledger's rows: test_ledger.py)."""

from __future__ import annotations

import math

import numpy as np

from loadcell.metrics.buffer import SampleBuffer


def test_rows_round_trip_and_the_buffer_empties() -> None:
    buf = SampleBuffer()
    buf.http.extend(np.array([3, 12.5, 1.0, 0.0, 0.0, 0.0, 0.25, 0.5, 0.25, math.nan]).tobytes())
    buf.http.extend(np.array([4, 13.0, 2.0, 0.1, 0.0, 0.0, 0.5, 1.0, 0.5, 1.0]).tobytes())
    buf.sample(7, 3, 12.6, 1.0)
    buf.sample(8, 3, 12.7, 42.0)
    buf.iters.extend(np.array([2, 12.8, 5.5, 120, 340, 1.0]).tobytes())
    assert len(buf) == 5

    http, gen, iters = buf.drain()
    assert http.shape == (2, 10)
    assert http[0, 0] == 3 and http[1, 0] == 4
    assert np.isnan(http[0, 9]) and http[1, 9] == 1.0
    np.testing.assert_array_equal(gen, [[7, 3, 12.6, 1.0], [8, 3, 12.7, 42.0]])
    np.testing.assert_array_equal(iters, [[2, 12.8, 5.5, 120, 340, 1.0]])

    assert len(buf) == 0
    rows = buf.gen
    buf.sample(1, 1, 1.0, 1.0)
    assert buf.gen is rows  # emptied in place: the ledgers' references still feed the buffer
    assert buf.drain()[1].shape == (1, 4)


def test_drained_arrays_do_not_alias_the_buffer() -> None:
    buf = SampleBuffer()
    buf.sample(1, 1, 1.0, 1.0)
    _, gen, _ = buf.drain()
    buf.sample(2, 2, 2.0, 2.0)
    assert gen.tolist() == [[1.0, 1.0, 1.0, 1.0]]
