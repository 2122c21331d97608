"""A local worker process killed by a signal mid-run: the run fails with exit code 103 (its share of the
load is missing) and still prints the summary of what ran. SIGINT alone is not fatal to a worker: Ctrl-C
reaches the whole process group and the coordinator stops the workers in order, so a worker ignores it
and the run goes on complete."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import time
from pathlib import Path

import pytest

from loadcell.errors import ExitCode
from tests.conftest import LOADCELL, ROOT, Server, write_script

SCRIPT = """
import os
from pathlib import Path
from loadcell import env, sleep

options = {"vus": 4, "duration": "%s"}

async def default(vu):
    await vu.http.get(env["BASE_URL"] + "/")
    Path(env["MARKS"], str(os.getpid())).touch()  # this worker is running iterations
    await sleep(0.02)
"""


def _no_core_dumps() -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _start(tmp_path: Path, target: Server, duration: str) -> tuple[subprocess.Popen, Path]:
    marks = tmp_path / "marks"
    marks.mkdir()
    script = write_script(tmp_path, SCRIPT % duration)
    proc = subprocess.Popen(
        [*LOADCELL, "run", "--workers", "2", "--no-results", str(script),
         "-e", f"BASE_URL={target.url}", "-e", f"MARKS={marks}"],
        cwd=ROOT, env=os.environ.copy(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=_no_core_dumps,
    )  # fmt: skip
    return proc, marks


def _running_workers(proc: subprocess.Popen, marks: Path) -> list[int]:
    """The pids of both workers, once each has run an iteration (waits on the marks they leave)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        pids = sorted(int(p.name) for p in marks.iterdir())
        if len(pids) == 2:
            return pids
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    proc.kill()
    raise AssertionError(f"the workers never both ran an iteration:\n{proc.communicate()}")


@pytest.mark.parametrize(
    "sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGSEGV, signal.SIGABRT], ids=lambda s: s.name
)
def test_a_worker_killed_by_a_signal_fails_the_run_after_the_summary(
    tmp_path: Path, target: Server, sig: signal.Signals
) -> None:
    proc, marks = _start(tmp_path, target, "60s")
    victim = _running_workers(proc, marks)[0]
    os.kill(victim, sig)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == ExitCode.GENERIC_ENGINE == 103, out + err
    assert "http_reqs" in out and "iterations" in out, out + err  # the summary of what ran
    assert "was lost mid-run" in err, err


def test_sigint_to_a_worker_alone_leaves_the_run_complete(tmp_path: Path, target: Server) -> None:
    proc, marks = _start(tmp_path, target, "3s")
    victim = _running_workers(proc, marks)[0]
    os.kill(victim, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, out + err
    assert "http_reqs" in out and "lost" not in err, out + err
