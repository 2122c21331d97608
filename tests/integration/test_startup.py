"""Start-up pauses the cyclic collector (loadcell/_collector.py): the test's own code must still run
with it on, and importing loadcell as a library must leave it as the importer had it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import run_loadcell, write_script

PROBE = """
import gc
import os
from pathlib import Path

from loadcell import check

options = {{"scenarios": {{"s": {{"executor": "per-vu-iterations", "vus": {vus}, "iterations": 1}}}}}}


async def default(vu):
    state = f"{{gc.isenabled()}} {{gc.get_freeze_count() > 0}}"
    Path(os.environ["PROBE_DIR"], str(os.getpid())).write_text(state)
    check(1, {{"ran": lambda v: v == 1}})
"""


@pytest.mark.parametrize("importer_has_it_on", [True, False])
def test_importing_loadcell_leaves_the_collector_as_it_was(importer_has_it_on: bool) -> None:
    code = f"import gc\nif not {importer_has_it_on}: gc.disable()\nimport loadcell\nprint(gc.isenabled())"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(importer_has_it_on)


@pytest.mark.parametrize("workers", [1, 2])
def test_vu_code_runs_with_the_collector_on_and_start_up_frozen(tmp_path: Path, workers: int) -> None:
    probes = tmp_path / "probes"
    probes.mkdir()
    script = write_script(tmp_path, PROBE.format(vus=workers))
    result = run_loadcell(
        "run", "-q", "--no-results", "--workers", str(workers), str(script), env={"PROBE_DIR": str(probes)}
    )
    assert result.code == 0, result.out
    seen = {p.name: p.read_text() for p in probes.iterdir()}
    assert len(seen) == workers, seen  # one VU-running process per worker
    assert set(seen.values()) == {"True True"}, seen
