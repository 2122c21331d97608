"""--out csv=FILE[.gz]: k6's CSV columns, one row per sample."""

from __future__ import annotations

import csv as csvlib
from typing import IO

from loadcell.metrics.buffer import MetricBatch
from loadcell.output.base import Output, OutputStats, RunInfo
from loadcell.output.files import open_text

COLUMNS = [
    "metric_name",
    "timestamp",
    "metric_value",
    "check",
    "error",
    "error_code",
    "expected_response",
    "group",
    "method",
    "name",
    "proto",
    "scenario",
    "service",
    "status",
    "subproto",
    "tls_version",
    "url",
    "extra_tags",
    "metadata",
]
_TAG_COLUMNS = COLUMNS[3:17]


class CSVOutput(Output):
    name = "csv"

    async def start(self, info: RunInfo) -> None:
        self.file: IO[str] = open_text(self.arg)
        self.writer = csvlib.writer(self.file, lineterminator="\n")
        self.writer.writerow(COLUMNS)

    def _tag_cells(self, tid: int, cache: dict[int, list[str]]) -> list[str]:
        cells = cache.get(tid)
        if cells is None:
            tags = self.tagsets.as_dict(tid)
            cells = [tags.get(col, "") for col in _TAG_COLUMNS]
            extra = "&".join(f"{k}={v}" for k, v in tags.items() if k not in _TAG_COLUMNS)
            cells = [*cells, extra, ""]
            cache[tid] = cells
        return cells

    def add(self, batch: MetricBatch) -> None:
        cache: dict[int, list[str]] = {}
        rows = [
            [metric.name, str(int(t)), f"{value:.6f}", *self._tag_cells(tid, cache)]
            for metric, tid, t, value in self.samples(batch)
        ]
        self.writer.writerows(rows)
        self.stats.produced += len(rows)
        self.stats.delivered += len(rows)

    async def stop(self) -> OutputStats:
        self.file.close()
        return self.stats
