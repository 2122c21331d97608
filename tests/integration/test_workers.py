"""Several worker processes: totals equal one process's, VU ids stay unique, stops reach every worker."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import LOADCELL, ROOT, Server, run_loadcell, write_script

SCRIPT = """
import json
from loadcell import Counter, check
options = json.loads({options!r})
seen = Counter("seen_vus")

async def default(vu):
    r = await vu.http.get({url!r})
    check(r, {{"ok": lambda r: r.status == 200}})
    seen.add(1, {{"vu_id": str(vu.id)}})
"""


def run(tmp_path: Path, url: str, options: dict, workers: int, tag: str) -> tuple[dict, list[dict]]:
    script = write_script(tmp_path, SCRIPT.format(options=json.dumps(options), url=url), f"s_{tag}.py")
    export, samples = tmp_path / f"{tag}.json", tmp_path / f"{tag}.ndjson"
    res = run_loadcell(
        "run",
        "-q",
        "--workers",
        str(workers),
        "--summary-export",
        str(export),
        "--out",
        f"json={samples}",
        str(script),
    )
    assert res.code == 0, res.out
    points = [json.loads(line) for line in samples.read_text().splitlines()]
    return json.loads(export.read_text()), [p for p in points if p["type"] == "Point"]


def totals(export: dict) -> tuple:
    m = export["metrics"]
    return (m["iterations"]["count"], m["http_reqs"]["count"], m["checks"]["passes"], m["seen_vus"]["count"])


@pytest.mark.parametrize(
    "scenario",
    [
        {"executor": "shared-iterations", "vus": 3, "iterations": 10},
        {"executor": "per-vu-iterations", "vus": 3, "iterations": 4},
        {"executor": "constant-arrival-rate", "rate": 40, "duration": "2050ms", "preAllocatedVUs": 4},
        {
            "executor": "ramping-arrival-rate",
            "startRate": 0,
            "preAllocatedVUs": 6,
            "stages": [{"duration": "1s", "target": 40}, {"duration": "1s", "target": 0}],
        },
    ],
    ids=["shared", "per-vu", "constant-arrival", "ramping-arrival"],
)
def test_two_workers_count_exactly_what_one_process_counts(
    tmp_path: Path, target: Server, scenario: dict
) -> None:
    options = {"scenarios": {"s": scenario}}
    one, _ = run(tmp_path, target.url, options, 1, "one")
    two, _ = run(tmp_path, target.url, options, 2, "two")
    assert totals(one) == totals(two)
    assert two["metrics"]["http_req_duration"]["max"] > 0


def test_vu_ids_are_unique_across_workers(tmp_path: Path, target: Server) -> None:
    options = {"scenarios": {"s": {"executor": "per-vu-iterations", "vus": 5, "iterations": 2}}}
    _, points = run(tmp_path, target.url, options, 2, "ids")
    ids = sorted(int(p["data"]["tags"]["vu_id"]) for p in points if p["metric"] == "seen_vus")
    assert ids == sorted([1, 2, 3, 4, 5] * 2)


def test_abort_on_fail_threshold_stops_all_workers(tmp_path: Path, slow_target: Server) -> None:
    options = {
        "vus": 4,
        "duration": "20s",
        "thresholds": {"http_req_duration": [{"threshold": "p(95)<10", "abortOnFail": True}]},
    }
    script = write_script(tmp_path, SCRIPT.format(options=json.dumps(options), url=slow_target.url))
    start = time.monotonic()
    res = run_loadcell("run", "--workers", "2", str(script))
    assert res.code == 99, res.out
    assert time.monotonic() - start < 15
    assert "abortOnFail enabled, stopping test prematurely" in res.stderr
    assert "have been crossed" not in res.stderr  # k6 says it once, as the abort
    assert "✗ 'p(95)<10'" in res.stdout


def test_default_workers_follow_the_cores_this_process_may_use(tmp_path: Path, target: Server) -> None:
    """Like GOMAXPROCS: `taskset -c 0` means one process, not one per core of the host."""
    script = write_script(
        tmp_path, SCRIPT.format(options=json.dumps({"vus": 20, "iterations": 40}), url=target.url + "/")
    )
    env = {k: v for k, v in os.environ.items() if k != "LOADCELL_WORKERS"}
    pinned = subprocess.run(
        ["taskset", "-c", "0", *LOADCELL, "run", "--no-results", str(script)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert pinned.returncode == 0, pinned.stdout + pinned.stderr
    assert "execution: local, 1 process" in pinned.stdout
    cores = len(os.sched_getaffinity(0))
    free = subprocess.run(
        [*LOADCELL, "run", "--no-results", str(script)], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    expected = "local, 1 process" if cores == 1 else f"local, {cores} worker processes"
    assert f"execution: {expected}" in free.stdout


@pytest.mark.parametrize(
    ("options", "why"),
    [
        ({"iterations": 3}, "fewer VUs than cores"),
        (
            {"scenarios": {"big": {"executor": "constant-vus", "vus": 30, "duration": "1s"},
                           "few": {"executor": "constant-arrival-rate", "rate": 5, "duration": "1s",
                                   "preAllocatedVUs": 1, "maxVUs": 2}}},
            "scenario 'few' shares 2 VUs",
        ),
    ],
)  # fmt: skip
def test_a_test_too_small_to_split_runs_in_one_process_by_default(
    tmp_path: Path, target: Server, options: dict, why: str
) -> None:
    """Split by segment, a worker's one VU would drop arrivals another worker's free VU could run."""
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("needs two usable cores")
    script = write_script(tmp_path, SCRIPT.format(options=json.dumps(options), url=target.url + "/"))
    env = {k: v for k, v in os.environ.items() if k != "LOADCELL_WORKERS"}
    res = run_loadcell("run", "--no-results", str(script), env=env)
    assert res.code == 0, res.stderr
    assert f"execution: local, 1 process ({why}; --workers N to split anyway)" in res.stdout, res.stdout


def test_prints_from_two_workers_come_out_as_whole_lines(tmp_path: Path) -> None:
    script = write_script(
        tmp_path,
        "import re\noptions = {'vus': 4, 'iterations': 400}\n"
        "async def default(vu):\n    print(f'LINE vu={vu.id} it={vu.iteration} ' + 'x' * 60)\n",
    )
    res = run_loadcell("run", "-q", "--no-summary", "--workers", "2", str(script))
    assert res.code == 0, res.stderr
    lines = [line for line in res.stdout.splitlines() if "LINE" in line]
    assert len(lines) == 400
    assert all(re.fullmatch(r"LINE vu=\d+ it=\d+ x{60}", line) for line in lines), lines[:5]


def test_a_thread_the_script_leaves_running_does_not_hold_the_run(tmp_path: Path) -> None:
    script = write_script(
        tmp_path,
        "import threading\noptions = {'vus': 2, 'iterations': 2}\n"
        "hang = threading.Thread(target=threading.Event().wait, args=(60,))  # not a daemon\n"
        "async def default(vu):\n    if not hang.is_alive():\n        hang.start()\n",
    )
    res = run_loadcell("run", "-q", "--workers", "2", str(script), timeout=40)  # the thread waits 60 s
    assert res.code == 0, res.stderr


CRASHING_WORKERS = """
import os
from loadcell.engine.scheduler import Scheduler

