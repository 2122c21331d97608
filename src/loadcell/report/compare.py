"""`loadcell compare`: two results folders side by side, and regression rules that gate CI.

Both runs' whole-run aggregates come from their metrics.sqlite (the recorder's `aggregates`
table: every metric, and request durations and failures per request name and group), the
thresholds' verdicts from their summaries. A rule such as `http_req_duration p(95) > +10%`
compares the run with the baseline; any rule that holds fails the comparison.
"""

from __future__ import annotations

import json
import math
import operator
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loadcell.errors import InvalidConfigError
from loadcell.report.html import thresholds_of
from loadcell.summary.humanize import humanize_value

# How a stat name maps onto the aggregates' columns.
_COLUMNS = {
    "avg": "mean",
    "min": "min",
    "max": "max",
    "med": "p50",
    "p(50)": "p50",
    "p(90)": "p90",
    "p(95)": "p95",
    "p(99)": "p99",
}
_AGG_COLUMNS = ("type", "count", "sum", "min", "max", "mean", "p50", "p90", "p95", "p99", "value")
_OPS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}
_RULE = re.compile(
    r"^\s*(?P<metric>[A-Za-z_]\w*)(?:\{(?P<tag>[A-Za-z_]\w*):(?P<value>[^{}]*)\})?"
    r"\s+(?P<stat>avg|min|max|med|count|rate|value|p\(\d+(?:\.\d+)?\))"
    r"\s*(?P<op>>=|<=|>|<)\s*(?P<num>[+-]?\d+(?:\.\d+)?)\s*(?P<unit>%|ms|us|s)?\s*$"
)
_TO_MS = {"ms": 1.0, "s": 1000.0, "us": 0.001}
# Changes within this share of the baseline read as "same" in the table (rules decide the gate).
NOISE = 0.05
RULE_HELP = 'e.g. --fail-on "http_req_duration p(95) > +10%" or --fail-on "http_req_failed rate > +0.01"'

Key = tuple[str, str, str]  # (metric, tag, tag value); ("metric", "", "") is the whole metric


@dataclass
class RunRecord:
    folder: Path
    meta: dict[str, str]  # the run table: test_id, script, exit_code, summary
    data: dict[str, Any]  # the summary data the report was rendered from
    aggregates: dict[Key, dict[str, Any]]

    @property
    def exit_code(self) -> int:
        return int(self.meta.get("exit_code", "-1"))

    @property
    def seconds(self) -> float:
        return self.data["state"]["testRunDurationMs"] / 1000

    def stat(self, key: Key, name: str) -> float | None:
        """A whole-run stat of a metric (or of one tag value of it); None if the run has none."""
        row = self.aggregates.get(key)
        if row is None:
            return None
        mtype = row["type"]
        if name in _COLUMNS and mtype == "trend":
            return row[_COLUMNS[name]]
        if name == "count":
            return row["sum"] if mtype == "counter" else row["count"]
        if name == "rate" and mtype == "rate":
            return row["value"]
        if name == "rate" and mtype == "counter":
            return row["sum"] / self.seconds if self.seconds > 0 else 0.0
        if name in ("value", "min", "max") and mtype == "gauge":
            return row[name]
        if mtype == "trend" and key[1] == "":  # another percentile the summary kept
            return self.data["metrics"].get(key[0], {}).get("values", {}).get(name)
        return None

    def unit_of(self, metric: str) -> str:
        return self.data["metrics"].get(metric, {}).get("contains", "default")


def load_run(folder: str | Path) -> RunRecord:
    path = Path(folder)
    db_path = path / "metrics.sqlite"
    if not db_path.is_file():
        raise InvalidConfigError(
            f"{path}: not a results folder (no metrics.sqlite); give a folder under results/ that a run wrote"
        )
    db = sqlite3.connect(db_path)
    try:
        meta = dict(db.execute("SELECT key, value FROM run").fetchall())
        has_aggregates = db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'aggregates'"
        ).fetchone()
        rows = (
            db.execute(f"SELECT metric, tag, tag_value, {','.join(_AGG_COLUMNS)} FROM aggregates").fetchall()
            if has_aggregates
            else []
        )
    finally:
        db.close()
    if "summary" not in meta or not rows:
        raise InvalidConfigError(
            f"{path}: the run did not finish (no summary) or predates whole-run aggregates; compare runs"
            " that ended and were recorded by this version of loadcell"
        )
    aggregates = {(m, t, v): dict(zip(_AGG_COLUMNS, rest, strict=True)) for m, t, v, *rest in rows}
    return RunRecord(path, meta, json.loads(meta["summary"]), aggregates)


