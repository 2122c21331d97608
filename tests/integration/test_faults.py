"""Faults around a run: a Ctrl-C at each point of startup, paths that cannot be written, full disks.

In every case the verdict holds: the run stops, the summary is printed once a run has begun, and the
exit code is k6's. Each test waits on an output line (or a file the script waits on), never on time.
"""

from __future__ import annotations

import json
import os
import re
import shutil
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


def test_sigint_during_the_run_prints_the_summary(tmp_path: Path) -> None:
    # (one process: tests/integration/test_exit_codes.py)
    code, log, export = _interrupt(tmp_path, "nowhere", "iteration", "--workers", "2")
    assert code == 105, log
    assert "TOTAL RESULTS" in log and "received a 'interrupt' signal" in log, log
    assert export["metrics"]["iterations"]["count"] > 0


# --- disks -----------------------------------------------------------------------------------------

DISK_SCRIPT = """
import os
from loadcell import env

options = {"iterations": 20}

def setup():
    fill = env.get("FILL")
    if fill:  # the results disk fills up once the run has begun
        with open(os.path.join(fill, "filler"), "wb") as f:
            try:
                while True:
                    f.write(b"x" * 65536)
                    f.flush()
            except OSError:
                pass

def default(vu):
    print("iteration", flush=True)
"""


def _namespaces() -> bool:
    """A user and mount namespace (`unshare -rm`) in which the tests may mount a tmpfs of their own."""
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True, check=False)
    return probe.returncode == 0


needs_mounts = pytest.mark.skipif(
    not _namespaces(), reason="needs `unshare -rm` (util-linux, user namespaces) to mount a tmpfs"
)


def _run_on_tmpfs(tmp_path: Path, mount: str, *args: str) -> subprocess.CompletedProcess[str]:
    """loadcell run with tmp_path/disk a fresh tmpfs mounted with `mount` options, seen by it alone."""
    disk = tmp_path / "disk"
    disk.mkdir()
    script = write_script(tmp_path, DISK_SCRIPT)
    shell = 'mount -t tmpfs -o "$0" tmpfs "$1" && shift && exec "$@"'
    return subprocess.run(
        ["unshare", "-rm", "sh", "-c", shell, mount, str(disk), *LOADCELL, "run", *args, str(script)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@needs_mounts
@pytest.mark.parametrize(
    "args",
    [
        ("--no-results", "--summary-export", "{disk}/summary.json"),
        ("--no-results", "--out", "json={disk}/out.json"),
        ("--no-results", "--out", "csv={disk}/out.csv"),
        ("--results", "{disk}/results"),
    ],
    ids=["summary-export", "json", "csv", "results"],
)
def test_a_read_only_path_is_refused_before_any_load(tmp_path: Path, args: tuple[str, ...]) -> None:
    res = _run_on_tmpfs(tmp_path, "ro,size=1m", *(a.format(disk=tmp_path / "disk") for a in args))
    log = res.stdout + res.stderr
    assert res.returncode == 255, log  # k6's code for an output file it cannot open
    assert "Read-only file system" in log and "choose a writable path" in log, log
    assert "iteration" not in res.stdout and "Traceback" not in log, log  # no load ran


def test_full_disks_under_outputs_and_the_export_lose_points_not_the_summary(tmp_path: Path) -> None:
    script = write_script(tmp_path, DISK_SCRIPT)
    res = subprocess.run(
        [
            *LOADCELL,
            *("run", "--no-results", str(script), "--summary-export", "/dev/full"),
            *("--out", "json=/dev/full", "--out", "csv=/dev/full"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    log = res.stdout + res.stderr
    assert res.returncode == 0, log  # as k6: lost result files are logged, the verdict stands
    assert "TOTAL RESULTS" in res.stdout and "Traceback" not in log, log
    for name in ("json", "csv"):
        lost = re.search(
            rf"output {name} \(/dev/full\): (\d+) points produced, 0 delivered, (\d+) dropped", log
        )
        assert lost and lost[1] == lost[2] != "0", log
        assert f"--out {name}=/dev/full: write failed: No space left on device" in log
    assert "failed to handle the end-of-test summary: could not save '/dev/full'" in log, log
    assert "rejected a batch" not in log, log


@needs_mounts
def test_a_full_results_disk_loses_rows_not_the_summary(tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    res = _run_on_tmpfs(tmp_path, "size=1m", "--results", str(disk), "-e", f"FILL={disk}")
    log = res.stdout + res.stderr
    assert res.returncode == 0, log
    assert "TOTAL RESULTS" in res.stdout and "Traceback" not in log, log
    lost = re.search(r"output results \(.*\): (\d+) points produced, (\d+) delivered, (\d+) dropped", log)
    assert lost and int(lost[3]) > 0 and int(lost[1]) == int(lost[2]) + int(lost[3]), log
    assert "database or disk is full" in log, log
    assert re.search(r"results: could not write .*summary.json: .*No space left on device", log), log
