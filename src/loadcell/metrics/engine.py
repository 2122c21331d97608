"""The coordinator's metric state: totals per metric, sub-metrics, checks and thresholds.

It ingests MetricBatch messages from any number of sources (the in-process engine, worker
processes, remote pods); each source has its own metric and tag-set numbering, mapped here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from loadcell import masking
from loadcell.metrics import registry as R
from loadcell.metrics.buffer import MetricBatch
from loadcell.metrics.registry import Metric, MetricType, Registry, ValueType
from loadcell.metrics.sinks import RateSink, Sink, new_sink
from loadcell.metrics.tags import TagSets
from loadcell.metrics.thresholds import MetricThresholds, Threshold, evaluate


@dataclass
class Submetric:
    key: str
    parent: Metric
    selector: dict[str, str]
    sink: Sink
    matches: dict[int, bool] = field(default_factory=dict)


@dataclass
class Source:
    """Id translation tables for one producer of batches."""

    metric_map: list[int] = field(default_factory=list)
    tid_map: list[int] = field(default_factory=list)


@dataclass
class Scope:
    """One block of k6's full summary: a scenario, or a group within it (its own samples only)."""

    sinks: dict[int, Sink] = field(default_factory=dict)
    checks: dict[str, list[int]] = field(default_factory=dict)  # name -> [passes, fails], first-run order


class MetricsEngine:
    def __init__(self, registry: Registry, thresholds: list[MetricThresholds], scoped: bool = False) -> None:
        """`scoped`: also keep totals per scenario and per (scenario, group), for --summary-mode=full."""
        self.registry = registry
        self.scoped = scoped
        self.scopes: dict[tuple[str, str], Scope] = {}  # (scenario, group path; "" for the scenario)
        self._scope_keys: dict[int, tuple[str, str] | None] = {}
        self.tagsets = TagSets()
        self.totals: dict[int, Sink] = {}
        self.submetrics: dict[str, Submetric] = {}
        self._subs_by_metric: dict[int, list[Submetric]] = {}
        self.thresholds = thresholds
        self.checks: dict[tuple[str, str], list[int]] = {}  # (group path, name) -> [passes, fails]
        self.groups: set[str] = set()
        for group in thresholds:
            if group.selector:
                self.add_submetric(group.key, group.metric_name, group.selector)
        # k6's one built-in sub-metric.
        self.add_submetric(
            "http_req_duration{expected_response:true}", "http_req_duration", {"expected_response": "true"}
        )

    def add_submetric(self, key: str, metric_name: str, selector: dict[str, str]) -> Submetric:
        if key in self.submetrics:
            return self.submetrics[key]
        metric = self.registry.by_name[metric_name]
        selector = {k: masking.current().mask(v) for k, v in selector.items()}  # as the tags it matches
        sub = Submetric(key, metric, selector, new_sink(metric.type))
        self.submetrics[key] = sub
        self._subs_by_metric.setdefault(metric.id, []).append(sub)
        return sub

    def new_source(self) -> Source:
        return Source()

    def ingest(self, source: Source, batch: MetricBatch) -> MetricBatch:
        """Merge a batch; returns it with ids translated to this engine's numbering (for outputs).

        The deltas are merged, not copied: an output that keeps one must merge it into its own sink.
        """
        for name, mtype, contains in batch.new_metrics:
            metric = self.registry.get_or_create(name, MetricType(mtype), ValueType(contains))
            source.metric_map.append(metric.id)
        secrets = masking.current()
        for pairs in batch.new_tagsets:  # masked here, once per tag set, for every output at once
            source.tid_map.append(self.tagsets.intern(secrets.mask_pairs(tuple(pairs))))
        metric_map, tid_map = source.metric_map, source.tid_map
        translated = []
        for mid, tid, sink in batch.deltas:
            gid, gtid = metric_map[mid], tid_map[tid]
            self._merge(gid, gtid, sink)
            translated.append((gid, gtid, sink))
        batch.deltas = translated
        if batch.http is not None and batch.http.size:
            batch.http[:, 0] = np.take(
                np.asarray(tid_map, dtype=np.float64), batch.http[:, 0].astype(np.int64)
            )
        if batch.gen is not None and batch.gen.size:
            gen = batch.gen
            gen[:, 0] = np.take(np.asarray(metric_map, dtype=np.float64), gen[:, 0].astype(np.int64))
            gen[:, 1] = np.take(np.asarray(tid_map, dtype=np.float64), gen[:, 1].astype(np.int64))
        return batch

    def _merge(self, metric_id: int, tid: int, sink: Sink) -> None:
        total = self.totals.get(metric_id)
        if total is None:
            total = self.totals[metric_id] = new_sink(self.registry.metrics[metric_id].type)
        total.merge(sink)  # type: ignore[arg-type]  # one metric's sinks share its type
        subs = self._subs_by_metric.get(metric_id)
        if subs:
            tags = self.tagsets.as_dict(tid)
            for sub in subs:
                hit = sub.matches.get(tid)
                if hit is None:
                    hit = sub.matches[tid] = all(tags.get(k) == v for k, v in sub.selector.items())
                if hit:
                    sub.sink.merge(sink)  # type: ignore[arg-type]  # one metric's sinks share its type
        if metric_id == R.CHECKS.id and isinstance(sink, RateSink):
            tags = self.tagsets.as_dict(tid)
            entry = self.checks.setdefault((tags.get("group", ""), tags.get("check", "")), [0, 0])
            entry[0] += sink.trues
            entry[1] += sink.total - sink.trues
        elif metric_id == R.GROUP_DURATION.id:
            self.groups.add(self.tagsets.as_dict(tid).get("group", ""))
        if self.scoped:
            self._merge_scoped(metric_id, tid, sink)

    def _merge_scoped(self, metric_id: int, tid: int, sink: Sink) -> None:
        """Into the sample's scenario, and into its group within that scenario (a group's block
        holds that group's samples, not its subgroups')."""
        if tid in self._scope_keys:
            key = self._scope_keys[tid]
        else:
            tags = self.tagsets.as_dict(tid)
            scenario = tags.get("scenario")
            key = self._scope_keys[tid] = None if scenario is None else (scenario, tags.get("group", ""))
        if key is None:
            return
        scenario, group = key
        targets = [self.scopes.setdefault((scenario, ""), Scope())]
        if group:
            targets.append(self.scopes.setdefault(key, Scope()))
        mtype = self.registry.metrics[metric_id].type
        for scope in targets:
            total = scope.sinks.get(metric_id)
            if total is None:
                total = scope.sinks[metric_id] = new_sink(mtype)
            total.merge(sink)  # type: ignore[arg-type]  # one metric's sinks share its type
            if metric_id == R.CHECKS.id and isinstance(sink, RateSink):
                name = self.tagsets.as_dict(tid).get("check", "")
                entry = scope.checks.setdefault(name, [0, 0])
                entry[0] += sink.trues
                entry[1] += sink.total - sink.trues

    def sink_for(self, key: str) -> Sink | None:
        if key in self.submetrics:
            return self.submetrics[key].sink
        metric = self.registry.by_name.get(key)
        if metric is None:
            return None
        return self.totals.get(metric.id) or new_sink(metric.type)

    def evaluate_thresholds(self, elapsed: float, final: bool) -> list[tuple[MetricThresholds, Threshold]]:
        failed: list[tuple[MetricThresholds, Threshold]] = []
        for group in self.thresholds:
            sink = self.sink_for(group.key)
            if sink is None:
                continue
            failed.extend((group, th) for th in evaluate(group, sink, elapsed, final))
        return failed
