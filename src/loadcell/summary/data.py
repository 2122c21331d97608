"""The handle_summary() data: the same shape k6 passes to handleSummary(data)."""

from __future__ import annotations

import hashlib
from typing import Any

from loadcell.metrics.engine import MetricsEngine, Scope
from loadcell.metrics.sinks import Sink, TrendSink

# Shown even at zero, as k6 does (a test without HTTP still reports 0 B sent and received).
_ALWAYS = frozenset({"data_sent", "data_received"})


def _id(path: str) -> str:
    return hashlib.md5(path.encode()).hexdigest()


def _known_sink(engine: MetricsEngine, key: str) -> Sink:
    """The sink of a built-in metric or of a threshold's key, which the registry always knows."""
    sink = engine.sink_for(key)
    assert sink is not None, key
    return sink


def _metric_entry(
    sink: Sink, mtype: str, contains: str, elapsed: float, trend_stats: list[str]
) -> dict[str, Any]:
    return {"type": mtype, "contains": contains, "values": sink.values(elapsed, trend_stats)}


def _group_tree(engine: MetricsEngine) -> dict[str, Any]:
    paths = set(engine.groups) | {g for g, _ in engine.checks}
    nodes: dict[str, dict[str, Any]] = {}

    def node(path: str) -> dict[str, Any]:
        if path in nodes:
            return nodes[path]
        name = path.rsplit("::", 1)[-1] if path else ""
        entry = {"name": name, "path": path, "id": _id(path), "groups": [], "checks": []}
        nodes[path] = entry
        if path:
            parent = path.rsplit("::", 1)[0]
            node(parent)["groups"].append(entry)
        return entry

    root = node("")
    for path in sorted(paths):
        node(path)
    for (group, name), (passes, fails) in engine.checks.items():
        path = f"{group}::{name}"
        node(group)["checks"].append(
            {"name": name, "path": path, "id": _id(path), "passes": passes, "fails": fails}
        )
    return root


def threshold_stats(engine: MetricsEngine, trend_stats: list[str]) -> dict[str, dict[str, float]]:
    """Trend stats that thresholds name outside summaryTrendStats (p(99)), by metric key.

    k6 shows them beside the threshold in the summary text, and nowhere else: its export and
    handleSummary data keep only summaryTrendStats.
    """
    stats: dict[str, dict[str, float]] = {}
    for group in engine.thresholds:
        sink = engine.sink_for(group.key)
        for th in group.thresholds:
            if th.aggregation not in trend_stats and isinstance(sink, TrendSink):
                stats.setdefault(group.key, {})[th.aggregation] = sink.stat(th.aggregation)
    return stats


def scope_summaries(
    engine: MetricsEngine, elapsed: float, trend_stats: list[str]
) -> list[tuple[str, dict[str, Any]]]:
    """--summary-mode=full's blocks, by scenario name: its metrics and checks, and its groups'
    (each group's own samples; a group with only subgroups gets an empty block, as a header)."""

    def block(scope: Scope | None) -> dict[str, Any]:
        if scope is None:
            return {"metrics": {}, "checks": []}
        metrics = {}
        for metric_id, sink in scope.sinks.items():
            metric = engine.registry.metrics[metric_id]
            metrics[metric.name] = _metric_entry(
                sink, metric.type.value, metric.contains.value, elapsed, trend_stats
            )
        return {"metrics": metrics, "checks": [(n, p, f) for n, (p, f) in scope.checks.items()]}

    blocks = []
    for scenario in sorted({s for s, _ in engine.scopes}):
        paths: set[str] = set()
        for s, group in engine.scopes:
            while s == scenario and group:
                paths.add(group)
                group = group.rsplit("::", 1)[0]
        groups = [(path, block(engine.scopes.get((scenario, path)))) for path in sorted(paths)]
        blocks.append((scenario, {**block(engine.scopes[(scenario, "")]), "groups": groups}))
    return blocks


def build_summary_data(
    engine: MetricsEngine,
    elapsed: float,
    trend_stats: list[str],
    time_unit: str | None,
    setup_data: Any = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything the summary, the export and handle_summary() need, computed once."""
    metrics: dict[str, Any] = {}
    threshold_map: dict[str, dict[str, Any]] = {}
    for group in engine.thresholds:
        threshold_map.setdefault(group.key, {}).update({th.source: {"ok": th.ok} for th in group.thresholds})
    for metric_id, sink in engine.totals.items():
        metric = engine.registry.metrics[metric_id]
        if sink.empty and metric.name not in threshold_map:
            continue
        metrics[metric.name] = _metric_entry(
            sink, metric.type.value, metric.contains.value, elapsed, trend_stats
        )
    for name in sorted(_ALWAYS - metrics.keys()):
        metric = engine.registry.by_name[name]
        metrics[name] = _metric_entry(
            _known_sink(engine, name),
            metric.type.value,
            metric.contains.value,
            elapsed,
            trend_stats,
        )
    for key, sub in engine.submetrics.items():
        if sub.sink.empty and key not in threshold_map:
            continue
        if sub.parent.name not in metrics and key not in threshold_map:
            continue
        metrics[key] = _metric_entry(
            sub.sink, sub.parent.type.value, sub.parent.contains.value, elapsed, trend_stats
        )
    for key, ths in threshold_map.items():
        if key not in metrics:
            parent = engine.registry.by_name[key.split("{", 1)[0]]
            metrics[key] = _metric_entry(
                _known_sink(engine, key), parent.type.value, parent.contains.value, elapsed, trend_stats
            )
        metrics[key]["thresholds"] = ths
    data: dict[str, Any] = {
        "root_group": _group_tree(engine),
        "options": {"summaryTrendStats": trend_stats, "summaryTimeUnit": time_unit or "", "noColor": True},
        "state": {"testRunDurationMs": elapsed * 1000.0, "isStdOutTTY": False, "isStdErrTTY": False},
        "metrics": metrics,
    }
    if setup_data is not None:
        data["setup_data"] = setup_data
    if extra:
        data.update(extra)
    return data
