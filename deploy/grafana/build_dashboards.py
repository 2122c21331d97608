"""Writes the provisioned Grafana dashboards (deploy/grafana/dashboards/*.json) from the specs below.

    python deploy/grafana/build_dashboards.py          # rewrite the JSON files
    python deploy/grafana/build_dashboards.py --check  # exit 1 if a committed file differs

Two dashboards, both on the provisioned InfluxDB datasource (uid `k6influxdb`):

* `k6.json`: k6's own "k6 Load Testing Results" (grafana.com 2587) with its InfluxQL queries
  unchanged, on native panels (timeseries/stat/heatmap instead of Angular graph/singlestat; the heatmap
  calculated from the raw points), errors from the built-in `http_req_failed` rate as in its later
  revision. It reads what k6 writes, so it shows k6 runs and loadcell runs alike.
* `loadcell.json`: one run at a time (the `testid` tag loadcell adds; the newest in the time range by
  default), per-URL percentiles, failure and check rates, a per-request table.

Every panel on raw measurements has a second target on the `<metric>_agg` measurements of
`--out influxdb=...?mode=aggregated` (alias "(agg)"), so a run written in either mode shows.

Standard library only; the tests check every query against a real influxd (tests/integration/test_stack.py).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "dashboards"
DS = {"type": "influxdb", "uid": "k6influxdb"}
SCHEMA_VERSION = 39  # Grafana 11's dashboard schema
TRENDS = [
    "http_req_duration",
    "http_req_blocked",
    "http_req_connecting",
    "http_req_receiving",
    "http_req_sending",
    "http_req_waiting",
]
RUN = '"testid" =~ /^$testid$/ AND $timeFilter'
RUN_NAME = '"testid" =~ /^$testid$/ AND "name" =~ /^$name$/ AND $timeFilter'
# The aggregated output's rates: count/sum/mean per push interval, so the run's rate is sum / count.
AGG_RATE = 'sum("sum") / sum("count")'
AGG = "aggregated"  # the alias of a panel's fallback target on the <metric>_agg measurements


def target(ref: str, query: str, alias: str | None = None, fmt: str = "time_series") -> dict[str, Any]:
    out: dict[str, Any] = {
        "refId": ref,
        "datasource": DS,
        "rawQuery": True,
        "query": query,
        "resultFormat": fmt,
    }
    if alias:
        out["alias"] = alias
    return out


class Layout:
    """Hands out panel ids and grid positions left to right, top to bottom, on Grafana's 24 columns."""

    def __init__(self) -> None:
        self.next_id = 1
        self.x = self.y = self.row_h = 0

    def place(self, w: int, h: int) -> tuple[int, dict[str, int]]:
        if self.x + w > 24:
            self.x, self.y, self.row_h = 0, self.y + self.row_h, 0
        pos = {"x": self.x, "y": self.y, "w": w, "h": h}
        self.x += w
        self.row_h = max(self.row_h, h)
        pid, self.next_id = self.next_id, self.next_id + 1
        return pid, pos

    def row(self, title: str, repeat: str | None = None) -> dict[str, Any]:
        self.x, self.y, self.row_h = 0, self.y + self.row_h, 0
        pid, pos = self.place(24, 1)
        self.x, self.y, self.row_h = 0, self.y + 1, 0
        out = {"id": pid, "type": "row", "title": title, "collapsed": False, "panels": [], "gridPos": pos}
        if repeat:
            out["repeat"] = repeat
        return out

    def panel(
        self,
        kind: str,
        title: str,
        targets: list[dict[str, Any]],
        w: int,
        h: int,
        unit: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        pid, pos = self.place(w, h)
        defaults: dict[str, Any] = {"unit": unit} if unit else {}
        return {
            "id": pid,
            "type": kind,
            "title": title,
            "datasource": DS,
            "gridPos": pos,
            "targets": targets,
            "fieldConfig": {"defaults": defaults, "overrides": []},
            **extra,
        }


def stat(g: Layout, title: str, raw: str, agg: str, unit: str | None = None) -> dict[str, Any]:
    """A 4x4 stat of a run: its raw query and the fallback on the aggregated measurements."""
    return g.panel("stat", title, [target("A", raw), target("B", agg, AGG)], 4, 4, unit)


def custom_var(name: str, values: list[str], default: list[str]) -> dict[str, Any]:
    return {
        "name": name,
        "type": "custom",
        "query": ",".join(values),
        "multi": True,
        "includeAll": True,
        "current": {"text": default, "value": default},
        "options": [{"text": v, "value": v, "selected": v in default} for v in values],
    }


def query_var(name: str, query: str, multi: bool, sort: int = 1) -> dict[str, Any]:
    """refresh 2: re-run when the time range changes; sort 1/2: alphabetical ascending/descending."""
    out: dict[str, Any] = {
        "name": name,
        "type": "query",
        "datasource": DS,
        "query": query,
        "refresh": 2,
        "sort": sort,
        "multi": multi,
        "includeAll": multi,
    }
    if multi:
        out["allValue"] = ".*"
    return out


def dashboard(
    uid: str, title: str, panels: list[dict[str, Any]], variables: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "id": None,
        "uid": uid,
        "title": title,
        "tags": ["k6", "loadcell", "influxdb"],
        "timezone": "browser",
        "editable": True,
        "graphTooltip": 2,
        "time": {"from": "now-15m", "to": "now"},
        "refresh": "5s",
        "schemaVersion": SCHEMA_VERSION,
        "version": 1,
        "links": [],
        "panels": panels,
        "templating": {"list": variables},
        "annotations": {
            "list": [
                {
                    "builtIn": 1,
                    "datasource": {"type": "grafana", "uid": "-- Grafana --"},
                    "enable": True,
                    "hide": True,
                    "iconColor": "rgba(0, 211, 255, 1)",
                    "name": "Annotations & Alerts",
                    "type": "dashboard",
                }
            ]
        },
    }


def k6_dashboard() -> dict[str, Any]:
    """grafana.com 2587's panels and queries."""
    g = Layout()
    ts = "timeseries"
    panels = [
        g.panel(
            ts,
            "Virtual Users",
            [
                target(
                    "A",
                    'SELECT mean("value") FROM "vus" WHERE $timeFilter GROUP BY time($__interval) fill(none)',
                    "Active VUs",
                ),
                target(
                    "B",
                    'SELECT mean("last") FROM "vus_agg" WHERE $timeFilter '
                    "GROUP BY time($__interval) fill(none)",
                    "Active VUs (agg)",
                ),
            ],
            12,
            8,
            interval=">1s",
        ),
        g.panel(
            ts,
            "Requests per Second",
            [
                target(
                    "A",
                    'SELECT sum("value") FROM "http_reqs" WHERE $timeFilter '
                    "GROUP BY time($__interval) fill(null)",
                    "Requests per Second",
                ),
                target(
                    "B",
                    'SELECT sum("sum") FROM "http_reqs_agg" WHERE $timeFilter '
                    "GROUP BY time($__interval) fill(null)",
                    "Requests per Second (agg)",
                ),
            ],
            12,
            8,
            interval="1s",
        ),
        g.panel(
            ts,
            "Errors Per Second",
            [
                target(
                    "C",
                    'SELECT count("value") FROM "http_req_failed" WHERE "value"=1 '
                    "and $timeFilter GROUP BY time($__interval) fill(none)",
                    "Num Errors",
                ),
                target(
                    "D",
                    'SELECT sum("sum") FROM "http_req_failed_agg" WHERE $timeFilter '
                    "GROUP BY time($__interval) fill(none)",
                    "Num Errors (agg)",
                ),
            ],
            12,
            8,
            interval="1s",
        ),
        g.panel(
            ts,
            "Checks Per Second",
            [
                target(
                    "C",
                    'SELECT sum("value") FROM "checks" WHERE $timeFilter '
                    'GROUP BY time($__interval), "check" fill(none)',
                    "$tag_check",
                ),
                target(
                    "D",
                    'SELECT sum("sum") FROM "checks_agg" WHERE $timeFilter '
                    'GROUP BY time($__interval), "check" fill(none)',
                    "$tag_check (agg)",
                ),
            ],
            12,
            8,
            interval="1s",
        ),
        g.row("$Measurement", repeat="Measurement"),
    ]
    # The aggregated twins: per push interval count/sum/min/max/mean/p50/p90/p95/p99 in ${Measurement}_agg.
    for title, agg, cond, twin in (
        ("mean", 'mean("value")', "", AGG_RATE),
        ("max", 'max("value")', "", 'max("max")'),
        ("med", 'median("value")', "", 'max("p50")'),
        ("min", 'min("value")', " and value > 0", 'min("min")'),
        ("p90", 'percentile("value", 90)', "", 'max("p90")'),
        ("p95", 'percentile("value", 95)', "", 'max("p95")'),
    ):
        panels.append(
            g.panel(
                "stat",
                f"$Measurement ({title})",
                [
                    target("A", f"SELECT {agg} FROM $Measurement WHERE $timeFilter{cond}"),
                    target("B", f'SELECT {twin} FROM "${{Measurement}}_agg" WHERE $timeFilter', AGG),
                ],
                4,
                4,
                "ms",
            )
        )
    raw_over_time = "FROM /^$Measurement$/ WHERE $timeFilter and value > 0"
    agg_over_time = 'FROM "${Measurement}_agg" WHERE $timeFilter'
    over_time = [
        target(ref, f"SELECT {agg} {source} GROUP BY time($__interval) fill(none)", alias)
        for ref, agg, source, alias in (
            ("C", 'max("value")', raw_over_time, "max"),
            ("D", 'percentile("value", 95)', raw_over_time, "p95"),
            ("A", 'percentile("value", 90)', raw_over_time, "p90"),
            ("E", 'min("value")', raw_over_time, "min"),
            ("F", 'max("max")', agg_over_time, "max (agg)"),
            ("G", 'max("p95")', agg_over_time, "p95 (agg)"),
            ("H", 'max("p90")', agg_over_time, "p90 (agg)"),
            ("I", 'min("min")', agg_over_time, "min (agg)"),
        )
    ]
    panels.append(g.panel(ts, "$Measurement (over time)", over_time, 12, 8, "ms"))
    panels.append(
        g.panel(
            "heatmap",
            "$Measurement (over time)",
            [
                target("A", 'SELECT "value" FROM $Measurement WHERE $timeFilter and value > 0'),
                target("B", 'SELECT "p95" FROM "${Measurement}_agg" WHERE $timeFilter', "p95 (agg)"),
            ],
            12,
            8,
            "ms",
            # Grafana buckets the raw points itself: a distribution per time bucket, not one strip.
            options={
                "calculate": True,
                "calculation": {
                    "yBuckets": {"mode": "count", "value": "20", "scale": {"type": "log", "log": 2}}
                },
                "yAxis": {"unit": "ms"},
                "color": {"mode": "scheme", "scheme": "Oranges", "steps": 64},
            },
        )
    )
    variables = [custom_var("Measurement", TRENDS, ["http_req_duration", "http_req_blocked"])]
    return dashboard("k6", "k6 Load Testing Results", panels, variables)


def loadcell_dashboard() -> dict[str, Any]:
    """One run (testid), per URL name; the aggregated output's measurements at the bottom."""
    g = Layout()
    ts = "timeseries"
    by = "GROUP BY time($__interval)"
    panels = [
        stat(
            g,
            "Requests",
            f'SELECT sum("value") FROM "http_reqs" WHERE {RUN_NAME}',
            f'SELECT sum("sum") FROM "http_reqs_agg" WHERE {RUN_NAME}',
        ),
        stat(
            g,
            "Failed requests",
            f'SELECT mean("value") FROM "http_req_failed" WHERE {RUN_NAME}',
            f'SELECT {AGG_RATE} FROM "http_req_failed_agg" WHERE {RUN_NAME}',
            "percentunit",
        ),
        stat(
            g,
            "p95 duration",
            f'SELECT percentile("value", 95) FROM "http_req_duration" WHERE {RUN_NAME}',
            f'SELECT max("p95") FROM "http_req_duration_agg" WHERE {RUN_NAME}',
            "ms",
        ),
        stat(
            g,
            "Checks passed",
            f'SELECT mean("value") FROM "checks" WHERE {RUN}',
            f'SELECT {AGG_RATE} FROM "checks_agg" WHERE {RUN}',
            "percentunit",
        ),
        stat(
            g,
            "Iterations",
            f'SELECT sum("value") FROM "iterations" WHERE {RUN}',
            f'SELECT sum("sum") FROM "iterations_agg" WHERE {RUN}',
        ),
        stat(
            g,
            "Max VUs",
            f'SELECT max("value") FROM "vus" WHERE {RUN}',
            f'SELECT max("max") FROM "vus_agg" WHERE {RUN}',
        ),
        g.panel(
            ts,
            "VUs and requests",
            [
                target("A", f'SELECT mean("value") FROM "vus" WHERE {RUN} {by} fill(none)', "VUs"),
                target(
                    "B",
                    f'SELECT sum("value") FROM "http_reqs" WHERE {RUN_NAME} {by}, "status" fill(none)',
                    "requests, status $tag_status",
                ),
                target("C", f'SELECT mean("last") FROM "vus_agg" WHERE {RUN} {by} fill(none)', "VUs (agg)"),
                target(
                    "D",
                    f'SELECT sum("sum") FROM "http_reqs_agg" WHERE {RUN_NAME} {by}, "status" fill(none)',
                    "requests, status $tag_status (agg)",
                ),
            ],
            12,
            8,
            interval="1s",
        ),
        g.panel(
            ts,
            "http_req_duration by name",
            [
                target(
                    ref,
                    f'SELECT percentile("value", {p}) FROM "http_req_duration" WHERE {RUN_NAME} '
                    f'{by}, "name" fill(none)',
                    f"$tag_name p{p}",
                )
                for ref, p in (("A", 50), ("B", 95), ("C", 99))
            ]
            + [
                target(
                    ref,
                    f'SELECT max("p{p}") FROM "http_req_duration_agg" WHERE {RUN_NAME} '
                    f'{by}, "name" fill(none)',
                    f"$tag_name p{p} (agg)",
                )
                for ref, p in (("D", 50), ("E", 95), ("F", 99))
            ],
            12,
            8,
            "ms",
            interval="1s",
        ),
        g.panel(
            ts,
            "Failed request rate by name",
            [
                target(
                    "A",
                    f'SELECT mean("value") FROM "http_req_failed" WHERE {RUN_NAME} {by}, "name" fill(none)',
                    "$tag_name",
                ),
                target(
                    "B",
                    f'SELECT {AGG_RATE} FROM "http_req_failed_agg" WHERE {RUN_NAME} {by}, "name" fill(none)',
                    "$tag_name (agg)",
                ),
            ],
            12,
            8,
            "percentunit",
            interval="1s",
        ),
        g.panel(
            ts,
            "Check pass rate by check",
            [
                target(
                    "A",
                    f'SELECT mean("value") FROM "checks" WHERE {RUN} {by}, "check" fill(none)',
                    "$tag_check",
                ),
                target(
                    "B",
                    f'SELECT {AGG_RATE} FROM "checks_agg" WHERE {RUN} {by}, "check" fill(none)',
                    "$tag_check (agg)",
                ),
            ],
            12,
            8,
            "percentunit",
            interval="1s",
        ),
        g.panel(
            ts,
            "Data sent and received",
            [
                target("A", f'SELECT sum("value") FROM "data_sent" WHERE {RUN} {by} fill(none)', "sent"),
                target(
                    "B", f'SELECT sum("value") FROM "data_received" WHERE {RUN} {by} fill(none)', "received"
                ),
                target(
                    "C", f'SELECT sum("sum") FROM "data_sent_agg" WHERE {RUN} {by} fill(none)', "sent (agg)"
                ),
                target(
                    "D",
                    f'SELECT sum("sum") FROM "data_received_agg" WHERE {RUN} {by} fill(none)',
                    "received (agg)",
                ),
            ],
            12,
            8,
            "decbytes",
            interval="1s",
        ),
        g.panel(
            ts,
            "Iteration duration",
            [
                target(
                    "A",
                    f'SELECT percentile("value", 95) FROM "iteration_duration" WHERE {RUN} '
                    f'{by}, "scenario" fill(none)',
                    "$tag_scenario p95",
                ),
                target(
                    "B",
                    f'SELECT max("p95") FROM "iteration_duration_agg" WHERE {RUN} {by}, "scenario" '
                    "fill(none)",
                    "$tag_scenario p95 (agg)",
                ),
            ],
            12,
            8,
            "ms",
            interval="1s",
        ),
        g.panel(
            "table",
            "Requests by name, method and status",
            [
                target(
                    "A",
                    'SELECT count("value") AS "requests", mean("value") AS "avg", '
                    'percentile("value", 95) AS "p95", max("value") AS "max" FROM "http_req_duration" '
                    f'WHERE {RUN_NAME} GROUP BY "name", "method", "status"',
                    fmt="table",
                ),
                target(
                    "B",
                    'SELECT sum("count") AS "requests", sum("sum") / sum("count") AS "avg", '
                    'max("p95") AS "p95", max("max") AS "max" FROM "http_req_duration_agg" '
                    f'WHERE {RUN_NAME} GROUP BY "name", "method", "status"',
                    fmt="table",
                ),
            ],
            24,
            8,
            "ms",
        ),
        g.row("Aggregated output (--out influxdb=...?mode=aggregated)"),
        g.panel(
            ts,
            "http_req_duration p95 per push interval",
            [
                target(
                    "A",
                    f'SELECT max("p95") FROM "http_req_duration_agg" WHERE {RUN_NAME} '
                    f'{by}, "name" fill(none)',
                    "$tag_name p95",
                )
            ],
            12,
            8,
            "ms",
            interval="1s",
        ),
        g.panel(
            ts,
            "Requests per push interval",
            [
                target(
                    "A",
                    f'SELECT sum("count") FROM "http_reqs_agg" WHERE {RUN_NAME} {by} fill(none)',
                    "requests",
                )
            ],
            12,
            8,
            interval="1s",
        ),
    ]
    variables = [
        # The runs with points in the time range (SHOW TAG VALUES ignores time), as the only column, a
        # string, which is what Grafana takes from each series; loadcell's default testid starts with the
        # start time (YYYYmmdd-HHMMSS-...), so sorted descending the newest run comes first, the default.
        query_var(
            "testid",
            'SELECT "run" FROM (SELECT last("value"), "testid" AS "run" FROM "http_reqs" '
            'WHERE $timeFilter GROUP BY "testid"), (SELECT last("sum"), "testid" AS "run" '
            'FROM "http_reqs_agg" WHERE $timeFilter GROUP BY "testid")',
            multi=False,
            sort=2,
        ),
        query_var(
            "name",
            'SHOW TAG VALUES FROM /^http_reqs(_agg)?$/ WITH KEY = "name" WHERE "testid" =~ /^$testid$/',
            multi=True,
        ),
    ]
    return dashboard("loadcell-run", "loadcell run", panels, variables)


DASHBOARDS = {"k6.json": k6_dashboard, "loadcell.json": loadcell_dashboard}


def render(build: Any) -> str:
    return json.dumps(build(), indent=2, sort_keys=True) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--check", action="store_true", help="compare with the committed files, write nothing"
    )
    args = parser.parse_args()
    stale = []
    for name, build in DASHBOARDS.items():
        path, text = OUT / name, render(build)
        if args.check:
            if not path.is_file() or path.read_text() != text:
                stale.append(name)
        else:
            path.write_text(text)
    if stale:
        print(f"stale: {', '.join(stale)}; run python deploy/grafana/build_dashboards.py", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
