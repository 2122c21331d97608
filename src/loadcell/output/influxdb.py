"""--out influxdb=http://[user:pass@]host:8086/DB: k6's InfluxDB v1 layout; never blocks, never loses quietly.

Layout (raw mode) is k6's, byte for byte for the same samples: measurement = metric name, tags sorted and
escaped (empty values omitted), the tagsAsFields (default vu, iter, url) as fields, `value` as a float, one
point per sample, integer timestamps in the configured precision. loadcell adds one tag, `testid`, to every
point unless the sample already has one.

Delivery differs from k6 on purpose: k6 writes each flush once and forgets it on failure. Here `add()` only
formats lines into a bounded in-memory queue of chunks (spilling the newest chunks to disk when the queue
is full), and a background task posts them every push interval, oldest first, with up to `concurrentWrites`
requests in flight. A refused connection, a timeout, a 5xx or a 429 is retried with exponential backoff;
a 4xx is reported with InfluxDB's message and counted as dropped (a partial write drops only `dropped=N`).
At stop the queue is flushed within a bounded wait; what is left stays on disk and is counted as dropped,
except points whose last write was sent and never answered (a timeout): InfluxDB may have stored them,
so they are counted as unknown. Retrying such a write is safe: InfluxDB 1.x overwrites a point with an
identical one (same measurement, tags and timestamp).

Before the load, a write of zero points checks the credentials and the write permission: a 401 or 403
stops the run with exit code 104 instead of dropping every point.

Aggregated mode (`mode=aggregated`) writes, per push interval and per (metric, tag set), one point to
the measurement `<metric>_agg` with count/sum/min/max/mean/p50/p90/p95/p99 (trends), count/sum/rate
(counters), count/sum/mean (rates) or last/min/max (gauges), from the coordinator's sink deltas; the raw
measurements k6's dashboards read are never touched. See docs/outputs.md.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import logging
import math
import re
import shutil
import time
from collections import deque
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, unquote, urlsplit

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from loadcell.config.durations import parse_duration
from loadcell.errors import InvalidConfigError
from loadcell.metrics import registry as R
from loadcell.metrics.buffer import MetricBatch
from loadcell.metrics.registry import MetricType, Registry
from loadcell.metrics.sinks import CounterSink, GaugeSink, RateSink, TrendSink
from loadcell.metrics.tags import TagSets
from loadcell.output.base import Output, OutputStats, RunInfo

log = logging.getLogger("loadcell")

SLOW_FLUSH_MESSAGE = (
    "The flush operation took higher than the expected set push interval. If you see this message multiple"
    " times then the setup or configuration need to be adjusted to achieve a sustainable rate."
)
AGG_SUFFIX = "_agg"
SPILL_DIR = "influxdb-spill"
HURRY_GRACE = 1.0  # after a second Ctrl-C: seconds left to deliver before the rest is spilled

# --------------------------------------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------------------------------------

# Env suffix -> setting. k6's names are read as K6_INFLUXDB_* and LOADCELL_INFLUXDB_* (the latter wins).
_K6_ENV = {
    "ADDR": "addr",
    "PROXY": "proxy",
    "USERNAME": "username",
    "PASSWORD": "password",
    "INSECURE": "insecure",
    "PAYLOAD_SIZE": "payload_size",
    "PUSH_INTERVAL": "push_interval",
    "CONCURRENT_WRITES": "concurrent_writes",
    "DB": "db",
    "PRECISION": "precision",
    "RETENTION": "retention",
    "CONSISTENCY": "consistency",
    "TAGS_AS_FIELDS": "tags_as_fields",
}
# loadcell-only settings, LOADCELL_INFLUXDB_* only.
_OWN_ENV = {
    "MODE": "mode",
    "BUFFER_POINTS": "buffer_points",
    "BATCH_POINTS": "batch_points",
    "STOP_TIMEOUT": "stop_timeout",
    "TIMEOUT": "timeout",
    "RETRY_MAX": "retry_max",
    "TESTID_TAG": "testid_tag",
}
# URL query parameter -> setting (k6's first, then loadcell's).
_QUERY = {
    "insecure": "insecure",
    "payload_size": "payload_size",
    "precision": "precision",
    "retention": "retention",
    "consistency": "consistency",
    "pushInterval": "push_interval",
    "concurrentWrites": "concurrent_writes",
    "tagsAsFields": "tags_as_fields",
    "mode": "mode",
    "bufferPoints": "buffer_points",
    "batchPoints": "batch_points",
    "stopTimeout": "stop_timeout",
    "timeout": "timeout",
    "retryMax": "retry_max",
    "testidTag": "testid_tag",
}
# Accepted precisions -> (the value sent as ?precision=, nanoseconds per unit).
_PRECISIONS: dict[str, tuple[str, int]] = {
    "": ("ns", 1),
    "n": ("ns", 1),
    "ns": ("ns", 1),
    "u": ("u", 1_000),
    "us": ("u", 1_000),
    "µs": ("u", 1_000),
    "ms": ("ms", 1_000_000),
    "s": ("s", 1_000_000_000),
    "m": ("m", 60_000_000_000),
    "h": ("h", 3_600_000_000_000),
}
_FIELD_TYPES = ("string", "int", "float", "bool")
_SEVEN_NS = "|".join(["%.6f"] * 7)
# Built-in time metrics whose k6 values are whole nanoseconds (6 decimals in ms).
_NS_METRICS = {m.name for m in (*R.HTTP_TREND_COLUMNS, R.ITERATION_DURATION, R.GROUP_DURATION)}
_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
_FALSE = {"0", "f", "F", "FALSE", "false", "False"}
_INT = re.compile(r"^[+-]?\d+$")


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"must be true or false, not {value!r}")


def _as_seconds(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return parse_duration(str(value))


class InfluxSettings(BaseModel):
    """The output's configuration: defaults < K6_INFLUXDB_* < LOADCELL_INFLUXDB_* < the --out URL."""

    model_config = ConfigDict(extra="forbid", validate_assignment=False)

    addr: str = "http://localhost:8086"
    db: str = "K6"
    username: str = ""
    password: str = Field(default="", repr=False)
    proxy: str = ""
    insecure: bool = False
    payload_size: int = 0  # UDP only in k6; accepted and ignored
    push_interval: float = 1.0  # seconds
    concurrent_writes: int = 4
    precision: str = ""
    retention: str = ""
    consistency: str = ""
    tags_as_fields: list[str] = Field(default_factory=lambda: ["vu", "iter", "url"])
    mode: Literal["raw", "aggregated"] = "raw"
    buffer_points: int = 200_000
    batch_points: int = 5_000
    stop_timeout: float = 30.0
    timeout: float = 10.0
    retry_max: float = 5.0
    testid_tag: bool = True

    @field_validator("insecure", "testid_tag", mode="before")
    @classmethod
    def _bool(cls, v: Any) -> bool:
        return _as_bool(v)

    @field_validator("push_interval", "stop_timeout", "timeout", "retry_max", mode="before")
    @classmethod
    def _duration(cls, v: Any) -> float:
        return _as_seconds(v)

    @field_validator("tags_as_fields", mode="before")
    @classmethod
    def _tags(cls, v: Any) -> list[str]:
        items = v.split(",") if isinstance(v, str) else list(v)
        return [str(item).strip() for item in items if str(item).strip()]

    @field_validator("precision")
    @classmethod
    def _precision(cls, v: str) -> str:
        if v not in _PRECISIONS:
            raise ValueError(f"unknown precision {v!r}; use one of ns, u, ms, s, m, h")
        return v

    @field_validator("mode", mode="before")
    @classmethod
    def _mode(cls, v: Any) -> str:
        return str(v).strip().lower()

    @model_validator(mode="after")
    def _check(self) -> InfluxSettings:
        if self.addr.startswith("udp://"):
            raise ValueError("udp:// is not supported by loadcell's influxdb output; use http:// or https://")
        if not re.match(r"^https?://[^/]+$", self.addr):
            raise ValueError(f"addr {self.addr!r} must be http(s)://host[:port]")
        if self.concurrent_writes <= 0:
            raise ValueError("influxdb's ConcurrentWrites must be a positive number")
        for name in ("push_interval", "stop_timeout", "timeout"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        if self.buffer_points <= 0 or self.batch_points <= 0:
            raise ValueError("buffer_points and batch_points must be positive")
        if not self.db:
            self.db = "K6"
        self.field_kinds()  # validates the names and types
        return self

    def field_kinds(self) -> dict[str, str]:
        kinds: dict[str, str] = {}
        for entry in self.tags_as_fields:
            name, _, kind = entry.partition(":")
            kind = kind or "string"
            if name in kinds:
                raise ValueError(
                    f"a tag name ({name}) shows up more than once in InfluxDB field type configurations"
                )
            if kind not in _FIELD_TYPES:
                raise ValueError(f"an invalid type ({kind}) is specified for an InfluxDB field ({name})")
            kinds[name] = kind
        return kinds


def parse_settings(arg: str, env: dict[str, str]) -> InfluxSettings:
    """Merge defaults, env (K6_INFLUXDB_* then LOADCELL_INFLUXDB_*) and the --out URL; raise on bad input."""
    raw: dict[str, Any] = {}
    for prefix, table in (("K6_INFLUXDB_", _K6_ENV), ("LOADCELL_INFLUXDB_", {**_K6_ENV, **_OWN_ENV})):
        for suffix, key in table.items():
            value = env.get(prefix + suffix)
            if value is not None and value != "":
                raw[key] = value
    if arg:
        raw.update(_parse_url(arg))
    try:
        return InfluxSettings(**raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'config'}: {err['msg'].removeprefix('Value error, ')}"
            for err in exc.errors()
        )
        raise InvalidConfigError(f"--out influxdb={_redact_url(arg)}: {problems}") from None


