"""One monotonic clock for samples, mapped once to wall time so outputs get ns timestamps."""

from __future__ import annotations

import time

now = time.perf_counter
_EPOCH_PERF = time.perf_counter()
_EPOCH_WALL = time.time()


def wall_offset() -> float:
    """Add this to perf_counter readings (vectorised) to get wall seconds."""
    return _EPOCH_WALL - _EPOCH_PERF
