"""--out csv=FILE[.gz] or csv=fileName=FILE,timeFormat=FORMAT: k6's CSV columns, one row per sample."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from loadcell.config.durations import parse_duration
from loadcell.errors import InvalidConfigError
from loadcell.metrics import registry as R
from loadcell.metrics.buffer import MetricBatch
from loadcell.metrics.registry import Registry
from loadcell.metrics.tags import TagSets
from loadcell.output.base import Output, OutputStats, RunInfo
from loadcell.output.files import PointFile
from loadcell.output.json import rfc3339_ns
from loadcell.output.rows import requests, samples, seconds

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
TIME_FORMATS = ("unix", "unix_milli", "unix_micro", "unix_nano", "rfc3339", "rfc3339_nano")


@dataclass
class CSVSettings:
    """k6's CSV options: defaults < K6_CSV_* env < the --out argument."""

    file_name: str = "file.csv"
    time_format: str = "unix"


def parse_settings(arg: str, env: dict[str, str]) -> CSVSettings:
    settings = CSVSettings(env.get("K6_CSV_FILENAME", "file.csv"), env.get("K6_CSV_TIME_FORMAT", "unix"))
    interval = env.get("K6_CSV_SAVE_INTERVAL")
    if "=" not in arg:
        settings.file_name = arg or settings.file_name
    else:
        for pair in arg.split(","):
            key, sep, value = pair.partition("=")
            if not sep:
                raise InvalidConfigError(f"--out csv={arg}: {pair!r} is not KEY=VALUE")
            if key == "fileName":
                settings.file_name = value
            elif key == "timeFormat":
                settings.time_format = value
            elif key == "saveInterval":
                interval = value
            else:
                raise InvalidConfigError(
                    f"--out csv={arg}: unknown key {key!r}; use fileName, timeFormat or saveInterval"
                )
    if settings.time_format not in TIME_FORMATS:
        raise InvalidConfigError(
            f"csv output: timeFormat {settings.time_format!r} is not one of {', '.join(TIME_FORMATS)}"
        )
    if interval is not None:  # accepted for k6 compatibility: rows are written every 100 ms batch anyway
        try:
            parse_duration(interval)
        except ValueError as exc:
            raise InvalidConfigError(f"csv output: saveInterval: {exc}") from None
    return settings


def _stamper(time_format: str) -> Callable[[float], str]:
    """Wall seconds -> the timestamp cell, as k6 formats sample.Time (UTC here, as the JSON output)."""
    if time_format == "unix":
        return lambda t: str(int(t))
    if time_format in ("unix_milli", "unix_micro", "unix_nano"):
        scale = {"unix_milli": 1_000, "unix_micro": 1_000_000, "unix_nano": 1_000_000_000}[time_format]
        return lambda t: str(round(t * scale))
    if time_format == "rfc3339":
        return lambda t: datetime.fromtimestamp(int(t), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return rfc3339_ns


def csv_cell(field: str) -> str:
    """Go's encoding/csv quoting: only fields with `,` `"` CR LF or a leading space/tab, `"` doubled."""
    if field and (
        "," in field or '"' in field or "\n" in field or "\r" in field or field[0] in " \t" or field == "\\."
    ):
        return '"' + field.replace('"', '""') + '"'
    return field


class CSVOutput(Output):
    name = "csv"

    def __init__(self, arg: str, registry: Registry, tagsets: TagSets, env: dict[str, str]) -> None:
        super().__init__(arg, registry, tagsets, env)
        self.settings = parse_settings(arg, env)
        self._stamp = _stamper(self.settings.time_format)

    def description(self) -> str:
        return f"csv ({self.settings.file_name})"

    async def start(self, info: RunInfo) -> None:
        self.file = PointFile(self.settings.file_name, f"--out csv={self.arg}", self.stats)
        self.file.write(",".join(COLUMNS) + "\n", 0)
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
        cache, cells_of, stamp = self._cells, self._tag_cells, self._stamp
        reqs, failed_name = R.HTTP_REQS.name, R.HTTP_REQ_FAILED.name
        names = [m.name for m in R.HTTP_TREND_COLUMNS]
        for tid, t, timings, failed in requests(batch, seconds):
            cells = cache.get(tid) or cells_of(tid)
            ts = stamp(t)
            app(f"{reqs},{ts},1.000000{cells}")
            for name, text in zip(names, timings, strict=True):
                app(f"{name},{ts},{text}{cells}")
            if failed == failed:  # not NaN
                app(f"{failed_name},{ts},{failed:.6f}{cells}")
        for metric, tid, t, value in samples(batch, self.registry.metrics, seconds):
            cells = cache.get(tid) or cells_of(tid)
            app(f"{metric.name},{stamp(t)},{value:.6f}{cells}")
        if rows:
            self.file.write("".join(rows), len(rows))

    async def stop(self) -> OutputStats:
        self.file.close()
        return self.stats
