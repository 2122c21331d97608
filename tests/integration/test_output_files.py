"""--out json=FILE[.gz] and --out csv=FILE[.gz]: k6's records and columns, and not one sample missing."""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from collections import Counter
from pathlib import Path

from loadcell.output.json import go_json_float
from tests.conftest import Server, run_k6, run_loadcell, write_script

PY_SCRIPT = """
from loadcell import check, env, group, sleep

options = {
    "scenarios": {"load": {"executor": "constant-vus", "vus": 4, "duration": "%s"}},
    "thresholds": {"http_req_duration": ["p(95)<5000"], "http_req_duration{name:home}": ["max<5000"]},
}

async def default(vu):
    with group("pages"):
        r = await vu.http.get(env["BASE_URL"] + "/", tags={"name": "home"})
        check(r, {"status is 200": lambda r: r.status == 200, "has body": lambda r: len(r.body) > 0})
    await vu.http.get(env["BASE_URL"] + "/status/404")
    await sleep(0.002)
"""

K6_SCRIPT = """
import http from "k6/http";
import { check, group } from "k6";
export const options = {
  vus: 1, iterations: 2,
  thresholds: { http_req_duration: ["p(95)<5000"], "http_req_duration{name:home}": ["max<5000"] },
};
export default function () {
  group("pages", function () {
    const r = http.get(`${__ENV.BASE_URL}/`, { tags: { name: "home" } });
    check(r, { "status is 200": (r) => r.status === 200 });
  });
  http.get(`${__ENV.BASE_URL}/status/404`);
}
"""
RFC3339_NANO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$")


def read_text(path: Path) -> str:
    return gzip.decompress(path.read_bytes()).decode() if path.suffix == ".gz" else path.read_text()


def json_records(path: Path) -> list[dict]:
    return [json.loads(line) for line in read_text(path).splitlines()]


def csv_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(read_text(path))))


def test_json_and_csv_outputs_hold_every_sample(tmp_path: Path, target: Server) -> None:
    script = write_script(tmp_path, PY_SCRIPT % "3s")
    export = tmp_path / "summary.json"
    files = [tmp_path / name for name in ("out.json", "out.json.gz", "out.csv", "out.csv.gz")]
    outs = [arg for f in files for arg in ("--out", f"{f.name.split('.')[1]}={f}")]
    res = run_loadcell(
        "run", "-q", str(script), "-e", f"BASE_URL={target.url}", *outs, "--summary-export", str(export)
    )
    assert res.code == 0, res.out
    summary = json.loads(export.read_text())
    metrics = summary["metrics"]
    expected = {
        "http_reqs": metrics["http_reqs"]["count"],
        "iterations": metrics["iterations"]["count"],
        "checks": metrics["checks"]["passes"] + metrics["checks"]["fails"],
        "http_req_failed": metrics["http_req_failed"]["passes"] + metrics["http_req_failed"]["fails"],
    }
    assert expected["http_reqs"] > 500

    for path in files[:2]:
        records = json_records(path)
        points = [r for r in records if r["type"] == "Point"]
        declared = [r["metric"] for r in records if r["type"] == "Metric"]
        assert len(declared) == len(set(declared))
        first_point = {}
        for i, r in enumerate(records):
            if r["type"] == "Point":
                first_point.setdefault(r["metric"], i)
        for i, r in enumerate(records):
            if r["type"] == "Metric":
                assert set(r) == {"type", "data", "metric"}
                assert set(r["data"]) == {"name", "type", "contains", "thresholds", "submetrics"}
                assert i < first_point[r["metric"]]
        for p in points[:200]:
            assert set(p) == {"metric", "type", "data"} and set(p["data"]) == {"time", "value", "tags"}
            assert RFC3339_NANO.match(p["data"]["time"]), p
        counts = Counter(p["metric"] for p in points)
        for name, count in expected.items():
            assert counts[name] == count, (path.name, name)
        assert '"value":1,' in read_text(path)  # Go's float format: 1, not 1.0

    for path in files[2:]:
        rows = csv_rows(path)
        header = rows[0]
        assert header[:3] == ["metric_name", "timestamp", "metric_value"]
        assert header[-2:] == ["extra_tags", "metadata"]
        counts = Counter(row[0] for row in rows[1:])
        for name, count in expected.items():
            assert counts[name] == count, (path.name, name)
        assert all(len(row) == len(header) for row in rows)

    stats = {k: v for k, v in summary["outputs"].items() if k.startswith(("json", "csv"))}
    assert len(stats) == 4, summary["outputs"]
    for st in stats.values():
        assert st["dropped"] == 0 and st["produced"] == st["delivered"] == sum(
            Counter(r[0] for r in csv_rows(files[2])[1:]).values()
        )


