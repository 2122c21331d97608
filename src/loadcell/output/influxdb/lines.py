"""Samples as InfluxDB line protocol, k6's layout byte for byte: measurement = metric name, tags sorted
and escaped (empty values omitted), the tagsAsFields (default vu, iter, url) as fields, `value` as a float,
one point per sample, integer timestamps in the configured precision. loadcell adds one tag, `testid`, to
every point unless the sample already has one.
"""

from __future__ import annotations

import math
import re
import time
from decimal import Decimal

import numpy as np

from loadcell.metrics import registry as R
from loadcell.metrics.buffer import MetricBatch
from loadcell.metrics.registry import Registry
from loadcell.metrics.tags import TagSets
from loadcell.output.influxdb.config import FALSE, PRECISIONS, TRUE, InfluxSettings
from loadcell.output.rows import WHOLE_NS_METRICS, requests, samples

_INT = re.compile(r"^[+-]?\d+$")


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
        if value in TRUE:
            return "true"
        if value in FALSE:
            return "false"
    return escape_string_field(value)


class LineFormatter:
    """Samples to line-protocol lines, caching each tag set's text."""

    def __init__(self, settings: InfluxSettings, registry: Registry, tagsets: TagSets, test_id: str) -> None:
        self.registry = registry
        self.tagsets = tagsets
        self.kinds = settings.field_kinds()
        self.testid = test_id if settings.testid_tag and test_id else ""
        self.mult = PRECISIONS[settings.precision][1]
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
        ticks: list[int] = (ns if self.mult == 1 else ns // self.mult).tolist()
        return ticks

    def raw_lines(self, batch: MetricBatch) -> tuple[list[str], int]:
        """Every sample of the batch as a line, in k6's order; and how many were skipped (NaN/Inf).

        Timestamps never repeat within a series (see `dedupe`); for HTTP rows, whose 8-9 points
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
        names = [m.name for m in R.HTTP_TREND_COLUMNS]
        reqs, failed_name = R.HTTP_REQS.name, R.HTTP_REQ_FAILED.name
        used = self._used.get(-1)
        if used is None:
            used = self._used[-1] = set()
        before = self._used_before.get(-1) or set()
        for tid, ts, timings, failed in requests(batch, self.ticks_array):
            if dedupe:
                while ts in used or ts in before:
                    ts += 1
                used.add(ts)
            pre, post = cache.get(tid) or parts_of(tid)
            tail = f"{post}{ts}"
            app(f"{reqs}{pre}1{tail}")
            # k6's timings are whole nanoseconds: 6 decimals in ms, trailing zeros cut (= 'f', -1)
            for name, text in zip(names, timings, strict=True):
                if "n" in text:  # nan, inf
                    skipped += 1
                    continue
                text = text.rstrip("0").rstrip(".")
                app(f"{name}{pre}{text if text != '-0' else '0'}{tail}")
            if failed == failed:  # not NaN
                value = "1" if failed == 1.0 else "0" if failed == 0.0 else go_float(failed)
                app(f"{failed_name}{pre}{value}{tail}")
        fmt = go_float
        isfinite = math.isfinite
        used_by, before_by = self._used, self._used_before
        for metric, tid, ts, v in samples(batch, self.registry.metrics, self.ticks_array):
            if not isfinite(v):
                skipped += 1
                continue
            if dedupe:
                key = (metric.id << 32) | tid
                series = used_by.get(key)
                if series is None:
                    series = used_by[key] = set()
                seen = before_by.get(key)
                while ts in series or (seen is not None and ts in seen):
                    ts += 1
                series.add(ts)
            if metric.name in WHOLE_NS_METRICS:
                v = round(v, 6)
            pre, post = cache.get(tid) or parts_of(tid)
            app(f"{metric.name}{pre}{fmt(v)}{post}{ts}")
        return out, skipped
