"""--out csv=FILE[.gz]: k6's CSV columns, one row per sample."""

from __future__ import annotations

from typing import IO

from loadcell.metrics import registry as R
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
_SEVEN = "|".join(["%.6f"] * 7)


def csv_cell(field: str) -> str:
    """Go's encoding/csv quoting: only fields with `,` `"` CR LF or a leading space/tab, `"` doubled."""
    if field and (
        "," in field or '"' in field or "\n" in field or "\r" in field or field[0] in " \t" or field == "\\."
    ):
        return '"' + field.replace('"', '""') + '"'
    return field


class CSVOutput(Output):
    name = "csv"

    async def start(self, info: RunInfo) -> None:
        self.file: IO[str] = open_text(self.arg)
        self.file.write(",".join(COLUMNS) + "\n")
        self._cells: dict[int, str] = {}

    def _tag_cells(self, tid: int) -> str:
        """`,check,...,url,extra_tags,metadata` for a tag set, quoted as Go's csv writer does."""
        cells = self._cells.get(tid)
        if cells is None:
            tags = self.tagsets.as_dict(tid)
            extra = "&".join(f"{k}={v}" for k, v in tags.items() if k not in _TAG_COLUMNS)
            values = [*(tags.get(col, "") for col in _TAG_COLUMNS), extra, ""]
            cells = self._cells[tid] = "," + ",".join(csv_cell(v) for v in values) + "\n"
        return cells

    def add(self, batch: MetricBatch) -> None:
        rows: list[str] = []
        app = rows.append
        cache, cells_of = self._cells, self._tag_cells
        if batch.http is not None and batch.http.size:
            reqs, failed = R.HTTP_REQS.name, R.HTTP_REQ_FAILED.name
            names = [m.name for m in R.HTTP_TREND_COLUMNS]
            for row in batch.http.tolist():
                tid = int(row[0])
                cells = cache.get(tid) or cells_of(tid)
                ts = str(int(row[1]))
                app(f"{reqs},{ts},1.000000{cells}")
                for name, text in zip(names, (_SEVEN % tuple(row[2:9])).split("|"), strict=True):
                    app(f"{name},{ts},{text}{cells}")
                f = row[9]
                if f == f:
                    app(f"{failed},{ts},{f:.6f}{cells}")
        if batch.gen is not None and batch.gen.size:
            metrics = self.registry.metrics
            for mid, tid_f, t, value in batch.gen.tolist():
                tid = int(tid_f)
                cells = cache.get(tid) or cells_of(tid)
                app(f"{metrics[int(mid)].name},{int(t)},{value:.6f}{cells}")
        if rows:
            self.file.write("".join(rows))
            self.stats.produced += len(rows)
            self.stats.delivered += len(rows)

    async def stop(self) -> OutputStats:
        self.file.close()
        return self.stats
