"""--out influxdb=...?mode=aggregated: a point per push interval and (metric, tag set), in `<metric>_agg`."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np

from tests.conftest import Server, run_loadcell, write_script
from tests.integration.influx_fixtures import Influxd, influxd  # noqa: F401

KNOWN = """
import random
from loadcell import Trend

options = {"vus": 1, "iterations": 1}
rng = random.Random(7)
VALUES = [rng.lognormvariate(3.0, 0.8) for _ in range(5000)]
my_values = Trend("my_values", is_time=True)

async def default(vu):
    for v in VALUES:
        my_values.add(v)
"""


def known_values() -> np.ndarray:
    rng = random.Random(7)
    return np.array([rng.lognormvariate(3.0, 0.8) for _ in range(5000)])


def test_aggregated_percentiles_match_the_histogram(tmp_path: Path, influxd: Influxd) -> None:  # noqa: F811
    script = write_script(tmp_path, KNOWN)
    export = tmp_path / "summary.json"
    res = run_loadcell(
        "run",
        "-q",
        str(script),
        "--out",
        f"influxdb={influxd.url}/aggdb?mode=aggregated&pushInterval=60s",
        "--summary-export",
        str(export),
        "--summary-trend-stats",
        "avg,min,med,max,p(90),p(95),p(99),count",
    )
    assert res.code == 0, res.out
    summary = json.loads(export.read_text())["metrics"]["my_values"]
    (series,) = influxd.query('SELECT * FROM "my_values_agg"', "aggdb")
    (row,) = [dict(zip(series["columns"], values, strict=True)) for values in series["values"]]
    values = known_values()
    assert row["count"] == 5000 == summary["count"]
    assert abs(row["sum"] - values.sum()) < 1e-6 * values.sum()
    assert row["min"] == values.min() and row["max"] == values.max()
    assert abs(row["mean"] - values.mean()) < 1e-9 * values.mean()
    for field, stat, p in (
        ("p50", "med", 50),
        ("p90", "p(90)", 90),
        ("p95", "p(95)", 95),
        ("p99", "p(99)", 99),
    ):
        exact = float(np.percentile(values, p))  # k6's interpolation: rank p*(n-1)
        assert abs(row[field] - exact) <= 0.01 * exact, (field, row[field], exact)
        assert abs(row[field] - summary[stat]) <= 0.01 * summary[stat], (field, row[field], summary[stat])
    assert row["testid"] and row["scenario"] == "default"
    # raw measurements are not written in aggregated mode
    assert "my_values" not in influxd.measurements("aggdb")


LOAD = """
from loadcell import check, env, sleep

options = {"scenarios": {"load": {"executor": "constant-vus", "vus": 4, "duration": "3500ms"}}}

async def default(vu):
    r = await vu.http.get(env["BASE_URL"] + "/", tags={"name": "home"})
    check(r, {"ok": lambda r: r.status == 200})
    await sleep(0.005)
"""


def test_aggregated_windows_add_up_to_the_summary(tmp_path: Path, target: Server, influxd: Influxd) -> None:  # noqa: F811
    script = write_script(tmp_path, LOAD)
    export = tmp_path / "summary.json"
    res = run_loadcell(
        "run",
        "-q",
        str(script),
        "-e",
        f"BASE_URL={target.url}",
        "--out",
        f"influxdb={influxd.url}/aggload?pushInterval=1s",
        "--summary-export",
        str(export),
        env={"LOADCELL_INFLUXDB_MODE": "aggregated"},
    )
    assert res.code == 0, res.out
    summary = json.loads(export.read_text())
    metrics = summary["metrics"]
    measurements = influxd.measurements("aggload")
    assert measurements and all(m.endswith("_agg") for m in measurements), measurements
    assert {
        "http_reqs_agg",
        "http_req_duration_agg",
        "checks_agg",
        "vus_agg",
        "iterations_agg",
    } <= measurements

    def total(measurement: str, field: str) -> float:
        (series,) = influxd.query(f'SELECT sum("{field}") FROM "{measurement}"', "aggload")
        return series["values"][0][1]

    assert total("http_reqs_agg", "count") == metrics["http_reqs"]["count"] > 100
    assert total("http_reqs_agg", "sum") == metrics["http_reqs"]["count"]
    assert total("http_req_duration_agg", "count") == metrics["http_reqs"]["count"]
    assert total("checks_agg", "count") == metrics["checks"]["passes"] + metrics["checks"]["fails"]
    assert total("checks_agg", "sum") == metrics["checks"]["passes"]
    assert total("iterations_agg", "sum") == metrics["iterations"]["count"]
    assert influxd.count("aggload", "http_reqs_agg", "count") >= 3  # one point per window
    fields = influxd.field_keys("aggload")
    assert fields["http_req_duration_agg"] == {
        k: "float" for k in ("count", "sum", "min", "max", "mean", "p50", "p90", "p95", "p99")
    }
    assert fields["vus_agg"] == {"last": "float", "min": "float", "max": "float"}
    assert fields["checks_agg"] == {"count": "float", "sum": "float", "mean": "float"}
    assert fields["http_reqs_agg"] == {"count": "float", "sum": "float", "rate": "float"}
    assert "name" in influxd.tag_keys("aggload")["http_reqs_agg"]
    (stats,) = [v for k, v in summary["outputs"].items() if k.startswith("influxdb")]
    assert stats["dropped"] == 0 and stats["produced"] == stats["delivered"]
    assert stats["produced"] == sum(influxd.count("aggload", m, _first_field(m)) for m in measurements)


def _first_field(measurement: str) -> str:
    return "last" if measurement in ("vus_agg", "vus_max_agg") else "count"
