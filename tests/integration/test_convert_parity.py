"""k6 scripts converted by `loadcell convert`, run side by side with the originals under real k6.

Each script of tests/convert/scripts/ converts with no flags; the converted script and the
original then run against the same local target and must agree on the exit code, the iteration
and request counts, the checks' passes and fails (listed in the same order), every threshold's
verdict, and what handleSummary() prints.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import ROOT, Server, run_k6, run_loadcell

SCRIPTS = ROOT / "tests" / "convert" / "scripts"
NAMES = sorted(p.stem for p in SCRIPTS.glob("*.js"))


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder converted by one `loadcell convert DIR/ -o OUT/`: layout kept, data files copied."""
    out = tmp_path_factory.mktemp("convert") / "scripts"
    result = run_loadcell("convert", str(SCRIPTS), "-o", str(out))
    assert result.code == 0, result.out
    assert "flagged: 0, unsupported: 0" in result.stdout, result.stdout
    assert (out / "lib" / "api.py").is_file() and (out / "data" / "users.json").is_file()
    assert not list(out.rglob("*.js"))
    return out


def verdicts(export: dict) -> dict[str, dict[str, bool]]:
    return {name: m["thresholds"] for name, m in export["metrics"].items() if "thresholds" in m}


def counts(export: dict) -> dict[str, float]:
    metrics = export["metrics"]
    return {
        "iterations": metrics.get("iterations", {}).get("count", 0),
        "http_reqs": metrics.get("http_reqs", {}).get("count", 0),
        "checks_passes": metrics.get("checks", {}).get("passes", 0),
        "checks_fails": metrics.get("checks", {}).get("fails", 0),
    }


def checks_listed(stdout: str) -> list[str]:
    """The summary's check lines in order, with their marks (the quoted threshold lines left out)."""
    lines = [line.strip() for line in stdout.splitlines()]
    return [line for line in lines if line[:1] in ("✓", "✗") and not line[2:].startswith("'")]


@pytest.mark.parametrize("name", NAMES)
def test_converted_script_runs_like_the_original(converted: Path, target: Server, name: str) -> None:
    env = ["-e", f"BASE_URL={target.url}"]
    k6_args = ["run", "--quiet", *env, "--summary-export", str(converted / f"{name}.k6.json")]
    lc_args = ["run", "--quiet", "--no-results", *env, "--summary-export", str(converted / f"{name}.lc.json")]
    with ThreadPoolExecutor(2) as pool:  # side by side: both tools run at once against the target
        k6_run = pool.submit(run_k6, *k6_args, str(SCRIPTS / f"{name}.js"))
        lc_run = pool.submit(run_loadcell, *lc_args, str(converted / f"{name}.py"))
        k6, lc = k6_run.result(), lc_run.result()
    assert lc.code == k6.code, (lc.out, k6.out)
    assert k6.code == 0, k6.out
    theirs = json.loads((converted / f"{name}.k6.json").read_text())
    ours = json.loads((converted / f"{name}.lc.json").read_text())
    assert counts(ours) == counts(theirs)
    assert verdicts(ours) == verdicts(theirs)
    assert verdicts(theirs) or name == "check_order", "each script has thresholds to compare"
    assert checks_listed(lc.stdout) == checks_listed(k6.stdout)
    assert len(checks_listed(k6.stdout)) == 4 or name != "check_order"
    ours_summary = [line for line in lc.stdout.splitlines() if line.startswith("handleSummary:")]
    assert ours_summary == [line for line in k6.stdout.splitlines() if line.startswith("handleSummary:")]
    assert ours_summary or name != "setup_teardown", "setup_teardown.js prints from handleSummary()"