options = {"scenarios": {"s": {"executor": "per-vu-iterations", "vus": 2, "iterations": 1}}}

if "LOADCELL_WORKER_FD" in os.environ:  # in the worker processes only: their run ends in an exception
    finished = Scheduler.run

    async def crash(self):
        await finished(self)
        raise OverflowError("cannot convert float infinity to integer")

    Scheduler.run = crash

async def default(vu):
    pass
"""


def test_workers_that_die_after_their_last_report_fail_the_run(tmp_path: Path) -> None:
    """Every worker sends its last report, then dies with a traceback: the run exited 0 before."""
    script = write_script(tmp_path, CRASHING_WORKERS)
    res = run_loadcell(
        "run", "-q", "--workers", "2", "--summary-export", str(tmp_path / "s.json"), str(script)
    )
    assert res.code == 103, res.out
    assert "worker 0 exited with code 1" in res.stderr and "worker 1 exited with code 1" in res.stderr
    assert "a worker process failed" in res.stderr
    assert json.loads((tmp_path / "s.json").read_text())["metrics"]["iterations"]["count"] == 2


def test_an_infinite_duration_is_refused_before_the_workers_start(tmp_path: Path) -> None:
    script = write_script(
        tmp_path, f'options = {{"duration": "{"9" * 400}s"}}\nasync def default(vu): pass\n'
    )
    res = run_loadcell("run", "--workers", "2", str(script))
    assert res.code == 104, res.out
    assert "option 'duration'" in res.stderr and "out of range" in res.stderr
    assert "max duration" not in res.stdout  # no header: nothing was planned
