"""Per-second aggregates of every metric, written to SQLite as the run goes.

Built from the coordinator's sink deltas (not raw samples), so it costs nothing on the hot path and
nothing extra to ship from workers; a crash mid-run still leaves every closed second on disk.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from loadcell.metrics import registry as R
from loadcell.metrics.buffer import MetricBatch
from loadcell.metrics.sinks import CounterSink, GaugeSink, RateSink, Sink, TrendSink, new_sink
from loadcell.output.base import Output, OutputStats, RunInfo

SCHEMA = """
CREATE TABLE IF NOT EXISTS run (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS series (
    ts INTEGER NOT NULL, metric TEXT NOT NULL, type TEXT NOT NULL,
    count REAL, sum REAL, min REAL, max REAL, mean REAL, p50 REAL, p90 REAL, p95 REAL, p99 REAL, value REAL,
    PRIMARY KEY (ts, metric)
);
CREATE TABLE IF NOT EXISTS endpoints (
    name TEXT, method TEXT, status TEXT, count INTEGER, failed INTEGER,
    avg REAL, p50 REAL, p95 REAL, p99 REAL, max REAL
);
"""
# Seconds kept open for late deltas (workers report every 100 ms) before a second is written.
_OPEN_SECONDS = 2


def _row(ts: int, name: str, sink: Sink) -> tuple:
    if isinstance(sink, TrendSink):
        return (
            ts,
            name,
            "trend",
            sink.count,
            sink.sum,
            sink.min,
            sink.max,
            sink.stat("avg"),
            sink.percentile(0.5),
            sink.percentile(0.9),
            sink.percentile(0.95),
            sink.percentile(0.99),
            None,
        )
    if isinstance(sink, CounterSink):
        return (ts, name, "counter", None, sink.total, None, None, None, None, None, None, None, sink.total)
    if isinstance(sink, RateSink):
        rate = sink.trues / sink.total if sink.total else 0.0
        return (ts, name, "rate", sink.total, sink.trues, None, None, rate, None, None, None, None, rate)
    assert isinstance(sink, GaugeSink)
    return (ts, name, "gauge", None, None, sink.min, sink.max, None, None, None, None, None, sink.last)


class ResultsRecorder(Output):
    name = "results"
    wants_raw = False

    def description(self) -> str:
        return f"results ({self.arg})"

    async def start(self, info: RunInfo) -> None:
        self.folder = Path(self.arg)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.folder / "metrics.sqlite")
        self.db.executescript(SCHEMA)
        self.db.executemany(
            "INSERT OR REPLACE INTO run VALUES (?, ?)",
            [("test_id", info.test_id), ("script", info.script)],
        )
        self.db.commit()
        self.open: dict[int, dict[int, Sink]] = {}
        # (name, method, status) -> [duration trend, failed rate]
        self.endpoints: dict[tuple[str, str, str], list[Sink]] = {}
        self.first_second: int | None = None

    def add(self, batch: MetricBatch) -> None:
        second = int(batch.time)
        if self.first_second is None:
            self.first_second = second
        bucket = self.open.setdefault(second, {})
        metrics = self.registry.metrics
        for mid, tid, sink in batch.deltas:
            own = bucket.get(mid)
            if own is None:
                own = bucket[mid] = new_sink(metrics[mid].type)
            own.merge(sink)  # type: ignore[arg-type]
            if mid == R.HTTP_REQ_DURATION.id or mid == R.HTTP_REQ_FAILED.id:
                tags = self.tagsets.as_dict(tid)
                key = (tags.get("name", ""), tags.get("method", ""), tags.get("status", ""))
                pair = self.endpoints.get(key)
                if pair is None:
                    pair = self.endpoints[key] = [TrendSink(), RateSink()]
                pair[0 if mid == R.HTTP_REQ_DURATION.id else 1].merge(sink)  # type: ignore[arg-type]
        self._write(second - _OPEN_SECONDS)

    def _write(self, upto: int) -> None:
        """Write and forget every second older than `upto`."""
        closed = sorted(s for s in self.open if s <= upto)
        if not closed:
            return
        metrics = self.registry.metrics
        rows = [_row(s, metrics[mid].name, sink) for s in closed for mid, sink in self.open.pop(s).items()]
        self.db.executemany("INSERT OR REPLACE INTO series VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        self.db.commit()
        self.stats.produced += len(rows)
        self.stats.delivered += len(rows)

    async def stop(self) -> OutputStats:
        self._write(2**62)
        rows = []
        for (name, method, status), (trend, failed) in sorted(self.endpoints.items()):
            assert isinstance(trend, TrendSink) and isinstance(failed, RateSink)
            rows.append(
                (
                    name,
                    method,
                    status,
                    trend.count,
                    failed.trues,
                    trend.stat("avg"),
                    trend.percentile(0.5),
                    trend.percentile(0.95),
                    trend.percentile(0.99),
                    trend.stat("max"),
                )
            )
        self.db.executemany("INSERT INTO endpoints VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
        self.db.commit()
        return self.stats

    def finalize(
        self,
        summary_data: dict[str, Any],
        summary_text: str,
        export: dict[str, Any],
        exit_code: int,
        threshold_stats: dict[str, dict[str, float]],
        errors: dict[str, int],
    ) -> Path:
        """Write the summary files and the HTML report once the run's outcome is known.
        `threshold_stats` and `errors` are not in k6's summary data, but the report shows them."""
        from loadcell.report.html import render_report

        (self.folder / "summary.json").write_text(json.dumps(export, indent=2))
        (self.folder / "summary.txt").write_text(summary_text.lstrip("\n"))
        self.db.executemany(
            "INSERT OR REPLACE INTO run VALUES (?, ?)",
            [("exit_code", str(exit_code)), ("summary", json.dumps(summary_data, default=str))],
        )
        self.db.commit()
        report = self.folder / "report.html"
        report.write_text(render_report(self.db, summary_data, exit_code, threshold_stats, errors))
        self.db.close()
        return report
