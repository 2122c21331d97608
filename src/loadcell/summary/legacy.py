"""--summary-mode=legacy: k6's pre-1.0 end-of-test summary (its summary.js generateTextSummary),
kept by k6 1.x behind that flag: the group tree with its checks, then every metric in one list."""

from __future__ import annotations

from typing import Any

from loadcell.summary.humanize import humanize_value
from loadcell.summary.text import non_trend_values

_GROUP_INDENT = "     "  # k6's indent option (" ") + 4
_METRIC_INDENT = "   "  # the indent option + 2


def _is_sub(name: str) -> bool:
    return "{" in name


def _display(name: str) -> str:
    return "{ " + name[name.index("{") + 1 : -1] + " }" if _is_sub(name) else name


def _check_line(indent: str, check: dict[str, Any]) -> str:
    if check["fails"] == 0:
        return f"{indent}✓ {check['name']}"
    pct = (100 * check["passes"]) // (check["passes"] + check["fails"])
    return f"{indent}✗ {check['name']}\n{indent} ↳  {pct}% — ✓ {check['passes']} / ✗ {check['fails']}"


def _group_lines(indent: str, group: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    if group["name"]:
        lines.append(f"{indent}█ {group['name']}\n")
        indent += "  "
    lines.extend(_check_line(indent, c) for c in group["checks"])
    if group["checks"]:
        lines.append("")
    for sub in group["groups"]:
        lines.extend(_group_lines(indent, sub))
    return lines


def _metric_lines(data: dict[str, Any]) -> list[str]:
    metrics: dict[str, Any] = data["metrics"]
    stats: list[str] = data["options"]["summaryTrendStats"]
    unit = data["options"].get("summaryTimeUnit") or None
    # Sub-metrics sort right after their parent, as summary.js sorts them.
    names = sorted(metrics, key=lambda n: (n.split("{", 1)[0], n))
    width = max((len(("  " if _is_sub(n) else "") + _display(n)) for n in names), default=0)
    values: dict[str, list[str]] = {}
    for name in names:
        metric = metrics[name]
        if metric["type"] == "trend":
            values[name] = [
                f"{s}={humanize_value(metric['values'].get(s, 0.0), 'trend', metric['contains'], unit)}"
                for s in stats
            ]
        else:
            values[name] = non_trend_values(metric, unit)
    trend_width = [
        max((len(values[n][i]) for n in names if metrics[n]["type"] == "trend"), default=0)
        for i in range(len(stats))
    ]
    plain = [n for n in names if metrics[n]["type"] != "trend"]
    value_width = max((len(values[n][0]) for n in plain), default=0)
    extra_width = [max((len(values[n][i]) for n in plain if len(values[n]) > i), default=0) for i in (1, 2)]
    lines = []
    for name in names:
        metric = metrics[name]
        mark = " "
        if metric.get("thresholds"):
            mark = "✓" if all(t["ok"] for t in metric["thresholds"].values()) else "✗"
        sub_indent = "  " if _is_sub(name) else ""
        display = _display(name)
        dots = "." * (width - len(display) - len(sub_indent) + 3)
        head = f"{_METRIC_INDENT}{sub_indent}{mark} {display}{dots}:"
        cols = values[name]
        if metric["type"] == "trend":
            text = " ".join(c + " " * (trend_width[i] - len(c)) for i, c in enumerate(cols))
        else:
            text = cols[0] + " " * (value_width - len(cols[0]))
            extras = cols[1:]
            if len(extras) == 1:
                text += " " + extras[0]
            elif extras:
                text += " " + " ".join(e + " " * (extra_width[i] - len(e)) for i, e in enumerate(extras))
        lines.append(f"{head} {text}")
    return lines


def render_legacy(data: dict[str, Any]) -> str:
    """The text k6 1.x prints with --summary-mode=legacy, from the same summary data."""
    lines = _group_lines(_GROUP_INDENT, data["root_group"])
    lines.extend(_metric_lines(data))
    return "\n" + "\n".join(lines) + "\n"
