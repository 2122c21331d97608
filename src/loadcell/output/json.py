"""--out json=FILE[.gz]: k6's JSON-lines format (a Metric record per metric, a Point per sample).

Records are k6's (internal/output/json/wrapper.go): `{"type":"Metric","data":{"name","type","contains",
"thresholds","submetrics"},"metric"}` before a metric's first point, then
`{"metric","type":"Point","data":{"time","value","tags"}}`. Numbers are written as Go's encoding/json
writes a float64 (1 not 1.0, no exponent between 1e-6 and 1e21), times as RFC 3339 with nanoseconds in UTC.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import msgspec

from loadcell.metrics import registry as R
from loadcell.metrics.buffer import MetricBatch
from loadcell.metrics.registry import Metric
from loadcell.output.base import Output, OutputStats, RunInfo
from loadcell.output.files import PointFile
from loadcell.output.rows import WHOLE_NS_METRICS, requests, samples, seconds

_encode = msgspec.json.Encoder().encode


def rfc3339_ns(wall: float) -> str:
    """Go's RFC3339Nano (UTC) for a wall-clock second count."""
    seconds = int(wall)
    nanos = round((wall - seconds) * 1e9)
    if nanos >= 1_000_000_000:
        seconds, nanos = seconds + 1, nanos - 1_000_000_000
    base = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    frac = f".{nanos:09d}".rstrip("0").rstrip(".")
    return f"{base}{frac}Z"


def go_json_float(v: float) -> str:
    """encoding/json's float64: 'f' format, or 'e' (e-7, not e-07) below 1e-6 or from 1e21; NaN/Inf → null."""
    if v.is_integer() and -1e21 < v < 1e21:
        return str(int(v))
    if not math.isfinite(v):
        return "null"
    text = repr(v)
    a = abs(v)
    if 1e-6 <= a < 1e21:
        if "e" in text:
            from decimal import Decimal

            return format(Decimal(text), "f")
        return text
    mantissa, _, exp = text.partition("e")
    sign = exp[0] if exp[:1] in "+-" else "+"
    digits = exp.lstrip("+-").lstrip("0") or "0"
    if len(digits) == 1:
        digits = "0" + digits if sign == "+" else digits
    return f"{mantissa}e{sign}{digits}"


def metric_records(
    spec: dict[str, Any],
) -> tuple[dict[str, list[str]], dict[str, list[dict[str, Any]]]]:
    """The `thresholds` and `submetrics` of k6's Metric records: a metric's own threshold sources, and
    one entry per sub-metric a threshold key names (k6's AddSubmetric: the suffix is the text between
    the braces, trimmed; tag values lose their quotes), `http_req_duration{expected_response:true}`
    last, as k6's summary always adds it."""
    thresholds: dict[str, list[str]] = {}
    submetrics: dict[str, list[dict[str, Any]]] = {}

    def add_submetric(name: str, suffix: str) -> None:
        entries = submetrics.setdefault(name, [])
        if all(e["suffix"] != suffix for e in entries):
            tags = {}
            for pair in filter(None, suffix.split(",")):
                key, _, value = pair.partition(":")
                tags[key.strip().strip("\"'")] = value.strip().strip("\"'")
            entries.append({"name": f"{name}{{{suffix}}}", "suffix": suffix, "tags": tags})

    for key, sources in spec.items():
        name, brace, rest = key.partition("{")
        name = name.strip()
        if brace:
            add_submetric(name, rest.rstrip().removesuffix("}").strip())
            continue
        items = sources if isinstance(sources, list) else [sources]
        thresholds[name] = [s["threshold"] if isinstance(s, dict) else str(s) for s in items]
    add_submetric(R.HTTP_REQ_DURATION.name, "expected_response:true")
    return thresholds, submetrics


