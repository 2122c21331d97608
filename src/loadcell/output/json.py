"""--out json=FILE[.gz]: k6's JSON-lines format (a Metric record per metric, a Point per sample)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import IO

import msgspec

from loadcell.metrics.buffer import MetricBatch
from loadcell.output.base import Output, OutputStats, RunInfo
from loadcell.output.files import open_text

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


class JSONOutput(Output):
    name = "json"

    async def start(self, info: RunInfo) -> None:
        self.file: IO[str] = open_text(self.arg)
        self.seen: set[int] = set()
        self.thresholds: dict[str, list[str]] = {}

    def add(self, batch: MetricBatch) -> None:
        write = self.file.write
        tag_cache: dict[int, bytes] = {}
        lines = []
        for metric, tid, t, value in self.samples(batch):
            if metric.id not in self.seen:
                self.seen.add(metric.id)
                lines.append(
                    _encode(
                        {
                            "type": "Metric",
                            "data": {
                                "name": metric.name,
                                "type": metric.type.value,
                                "contains": metric.contains.value,
                                "thresholds": self.thresholds.get(metric.name, []),
                                "submetrics": None,
                            },
                            "metric": metric.name,
                        }
                    ).decode()
                )
            tags = tag_cache.get(tid)
            if tags is None:
                tags = tag_cache[tid] = _encode(self.tagsets.as_dict(tid))
            lines.append(
                '{"metric":'
                + _encode(metric.name).decode()
                + ',"type":"Point","data":{"time":"'
                + rfc3339_ns(t)
                + '","value":'
                + _encode(value).decode()
                + ',"tags":'
                + tags.decode()
                + "}}"
            )
        if lines:
            write("\n".join(lines) + "\n")
            self.stats.produced += len(lines)
            self.stats.delivered += len(lines)

    async def stop(self) -> OutputStats:
        self.file.close()
        return self.stats
