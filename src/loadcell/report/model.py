"""The charts' data, read from a results folder's SQLite: one shape for the report, the live page and compare.

Rows stay rows (the page's script pivots them into chart columns), so the live page can append the
seconds closed since its last update without the server knowing what any chart draws.
"""

from __future__ import annotations

import sqlite3
from typing import Any

# The metrics the charts draw, and the per-second columns they read.
CHART_METRICS = (
    "vus",
    "http_reqs",
    "iterations",
    "http_req_failed",
    "http_req_duration",
    "http_req_blocked",
    "http_req_connecting",
    "http_req_tls_handshaking",
    "http_req_sending",
    "http_req_waiting",
    "http_req_receiving",
)
SERIES_COLUMNS = ("ts", "metric", "sum", "mean", "p50", "p95", "p99", "value")
TAGGED_COLUMNS = ("ts", "metric", "tag", "tag_value", "count", "sum", "mean", "p50", "p95", "p99")


def chart_rows(db: sqlite3.Connection, since: int = -1) -> dict[str, Any]:
    """The seconds after `since` (all of them by default), and the last second included."""
    marks = ",".join("?" * len(CHART_METRICS))
    series = db.execute(
        f"SELECT {','.join(SERIES_COLUMNS)} FROM series WHERE ts > ? AND metric IN ({marks}) ORDER BY ts",
        (since, *CHART_METRICS),
    ).fetchall()
    tagged = db.execute(
        f"SELECT {','.join(TAGGED_COLUMNS)} FROM tagged WHERE ts > ? ORDER BY ts", (since,)
    ).fetchall()
    until = max([since, *(r[0] for r in series), *(r[0] for r in tagged)])
    return {"series": series, "tagged": tagged, "until": until}


def stored_histogram(
    db: sqlite3.Connection, metric: str = "http_req_duration"
) -> list[tuple[float, float, int]]:
    return db.execute(
        "SELECT lo, hi, count FROM histogram WHERE metric = ? ORDER BY lo", (metric,)
    ).fetchall()