def latest_passing(results: str | Path, run: RunRecord) -> Path:
    """The newest folder in `results` whose run of the same script passed (exit code 0)."""
    script = Path(run.meta.get("script", "")).name
    found: list[tuple[float, Path]] = []
    root = Path(results)
    for folder in root.iterdir() if root.is_dir() else []:
        summary, db_path = folder / "summary.json", folder / "metrics.sqlite"
        if folder.resolve() == run.folder.resolve() or not summary.is_file() or not db_path.is_file():
            continue
        db = sqlite3.connect(db_path)
        try:
            meta = dict(db.execute("SELECT key, value FROM run").fetchall())
        except sqlite3.Error:
            continue
        finally:
            db.close()
        if meta.get("exit_code") == "0" and Path(meta.get("script", "")).name == script:
            found.append((summary.stat().st_mtime, folder))
    if not found:
        raise InvalidConfigError(
            f"latest-passing: no passing run of {script} in {root}; run it green once first, or name a"
            " BASELINE_DIR (--results sets where to look)"
        )
    return max(found)[1]


@dataclass(frozen=True)
class Rule:
    text: str
    key: Key
    stat: str
    op: str
    limit: float
    relative: bool  # limit in percent of the baseline; otherwise in the metric's unit (ms for times)

    @property
    def label(self) -> str:
        return _label(self.key)


def parse_rule(text: str) -> Rule:
    m = _RULE.match(text)
    if m is None:
        raise InvalidConfigError(
            f"--fail-on {text!r}: expected METRIC[{{tag:value}}] STAT OP CHANGE, {RULE_HELP};"
            " STAT is avg, min, med, max, p(N), count, rate or value; CHANGE ends in % (of the"
            " baseline) or is in the metric's unit (ms, s or us for times)"
        )
    unit = m["unit"] or ""
    limit = float(m["num"])
    if unit in _TO_MS:
        limit *= _TO_MS[unit]
    key = (m["metric"], m["tag"] or "", m["value"] or "")
    return Rule(text.strip(), key, m["stat"], m["op"], limit, unit == "%")


def _label(key: Key) -> str:
    metric, tag, value = key
    return f"{metric}{{{tag}:{value}}}" if tag else metric


@dataclass
class Row:
    label: str
    stat: str
    base: float | None
    run: float | None
    unit: str  # time, rate, per-second or default
    verdict: str

    @property
    def change(self) -> float | None:
        """Relative change, as a fraction of the baseline."""
        if self.base is None or self.run is None:
            return None
        if self.base == 0:
            return 0.0 if self.run == 0 else math.inf
        return (self.run - self.base) / abs(self.base)


@dataclass
class RuleResult:
    rule: Rule
    base: float | None
    run: float | None
    change: float | None  # in percent, or in the metric's unit
    tripped: bool
    unit: str  # as Row.unit


@dataclass
class Comparison:
    baseline: RunRecord
    run: RunRecord
    rows: list[Row] = field(default_factory=list)
    thresholds: list[dict[str, Any]] = field(default_factory=list)
    rules: list[RuleResult] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(r.tripped for r in self.rules)


def _higher_is_worse(metric: str) -> bool:
    """Throughput and passed checks are better higher; times and failures, lower."""
    return metric not in ("http_reqs", "iterations", "checks")


def _verdict(row: Row, metric: str) -> str:
    if row.base is None:
        return "new"
    if row.run is None:
        return "gone"
    change = row.change or 0.0
    if abs(change) <= NOISE:
        return "same"
    worse = change > 0 if _higher_is_worse(metric) else change < 0
    return "worse" if worse else "better"


def _evaluate(rule: Rule, baseline: RunRecord, run: RunRecord) -> RuleResult:
    base, now = baseline.stat(rule.key, rule.stat), run.stat(rule.key, rule.stat)
    for record, value, role in ((baseline, base, "baseline"), (run, now, "run")):
        if value is None:
            known = sorted({_label(k) for k in record.aggregates if k[0] == rule.key[0]})
            raise InvalidConfigError(
                f"--fail-on {rule.text!r}: the {role} ({record.folder}) has no {rule.stat} of"
                f" {rule.label}; it has {', '.join(known) or 'no such metric'}"
                " (percentiles kept: med, p(90), p(95), p(99) and the summary's trend stats)"
            )
    assert base is not None and now is not None
    unit = _unit(rule.key, rule.stat, run)
    if rule.relative:
        change = 0.0 if base == now else math.inf if base == 0 else (now - base) / abs(base) * 100
    else:
        change = now - base
    return RuleResult(rule, base, now, change, _OPS[rule.op](change, rule.limit), unit)


def _unit(key: Key, stat: str, run: RunRecord) -> str:
    if key[0] == "http_reqs" and stat == "rate":
        return "per-second"
    if stat == "rate":
        return "rate"
    return "default" if stat == "count" else run.unit_of(key[0])


def _tag_values(records: tuple[RunRecord, RunRecord], metric: str, tag: str) -> list[str]:
    return sorted({k[2] for r in records for k in r.aggregates if k[0] == metric and k[1] == tag})


