"""Metric definitions: k6's built-in metrics and the script's custom ones, by name and id."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class MetricType(StrEnum):
    COUNTER = "counter"
    GAUGE = "gauge"
    RATE = "rate"
    TREND = "trend"


class ValueType(StrEnum):
    DEFAULT = "default"
    TIME = "time"
    DATA = "data"


_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]{1,128}$")


@dataclass(frozen=True, slots=True)
class Metric:
    id: int
    name: str
    type: MetricType
    contains: ValueType


class Registry:
    """Names to metrics. Ids are dense so buffers can carry them as small numbers."""

    def __init__(self) -> None:
        self.metrics: list[Metric] = []
        self.by_name: dict[str, Metric] = {}

    def get_or_create(self, name: str, mtype: MetricType, contains: ValueType = ValueType.DEFAULT) -> Metric:
        existing = self.by_name.get(name)
        if existing is not None:
            if existing.type != mtype or existing.contains != contains:
                raise ValueError(
                    f"metric {name!r} already exists as a {existing.type} ({existing.contains});"
                    f" it cannot be re-registered as a {mtype} ({contains})"
                )
            return existing
        if not _NAME.match(name):
            raise ValueError(
                f"invalid metric name {name!r}: use 2-129 characters of letters, digits and underscores,"
                " starting with a letter or underscore"
            )
        metric = Metric(len(self.metrics), name, mtype, contains)
        self.metrics.append(metric)
        self.by_name[name] = metric
        return metric


REGISTRY = Registry()
_C, _G, _R, _T = MetricType.COUNTER, MetricType.GAUGE, MetricType.RATE, MetricType.TREND
_TIME, _DATA = ValueType.TIME, ValueType.DATA

VUS = REGISTRY.get_or_create("vus", _G)
VUS_MAX = REGISTRY.get_or_create("vus_max", _G)
ITERATIONS = REGISTRY.get_or_create("iterations", _C)
ITERATION_DURATION = REGISTRY.get_or_create("iteration_duration", _T, _TIME)
DROPPED_ITERATIONS = REGISTRY.get_or_create("dropped_iterations", _C)
DATA_SENT = REGISTRY.get_or_create("data_sent", _C, _DATA)
DATA_RECEIVED = REGISTRY.get_or_create("data_received", _C, _DATA)
CHECKS = REGISTRY.get_or_create("checks", _R)
GROUP_DURATION = REGISTRY.get_or_create("group_duration", _T, _TIME)
HTTP_REQS = REGISTRY.get_or_create("http_reqs", _C)
HTTP_REQ_FAILED = REGISTRY.get_or_create("http_req_failed", _R)
HTTP_REQ_DURATION = REGISTRY.get_or_create("http_req_duration", _T, _TIME)
HTTP_REQ_BLOCKED = REGISTRY.get_or_create("http_req_blocked", _T, _TIME)
HTTP_REQ_CONNECTING = REGISTRY.get_or_create("http_req_connecting", _T, _TIME)
HTTP_REQ_TLS_HANDSHAKING = REGISTRY.get_or_create("http_req_tls_handshaking", _T, _TIME)
HTTP_REQ_SENDING = REGISTRY.get_or_create("http_req_sending", _T, _TIME)
HTTP_REQ_WAITING = REGISTRY.get_or_create("http_req_waiting", _T, _TIME)
HTTP_REQ_RECEIVING = REGISTRY.get_or_create("http_req_receiving", _T, _TIME)

# The order of the trend columns in an HTTP record (see metrics.buffer).
HTTP_TREND_COLUMNS: tuple[Metric, ...] = (
    HTTP_REQ_DURATION,
    HTTP_REQ_BLOCKED,
    HTTP_REQ_CONNECTING,
    HTTP_REQ_TLS_HANDSHAKING,
    HTTP_REQ_SENDING,
    HTTP_REQ_WAITING,
    HTTP_REQ_RECEIVING,
)
