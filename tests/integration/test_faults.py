"""Faults around a run: a Ctrl-C at each point of startup, paths that cannot be written, full disks.

In every case the verdict holds: the run stops, the summary is printed once a run has begun, and the
exit code is k6's. Each test waits on an output line (or a file the script waits on), never on time.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

from tests.conftest import LOADCELL, ROOT, write_script

# Blocks where the test says (WAIT_IN = "worker-import" / "setup") until the test creates `release`,
# so a signal is known to land there; bounded, so a broken stop cannot hang the suite.
SCRIPT = """
import os, time
from loadcell import sleep

def block(where):
    print(where, flush=True)
    if where == {wait_in!r}:
        deadline = time.monotonic() + 60
        while not os.path.exists({release!r}) and time.monotonic() < deadline:
            time.sleep(0.02)

block("worker-import" if "LOADCELL_WORKER_FD" in os.environ else "coordinator-import")
options = {{"scenarios": {{"load": {{"executor": "constant-vus", "vus": 4, "duration": "60s"}}}}}}

def setup():
    block("setup")

async def default(vu):
    if vu.iteration == 1:  # one iteration is complete
        print("iteration", flush=True)
    await sleep(0.05)
"""


def _interrupt(
    tmp_path: Path, wait_in: str, marker: str, *args: str, group: bool = False
) -> tuple[int, str, dict]:
    """Run SCRIPT, send SIGINT once `marker` is printed (to the whole process group if `group`, as a
    terminal's Ctrl-C), then release whatever the script blocks on."""
    release = tmp_path / "release"
    script = write_script(tmp_path, SCRIPT.format(wait_in=wait_in, release=str(release)))
    export = tmp_path / "export.json"
    proc = subprocess.Popen(
        [*LOADCELL, "run", "--no-results", "--summary-export", str(export), *args, str(script)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if marker in line:
            break
    if group:
        os.killpg(proc.pid, signal.SIGINT)
    else:
        proc.send_signal(signal.SIGINT)
    release.touch()
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"the run went on after SIGINT:\n{''.join(lines)}{out}\n{err}") from None
    exported = json.loads(export.read_text()) if export.exists() else {}
    return proc.returncode, "".join(lines) + out + "\n" + err, exported


def test_sigint_while_the_coordinator_imports_the_script_is_no_script_error(tmp_path: Path) -> None:
    code, log, _ = _interrupt(tmp_path, "coordinator-import", "coordinator-import")
    assert code == 105, log
    assert "error while importing" not in log and "Traceback" not in log, log


@pytest.mark.parametrize("group", [False, True], ids=["coordinator", "process-group"])
def test_sigint_while_workers_import_the_script_stops_before_setup(tmp_path: Path, group: bool) -> None:
    code, log, export = _interrupt(tmp_path, "worker-import", "worker-import", "--workers", "2", group=group)
    assert code == 105, log
    assert "setup" not in log.replace("setup()", ""), log  # neither setup() nor any VU ran
    assert "TOTAL RESULTS" in log and "received a 'interrupt' signal" in log, log
    assert "iterations" not in export["metrics"], export["metrics"]
    assert "exited during init" not in log, log


def test_sigint_during_setup_starts_no_vu(tmp_path: Path) -> None:
    code, log, export = _interrupt(tmp_path, "setup", "setup", "--workers", "2")
    assert code == 105, log
    assert "TOTAL RESULTS" in log and "iteration\n" not in log, log
    assert "0 complete and 0 interrupted iterations" in log, log  # not one VU was started
    assert "iterations" not in export["metrics"], export["metrics"]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_sigint_during_the_run_prints_the_summary(tmp_path: Path, workers: str) -> None:
    code, log, export = _interrupt(tmp_path, "nowhere", "iteration", "--workers", workers)
    assert code == 105, log
    assert "TOTAL RESULTS" in log and "received a 'interrupt' signal" in log, log
    assert export["metrics"]["iterations"]["count"] > 0