def _parse_url(text: str) -> dict[str, Any]:
    parts = urlsplit(text)
    out: dict[str, Any] = {}
    if parts.scheme and parts.netloc:
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        port = f":{parts.port}" if parts.port else ""
        out["addr"] = f"{parts.scheme}://{host}{port}"
    elif text and not parts.scheme:
        raise InvalidConfigError(
            f"--out influxdb={text!r}: expected a URL like http://[user:pass@]host:8086/DB"
        )
    db = parts.path.lstrip("/")
    if db:
        out["db"] = unquote(db)
    if parts.username is not None:
        out["username"] = unquote(parts.username)
        out["password"] = unquote(parts.password or "")
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = [k for k in query if k not in _QUERY]
    if unknown:
        raise InvalidConfigError(
            f"--out influxdb={_redact_url(text)}: unknown query parameter: {', '.join(unknown)}"
            f" (known: {', '.join(_QUERY)})"
        )
    for key, values in query.items():
        setting = _QUERY[key]
        if setting == "tags_as_fields":
            out[setting] = [v for value in values for v in value.split(",")]
        elif key == "insecure" and values[0] == "":
            continue
        else:
            out[setting] = values[0]
    return out


def _redact_url(text: str) -> str:
    parts = urlsplit(text)
    if parts.password is None:
        return text
    return text.replace(f":{parts.password}@", ":***@", 1)


