"""Writes Grafana's alerting provisioning file (deploy/grafana/provisioning/alerting/loadcell.yaml).

    python deploy/grafana/build_alerts.py          # rewrite the file
    python deploy/grafana/build_alerts.py --check  # exit 1 if the committed file differs

The file holds the alert rules (folder "Load tests"), the webhook contact point (its URL is the
grafana service's $ALERT_WEBHOOK_URL, from .env) and the notification policy that sends every alert
there, grouped per run (`testid`). Each rule exists twice: on k6's raw measurements and on the
`<metric>_agg` measurements of `--out influxdb=...?mode=aggregated`.

Grafana expands $VARS in the file's values (a literal `$` is written `$$`, as in the annotations'
{{ $$labels.testid }}), except in the queries' and expressions' models, which it takes as written
(so `$timeFilter` stays). Standard library only (JSON is YAML); the tests
run every rule's queries against a real influxd holding a passing and a failing loadcell run
(tests/integration/test_stack.py).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "provisioning" / "alerting" / "loadcell.yaml"
DS_UID = "k6influxdb"  # the provisioned datasource (provisioning/datasources/influxdb.yaml)
EXPR = "__expr__"  # Grafana's server-side expressions
FOLDER = "Load tests"
RECEIVER = "loadcell-webhook"
P95_MS = 500  # the p95 bound of http_req_duration, in ms
FAILED_RATE = 0.01  # http_req_failed above 1%
WINDOW = 120  # seconds of data each threshold rule judges
STALL_AFTER = 60  # seconds without a point before a run counts as stalled
STALL_LOOKBACK = 600  # a run that sent data this long ago is still watched


def influx(ref: str, query: str, seconds: int) -> dict[str, Any]:
    return {
        "refId": ref,
        "relativeTimeRange": {"from": seconds, "to": 0},
        "datasourceUid": DS_UID,
        "model": {
            "refId": ref,
            "rawQuery": True,
            "query": query,
            "resultFormat": "time_series",
            "intervalMs": 1000,
            "maxDataPoints": 43200,
        },
    }


def expression(ref: str, **model: Any) -> dict[str, Any]:
    return {
        "refId": ref,
        "datasourceUid": EXPR,
        "model": {"refId": ref, "datasource": {"type": EXPR, "uid": EXPR}, **model},
    }


def reduce(ref: str, source: str) -> dict[str, Any]:
    return expression(ref, type="reduce", expression=source, reducer="last", settings={"mode": "dropNN"})


def threshold(ref: str, source: str, op: str, bound: float) -> dict[str, Any]:
    return expression(
        ref, type="threshold", expression=source, conditions=[{"evaluator": {"type": op, "params": [bound]}}]
    )


def rule(uid: str, title: str, data: list[dict[str, Any]], wait: str, summary: str) -> dict[str, Any]:
    return {
        "uid": uid,
        "title": title,
        "condition": data[-1]["refId"],
        "data": data,
        "noDataState": "OK",  # no run in the window is the normal state
        "execErrState": "Error",
        "for": wait,
        "isPaused": False,
        "labels": {"source": "loadcell"},
        "annotations": {"summary": summary.replace("$", "$$")},
    }


def threshold_rule(uid: str, title: str, query: str, op: str, bound: float, summary: str) -> dict[str, Any]:
    """One query per run over the last WINDOW seconds, its last value against the bound."""
    data = [influx("A", query, WINDOW), reduce("B", "A"), threshold("C", "B", op, bound)]
    return rule(uid, title, data, "1m", summary)


def threshold_rules(agg: bool) -> list[dict[str, Any]]:
    """p95 of http_req_duration, the failed-request rate and the check rate of each run in the window."""
    suffix, mode = ("_agg", " (aggregated)") if agg else ("", "")
    rate = 'sum("sum") / sum("count")' if agg else 'mean("value")'
    p95 = 'max("p95")' if agg else 'percentile("value", 95)'
    run = 'WHERE $timeFilter GROUP BY "testid"'
    return [
        threshold_rule(
            f"loadcell-p95{suffix}",
            f"http_req_duration p95 above {P95_MS} ms{mode}",
            f'SELECT {p95} FROM "http_req_duration{suffix}" {run}',
            "gt",
            P95_MS,
            "Run {{ $labels.testid }}: p95 of http_req_duration is {{ $values.B }} ms"
            f" (bound {P95_MS} ms)",
        ),
        threshold_rule(
            f"loadcell-failed{suffix}",
            f"http_req_failed above {FAILED_RATE:.0%}{mode}",
            f'SELECT {rate} FROM "http_req_failed{suffix}" {run}',
            "gt",
            FAILED_RATE,
            "Run {{ $labels.testid }}: {{ $values.B }} of the requests failed",
        ),
        threshold_rule(
            f"loadcell-checks{suffix}",
            f"checks below 100%{mode}",
            f'SELECT {rate} FROM "checks{suffix}" {run}',
            "lt",
            1,
            "Run {{ $labels.testid }}: only {{ $values.B }} of the checks passed",
        ),
    ]


def stall_rule(agg: bool) -> dict[str, Any]:
    """A run whose last VU count is above zero and that sent nothing for STALL_AFTER seconds."""
    suffix, mode, field = ("_agg", " (aggregated)", "last") if agg else ("", "", "value")
    buckets = STALL_AFTER // 10
    return rule(
        f"loadcell-stalled{suffix}",
        f"run stopped sending with VUs active{mode}",
        [
            influx(
                "A",
                f'SELECT last("{field}") FROM "vus{suffix}" WHERE $timeFilter GROUP BY "testid"',
                STALL_LOOKBACK,
            ),
            # Points per 10 s, averaged over the last STALL_AFTER seconds; fill(0) keeps silent runs in.
            influx(
                "B",
                f'SELECT moving_average(count("{field}"), {buckets}) FROM "vus{suffix}" WHERE $timeFilter '
                'GROUP BY time(10s), "testid" fill(0)',
                STALL_LOOKBACK,
            ),
            reduce("C", "A"),
            reduce("D", "B"),
            expression("E", type="math", expression="$D == 0 && $C > 0"),
        ],
        "1m",
        f"Run {{{{ $labels.testid }}}} sent nothing for {STALL_AFTER} s with {{{{ $values.C }}}} VUs active: "
        "loadcell stopped, or cannot reach InfluxDB",
    )


def provisioning() -> dict[str, Any]:
    rules = [*threshold_rules(False), stall_rule(False), *threshold_rules(True), stall_rule(True)]
    return {
        "apiVersion": 1,
        "contactPoints": [
            {
                "orgId": 1,
                "name": RECEIVER,
                "receivers": [
                    {
                        "uid": RECEIVER,
                        "type": "webhook",
                        "settings": {"url": "$ALERT_WEBHOOK_URL", "httpMethod": "POST"},
                        "disableResolveMessage": False,
                    }
                ],
            }
        ],
        "policies": [
            {
                "orgId": 1,
                "receiver": RECEIVER,
                "group_by": ["grafana_folder", "alertname", "testid"],
                "group_wait": "30s",
                "group_interval": "5m",
                "repeat_interval": "4h",
            }
        ],
        "groups": [{"orgId": 1, "name": "loadcell", "folder": FOLDER, "interval": "1m", "rules": rules}],
    }


def render() -> str:
    head = "# Generated by deploy/grafana/build_alerts.py: edit that and run it. JSON is YAML.\n"
    return head + json.dumps(provisioning(), indent=2) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="compare with the committed file, write nothing")
    args = parser.parse_args()
    text = render()
    if not args.check:
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(text)
        return 0
    if OUT.is_file() and OUT.read_text() == text:
        return 0
    print(f"stale: {OUT.name}; run python deploy/grafana/build_alerts.py", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
