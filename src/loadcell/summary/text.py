"""k6's default ("compact") end-of-test summary text, rendered from the summary data.

The layout follows k6 v1.1.0's summary.js, quirks included (the name-width computation that
doubles names), so that diffs against k6 output stay empty.
"""

from __future__ import annotations

import math
import re
from typing import Any

from loadcell.summary.humanize import humanize_value

_HIDDEN_COMPACT = (
    "http_req_blocked",
    "http_req_connecting",
    "http_req_receiving",
    "http_req_sending",
    "http_req_tls_handshaking",
    "http_req_waiting",
)
_ALWAYS_HIDDEN = ("checks", "group_duration")
_EXECUTION = {"vus", "vus_max", "iterations", "iteration_duration", "dropped_iterations"}
_NETWORK = {"data_sent", "data_received"}
_SECTION_ORDER = ["custom", "http", "execution", "network", "browser", "webvitals", "grpc", "websocket"]
_AGG = re.compile(r"[=><]")


def _category(name: str) -> str:
    base = name.split("{", 1)[0]
    if base.startswith("http_"):
        return "http"
    if base in _EXECUTION:
        return "execution"
    if base in _NETWORK:
        return "network"
    if base.startswith("ws_"):
        return "websocket"
    if base.startswith("grpc_"):
        return "grpc"
    if base.startswith("browser_"):
        return "browser"
    return "custom"


def _sort_key(name: str) -> tuple[str, str]:
    parent = name.split("{", 1)[0]
    return (parent.lower(), name[len(parent) :].lower())


def _display_name(name: str) -> str:
    pos = name.find("{")
    if pos >= 0:
        return "  { " + name[pos + 1 : -1] + " }"
    return name


class _Info:
    """k6's computeSummaryInfo: column widths across a set of metrics."""

    def __init__(
        self, names: list[str], metrics: dict[str, Any], indent: str, stats: list[str], time_unit: str | None
    ) -> None:
        self.stats = stats
        self.max_name = 0
        self.values: dict[str, str] = {}
        self.extras: dict[str, list[str]] = {}
        self.trend_cols: dict[str, list[str]] = {}
        self.trend_max = [0] * len(stats)
        self.max_value = 0
        self.extra_max: list[int] = []
        for name in names:
            metric = metrics[name]
            self.max_name = max(self.max_name, len(indent + name + _display_name(name)))
            if metric["type"] == "trend":
                cols = [
                    str(int(metric["values"].get(s, 0)))
                    if s == "count"
                    else humanize_value(metric["values"].get(s, 0.0), "trend", metric["contains"], time_unit)
                    for s in stats
                ]
                self.trend_cols[name] = cols
                self.trend_max = [max(a, len(c)) for a, c in zip(self.trend_max, cols, strict=True)]
            else:
                vals = non_trend_values(metric, time_unit)
                self.values[name] = vals[0]
                self.max_value = max(self.max_value, len(vals[0]))
                self.extras[name] = vals[1:]
                for i, extra in enumerate(vals[1:]):
                    if i >= len(self.extra_max):
                        self.extra_max.append(len(extra))
                    else:
                        self.extra_max[i] = max(self.extra_max[i], len(extra))


def non_trend_values(metric: dict[str, Any], time_unit: str | None) -> list[str]:
    v, t, c = metric["values"], metric["type"], metric["contains"]
    if t == "counter":
        return [
            humanize_value(v["count"], t, c, time_unit),
            humanize_value(v["rate"], t, c, time_unit) + "/s",
        ]
    if t == "gauge":
        return [
            humanize_value(v["value"], t, c, time_unit),
            "min=" + humanize_value(v["min"], t, c, time_unit),
            "max=" + humanize_value(v["max"], t, c, time_unit),
        ]
    if t == "rate":
        return [
            humanize_value(v["rate"], t, c, time_unit),
            f"{int(v['passes'])} out of {int(v['passes'] + v['fails'])}",
        ]
    return ["[no data]"]


