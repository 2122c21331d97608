"""The self-contained HTML report: summary, thresholds, checks, endpoints and charts in one file.

The charts are drawn by uPlot (report/vendor/, MIT), inlined with the page's own script
(report/static/report.js), so the file opens offline and gives hover values, zoom and series
toggling. The live dashboard renders the same template with `live` set.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from jinja2 import BytecodeCache, Environment, FileSystemBytecodeCache, PackageLoader, select_autoescape
from markupsafe import Markup

from loadcell.report.model import chart_rows, stored_histogram
from loadcell.summary.humanize import humanize_value
from loadcell.summary.text import non_trend_values, threshold_value

if TYPE_CHECKING:
    from loadcell.report.compare import Comparison


def _compiled_templates() -> BytecodeCache | None:
    """Jinja's cache of compiled templates (a private folder per user in the system's temp dir):
    compiling the report's template is a twentieth of a second of every run's end. Without a
    usable temp dir the template is compiled each time."""
    try:
        return FileSystemBytecodeCache()
    except (OSError, RuntimeError):  # jinja2 raises RuntimeError when the folder is not safe to use
        return None


_env = Environment(
    loader=PackageLoader("loadcell.report", "templates"),
    autoescape=select_autoescape(),
    bytecode_cache=_compiled_templates(),
)

# (element id, title): report.js draws each one.
CHARTS = (
    ("vus", "Virtual users"),
    ("throughput", "Requests and iterations per second"),
    ("duration", "HTTP request duration (ms)"),
    ("timings", "Timing breakdown: mean per second (ms)"),
    ("percentiles", "p50 / p95 / p99 per request name or group (ms)"),
    ("histogram", "Latency histogram, whole run (ms)"),
    ("errors", "Failed requests per second by status and error_code"),
    ("failed", "Failed request share"),
)


@dataclass(frozen=True)
class Assets:
    css: Markup
    uplot: Markup
    app: Markup
    compare: Markup


@cache
def assets() -> Assets:
    """The inlined stylesheet and scripts (read once per process)."""
    root = files("loadcell.report")

    def read(*parts: str) -> Markup:
        return Markup(root.joinpath(*parts).read_text(encoding="utf-8").replace("</", "<\\/"))

    return Assets(
        css=read("vendor", "uPlot.min.css"),
        uplot=read("vendor", "uPlot.iife.min.js"),
        app=read("static", "report.js"),
        compare=read("static", "compare.js"),
    )


def json_markup(value: Any) -> Markup:
    """JSON safe inside a <script> element."""
    return Markup(json.dumps(value, default=str).replace("</", "<\\/"))


def chart_json(db: sqlite3.Connection, histogram: list[tuple[float, float, int]], live: bool) -> Markup:
    return json_markup({"rows": chart_rows(db), "histogram": histogram, "live": live})


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


def thresholds_of(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Every threshold with its verdict and the value it was judged on, as the summary prints it."""
    unit = data["options"].get("summaryTimeUnit") or None
    extra = data.get("threshold_stats", {})  # stats outside summaryTrendStats (the run adds them)
    return [
        {
            "metric": name,
            "source": src,
            "ok": res["ok"],
            "observed": threshold_value(metric, src, unit, extra.get(name)),
        }
        for name, metric in sorted(data["metrics"].items())
        for src, res in metric.get("thresholds", {}).items()
    ]


def render_report(db: sqlite3.Connection, data: dict[str, Any], exit_code: int) -> str:
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
    requests = data["metrics"].get("http_reqs", {}).get("values", {}).get("count", 0)
    return _env.get_template("report.html.j2").render(
        live=False,
        assets=assets(),
        run=run,
        exit_code=exit_code,
        passed=exit_code == 0,
        duration_s=data["state"]["testRunDurationMs"] / 1000,
        requests=requests,
        thresholds=thresholds_of(data),
        checks=_checks(data["root_group"]),
        metrics=_metric_rows(data),
        endpoints=endpoints,
        charts=CHARTS,
        errors=data.get("iteration_errors", {}),
        outputs=data.get("outputs", {}),
        data_json=json_markup(data),
        chart_json=chart_json(db, stored_histogram(db), live=False),
    )


def render_live(
    db: sqlite3.Connection,
    state: dict[str, Any],
    histogram: list[tuple[float, float, int]],
) -> str:
    """The dashboard's page mid-run: the report's layout, its charts so far, then server-sent updates."""
    run = dict(db.execute("SELECT key, value FROM run").fetchall())
    return _env.get_template("report.html.j2").render(
        live=True,
        assets=assets(),
        run=run,
        duration_s=state["elapsed"],
        requests=state["reqs"],
        thresholds=state["thresholds"],
        checks=state["checks"],
        charts=CHARTS,
        chart_json=chart_json(db, histogram, live=True),
    )


def render_compare(result: Comparison) -> str:
    """The comparison page: rules, the regression table, thresholds, the two runs' seconds overlaid."""
    from loadcell.report.compare import fmt, fmt_change, fmt_rule_change

    series = []
    for record in (result.baseline, result.run):
        db = sqlite3.connect(record.folder / "metrics.sqlite")
        try:
            series.append(chart_rows(db)["series"])
        finally:
            db.close()
    rows = [
        {
            "label": r.label,
            "stat": r.stat,
            "base_text": fmt(r.base, r.unit),
            "run_text": fmt(r.run, r.unit),
            "change_text": fmt_change(r.change),
            "verdict": r.verdict,
        }
        for r in result.rows
    ]
    rules = [
        {
            "rule": x.rule,
            "tripped": x.tripped,
            "base_text": fmt(x.base, x.unit),
            "run_text": fmt(x.run, x.unit),
            "change_text": fmt_rule_change(x),
        }
        for x in result.rules
    ]
    return _env.get_template("compare.html.j2").render(
        assets=assets(),
        baseline=result.baseline,
        run=result.run,
        rows=rows,
        rules=rules,
        failed=result.failed,
        thresholds=result.thresholds,
        chart_json=json_markup(series),
    )
