"""`loadcell report`, `loadcell compare` and `--out junit` on real runs against local targets, and
report.html from disk in a real headless chromium with the network off."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import xmlschema

from loadcell.errors import InvalidConfigError
from loadcell.report.compare import latest_passing, load_run
from tests.conftest import LOADCELL, ROOT, TEST_RESULTS, run_loadcell, start_target, stop
from tests.support.browser import Browser

SCRIPT = ROOT / "tests/support/report_script.py"
XSD = ROOT / "tests/data/junit/JUnit.xsd"
CHARTS = {"vus", "throughput", "duration", "timings", "percentiles", "histogram", "errors", "failed"}
# Points drawn per chart: the non-null values of every series but x.
POINTS = """Object.fromEntries(Object.entries(window.loadcellCharts).map(([id, u]) =>
  [id, u.data.slice(1).reduce((n, ys) => n + ys.filter((y) => y != null).length, 0)]))"""
ARTEFACTS = Path(os.environ.get("LOADCELL_TEST_ARTEFACTS", TEST_RESULTS.parent / "loadcell-test-artefacts"))
# Wide enough for two runs of one server on a busy host; the injected regression is ten-fold.
GATE = [
    "--fail-on",
    "http_req_duration p(95) > +100%",
    "--fail-on",
    "http_req_duration{name:home} p(95) > +100ms",
]


@dataclass
class Runs:
    results: Path
    base1: Path
    base2: Path
    slow: Path  # the same script against a target ten times slower; its p(95) threshold fails
    junit: Path
    slow_code: int
    export: Path  # base2 ran with K6_WEB_DASHBOARD=true, port -1 (no server) and this export path


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    """Three runs at once: two against a 50 ms target, one against a 500 ms one (with --out junit)."""
    results = tmp_path_factory.mktemp("results")
    junit, export = results.parent / "junit.xml", results.parent / "export" / "report.html"
    dashboard = {
        "K6_WEB_DASHBOARD": "true",
        "K6_WEB_DASHBOARD_PORT": "-1",
        "K6_WEB_DASHBOARD_EXPORT": str(export),
    }
    fast, slow = start_target(delay_ms=50), start_target(delay_ms=500)
    try:
        procs = []
        for i, (server, extra, env) in enumerate(
            [
                (fast, [], {}),
                (fast, [], dashboard),
                (slow, ["--out", f"junit={junit}", "-e", "P95_MS=100"], {}),
            ]
        ):
            cmd = [*LOADCELL, "run", str(SCRIPT), "-d", "2s", "-u", "3", "-w", "1", "-q", "--no-summary"]
            cmd += ["-e", f"BASE_URL={server.url}", "--results", str(results / str(i)), *extra]
            procs.append(
                subprocess.Popen(
                    cmd, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
                )
            )
        codes = [p.wait(120) for p in procs]
    finally:
        stop(fast.proc)
        stop(slow.proc)
    assert codes[:2] == [0, 0], [p.stdout.read() for p in procs if p.stdout]  # type: ignore[union-attr]
    # One results root, as `latest-passing` expects: move each run's folder up.
    folders = []
    for i in range(3):
        (folder,) = (results / str(i)).iterdir()
        folders.append(folder.rename(results / folder.name))
        (results / str(i)).rmdir()
    yield Runs(results, folders[0], folders[1], folders[2], junit, codes[2], export)


def test_report_from_disk_draws_every_chart(runs: Runs, tmp_path: Path) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTEFACTS / "report.png"

    async def look() -> tuple[dict[str, int], str]:
        async with Browser(tmp_path / "chrome") as browser:
            await browser.send("Network.emulateNetworkConditions", _OFFLINE)
            await browser.open((runs.slow / "report.html").as_uri())
            points = await browser.evaluate(POINTS)
            status = await browser.evaluate("document.getElementById('status').textContent")
            await browser.screenshot(shot)
            assert browser.errors == []
            assert all(u.startswith(("file:", "data:")) for u in browser.requested), browser.requested
            return points, status

    points, status = asyncio.run(look())
    assert set(points) == CHARTS
    assert all(n > 0 for n in points.values()), points
    assert status == "FAILED (exit 99)"
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


_OFFLINE = {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}


def test_dashboard_variables_export_the_report_without_a_server(runs: Runs) -> None:
    assert runs.export.read_text() == (runs.base2 / "report.html").read_text()
    res = run_loadcell("run", str(SCRIPT), "--no-results", env={"K6_WEB_DASHBOARD": "true"})
    assert res.code == 104 and "--dashboard draws from the run's results folder" in res.stderr


def test_compare_passes_two_runs_of_the_same_server(runs: Runs) -> None:
    res = run_loadcell("compare", str(runs.base1), str(runs.base2), *GATE)
    assert res.code == 0, res.out
    assert "comparison passed: no --fail-on rule holds" in res.stdout, res.stdout
    assert "http_req_duration{name:home}" in res.stdout and "http_req_duration{group:::api}" in res.stdout


def test_compare_catches_the_injected_latency_regression(runs: Runs, tmp_path: Path) -> None:
    page = tmp_path / "compare.html"
    res = run_loadcell("compare", str(runs.base1), str(runs.slow), *GATE, "--html", str(page))
    assert res.code == 99, res.out
    assert "✗ http_req_duration p(95) > +100%" in res.stdout, res.stdout
    assert "✗ http_req_duration{name:home} p(95) > +100ms" in res.stdout, res.stdout
    assert "comparison FAILED" in res.stdout
    # The run's own failing threshold shows as newly failing next to the baseline's pass.
    assert any(
        line.startswith("http_req_duration ") and line.rstrip().endswith("FAIL") and "p(95)<100" in line
        for line in res.stdout.splitlines()
    ), res.stdout
    html = page.read_text()
    assert "REGRESSION" in html and 'id="chart-p95"' in html


def test_compare_with_latest_passing_baseline(runs: Runs) -> None:
    res = run_loadcell("compare", "latest-passing", str(runs.slow), "--results", str(runs.results), *GATE)
    assert res.code == 99, res.out
    newest = max((runs.base1, runs.base2), key=lambda f: (f / "summary.json").stat().st_mtime)
    assert f"baseline: {newest} (exit 0)" in res.stdout
    with pytest.raises(InvalidConfigError, match=r"no passing run of report_script\.py"):
        latest_passing(runs.slow, load_run(runs.slow))


def _cases(path: Path) -> dict[str, list[tuple[str, str, str | None]]]:
    """suite name -> [(classname, name, failure message)]"""
    root = ET.parse(path).getroot()
    return {
        suite.get("name", ""): [
            (case.get("classname", ""), case.get("name", ""), _failure(case))
            for case in suite.iter("testcase")
        ]
        for suite in root.iter("testsuite")
    }


def _failure(case: ET.Element) -> str | None:
    failure = case.find("failure")
    return None if failure is None else failure.get("message")


def test_junit_validates_with_a_case_per_threshold_and_check(runs: Runs) -> None:
    assert runs.slow_code == 99  # the p(95)<100 threshold failed against the 500 ms target
    xmlschema.XMLSchema(XSD).validate(runs.junit)
    summary = json.loads((runs.slow / "summary.json").read_text())
    thresholds = [(n, src) for n, m in summary["metrics"].items() for src in m.get("thresholds", {})]
    cases = _cases(runs.junit)
    assert sorted((c.removeprefix("thresholds."), n) for c, n, _ in cases["thresholds"]) == sorted(thresholds)
    failed = {(c, n): f for c, n, f in cases["thresholds"] if f is not None}
    assert list(failed) == [("thresholds.http_req_duration", "p(95)<100")]
    assert re.fullmatch(
        r"p\(95\)<100 failed: p\(95\)=\d+(\.\d+)?ms", failed[("thresholds.http_req_duration", "p(95)<100")]
    )
    checks = {(c, n): f for c, n, f in cases["checks"]}
    assert set(checks) == {("checks.::api", "home is 200"), ("checks.::broken", "broken is 200")}
    assert checks[("checks.::api", "home is 200")] is None
    broken = checks[("checks.::broken", "broken is 200")]
    assert broken is not None and broken.split(" of ")[0] == broken.split(" of ")[1].split()[0]  # all failed


def test_report_regenerates_the_page_and_the_junit_file(runs: Runs, tmp_path: Path) -> None:
    original = (runs.slow / "report.html").read_text()
    (runs.slow / "report.html").unlink()
    junit = tmp_path / "regenerated.xml"
    res = run_loadcell("report", str(runs.slow), "--junit", str(junit))
    assert res.code == 0, res.out
    assert (runs.slow / "report.html").read_text() == original
    xmlschema.XMLSchema(XSD).validate(junit)
    assert _cases(junit) == _cases(runs.junit)