def _metric_line(name: str, metric: dict[str, Any], info: _Info, indent: str) -> str:
    display = _display_name(name)
    dots = info.max_name - len(display) - len(indent) + 3
    head = indent + display + "." * dots + ":"
    if metric["type"] == "trend":
        cols = info.trend_cols[name]
        data = " ".join(
            f"{stat}={col}" + " " * (info.trend_max[i] - len(col))
            for i, (stat, col) in enumerate(zip(info.stats, cols, strict=True))
        )
    else:
        value = info.values[name]
        extras = info.extras[name]
        data = value + " " * (info.max_value - len(value))
        if len(extras) == 1:
            data += " " + extras[0]
        elif extras:
            data += " " + " ".join(e + " " * (info.extra_max[i] - len(e)) for i, e in enumerate(extras))
    return head + " " + data


def threshold_value(
    metric: dict[str, Any], source: str, time_unit: str | None, extra: dict[str, float] | None = None
) -> str:
    """The observed value beside a threshold; `extra`: trend stats outside summaryTrendStats."""
    agg = _AGG.split(source, maxsplit=1)[0].strip()
    values, t, c = metric["values"], metric["type"], metric["contains"]
    if t == "trend":
        value = values[agg] if agg in values else (extra or {}).get(agg, 0.0)
        return f"{agg}={humanize_value(value, t, c, time_unit)}"
    if t == "counter":
        if agg == "count":
            return f"{agg}={humanize_value(values['count'], t, c, time_unit)}"
        return f"{agg}={humanize_value(values['rate'], t, c, time_unit)}/s"
    if t == "gauge":
        return f"{agg}={humanize_value(values['value'], t, c, time_unit)}"
    return f"{agg}={humanize_value(values['rate'], t, c, time_unit)}"


def _thresholds_section(
    metrics: dict[str, Any], time_unit: str | None, extra: dict[str, dict[str, float]]
) -> list[str]:
    names = sorted((n for n, m in metrics.items() if m.get("thresholds")), key=_sort_key)
    lines: list[str] = []
    for name in names:
        parent = name.split("{", 1)[0]
        is_sub = len(name) > len(parent)
        nested = is_sub and parent in names
        indent = "      " if nested else "    "
        lines.append(indent + (name[len(parent) :] if nested else name))
        for source, result in metrics[name]["thresholds"].items():
            mark = "✓" if result["ok"] else "✗"
            observed = threshold_value(metrics[name], source, time_unit, extra.get(name))
            lines.append(f"{indent}{mark} '{source}' {observed}")
        lines.append("\n")
    return lines


def _checks_section(data: dict[str, Any], time_unit: str | None, order: list[str] | None = None) -> list[str]:
    checks: list[dict[str, Any]] = []

    def walk(group: dict[str, Any]) -> None:
        checks.extend(group["checks"])
        for sub in group["groups"]:
            walk(sub)

    walk(data["root_group"])
    # k6 lists each check name once, whatever group it ran in.
    merged: dict[str, dict[str, Any]] = {}
    for check in checks:
        entry = merged.setdefault(check["name"], {"name": check["name"], "passes": 0, "fails": 0})
        entry["passes"] += check["passes"]
        entry["fails"] += check["fails"]
    checks = list(merged.values())
    if order:  # k6 lists them as first run, across groups; the tree alone lists root checks first
        rank = {name: i for i, name in enumerate(dict.fromkeys(order))}
        checks.sort(key=lambda c: rank.get(c["name"], len(rank)))
    if not checks and "checks" not in data["metrics"]:  # a `checks` threshold shows the block at zero
        return []
    elapsed = data["state"]["testRunDurationMs"] / 1000.0
    return _checks_lines([(c["name"], c["passes"], c["fails"]) for c in checks], elapsed, time_unit, "    ")


