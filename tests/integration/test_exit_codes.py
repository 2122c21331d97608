"""The CLI's exit codes and messages, as k6's: 0, 99, 104, 105, 107, 108, 110, 255."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
from pathlib import Path

from tests.conftest import LOADCELL, ROOT, Server, run_loadcell, write_script

SEED_PORT = """
from loadcell import Trend, check, env, group, sleep

options = {
    "scenarios": {"crud": {"executor": "constant-vus", "vus": 3, "duration": "2s"}},
    "thresholds": {
        "checks": ["rate>=1.0"],
        "http_req_duration{group:::CREATE}": ["p(95)<250"],
        "http_req_duration{group:::DELETE}": ["p(95)<250"],
    },
}
create_time = Trend("create_time", is_time=True)

def setup():
    return {"base": env["BASE_URL"]}

async def default(vu):
    with group("CREATE"):
        r = await vu.http.post(vu.data["base"] + "/items", json={"name": "x"}, tags={"name": "create"})
        check(r, {"status is 200": lambda r: r.status == 200})
        create_time.add(r.timings["duration"])
    with group("DELETE"):
        r = await vu.http.delete(vu.data["base"] + "/items/" + str(r.json()["id"]), tags={"name": "delete"})
        check(r, {"status is 200": lambda r: r.status == 200})
    await sleep(0.05)