def test_shapes_and_columns_match_k6(tmp_path: Path, target: Server) -> None:
    js = tmp_path / "script.js"
    js.write_text(K6_SCRIPT)
    k6 = run_k6(
        "run", "-q", "-e", f"BASE_URL={target.url}",
        "--out", f"json={tmp_path / 'k6.json'}", "--out", f"csv={tmp_path / 'k6.csv'}", str(js),
    )  # fmt: skip
    assert k6.code == 0, k6.out
    script = write_script(
        tmp_path,
        PY_SCRIPT.replace(
            '"constant-vus", "vus": 4, "duration": "%s"', '"shared-iterations", "vus": 1, "iterations": 2'
        ),
    )
    lc = run_loadcell(
        "run", "-q", str(script), "-e", f"BASE_URL={target.url}",
        "--out", f"json={tmp_path / 'lc.json'}", "--out", f"csv={tmp_path / 'lc.csv'}",
    )  # fmt: skip
    assert lc.code == 0, lc.out
    assert csv_rows(tmp_path / "lc.csv")[0] == csv_rows(tmp_path / "k6.csv")[0]

    def shape(path: Path) -> dict[str, tuple]:
        out = {}
        for r in json_records(path):
            if r["type"] == "Point":
                out.setdefault(r["metric"], (tuple(r), tuple(r["data"]), tuple(sorted(r["data"]["tags"]))))
        return out

    ours, theirs = shape(tmp_path / "lc.json"), shape(tmp_path / "k6.json")
    assert set(ours) == set(theirs)
    for metric, sig in theirs.items():
        assert ours[metric] == sig, metric

    def metric_records(path: Path) -> dict[str, dict]:
        return {r["metric"]: r["data"] for r in json_records(path) if r["type"] == "Metric"}

    # type, contains, the metric's thresholds and its sub-metrics, as k6 writes them
    assert metric_records(tmp_path / "lc.json") == metric_records(tmp_path / "k6.json")


def test_go_json_float_format() -> None:
    cases = {1.0: "1", 0.5: "0.5", 1.702113: "1.702113", 1e-7: "1e-7", 1.5e-10: "1.5e-10", 2e-5: "0.00002"}
    for value, text in cases.items():
        assert go_json_float(value) == text, value
    assert go_json_float(1e21) == "1e+21" and go_json_float(float("nan")) == "null"


def test_k6s_csv_options_stdout_and_bad_keys(tmp_path: Path) -> None:
    script = write_script(
        tmp_path,
        'from loadcell import Counter\ncnt = Counter("cnt")\noptions = {"iterations": 2}\n'
        "def default(vu):\n    cnt.add(1)\n",
    )
    base = ("run", "-q", "--no-summary", "--no-results", str(script))
    target = tmp_path / "k6style.csv"
    res = run_loadcell(*base, "--out", f"csv=fileName={target},timeFormat=rfc3339_nano")
    assert res.code == 0, res.stderr
    stamps = [row[1] for row in csv_rows(target)[1:]]
    rfc3339_nano = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z")
    assert stamps and all(rfc3339_nano.fullmatch(s) for s in stamps), stamps
    env_csv = tmp_path / "env.csv"
    res = run_loadcell(*base, "--out", f"csv={env_csv}", env={"K6_CSV_TIME_FORMAT": "unix_milli"})
    assert res.code == 0 and all(len(row[1]) == 13 for row in csv_rows(env_csv)[1:])
    for spec, line in (("json=-", '{"metric":"cnt","type":"Point"'), ("csv=-", "\ncnt,")):  # "-": stdout
        res = run_loadcell(*base, "--out", spec)
        assert res.code == 0 and line in res.stdout, (spec, res.stdout)
    res = run_loadcell(*base, "--out", f"csv=fileName={target},bogus=1")
    assert res.code == 104 and "unknown key 'bogus'; use fileName, timeFormat or saveInterval" in res.stderr
    res = run_loadcell(*base, "--out", "csv=timeFormat=weird")
    assert res.code == 104 and "timeFormat 'weird' is not one of unix," in res.stderr
