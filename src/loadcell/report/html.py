"""The self-contained HTML report: summary, thresholds, checks, endpoints and charts in one file."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from loadcell.report.charts import Series, line_chart
from loadcell.summary.humanize import humanize_value
from loadcell.summary.text import non_trend_values, threshold_value

_env = Environment(loader=PackageLoader("loadcell.report", "templates"), autoescape=select_autoescape())


def _series(db: sqlite3.Connection, metric: str, column: str, start: int) -> list[tuple[float, float]]:
    rows = db.execute(f"SELECT ts, {column} FROM series WHERE metric = ? ORDER BY ts", (metric,)).fetchall()
    return [(ts - start, value) for ts, value in rows if value is not None]


def _charts(db: sqlite3.Connection) -> list[Markup]:
    first = db.execute("SELECT MIN(ts) FROM series").fetchone()[0]
    if first is None:
        return []
    return [
        line_chart("Virtual users", "VUs", [Series("vus", _series(db, "vus", "value", first))]),
        line_chart("Request rate", "req/s", [Series("http_reqs", _series(db, "http_reqs", "sum", first))]),
        line_chart(
            "HTTP request duration",
            "ms",
            [
                Series("p95", _series(db, "http_req_duration", "p95", first)),
                Series("p50", _series(db, "http_req_duration", "p50", first)),
                Series("avg", _series(db, "http_req_duration", "mean", first)),
            ],
        ),
        line_chart(
            "Failed requests",
            "share",
            [Series("http_req_failed", _series(db, "http_req_failed", "mean", first))],
        ),
        line_chart("Iterations", "per s", [Series("iterations", _series(db, "iterations", "sum", first))]),
    ]


def _checks(group: dict[str, Any]) -> list[dict[str, Any]]:
    out = [{**c, "group": group["path"] or "(root)"} for c in group["checks"]]
    for sub in group["groups"]:
        out.extend(_checks(sub))
    return out


def _metric_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Each metric's values formatted as the text summary formats them."""
    unit = data["options"].get("summaryTimeUnit") or None
    rows = []
    for name, metric in sorted(data["metrics"].items()):
        if metric["type"] == "trend":
            text = " ".join(
                f"{k}={v:g}"
                if k == "count"
                else f"{k}={humanize_value(v, 'trend', metric['contains'], unit)}"
                for k, v in metric["values"].items()
            )
        else:
            text = " ".join(non_trend_values(metric, unit))
        rows.append({"name": name, "type": metric["type"], "values": text})
    return rows


def render_report(
    db: sqlite3.Connection,
    data: dict[str, Any],
    exit_code: int,
    threshold_stats: dict[str, dict[str, float]],
    errors: dict[str, int],
) -> str:
    run = dict(db.execute("SELECT key, value FROM run").fetchall())
    endpoints = [
        dict(
            zip(
                ("name", "method", "status", "count", "failed", "avg", "p50", "p95", "p99", "max"),
                row,
                strict=True,
            )
        )
        for row in db.execute("SELECT * FROM endpoints ORDER BY count DESC").fetchall()
    ]
    unit = data["options"].get("summaryTimeUnit") or None
    thresholds = [
        {
            "metric": name,
            "source": src,
            "ok": res["ok"],
            "observed": threshold_value(metric, src, unit, threshold_stats.get(name)),
        }
        for name, metric in sorted(data["metrics"].items())
        for src, res in metric.get("thresholds", {}).items()
    ]
    template = _env.get_template("report.html.j2")
    return template.render(
        run=run,
        exit_code=exit_code,
        passed=exit_code == 0,
        duration_s=data["state"]["testRunDurationMs"] / 1000,
        thresholds=thresholds,
        checks=_checks(data["root_group"]),
        metrics=_metric_rows(data),
        endpoints=endpoints,
        charts=_charts(db),
        errors=errors,
        outputs=data.get("outputs", {}),
        data_json=Markup(json.dumps(data, default=str).replace("</", "<\\/")),
    )
