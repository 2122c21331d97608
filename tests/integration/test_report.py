"""The default results folder: SQLite time series that add up, and an HTML report a real browser renders."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, Server, run_loadcell

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium() -> str:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.fail(
            "chromium is not installed: run .ci/run (apt-get install chromium) to test the HTML report"
        )
    return binary


def dump_dom(report: Path, tmp_path: Path) -> str:
    proc = subprocess.run(
        [
            chromium(),
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'chrome'}",
            "--dump-dom",
            report.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return proc.stdout


def run_example(tmp_path: Path, server: Server) -> tuple[int, Path]:
    res = run_loadcell(
        "run",
        str(ROOT / "tests/performance/example.py"),
        "-d",
        "3s",
        "-u",
        "3",
        "-q",
        "-e",
        f"BASE_URL={server.url}",
        "--results",
        str(tmp_path / "results"),
    )
    (folder,) = (tmp_path / "results").iterdir()
    return res.code, folder


def test_results_folder_adds_up_and_renders_in_chromium(tmp_path: Path, target: Server) -> None:
    code, folder = run_example(tmp_path, target)
    assert code == 0
    assert {p.name for p in folder.iterdir()} >= {
        "summary.json",
        "summary.txt",
        "metrics.sqlite",
        "report.html",
    }
    export = json.loads((folder / "summary.json").read_text())
    db = sqlite3.connect(folder / "metrics.sqlite")
    (per_second_total,) = db.execute("SELECT SUM(sum) FROM series WHERE metric = 'http_reqs'").fetchone()
    assert per_second_total == export["metrics"]["http_reqs"]["count"]
    names = dict(db.execute("SELECT name, count FROM endpoints WHERE method = 'POST'").fetchall())
    assert names == {"create": export["metrics"]["iterations"]["count"]}
    assert "█ TOTAL RESULTS" in (folder / "summary.txt").read_text()

    dom = dump_dom(folder / "report.html", tmp_path)
    assert "PASSED (exit 0)" in dom
    assert dom.count('<figure class="chart"') == 8 and dom.count('class="uplot') >= 7  # no failures here
    assert "http_req_duration{group:::CREATE}" in dom and "p(95)&lt;250" in dom
    embedded = dom.split('id="summary-data">', 1)[1].split("</script>", 1)[0]
    assert (
        json.loads(embedded)["metrics"]["http_reqs"]["values"]["count"]
        == export["metrics"]["http_reqs"]["count"]
    )


def test_failed_run_report_shows_the_failing_threshold(tmp_path: Path, slow_target: Server) -> None:
    code, folder = run_example(tmp_path, slow_target)
    assert code == 99
    dom = dump_dom(folder / "report.html", tmp_path)
    assert "FAILED (exit 99)" in dom
    assert '<tr class="bad"><td>✗</td><td>http_req_duration{group:::CREATE}</td>' in dom
    row = re.search(r'<tr class="bad">.*?CREATE\}</td><td><code>(.*?)</code></td><td>(.*?)</td></tr>', dom)
    assert row and re.fullmatch(r"p\(95\)=[\d.]+(ms|s)", row.group(2)), row  # the value it was judged on
