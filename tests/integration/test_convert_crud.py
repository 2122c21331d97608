"""The seed's k6 CRUD test, converted by `loadcell convert` and run against the Albert stand-in.

Its groups and thresholds must be those of the hand-written tests/performance/crud.py.
"""

from __future__ import annotations

import ast
import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.conftest import ROOT, run_loadcell
from tests.integration.standin_fixtures import *  # noqa: F403 - pytest fixtures are found by name
from tests.integration.standin_fixtures import StandinServer

CRUD_JS = ROOT / "tests" / "convert" / "crud" / "crud.js"
CRUD_PY = ROOT / "tests" / "performance" / "crud.py"


def _groups_of(script: Path) -> set[str]:
    """The names of the `with group("...")` blocks of a Python script."""
    return {
        node.args[0].value
        for node in ast.walk(ast.parse(script.read_text()))
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", "") == "group"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }


def test_converted_crud_runs_against_the_standin(tmp_path: Path, albert_standin: StandinServer) -> None:
    js = tmp_path / "crud.js"
    shutil.copy(CRUD_JS, js)
    converted = run_loadcell("convert", str(js))
    assert converted.code == 0, converted.out
    assert "flagged: 0, unsupported: 0" in converted.stdout
    py = tmp_path / "crud.py"
    source = py.read_text()
    faker_calls = ["fake.name()", "fake.email()", "fake.company()", "fake.sentence()", "fake.uuid4()"]
    faker_calls += ["fake.random_int(1, 500)", "fake.past_datetime().isoformat()", "fake.word()"]
    for faker_call in faker_calls:
        assert faker_call in source, faker_call
    assert '"performanceTester": {' in source
    assert '"timeout": 10.0' in source  # k6's milliseconds became seconds

    env = ["-e", f"ALBERT_BASE_URL={albert_standin.base_url}"]
    export = tmp_path / "summary.json"
    run = run_loadcell("run", "--quiet", "--no-results", *env, "--summary-export", str(export), str(py))
    assert run.code == 0, run.out
    summary = json.loads(export.read_text())
    assert set(summary["root_group"]["groups"]) == _groups_of(CRUD_PY) == {"CREATE", "DELETE"}
    checks = summary["metrics"]["checks"]
    assert (checks["passes"], checks["fails"]) == (12, 0)  # 2 VUs x 3 iterations x (created, deleted)
    verdicts = {k: v for m in summary["metrics"].values() for k, v in m.get("thresholds", {}).items()}
    assert verdicts == {"rate>=1.0": False, "p(95)<250": False, "rate<0.01": False}  # False: not crossed

    with ThreadPoolExecutor(2) as pool:
        ours_run = pool.submit(run_loadcell, "inspect", str(py), *env)
        theirs_run = pool.submit(run_loadcell, "inspect", str(CRUD_PY), *env)
        ours, theirs = ours_run.result(), theirs_run.result()
    assert ours.code == theirs.code == 0, (ours.out, theirs.out)
    assert json.loads(ours.stdout)["thresholds"] == json.loads(theirs.stdout)["thresholds"]
