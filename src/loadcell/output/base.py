"""The output interface (k6's output.Output): start, add a batch of samples, stop.

Batches arrive from the coordinator every flush interval with ids already translated to the
coordinator's metric registry and tag sets, so an output only formats and ships.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from loadcell.metrics.buffer import MetricBatch
from loadcell.metrics.registry import Registry
from loadcell.metrics.tags import TagSets


@dataclass
class OutputStats:
    """Points produced, delivered, dropped (with why) and unknown, for the summary and its export.

    `unknown` counts points that were sent but never answered (a write that timed out): the remote
    end may have stored them, so they are neither delivered nor dropped.
    """

    produced: int = 0
    delivered: int = 0
    dropped: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    unknown: int = 0

    def drop(self, points: int, reason: str) -> None:
        self.dropped += points
        self.reasons[reason] = self.reasons.get(reason, 0) + points

    def as_dict(self) -> dict[str, Any]:
        return {
            "produced": self.produced,
            "delivered": self.delivered,
            "dropped": self.dropped,
            "dropped_reasons": dict(self.reasons),
            "unknown": self.unknown,
        }


@dataclass
class RunInfo:
    test_id: str
    script: str
    results_dir: str
    thresholds: dict[str, Any] = field(default_factory=dict)  # the `thresholds` option, as written


class Output:
    """Subclass and implement the three methods; raw outputs decode a batch with output.rows."""

    name = "output"
    # Raw outputs need every sample (workers then ship raw rows); aggregating ones use batch.deltas.
    wants_raw = True

    def __init__(self, arg: str, registry: Registry, tagsets: TagSets, env: dict[str, str]) -> None:
        self.arg = arg
        self.registry = registry
        self.tagsets = tagsets
        self.env = env
        self.stats = OutputStats()

    def description(self) -> str:
        return f"{self.name} ({self.arg})"

    async def start(self, info: RunInfo) -> None:
        raise NotImplementedError

    def add(self, batch: MetricBatch) -> None:
        raise NotImplementedError

    async def stop(self) -> OutputStats:
        raise NotImplementedError

    def conclude(self, summary_data: dict[str, Any], exit_code: int) -> None:
        """The run's verdicts are known (after stop()): outputs that report verdicts write them here."""

    def hurry(self) -> None:
        """A second Ctrl-C: stop() must not wait on a remote end any longer. Local files need nothing."""