def _checks_lines(
    checks: list[tuple[str, int, int]], elapsed: float, time_unit: str | None, indent: str
) -> list[str]:
    """k6's checks block: the three derived metrics, then a line per check name."""
    passes = sum(p for _, p, _ in checks)
    fails = sum(f for _, _, f in checks)
    total = passes + fails
    derived = {
        "checks_total": {
            "type": "counter",
            "contains": "default",
            "values": {"count": total, "rate": total / elapsed if elapsed else 0.0},
        },
        "checks_succeeded": {
            "type": "rate",
            "contains": "default",
            "values": {"rate": passes / total if total else 0.0, "passes": passes, "fails": fails},
        },
        "checks_failed": {
            "type": "rate",
            "contains": "default",
            "values": {"rate": fails / total if total else math.nan, "passes": fails, "fails": passes},
        },
    }
    info = _Info(list(derived), derived, indent, [], time_unit)
    lines = [_metric_line(name, derived[name], info, indent) for name in derived]
    lines.append("\n")
    for name, ok, bad in checks:
        if bad == 0:
            lines.append(f"{indent}✓ {name}")
        else:
            pct = (100 * ok) // (ok + bad)
            lines.append(f"{indent}✗ {name}\n{indent}  ↳  {pct}% — ✓ {ok} / ✗ {bad}")
    lines.append("\n")
    return lines


def _metric_sections(
    metrics: dict[str, Any], full: bool, stats: list[str], time_unit: str | None, indent: str
) -> list[str]:
    """The HTTP, EXECUTION, NETWORK, ... sections of one block, names aligned across them."""
    shown = [
        n
        for n in metrics
        if n.split("{", 1)[0] not in _ALWAYS_HIDDEN
        and (full or not any(n.startswith(p) for p in _HIDDEN_COMPACT))
    ]
    info = _Info(shown, metrics, indent, stats, time_unit)
    by_section: dict[str, list[str]] = {}
    for name in sorted(shown, key=_sort_key):
        by_section.setdefault(_category(name), []).append(name)
    lines: list[str] = []
    for section in _SECTION_ORDER:
        names = by_section.get(section)
        if not names:
            continue
        lines.append(indent + section.upper())
        lines.extend(_metric_line(n, metrics[n], info, indent) for n in names)
        lines.append("\n")
    return lines


def _scenario_block(
    scope: dict[str, Any], elapsed: float, stats: list[str], time_unit: str | None
) -> list[str]:
    """--summary-mode=full's SCENARIO block: the scenario's checks and metrics, then each group's
    (its own samples), nested two spaces deeper per level, as k6's."""
    lines: list[str] = []
    if scope["checks"]:
        lines.extend(_checks_lines(scope["checks"], elapsed, time_unit, "    "))
    lines.extend(_metric_sections(scope["metrics"], True, stats, time_unit, "    "))
    for path, group in scope["groups"]:
        depth = path.count("::")
        lines.append(f"{'  ' * (depth + 1)}↳ GROUP: {path.rsplit('::', 1)[-1]} \n")
        indent = "  " * (depth + 2)
        if group["checks"]:
            lines.extend(_checks_lines(group["checks"], elapsed, time_unit, indent))
        lines.extend(_metric_sections(group["metrics"], True, stats, time_unit, indent))
    return lines


def render_summary(
    data: dict[str, Any],
    full: bool = False,
    check_order: list[str] | None = None,
    threshold_stats: dict[str, dict[str, float]] | None = None,
    scopes: list[tuple[str, dict[str, Any]]] | None = None,
) -> str:
    """The text k6 prints at the end of a run (compact mode by default). `check_order`: check names
    in the order they first ran (the summary data's group tree does not keep it); `threshold_stats`:
    trend stats thresholds name outside summaryTrendStats (summary.data.threshold_stats); `scopes`:
    full mode's per-scenario blocks (summary.data.scope_summaries)."""
    stats = data["options"]["summaryTrendStats"]
    time_unit = data["options"].get("summaryTimeUnit") or None
    metrics: dict[str, Any] = data["metrics"]
    sections: list[tuple[str, list[str]]] = []
    threshold_lines = _thresholds_section(metrics, time_unit, threshold_stats or {})
    if threshold_lines:
        sections.append(("THRESHOLDS", threshold_lines))
    body = _checks_section(data, time_unit, check_order)
    body.extend(_metric_sections(metrics, full, stats, time_unit, "    "))
    sections.append(("TOTAL RESULTS", body))
    elapsed = data["state"]["testRunDurationMs"] / 1000.0
    for name, scope in (scopes or []) if full else []:
        sections.append((f"SCENARIO: {name}", _scenario_block(scope, elapsed, stats, time_unit)))
    out = ""
    for title, content in sections:
        for item in [f"  █ {title} \n", *content, "\n"]:
            out += item if item == "\n" else "\n" + item
    return out