"""


def test_seed_thresholds_pass_against_a_fast_server(tmp_path: Path, target: Server) -> None:
    script = write_script(tmp_path, SEED_PORT)
    res = run_loadcell(
        "run", str(script), "-e", f"BASE_URL={target.url}", "--summary-export", str(tmp_path / "s.json")
    )
    assert res.code == 0, res.out
    assert "✓ 'p(95)<250'" in res.stdout and "✗" not in res.stdout
    export = json.loads((tmp_path / "s.json").read_text())
    assert export["metrics"]["checks"]["value"] == 1.0
    assert export["metrics"]["http_req_duration{group:::CREATE}"]["thresholds"] == {"p(95)<250": False}


def test_seed_thresholds_fail_with_99_when_the_server_is_slow(tmp_path: Path, slow_target: Server) -> None:
    script = write_script(tmp_path, SEED_PORT)
    res = run_loadcell("run", str(script), "-e", f"BASE_URL={slow_target.url}")
    assert res.code == 99, res.out
    assert "✗ 'p(95)<250' p(95)=" in res.stdout
    assert (
        "thresholds on metrics 'http_req_duration{group:::CREATE}, http_req_duration{group:::DELETE}'"
        in res.stderr
    )


def test_unknown_executor_exits_104_naming_key_and_value(tmp_path: Path) -> None:
    script = write_script(
        tmp_path,
        'options = {"scenarios": {"s1": {"executor": "constant-vuz"}}}\nasync def default(vu): pass\n',
    )
    res = run_loadcell("run", str(script))
    assert res.code == 104
    assert "scenario 's1'" in res.stderr and "'constant-vuz'" in res.stderr
    script.write_text(script.read_text().replace("constant-vuz", "externally-controlled"))
    res = run_loadcell("run", str(script))
    assert res.code == 104 and "externally-controlled executor is not supported by loadcell yet" in res.stderr


def test_malformed_threshold_exits_104_naming_it(tmp_path: Path) -> None:
    script = write_script(
        tmp_path,
        'options = {"thresholds": {"http_req_duration": ["p95<250"]}}\nasync def default(vu): pass\n',
    )
    res = run_loadcell("run", str(script))
    assert res.code == 104
    # k6's words (checked against k6 1.1.0), in logfmt, with the fix
    assert 'failed parsing threshold expression\'s \\"p95<250\\" left hand side' in res.stderr
    assert "http_req_duration" in res.stderr and "e.g. 'p(95)<250'" in res.stderr


def test_a_k6_option_loadcell_lacks_exits_104_instead_of_being_ignored(tmp_path: Path) -> None:
    script = write_script(
        tmp_path, 'options = {"iterations": 1, "throw": True, "ext": {"x": 1}}\nasync def default(vu): pass\n'
    )
    res = run_loadcell("run", str(script))
    assert res.code == 104
    assert "'throw'" in res.stderr and "not supported" in res.stderr and "'ext'" not in res.stderr


def test_bad_cli_duration_exits_255_as_k6(tmp_path: Path) -> None:
    script = write_script(tmp_path, "async def default(vu): pass\n")
    res = run_loadcell("run", str(script), "-d", "ten")
    assert res.code == 255 and "--duration" in res.stderr


def test_import_error_exits_107(tmp_path: Path) -> None:
    script = write_script(tmp_path, "import nonexistent_module_xyz\nasync def default(vu): pass\n")
    res = run_loadcell("run", str(script))
    assert res.code == 107
    assert "nonexistent_module_xyz" in res.stderr


def test_setup_exception_exits_107_and_skips_teardown(tmp_path: Path) -> None:
    marker = tmp_path / "teardown-ran"
    script = write_script(
        tmp_path,
        f"def setup():\n    raise ValueError('no data')\n"
        f"async def default(vu): pass\n"
        f"def teardown(data):\n    open({str(marker)!r}, 'w').write('x')\n",
    )
    res = run_loadcell("run", str(script))
    assert res.code == 107
    assert "setup() failed: ValueError: no data at script.py:2" in res.stderr  # where, as k6's JS line
    assert re.search(r'^time="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ" level=error', res.stderr, re.M), res.stderr
    assert not marker.exists()


def test_abort_exits_108_and_runs_teardown(tmp_path: Path) -> None:
    marker = tmp_path / "teardown-ran"
    script = write_script(
        tmp_path,
        "from loadcell import abort, sleep\n"
        "options = {'vus': 2, 'duration': '10s'}\n"
        "async def default(vu):\n    await sleep(0.2)\n    abort('enough')\n"
        f"def teardown(data):\n    open({str(marker)!r}, 'w').write('x')\n",
    )
    start = time.monotonic()
    res = run_loadcell("run", str(script))
    assert res.code == 108, res.out
    assert time.monotonic() - start < 8
    assert "enough" in res.stderr and marker.exists()
    assert "default ✗ [" in res.stdout and "10s/10s" not in res.stdout  # cut short, not shown complete


def test_fail_ends_the_iteration_and_mark_failed_exits_110_after_the_run(tmp_path: Path) -> None:
    """As k6: fail() throws (the iteration ends, the test passes); exec.test.fail() goes on, then 110."""
    script = write_script(
        tmp_path,
        "from loadcell import Counter, fail\nafter = Counter('after_fail')\noptions = {'iterations': 3}\n"
        "async def default(vu):\n    fail('bad data')\n    after.add(1)\n",
    )
    res = run_loadcell("run", str(script))
    assert res.code == 0, res.stderr
    assert "FailError: bad data" in res.stderr and "after_fail" not in res.stdout
    script = write_script(
        tmp_path,
        "from loadcell import Counter, mark_failed\nafter = Counter('after_mark')\n"
        "options = {'iterations': 3}\n"
        "async def default(vu):\n    mark_failed('bad data')\n    after.add(1)\n",
    )
    res = run_loadcell("run", str(script))
    assert res.code == 110
    assert res.stderr.count("test marked as failed: bad data") == 1
    assert "test run was marked as failed: bad data" in res.stderr
    assert "after_mark" in res.stdout  # the iterations went on


def test_iteration_exceptions_are_logged_once_and_counted(tmp_path: Path) -> None:
    script = write_script(
        tmp_path,
        "options = {'scenarios': {'s': {'executor': 'per-vu-iterations', 'vus': 2, 'iterations': 10}}}\n"
        "async def default(vu):\n    if vu.iteration % 2 == 0:\n        raise KeyError('missing')\n",
    )
    res = run_loadcell("run", str(script), "--summary-export", str(tmp_path / "s.json"))
    assert res.code == 0, res.out
    assert res.stderr.count("iteration error (logged once") == 1
    assert "10× KeyError: 'missing'" in res.stderr
    export = json.loads((tmp_path / "s.json").read_text())
    assert export["metrics"]["iterations"]["count"] == 20


def test_sigint_prints_summary_and_exits_105(tmp_path: Path, target: Server) -> None:
    script = write_script(
        tmp_path,
        "from loadcell import sleep\noptions = {'vus': 2, 'duration': '30s'}\n"
        f"async def default(vu):\n    await vu.http.get({target.url!r})\n    await sleep(0.05)\n"
        "    if vu.iteration == 1:\n        print('RUNNING', flush=True)\n",
    )
    proc = subprocess.Popen(
        [*LOADCELL, "run", "--no-results", str(script)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:  # the load runs
        if "RUNNING" in line:
            break
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 105, err
    assert "TOTAL RESULTS" in out and "http_reqs" in out
    assert "received a 'interrupt' signal" in err


def test_a_second_sigint_cancels_a_slow_teardown(tmp_path: Path) -> None:
    script = write_script(
        tmp_path,
        "import asyncio\nfrom loadcell import sleep\noptions = {'vus': 1, 'duration': '30s'}\n"
        "async def default(vu):\n    await sleep(0.05)\n"
        "    if vu.iteration == 1:\n        print('RUNNING', flush=True)\n"
        "async def teardown(data):\n    print('TEARDOWN STARTED', flush=True)\n"
        "    await asyncio.sleep(20)\n    print('TEARDOWN DONE')\n",
    )
    proc = subprocess.Popen(
        [*LOADCELL, "run", "--no-results", "--workers", "1", str(script)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:  # the load runs
        if "RUNNING" in line:
            break
    proc.send_signal(signal.SIGINT)
    for line in proc.stdout:  # the first signal stops the test; teardown starts
        if "TEARDOWN STARTED" in line:
            break
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=15)
    assert time.monotonic() - started < 10  # not the 20 s teardown
    assert proc.returncode == 105, err
    assert "TEARDOWN DONE" not in out and "teardown() cancelled" in err
    assert "iterations" in out  # the summary is still printed


def test_a_reader_that_goes_away_costs_no_result_file_and_no_exit_code(tmp_path: Path) -> None:
    """`loadcell run ... | head`: the export and the exit code are as if stdout had been read."""
    script = write_script(tmp_path, "options = {'iterations': 50}\ndef default(vu):\n    pass\n")
    export = tmp_path / "export.json"
    proc = subprocess.Popen(
        [*LOADCELL, "run", "--no-results", "--summary-export", str(export), str(script)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    proc.stdout.read(10)
    proc.stdout.close()  # as `head -c 10` exits
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert json.loads(export.read_text())["metrics"]["iterations"]["count"] == 50
