"""Custom metrics for scripts: Counter, Gauge, Rate and Trend, declared at import time as in k6."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping

from loadcell.metrics.handle import current_owner
from loadcell.metrics.registry import REGISTRY, MetricType, ValueType

log = logging.getLogger("loadcell")
_declaring = True  # the init phase: metrics may be declared


def allow_declarations(allowed: bool) -> None:
    """Open or close the init phase (the engine closes it when the load starts, as k6 does)."""
    global _declaring
    _declaring = allowed


class _Custom:
    TYPE: MetricType

    def __init__(self, name: str, is_time: bool = False, is_data: bool = False) -> None:
        if not _declaring:
            raise RuntimeError(
                f"metric {name!r}: metrics must be declared in the init context (at import time)"
            )
        contains = ValueType.TIME if is_time else ValueType.DATA if is_data else ValueType.DEFAULT
        self._metric = REGISTRY.get_or_create(name, self.TYPE, contains)
        self._warned = False

    @property
    def name(self) -> str:
        return self._metric.name

    def add(self, value: float | bool, tags: Mapping[str, str] | None = None) -> bool:
        """Record a sample. As k6 (without `throw`): a value that is not a number is logged and
        skipped, returning False, and the iteration goes on."""
        owner = current_owner.get(None)
        if owner is None:
            raise RuntimeError(f"{self.name}.add() can only be called from setup(), VU code or teardown()")
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        if math.isnan(number):
            if not self._warned:  # once per metric: k6 logs every call, which floods a long run
                self._warned = True
                log.warning(
                    "'%s' is an invalid value for metric '%s', a number or a boolean value is expected"
                    " (logged once per metric)",
                    value,
                    self.name,
                )
            return False
        owner.metrics.sample(self._metric.id, tags, number)
        return True


class Counter(_Custom):
    TYPE = MetricType.COUNTER


class Gauge(_Custom):
    TYPE = MetricType.GAUGE


class Rate(_Custom):
    TYPE = MetricType.RATE


class Trend(_Custom):
    TYPE = MetricType.TREND