def compare(baseline: RunRecord, run: RunRecord, rules: list[Rule]) -> Comparison:
    result = Comparison(baseline, run)
    wanted: list[tuple[Key, str]] = [
        (("http_req_duration", "", ""), "avg"),
        (("http_req_duration", "", ""), "p(95)"),
        (("http_req_duration", "", ""), "p(99)"),
        (("http_req_failed", "", ""), "rate"),
        (("http_reqs", "", ""), "rate"),
        (("iteration_duration", "", ""), "p(95)"),
        (("checks", "", ""), "rate"),
    ]
    both = (baseline, run)
    for tag in ("name", "group"):
        for value in _tag_values(both, "http_req_duration", tag):
            wanted += [
                (("http_req_duration", tag, value), "p(95)"),
                (("http_req_duration", tag, value), "p(99)"),
            ]
            wanted.append((("http_req_failed", tag, value), "rate"))
    for rule in rules:
        result.rules.append(_evaluate(rule, baseline, run))
        if (rule.key, rule.stat) not in wanted:
            wanted.append((rule.key, rule.stat))
    tripped = {(r.rule.key, r.rule.stat): r.tripped for r in result.rules}
    for key, stat in wanted:
        base, now = baseline.stat(key, stat), run.stat(key, stat)
        if base is None and now is None:
            continue
        row = Row(_label(key), stat, base, now, _unit(key, stat, run), "")
        if (key, stat) in tripped:
            row.verdict = "FAIL" if tripped[(key, stat)] else "pass"
        else:
            row.verdict = _verdict(row, key[0])
        result.rows.append(row)
    result.thresholds = _threshold_rows(baseline, run)
    return result


def _threshold_rows(baseline: RunRecord, run: RunRecord) -> list[dict[str, Any]]:
    """Each threshold of either run: both verdicts and the run's against the baseline's."""
    base_t = {(t["metric"], t["source"]): t for t in thresholds_of(baseline.data)}
    run_t = {(t["metric"], t["source"]): t for t in thresholds_of(run.data)}
    rows = []
    for metric, source in sorted(base_t.keys() | run_t.keys()):
        b, r = base_t.get((metric, source)), run_t.get((metric, source))
        if r is None:
            verdict = "gone"
        elif not r["ok"]:
            verdict = "FAIL" if b is None or b["ok"] else "still failing"
        else:
            verdict = "fixed" if b is not None and not b["ok"] else "pass"
        rows.append(
            {
                "metric": metric,
                "source": source,
                "base": b["observed"] + (" ✓" if b["ok"] else " ✗") if b else "-",
                "run": r["observed"] + (" ✓" if r["ok"] else " ✗") if r else "-",
                "verdict": verdict,
            }
        )
    return rows


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "rate":
        return f"{value * 100:.2f}%"
    if unit == "per-second":
        return f"{value:.1f}/s"
    return humanize_value(value, "trend", unit, None)


def fmt_change(change: float | None) -> str:
    if change is None:
        return "-"
    if math.isinf(change):
        return "+inf%"
    return f"{change * 100:+.1f}%"


def fmt_rule_change(r: RuleResult) -> str:
    if r.change is None:
        return "-"
    if r.rule.relative:
        return "+inf%" if math.isinf(r.change) else f"{r.change:+.1f}%"
    sign = "+" if r.change >= 0 else "-"
    return sign + fmt(abs(r.change), r.unit)


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(str(c)) for c in col) for col in zip(head, *rows, strict=True)]
    line = "  ".join
    out = [line(h.ljust(w) for h, w in zip(head, widths, strict=True)).rstrip()]
    out.append(line("-" * w for w in widths))
    out += [line(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    return out


def render_text(result: Comparison) -> str:
    b, r = result.baseline, result.run
    lines = [
        f"baseline: {b.folder} (exit {b.exit_code})",
        f"run:      {r.folder} (exit {r.exit_code})",
        "",
    ]
    lines += _table(
        ["metric", "stat", "baseline", "run", "delta", "verdict"],
        [
            [
                row.label,
                row.stat,
                fmt(row.base, row.unit),
                fmt(row.run, row.unit),
                fmt_change(row.change),
                row.verdict,
            ]
            for row in result.rows
        ],
    )
    if result.thresholds:
        lines += ["", "thresholds:"]
        lines += _table(
            ["metric", "threshold", "baseline", "run", "verdict"],
            [[t["metric"], t["source"], t["base"], t["run"], t["verdict"]] for t in result.thresholds],
        )
    if result.rules:
        lines += ["", "rules:"]
        lines += [
            f"  {'✗' if x.tripped else '✓'} {x.rule.text}: {fmt(x.base, x.unit)} -> {fmt(x.run, x.unit)},"
            f" {fmt_rule_change(x)}" + (" (regression)" if x.tripped else "")
            for x in result.rules
        ]
        verdict = "FAILED: a --fail-on rule holds" if result.failed else "passed: no --fail-on rule holds"
        lines += ["", f"comparison {verdict}"]
    return "\n".join(lines)