# --------------------------------------------------------------------------------------------------------
# Line protocol
# --------------------------------------------------------------------------------------------------------


def go_float(v: float) -> str:
    """Go's strconv.FormatFloat(v, 'f', -1, 64): shortest round-trip digits, never an exponent."""
    if v.is_integer() and -1e16 < v < 1e16:
        return str(int(v))
    text = repr(v)
    if "e" in text:
        return format(Decimal(text), "f")
    return text


def escape_tag(s: str) -> str:
    """Tag keys and values: backslash before `,`, `=` and space (influxdb1-client's escapeTag)."""
    if "," in s or " " in s or "=" in s or "\n" in s:
        s = s.replace(",", "\\,").replace(" ", "\\ ").replace("=", "\\=").replace("\n", "\\n")
    return s


def escape_field_key(s: str) -> str:
    if "," in s or " " in s or "=" in s or '"' in s:
        s = s.replace(",", "\\,").replace('"', '\\"').replace(" ", "\\ ").replace("=", "\\=")
    return s


def escape_string_field(s: str) -> str:
    """String field values: backslash before `\\` and `"`, then double quotes around."""
    if "\\" in s or '"' in s:
        s = s.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{s}"'


def field_value(kind: str, value: str) -> str:
    """A tag moved to a field, typed as k6 does; unparsable values are written as strings."""
    if kind == "int" and _INT.match(value):
        number = int(value)
        if -(2**63) <= number < 2**63:
            return f"{number}i"
    elif kind == "float":
        try:
            number_f = float(value)
        except ValueError:
            pass
        else:
            if math.isfinite(number_f):
                return go_float(number_f)
    elif kind == "bool":
        if value in _TRUE:
            return "true"
        if value in _FALSE:
            return "false"
    return escape_string_field(value)


