"""Per-second aggregates of every metric, written to SQLite as the run goes.

Built from the coordinator's sink deltas (not raw samples), so it costs nothing on the hot path and
nothing extra to ship from workers; a crash mid-run still leaves every closed second on disk.
Besides each metric's seconds it keeps request durations per request name and per group, failed
requests per status and per error_code (the report's charts), whole-run aggregates of all of them
(what `loadcell compare` compares) and a latency histogram.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from loadcell.metrics import registry as R
from loadcell.metrics.buffer import MetricBatch
from loadcell.metrics.histogram import GAMMA
from loadcell.metrics.registry import MetricType
from loadcell.metrics.sinks import CounterSink, GaugeSink, RateSink, Sink, TrendSink, new_sink
from loadcell.output.base import Output, OutputStats, RunInfo
from loadcell.output.files import unwritable

log = logging.getLogger("loadcell")

SCHEMA = """
CREATE TABLE IF NOT EXISTS run (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS series (
    ts INTEGER NOT NULL, metric TEXT NOT NULL, type TEXT NOT NULL,
    count REAL, sum REAL, min REAL, max REAL, mean REAL, p50 REAL, p90 REAL, p95 REAL, p99 REAL, value REAL,
    PRIMARY KEY (ts, metric)
);
CREATE TABLE IF NOT EXISTS tagged (
    ts INTEGER NOT NULL, metric TEXT NOT NULL, tag TEXT NOT NULL, tag_value TEXT NOT NULL, type TEXT NOT NULL,
    count REAL, sum REAL, min REAL, max REAL, mean REAL, p50 REAL, p90 REAL, p95 REAL, p99 REAL, value REAL,
    PRIMARY KEY (ts, metric, tag, tag_value)
);
CREATE TABLE IF NOT EXISTS aggregates (
    metric TEXT NOT NULL, tag TEXT NOT NULL, tag_value TEXT NOT NULL, type TEXT NOT NULL,
    count REAL, sum REAL, min REAL, max REAL, mean REAL, p50 REAL, p90 REAL, p95 REAL, p99 REAL, value REAL,
    PRIMARY KEY (metric, tag, tag_value)
);
CREATE TABLE IF NOT EXISTS histogram (metric TEXT NOT NULL, lo REAL, hi REAL, count INTEGER);
CREATE TABLE IF NOT EXISTS endpoints (
    name TEXT, method TEXT, status TEXT, count INTEGER, failed INTEGER,
    avg REAL, p50 REAL, p95 REAL, p99 REAL, max REAL
);
"""
# Seconds kept open for late deltas (workers report every 100 ms) before a second is written.
_OPEN_SECONDS = 2
# The (metric, tag) pairs kept per tag value: durations per request name and group, failures per
# name, group, status and error_code. Each is a low-cardinality tag k6 documents.
TAGGED: dict[str, tuple[str, ...]] = {
    "http_req_duration": ("name", "group"),
    "http_req_failed": ("name", "group", "status", "error_code"),
}
# Histogram bins: ten per decade, wide enough to read, narrow enough to show two modes apart.
BINS_PER_DECADE = 10
TaggedKey = tuple[str, str, str]  # (metric, tag, tag value)


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


def _merge_into(sinks: dict, key: object, mtype: MetricType, sink: Sink) -> None:
    own = sinks.get(key)
    if own is None:
        own = sinks[key] = new_sink(mtype)
    own.merge(sink)  # type: ignore[arg-type]  # new_sink(mtype) and sink are the same Sink class


class ResultsRecorder(Output):
    name = "results"
    wants_raw = False

    def description(self) -> str:
        return f"results ({self.arg})"

    async def start(self, info: RunInfo) -> None:
        self.folder = Path(self.arg)
        self.failed: str | None = None  # why the database took no more rows
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.folder / "metrics.sqlite")
            # The database is written from the event loop once a second: in WAL mode with NORMAL
            # sync a commit does not wait for the disk (fsync only at checkpoints) and survives a
            # crash of the process; only a power loss can take the last seconds.
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(SCHEMA)
            self.db.executemany(
                "INSERT OR REPLACE INTO run VALUES (?, ?)",
                [("test_id", info.test_id), ("script", info.script)],
            )
            self.db.commit()
        except (OSError, sqlite3.Error) as exc:
            error = exc if isinstance(exc, OSError) else OSError(str(exc))
            raise unwritable(self.arg, "the results folder (--results DIR, or --no-results)", error) from None
        self.open: dict[int, dict[int, Sink]] = {}
        self.open_tagged: dict[int, dict[TaggedKey, Sink]] = {}
        self.totals: dict[int, Sink] = {}
        self.tagged_totals: dict[TaggedKey, Sink] = {}
        self._tagged_keys: dict[tuple[int, int], list[TaggedKey]] = {}
        # (name, method, status) -> [duration trend, failed rate]
        self.endpoints: dict[tuple[str, str, str], list[Sink]] = {}
        self.first_second: int | None = None

    def add(self, batch: MetricBatch) -> None:
        second = int(batch.time)
        if self.first_second is None:
            self.first_second = second
        bucket = self.open.setdefault(second, {})
        tagged = self.open_tagged.setdefault(second, {})
        metrics = self.registry.metrics
        for mid, tid, sink in batch.deltas:
            mtype = metrics[mid].type
            _merge_into(bucket, mid, mtype, sink)
            _merge_into(self.totals, mid, mtype, sink)
            if mid == R.HTTP_REQ_DURATION.id or mid == R.HTTP_REQ_FAILED.id:
                for key in self._keys(mid, tid):
                    _merge_into(tagged, key, mtype, sink)
                    _merge_into(self.tagged_totals, key, mtype, sink)
                tags = self.tagsets.as_dict(tid)
                endpoint = (tags.get("name", ""), tags.get("method", ""), tags.get("status", ""))
                pair = self.endpoints.get(endpoint)
                if pair is None:
                    pair = self.endpoints[endpoint] = [TrendSink(), RateSink()]
                # The duration goes into the TrendSink, http_req_failed into the RateSink.
                pair[0 if mid == R.HTTP_REQ_DURATION.id else 1].merge(sink)  # type: ignore[arg-type]  # the pair holds one sink of each type
        self._write(second - _OPEN_SECONDS)

    def _keys(self, mid: int, tid: int) -> list[TaggedKey]:
        """The tagged series a (metric, tag set) feeds, looked up once per tag set."""
        keys = self._tagged_keys.get((mid, tid))
        if keys is None:
            name = self.registry.metrics[mid].name
            tags = self.tagsets.as_dict(tid)
            keys = [(name, tag, tags[tag]) for tag in TAGGED[name] if tags.get(tag)]
            self._tagged_keys[(mid, tid)] = keys
        return keys

    def _write(self, upto: int) -> None:
        """Write and forget every second older than `upto`."""
        closed = sorted(s for s in self.open if s <= upto)
        if not closed:
            return
        metrics = self.registry.metrics
        rows = [_row(s, metrics[mid].name, sink) for s in closed for mid, sink in self.open.pop(s).items()]
        tagged = [
            (s, metric, tag, value, *_row(s, metric, sink)[2:])
            for s in closed
            for (metric, tag, value), sink in self.open_tagged.pop(s, {}).items()
        ]
        count = len(rows) + len(tagged)
        self.stats.produced += count
        if self._store(
            ("INSERT OR REPLACE INTO series VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows),
            ("INSERT OR REPLACE INTO tagged VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", tagged),
        ):
            self.stats.delivered += count
        else:
            self.stats.dropped += count
            reason = f"not stored: {self.failed}"
            self.stats.reasons[reason] = self.stats.reasons.get(reason, 0) + count

    def _store(self, *inserts: tuple[str, list[tuple]]) -> bool:
        """Insert and commit once; False once the database has failed (a full disk): the run goes
        on, the rows are counted as dropped and the failure is logged once."""
        if self.failed is None:
            try:
                for statement, rows in inserts:
                    self.db.executemany(statement, rows)
                self.db.commit()
                return True
            except sqlite3.Error as exc:
                self.failed = str(exc)
                log.error("results: %s/metrics.sqlite takes no more rows: %s", self.folder, exc)
                with contextlib.suppress(sqlite3.Error):
                    self.db.rollback()
        return False

    def histogram(self, metric: str = "http_req_duration") -> list[tuple[float, float, int]]:
        """(low, high, count) bins of the whole run's values so far, ten per decade; zeros in (0, 0)."""
        found = self.registry.by_name.get(metric)
        sink = self.totals.get(found.id) if found is not None else None
        if not isinstance(sink, TrendSink) or sink.count == 0:
            return []
        bins: dict[int, int] = {}
        store = sink.hist.pos
        for offset, count in enumerate(store.counts.tolist()):
            if count:
                upper = GAMMA ** (store.offset + offset)  # the bucket's upper bound
                b = math.ceil(round(math.log10(upper) * BINS_PER_DECADE, 9))
                bins[b] = bins.get(b, 0) + count
        out = [(0.0, 0.0, sink.hist.zero)] if sink.hist.zero else []
        out.extend(
            (10 ** ((b - 1) / BINS_PER_DECADE), 10 ** (b / BINS_PER_DECADE), n)
            for b, n in sorted(bins.items())
        )
        return out

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
        self._store(("INSERT INTO endpoints VALUES (?,?,?,?,?,?,?,?,?,?)", rows))
        metrics = self.registry.metrics
        aggregates = [
            (metrics[mid].name, "", "", *_row(0, "", sink)[2:]) for mid, sink in self.totals.items()
        ]
        aggregates += [(m, t, v, *_row(0, "", sink)[2:]) for (m, t, v), sink in self.tagged_totals.items()]
        self._store(
            ("INSERT OR REPLACE INTO aggregates VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", aggregates),
            ("INSERT INTO histogram VALUES (?,?,?,?)", [("http_req_duration", *b) for b in self.histogram()]),
        )
        return self.stats

    def finalize(
        self, summary_data: dict[str, Any], summary_text: str, export: dict[str, Any], exit_code: int
    ) -> Path | None:
        """Write the summary files and the HTML report once the run's outcome is known; each that
        cannot be written (a full disk) is logged and skipped. The report's path, if it was written."""
        from loadcell.report.html import render_report

        self._save("summary.json", lambda: json.dumps(export, indent=2))
        self._save("summary.txt", lambda: summary_text.lstrip("\n"))
        self._store(
            (
                "INSERT OR REPLACE INTO run VALUES (?, ?)",
                [("exit_code", str(exit_code)), ("summary", json.dumps(summary_data, default=str))],
            )
        )
        report = self._save("report.html", lambda: render_report(self.db, summary_data, exit_code))
        with contextlib.suppress(sqlite3.Error):
            self.db.execute("PRAGMA journal_mode=DELETE")  # one plain file again, readable read-only
            self.db.close()
        return report

    def _save(self, name: str, render: Callable[[], str]) -> Path | None:
        path = self.folder / name
        try:
            path.write_text(render())
        except (OSError, sqlite3.Error) as exc:
            log.error("results: could not write %s: %s", path, exc)
            return None
        return path