class JSONOutput(Output):
    name = "json"

    async def start(self, info: RunInfo) -> None:
        self.file = PointFile(self.arg, f"--out json={self.arg}", self.stats)
        self.thresholds, self.submetrics = metric_records(info.thresholds)
        self._prefix: dict[int, str] = {}
        self.records = 0
        self._tags: dict[int, str] = {}
        self._second: tuple[int, str] = (-1, "")

    def _time(self, wall: float) -> str:
        seconds = int(wall)
        nanos = round((wall - seconds) * 1e9)
        if nanos >= 1_000_000_000:
            seconds, nanos = seconds + 1, nanos - 1_000_000_000
        if self._second[0] != seconds:
            self._second = (seconds, datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S"))
        if not nanos:
            return self._second[1] + "Z"
        return f"{self._second[1]}.{nanos:09d}".rstrip("0") + "Z"

    def _tags_json(self, tid: int) -> str:
        """The tag set as k6 writes it: VU samples of the root group carry `"group":""` (loadcell's tag
        sets drop empty values; k6's keep the root group's)."""
        tags = self.tagsets.as_dict(tid)
        if "scenario" in tags and "group" not in tags:
            tags = dict(sorted({**tags, "group": ""}.items()))
        return _encode(tags).decode()

    def _prefix_of(self, metric: Metric, out: list[str]) -> str:
        """`{"metric":NAME,"type":"Point"` for a metric; its Metric record goes out first, once."""
        pre = self._prefix.get(metric.id)
        if pre is None:
            pre = self._prefix[metric.id] = '{"metric":' + _encode(metric.name).decode() + ',"type":"Point"'
            record = {
                "type": "Metric",
                "data": {
                    "name": metric.name,
                    "type": metric.type.value,
                    "contains": metric.contains.value,
                    "thresholds": self.thresholds.get(metric.name, []),
                    "submetrics": self.submetrics.get(metric.name),
                },
                "metric": metric.name,
            }
            out.append(_encode(record).decode())
            self.records += 1
        return pre

    def add(self, batch: MetricBatch) -> None:
        lines: list[str] = []
        app = lines.append
        prefixes, tag_cache = self._prefix, self._tags
        fmt = go_json_float
        when = self._time
        before = self.records
        if batch.http is not None and batch.http.size:  # Metric records only for metrics with points
            reqs = prefixes.get(R.HTTP_REQS.id) or self._prefix_of(R.HTTP_REQS, lines)
            trends = [prefixes.get(m.id) or self._prefix_of(m, lines) for m in R.HTTP_TREND_COLUMNS]
            failed_pre = ""
            for tid, t, timings, failed in requests(batch, seconds):
                tags = tag_cache.get(tid)
                if tags is None:
                    tags = tag_cache[tid] = self._tags_json(tid)
                head = f',"data":{{"time":"{when(t)}","value":'
                tail = f',"tags":{tags}}}}}'
                app(f"{reqs}{head}1{tail}")
                # whole nanoseconds in ms, as k6's: 6 decimals, trailing zeros cut
                for pre, text in zip(trends, timings, strict=True):
                    text = "null" if "n" in text else (text.rstrip("0").rstrip(".") or "0")
                    app(f"{pre}{head}{text if text != '-0' else '0'}{tail}")
                if failed == failed:  # not NaN
                    if not failed_pre:
                        failed_pre = prefixes.get(R.HTTP_REQ_FAILED.id) or self._prefix_of(
                            R.HTTP_REQ_FAILED, lines
                        )
                    app(f"{failed_pre}{head}{fmt(failed)}{tail}")
        for metric, tid, t, value in samples(batch, self.registry.metrics, seconds):
            pre = prefixes.get(metric.id) or self._prefix_of(metric, lines)
            tags = tag_cache.get(tid)
            if tags is None:
                tags = tag_cache[tid] = self._tags_json(tid)
            if metric.name in WHOLE_NS_METRICS:
                value = round(value, 6)
            app(f'{pre},"data":{{"time":"{when(t)}","value":{fmt(value)},"tags":{tags}}}}}')
        if lines:
            self.file.write("\n".join(lines) + "\n", len(lines) - (self.records - before))

    async def stop(self) -> OutputStats:
        self.file.close()
        return self.stats