class LineFormatter:
    """Samples to line-protocol lines, caching each tag set's text."""

    def __init__(self, settings: InfluxSettings, registry: Registry, tagsets: TagSets, test_id: str) -> None:
        self.registry = registry
        self.tagsets = tagsets
        self.kinds = settings.field_kinds()
        self.testid = test_id if settings.testid_tag and test_id else ""
        self.mult = _PRECISIONS[settings.precision][1]
        self._raw: dict[int, tuple[str, str]] = {}
        self._tagstr: dict[int, str] = {}
        self._used: dict[int, set[int]] = {}
        self._used_before: dict[int, set[int]] = {}
        self._generation = time.monotonic()
        # Sample times are float seconds (about 0.24 µs apart at best), so two samples of one series taken
        # within a fraction of a microsecond can share a nanosecond, and InfluxDB would keep only one of
        # the two points. A colliding point is moved to the next free nanosecond (microsecond with
        # precision=u) among the last second or two of points (batches of several workers interleave).
        # Coarser precisions are left alone, as k6 does.
        self.dedupe = self.mult <= 1000

    def timestamp(self, t: float) -> str:
        return str(self.ticks(t))

    def ticks(self, t: float) -> int:
        """Wall seconds to an integer timestamp in the configured precision (Go's UnixNano()/unit)."""
        sec = int(t)
        ns = sec * 1_000_000_000 + round((t - sec) * 1e9)
        return ns if self.mult == 1 else ns // self.mult

    def _emitted(self, tid: int) -> tuple[dict[str, str], dict[str, str]]:
        tags = self.tagsets.as_dict(tid)
        emitted: dict[str, str] = {}
        fields: dict[str, str] = {}
        for key, value in tags.items():
            kind = self.kinds.get(key)
            if kind is not None:
                if key != "value":
                    fields[key] = field_value(kind, value)
            elif value != "":
                emitted[key] = value
        if self.testid and "testid" not in tags:
            emitted["testid"] = self.testid
        return emitted, fields

    def tag_string(self, tid: int) -> str:
        """`,k=v,...` for the tag set (sorted, escaped), without the tags moved to fields."""
        text = self._tagstr.get(tid)
        if text is None:
            emitted, _ = self._emitted(tid)
            text = self._tagstr[tid] = "".join(
                f",{escape_tag(k)}={escape_tag(v)}" for k, v in sorted(emitted.items())
            )
        return text

    def raw_parts(self, tid: int) -> tuple[str, str]:
        """(text between measurement and value, text between value and timestamp) for a tag set."""
        parts = self._raw.get(tid)
        if parts is None:
            _, fields = self._emitted(tid)
            before = "".join(f"{escape_field_key(k)}={v}," for k, v in sorted(fields.items()) if k < "value")
            after = "".join(f",{escape_field_key(k)}={v}" for k, v in sorted(fields.items()) if k > "value")
            parts = self._raw[tid] = (f"{self.tag_string(tid)} {before}value=", f"{after} ")
        return parts

    def ticks_array(self, t: np.ndarray) -> list[int]:
        """ticks() for a column of wall seconds, vectorised."""
        sec = np.floor(t)
        ns = sec.astype(np.int64) * 1_000_000_000 + np.rint((t - sec) * 1e9).astype(np.int64)
        return (ns if self.mult == 1 else ns // self.mult).tolist()

    def raw_lines(self, batch: MetricBatch) -> tuple[list[str], int]:
        """Every sample of the batch as a line, in k6's order; and how many were skipped (NaN/Inf).

        Timestamps never repeat within a series (see unique_ticks); for HTTP rows, whose 8-9 points
        share one timestamp, no two requests get the same one at all (a superset, cheaper to check).
        """
        out: list[str] = []
        app = out.append
        parts_of = self.raw_parts
        cache = self._raw
        if time.monotonic() - self._generation >= 1.0:  # remember about the last 1-2 s of timestamps
            self._used_before, self._used = self._used, {}
            self._generation = time.monotonic()
        dedupe = self.dedupe
        skipped = 0
        if batch.http is not None and batch.http.size:
            names = [m.name for m in R.HTTP_TREND_COLUMNS]
            reqs, failed = R.HTTP_REQS.name, R.HTTP_REQ_FAILED.name
            used = self._used.get(-1)
            if used is None:
                used = self._used[-1] = set()
            before = self._used_before.get(-1) or set()
            for row, ts in zip(batch.http.tolist(), self.ticks_array(batch.http[:, 1]), strict=True):
                if dedupe:
                    while ts in used or ts in before:
                        ts += 1
                    used.add(ts)
                tid = int(row[0])
                pre, post = cache.get(tid) or parts_of(tid)
                tail = f"{post}{ts}"
                app(f"{reqs}{pre}1{tail}")
                # k6's timings are whole nanoseconds: 6 decimals in ms, trailing zeros cut (= 'f', -1)
                for name, text in zip(names, (_SEVEN_NS % tuple(row[2:9])).split("|"), strict=True):
                    if "n" in text:  # nan, inf
                        skipped += 1
                        continue
                    text = text.rstrip("0").rstrip(".")
                    app(f"{name}{pre}{text if text != '-0' else '0'}{tail}")
                f = row[9]
                if f == f:
                    app(f"{failed}{pre}{'1' if f == 1.0 else '0' if f == 0.0 else go_float(f)}{tail}")
        if batch.gen is not None and batch.gen.size:
            metrics = self.registry.metrics
            fmt = go_float
            isfinite = math.isfinite
            used_by, before_by = self._used, self._used_before
            for (mid, tid_f, _, v), ts in zip(
                batch.gen.tolist(), self.ticks_array(batch.gen[:, 2]), strict=True
            ):
                if not isfinite(v):
                    skipped += 1
                    continue
                tid, m = int(tid_f), int(mid)
                if dedupe:
                    key = (m << 32) | tid
                    used = used_by.get(key)
                    if used is None:
                        used = used_by[key] = set()
                    before = before_by.get(key)
                    while ts in used or (before is not None and ts in before):
                        ts += 1
                    used.add(ts)
                metric = metrics[m]
                if metric.name in _NS_METRICS:
                    v = round(v, 6)
                pre, post = cache.get(tid) or parts_of(tid)
                app(f"{metric.name}{pre}{fmt(v)}{post}{ts}")
        return out, skipped


# --------------------------------------------------------------------------------------------------------
# Aggregated mode
# --------------------------------------------------------------------------------------------------------

_PCTS = (("p50", 0.50), ("p90", 0.90), ("p95", 0.95), ("p99", 0.99))


class Aggregator:
    """One window of per-(metric, emitted tag set) aggregates, closed into `<metric>_agg` lines.

    Built from the coordinator's sink deltas (batch.deltas), so in this mode no raw sample is shipped from
    the workers or formatted at all. Tag sets that differ only by a tag written as a field (url, ...)
    share one point: fields are per sample, an aggregate has many.
    """

    def __init__(self, formatter: LineFormatter, registry: Registry) -> None:
        self.fmt = formatter
        self.registry = registry
        self.groups: dict[tuple[int, str], Any] = {}
        self.start = time.time()

    def add(self, batch: MetricBatch) -> None:
        groups, tagstr, metrics = self.groups, self.fmt.tag_string, self.registry.metrics
        for mid, tid, delta in batch.deltas:
            key = (mid, tagstr(tid))
            own = groups.get(key)
            if own is None:
                own = groups[key] = _SINKS[metrics[mid].type]()
            own.merge(delta)

    def close(self) -> list[str]:
        """The window's lines (timestamped at the window start); starts a new window."""
        now = time.time()
        seconds = max(now - self.start, 1e-9)
        ts = self.fmt.timestamp(self.start)
        lines = []
        f = go_float
        metrics = self.registry.metrics
        for (mid, tagstr), sink in self.groups.items():
            if isinstance(sink, TrendSink):
                if not sink.count:
                    continue
                fields = [
                    ("count", sink.count),
                    ("sum", sink.sum),
                    ("min", sink.min),
                    ("max", sink.max),
                    ("mean", sink.sum / sink.count),
                    *((name, sink.percentile(p)) for name, p in _PCTS),
                ]
            elif isinstance(sink, CounterSink):
                fields = [("count", sink.total), ("sum", sink.total), ("rate", sink.total / seconds)]
            elif isinstance(sink, RateSink):
                if not sink.total:
                    continue
                fields = [("count", sink.total), ("sum", sink.trues), ("mean", sink.trues / sink.total)]
            else:
                if not sink.seen:
                    continue
                fields = [("last", sink.last), ("min", sink.min), ("max", sink.max)]
            values = [(k, float(v)) for k, v in fields]
            if not all(math.isfinite(v) for _, v in values):
                values = [(k, v) for k, v in values if math.isfinite(v)]
                if not values:
                    continue
            body = ",".join(f"{k}={f(v)}" for k, v in values)
            lines.append(f"{metrics[mid].name}{AGG_SUFFIX}{tagstr} {body} {ts}")
        self.groups = {}
        self.start = now
        return lines


_SINKS: dict[MetricType, type] = {
    MetricType.TREND: TrendSink,
    MetricType.COUNTER: CounterSink,
    MetricType.RATE: RateSink,
    MetricType.GAUGE: GaugeSink,
}


# --------------------------------------------------------------------------------------------------------
# The output
# --------------------------------------------------------------------------------------------------------


class _Chunk:
    """Up to batch_points lines, in memory (`data`) or spilled to a file (`path`)."""

    __slots__ = ("data", "db_retries", "n", "path", "unanswered")

    def __init__(self, data: bytes | None, n: int, path: Path | None = None) -> None:
        self.data = data
        self.n = n
        self.path = path
        self.db_retries = 0
        self.unanswered = False  # its body went out and no HTTP answer came back since: maybe stored


async def _on_chunk_sent(_session: Any, trace: Any, _params: Any) -> None:
    """aiohttp trace hook: body bytes of a write have left for the socket."""
    if isinstance(trace.trace_request_ctx, _Chunk):
        trace.trace_request_ctx.unanswered = True


def _is_v2(version: str) -> bool:
    """An X-Influxdb-Version of InfluxDB 2.x ("v2.7.1" or "2.7.1")."""
    return version.lstrip("v").startswith("2.")


_RETRY, _DONE = "retry", "done"
_DROPPED_RE = re.compile(r"dropped=(\d+)")
_instances = itertools.count(1)


def _reason(status: int, message: str) -> str:
    """A short, stable key for a rejection (the full message goes to the log)."""
    for needle in (
        "field type conflict",
        "max-values-per-tag limit exceeded",
        "max-series-per-database limit exceeded",
        "unable to parse",
        "points beyond retention policy",
        "database not found",
        "authorization failed",
        "unable to parse authentication credentials",
        "Request Entity Too Large",
    ):
        if needle.lower() in message.lower():
            return f"InfluxDB {status}: {needle}"
    return f"InfluxDB {status}: {_shorten(message)}"


class InfluxDBOutput(Output):
    name = "influxdb"

    def __init__(self, arg: str, registry: Registry, tagsets: TagSets, env: dict[str, str]) -> None:
        super().__init__(arg, registry, tagsets, env)
        self.settings = parse_settings(arg, env)
        try:
            import aiohttp  # noqa: F401
        except ImportError:
            raise InvalidConfigError(
                "--out influxdb needs aiohttp: pip install aiohttp==3.14.5 (a dependency of loadcell)"
            ) from None
        self.instance = next(_instances)
        # Aggregated mode reads the sink deltas only: workers then need not ship raw rows for it.
        self.wants_raw = self.settings.mode == "raw"

    def description(self) -> str:
        s = self.settings
        mode = " aggregated" if s.mode == "aggregated" else ""
        return f"influxdb{mode} ({s.addr}/{s.db})"

    # lifecycle -------------------------------------------------------------------------------------------
    async def start(self, info: RunInfo) -> None:
        import aiohttp

        s = self.settings
        self.info = info
        self.formatter = LineFormatter(s, self.registry, self.tagsets, info.test_id)
        self.aggregator = Aggregator(self.formatter, self.registry) if s.mode == "aggregated" else None
        results = Path(info.results_dir) if info.results_dir else Path("results") / info.test_id
        self.spill_dir = (results / SPILL_DIR).resolve()
        self._spill_seq = 0
        self._queue: deque[_Chunk] = deque()
        self._open: list[str] = []
        self._open_n = 0
        self._mem_points = 0  # open + in-memory queued + in-flight in-memory
        self._spilled_ever = 0
        self._stopping = False
        self._deadline = math.inf
        self._wake = asyncio.Event()
        self._hurried = asyncio.Event()
        self._stop_started = math.inf
        self._backoff = 0.0
        self._failing: str | None = None  # the last retryable error while InfluxDB is unreachable
        self._logged: dict[str, int] = {}
        self._db_lock = asyncio.Lock()
        self._db_created_at = -math.inf
        wire_precision = _PRECISIONS[s.precision][0]
        self._write_params = {
            "consistency": s.consistency,
            "db": s.db,
            "precision": wire_precision,
            "rp": s.retention,
        }
        headers = {"User-Agent": "loadcell", "Content-Type": "text/plain; charset=utf-8"}
        if s.username:
            token = base64.b64encode(f"{s.username}:{s.password}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        connector = aiohttp.TCPConnector(limit=s.concurrent_writes + 1, ssl=not s.insecure)
        trace = aiohttp.TraceConfig()
        trace.on_request_chunk_sent.append(_on_chunk_sent)
        self._session = aiohttp.ClientSession(
            connector=connector,
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=s.timeout),
            trace_configs=[trace],
        )
        self._version = ""  # X-Influxdb-Version of the last answer
        try:
            await self._preflight()
        except BaseException:
            await self._session.close()
            raise
        self._task = asyncio.get_running_loop().create_task(self._writer(), name="influxdb-writer")

    def add(self, batch: MetricBatch) -> None:
        if self.aggregator is not None:
            self.aggregator.add(batch)
            return
        lines, skipped = self.formatter.raw_lines(batch)
        if skipped:
            self.stats.produced += skipped
            self._drop(skipped, "NaN or Inf value (InfluxDB has no such float)")
        if lines:
            self._append(lines)

    async def stop(self) -> OutputStats:
        s = self.settings
        self._stopping = True
        self._stop_started = time.monotonic()
        self._deadline = self._stop_started + (HURRY_GRACE if self._hurried.is_set() else s.stop_timeout)
        try:
            self._close_window()
            self._seal()
            self._wake.set()
            if self._failing is not None and not self._hurried.is_set():
                log.warning(
                    "influxdb output: waiting up to %gs to deliver %d points (%s); press Ctrl+C again to"
                    " keep them in %s and exit",
                    s.stop_timeout,
                    sum(c.n for c in self._queue) + self._open_n,
                    _shorten(self._failing),
                    self.spill_dir,
                )
            await self._wait_for_writer()
        except Exception as exc:  # the writer must not take the run (or the accounting) down
            log.error("influxdb output: the writer failed: %s: %s", type(exc).__name__, exc)
        finally:
            await self._session.close()
            self._leave_undelivered()
        return self.stats

    def hurry(self) -> None:
        self._hurried.set()
        self._deadline = min(self._deadline, time.monotonic() + HURRY_GRACE)
        self._wake.set()

    async def _wait_for_writer(self) -> None:
        """Until the writer is done or the deadline (which hurry() may bring in) has passed."""
        hurried = asyncio.ensure_future(self._hurried.wait())
        try:
            while not self._task.done():
                left = self._deadline + 1.0 - time.monotonic()  # a send in flight gets 1 s more
                if left <= 0:
                    self._task.cancel()
                    await asyncio.gather(self._task, return_exceptions=True)
                    return
                waits = {self._task} if hurried.done() else {self._task, hurried}
                await asyncio.wait(waits, timeout=left, return_when=asyncio.FIRST_COMPLETED)
        finally:
            hurried.cancel()

    # buffering -------------------------------------------------------------------------------------------
    def _append(self, lines: list[str]) -> None:
        n = len(lines)
        self.stats.produced += n
        self._open.extend(lines)
        self._open_n += n
        self._mem_points += n
        if self._open_n >= self.settings.batch_points or self._mem_points > self.settings.buffer_points:
            self._seal()

    def _seal(self) -> None:
        """Close the open chunk; if memory is over the cap, it goes to disk (newest data spills first)."""
        if not self._open:
            return
        lines, n = self._open, self._open_n
        self._open, self._open_n = [], 0
        data = ("\n".join(lines) + "\n").encode()
        if self._mem_points > self.settings.buffer_points:
            self._mem_points -= n
            self._spill(data, n)
        else:
            self._queue.append(_Chunk(data, n))

    def _spill(self, data: bytes, n: int) -> None:
        last = self._queue[-1] if self._queue else None
        try:
            if last is not None and last.path is not None and last.n + n <= self.settings.batch_points:
                with last.path.open("ab") as fh:
                    fh.write(data)
                last.n += n
            else:
                self.spill_dir.mkdir(parents=True, exist_ok=True)
                self._spill_seq += 1
                path = self.spill_dir / f"{self.instance:02d}-{self._spill_seq:08d}.lp"
                path.write_bytes(data)
                self._queue.append(_Chunk(None, n, path))
                if self._spilled_ever == 0:
                    log.warning(
                        "influxdb output: %d points buffered in memory (the cap, bufferPoints); spilling"
                        " the newest to %s until InfluxDB catches up",
                        self.settings.buffer_points,
                        self.spill_dir,
                    )
            self._spilled_ever += n
        except OSError as exc:
            self._drop(n, f"spill to disk failed: {exc.strerror or exc}")
            self._log_once("spill", f"influxdb output: could not spill {n} points to {self.spill_dir}: {exc}")

    def _close_window(self) -> None:
        if self.aggregator is not None:
            lines = self.aggregator.close()
            if lines:
                self._append(lines)

    def _drop(self, n: int, reason: str) -> None:
        self.stats.dropped += n
        self.stats.reasons[reason] = self.stats.reasons.get(reason, 0) + n

    def _log_once(self, key: str, message: str, level: int = logging.ERROR) -> None:
        seen = self._logged.get(key, 0)
        self._logged[key] = seen + 1
        if seen < 5:
            log.log(level, "%s", message)
        elif seen == 5:
            log.log(level, "%s (further messages like this are not shown)", message)

    # writing ---------------------------------------------------------------------------------------------
    async def _writer(self) -> None:
        """The background task; a bug in it must not silently stop delivery, so it restarts its loop."""
        while True:
            try:
                await self._write_loop()
                return
            except Exception:
                log.exception("influxdb output: the writer failed; restarting it in 1s")
                await asyncio.sleep(1.0)

    async def _write_loop(self) -> None:
        """Tick every push interval (close the window, seal the open chunk) and keep the queue moving."""
        s = self.settings
        loop_time = time.monotonic
        next_tick = loop_time() + s.push_interval
        retry_at = 0.0
        while True:
            now = loop_time()
            if self._stopping:
                self._seal()
            elif now >= next_tick:
                next_tick = max(next_tick + s.push_interval, now)
                self._close_window()
                self._seal()
            if self._stopping and (not self._queue or now >= self._deadline):
                return
            if self._queue and now >= retry_at:
                if await self._send_wave():
                    self._backoff = min(s.retry_max, self._backoff * 2 if self._backoff else 0.25)
                    retry_at = loop_time() + self._backoff
                else:
                    retry_at = 0.0
                continue
            wake_at = min(
                retry_at if self._queue else next_tick, self._deadline if self._stopping else next_tick
            )
            delay = wake_at - loop_time()
            if delay > 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=delay)
                if self._stopping:
                    retry_at = min(retry_at, loop_time())

    async def _preflight(self) -> None:
        """Create the database, then write zero points: InfluxDB checks the credentials and the write
        permission before it looks at the body, so a 401 or 403 shows now, before any load, and stops
        the run (k6 would drop every point and exit 0). An unreachable or slow InfluxDB is left to the
        writer's retries, as an outage during the run is."""
        s = self.settings
        try:
            status, body = await asyncio.wait_for(self._write_nothing(), min(s.timeout, 5.0))
        except Exception as exc:
            log.warning("influxdb output: could not check the write permission (%s)", _describe(exc))
            return
        if status not in (401, 403):
            return
        message = _influx_message(body) or f"HTTP {status}"
        who = f"user {s.username!r}" if s.username else "no user (the --out URL has no credentials)"
        if status == 401:
            fix = (
                "set the right user and password in the --out URL (http://USER:PASSWORD@host:8086/DB) or in"
                " K6_INFLUXDB_USERNAME and K6_INFLUXDB_PASSWORD"
            )
        else:
            grant = f'GRANT WRITE ON "{s.db}" TO "{s.username}"'
            fix = f"give the user write access ({grant}) or use one that has it"
        raise InvalidConfigError(
            f"--out influxdb: InfluxDB at {s.addr} refused a write to database {s.db!r} by {who}:"
            f" {status} {message}{self._v2_hint()}; {fix}"
        )

    async def _write_nothing(self) -> tuple[int, str]:
        """CREATE DATABASE (a 403 there, for a user who is not an admin, is fine), then a write of zero
        points: its status and body."""
        s = self.settings
        await self._create_database()
        async with self._session.post(
            f"{s.addr}/write", params=self._write_params, data=b"", proxy=s.proxy or None
        ) as resp:
            self._note_version(resp)
            return resp.status, await resp.text()

    def _note_version(self, resp: Any) -> None:
        self._version = resp.headers.get("X-Influxdb-Version", self._version)

    def _v2_hint(self) -> str:
        if not _is_v2(self._version):
            return ""
        return (
            f" (this is InfluxDB {self._version}: it needs its v1 compatibility API with a DBRP mapping"
            " and v1 credentials)"
        )

    async def _create_database(self) -> bool:
        db = self.settings.db
        name = db if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", db) else '"' + db.replace('"', '\\"') + '"'
        url = f"{self.settings.addr}/query"
        try:
            async with self._session.post(
                url,
                params={"db": "", "params": "{}", "q": f"CREATE DATABASE {name}"},
                proxy=self.settings.proxy or None,
                timeout=_short_timeout(5.0),
            ) as resp:
                self._note_version(resp)
                text = await resp.text()
                if resp.status >= 300:
                    log.debug("influxdb output: couldn't create database (most likely harmless): %s", text)
                    return False
                return True
        except Exception as exc:
            log.debug("influxdb output: couldn't create database (most likely harmless): %s", exc)
            return False

    async def _send_wave(self) -> bool:
        """Send the oldest chunks, up to concurrentWrites at once; True if any must be retried."""
        wave = [self._queue.popleft() for _ in range(min(self.settings.concurrent_writes, len(self._queue)))]
        outcomes: list[Any] = [None] * len(wave)

        async def send(i: int, chunk: _Chunk) -> None:
            outcomes[i] = await self._send(chunk)

        try:
            await asyncio.gather(*(send(i, c) for i, c in enumerate(wave)))
        finally:
            # Whatever did not go through goes back to the front, in order (also on cancellation).
            back: list[_Chunk] = []
            for chunk, outcome in zip(wave, outcomes, strict=True):
                if outcome is None or outcome == _RETRY:
                    back.append(chunk)
                elif isinstance(outcome, list):
                    back.extend(outcome)
            for chunk in reversed(back):
                self._queue.appendleft(chunk)
        if any(o == _RETRY for o in outcomes):
            return True
        if self._failing is not None:
            log.info(
                "influxdb output: InfluxDB is reachable again; delivering the %d buffered points in order",
                sum(c.n for c in self._queue) + self._open_n,
            )
            self._failing = None
            self._backoff = 0.0
        return False

    async def _send(self, chunk: _Chunk) -> Any:
        """POST one chunk: _DONE (delivered or dropped), _RETRY, or a list of smaller chunks (413)."""
        s = self.settings
        data = chunk.data
        if data is None:
            assert chunk.path is not None
            try:
                data = await asyncio.to_thread(chunk.path.read_bytes)
            except OSError as exc:
                self._drop(chunk.n, f"spill file unreadable: {exc.strerror or exc}")
                return _DONE
        started = time.monotonic()
        try:
            async with self._session.post(
                f"{s.addr}/write",
                params=self._write_params,
                data=data,
                proxy=s.proxy or None,
                trace_request_ctx=chunk,
            ) as resp:
                chunk.unanswered = False
                self._note_version(resp)
                status = resp.status
                body = await resp.text()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            error = _describe(exc)
            if chunk.unanswered:
                error += "; sent but not answered: InfluxDB may have stored it, and a retry is safe"
            return self._retryable(chunk, error)
        took = time.monotonic() - started
        if status in (200, 204):
            self._delivered(chunk)
            if took > s.push_interval:
                log.warning("%s t=%.3fs", SLOW_FLUSH_MESSAGE, took)
            return _DONE
        message = _influx_message(body) or f"HTTP {status}"
        if status == 413 and chunk.n > 1:
            return self._split(chunk, data)
        if status == 404 and "database not found" in message and chunk.db_retries < 3:
            # InfluxDB was unreachable when the run started, so CREATE DATABASE never happened.
            chunk.db_retries += 1
            async with self._db_lock:  # one CREATE for all the writes that just failed
                if time.monotonic() - self._db_created_at > 1.0 and await self._create_database():
                    self._db_created_at = time.monotonic()
            return self._retryable(chunk, message)
        if status == 429 or status >= 500:
            return self._retryable(chunk, f"{status} {message}")
        # 4xx: InfluxDB will not take these points however often we ask.
        dropped = chunk.n
        match = _DROPPED_RE.search(message)
        if "partial write" in message:
            parse_failures = message.count("unable to parse")
            dropped = min(chunk.n, max(int(match.group(1)) if match else 0, parse_failures))
            if dropped == 0 and not match:
                dropped = chunk.n
        hint = self._v2_hint() if status in (401, 403) else ""
        self._log_once(
            _reason(status, message),
            f"Couldn't write stats: InfluxDB answered {status}: {message}{hint};"
            f" {dropped} of {chunk.n} points dropped",
        )
        self._drop(dropped, _reason(status, message))
        self.stats.delivered += chunk.n - dropped
        self._release(chunk)
        return _DONE

    def _retryable(self, chunk: _Chunk, error: str) -> str:
        if self._failing is None:
            log.warning(
                "influxdb output: write failed (%s); keeping the points and retrying with backoff", error
            )
        self._failing = error
        return _RETRY

    def _split(self, chunk: _Chunk, data: bytes) -> list[_Chunk]:
        lines = data.decode().splitlines()
        half = len(lines) // 2
        parts = [lines[:half], lines[half:]]
        self._release(chunk)
        out = []
        for part in parts:
            piece = _Chunk(("\n".join(part) + "\n").encode(), len(part))
            self._mem_points += piece.n
            out.append(piece)
        return out

    def _delivered(self, chunk: _Chunk) -> None:
        self.stats.delivered += chunk.n
        self._release(chunk)

    def _release(self, chunk: _Chunk) -> None:
        if chunk.path is not None:
            chunk.path.unlink(missing_ok=True)
            chunk.path = None
        elif chunk.data is not None:
            self._mem_points -= chunk.n
        chunk.data = None

    def _leave_undelivered(self) -> None:
        """After the bounded flush: persist what is left, count it dropped, say where it is."""
        self._seal()
        left = list(self._queue)
        self._queue.clear()
        if left:
            n = sum(c.n for c in left if not c.unanswered)
            unknown = sum(c.n for c in left if c.unanswered)
            for chunk in left:
                if chunk.path is None and chunk.data is not None:
                    self._mem_points -= chunk.n
                    data, chunk.data = chunk.data, None
                    try:
                        self.spill_dir.mkdir(parents=True, exist_ok=True)
                        self._spill_seq += 1
                        path = self.spill_dir / f"{self.instance:02d}-{self._spill_seq:08d}.lp"
                        path.write_bytes(data)
                    except OSError as exc:
                        log.error("influxdb output: could not save undelivered points: %s", exc)
            why = self._failing or ("second signal" if self._hurried.is_set() else "stop timeout")
            if n:
                self._drop(n, f"undelivered at stop ({_shorten(why)})")
            self.stats.unknown += unknown
            wire = self._write_params["precision"]
            log.error(
                "influxdb output: %d points could not be delivered within %.3gs (%s), %d of them"
                " unknown/possibly stored (sent, never answered); they are kept in %s as line protocol"
                " (precision=%s). Replay (safe for points InfluxDB already has: identical points"
                " overwrite): for f in %s/*.lp; do curl -sS -XPOST '%s/write?db=%s&precision=%s'"
                " --data-binary @$f; done",
                n + unknown,
                time.monotonic() - self._stop_started,
                why,
                unknown,
                self.spill_dir,
                wire,
                self.spill_dir,
                self.settings.addr,
                self.settings.db,
                wire,
            )
        elif self.spill_dir.is_dir() and not any(self.spill_dir.iterdir()):
            shutil.rmtree(self.spill_dir, ignore_errors=True)


def _shorten(text: str, width: int = 80) -> str:
    """A reason short enough to be a summary key, cut at a word, never mid-word."""
    return text if len(text) <= width else text[:width].rsplit(" ", 1)[0] + " …"


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _short_timeout(seconds: float) -> Any:
    import aiohttp

    return aiohttp.ClientTimeout(total=seconds)


def _influx_message(body: str) -> str:
    import json

    try:
        doc = json.loads(body)
    except ValueError:
        return body.strip()[:500]
    if isinstance(doc, dict) and "error" in doc:
        return str(doc["error"])
    return body.strip()[:500]
