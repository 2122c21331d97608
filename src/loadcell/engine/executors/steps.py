"""What the executors' scaling math shares: Go's integer-nanosecond durations, k6's stages and the
execution steps (``lib.ExecutionStep``) that say how many VUs a segment needs over time."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

SECOND_NS = 1_000_000_000


def ns(seconds: float) -> int:
    """Seconds (the options' unit) as Go's integer ``time.Duration`` nanoseconds."""
    return round(seconds * 1e9)


class Stage(NamedTuple):
    """One ``stages`` entry: duration in integer nanoseconds (Go's ``time.Duration``) and the target."""

    duration_ns: int
    target: int


@dataclass(frozen=True)
class ExecutionStep:
    """k6's ``lib.ExecutionStep``: from ``time_offset_ns`` on, ``planned_vus`` VUs are needed (plus up to
    ``max_unplanned_vus`` that arrival-rate executors may initialize mid-test)."""

    time_offset_ns: int
    planned_vus: int
    max_unplanned_vus: int = 0

    @property
    def time_offset(self) -> float:
        """The offset in seconds."""
        return self.time_offset_ns / SECOND_NS


def max_planned_vus(steps: Iterable[ExecutionStep]) -> int:
    """k6's ``GetMaxPlannedVUs``."""
    return max((s.planned_vus for s in steps), default=0)


def max_possible_vus(steps: Iterable[ExecutionStep]) -> int:
    """k6's ``GetMaxPossibleVUs`` (planned + unplanned; what ``k6 inspect`` prints as ``maxVUs``)."""
    return max((s.planned_vus + s.max_unplanned_vus for s in steps), default=0)
