"""Script API and engine features beyond the basics: inspect, handle_summary, stats, batch, graceful stop."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.conftest import Server, run_loadcell, write_script


def test_inspect_prints_resolved_scenarios_without_running(tmp_path: Path, target: Server) -> None:
    script = write_script(
        tmp_path,
        "options = {'scenarios': {'a': {'executor': 'constant-arrival-rate', 'rate': 5, 'duration': '1m',"
        " 'preAllocatedVUs': 2}}, 'thresholds': {'http_reqs': ['count>1']}}\n"
        "async def default(vu):\n    raise SystemExit('must not run')\n",
    )
    res = run_loadcell("inspect", str(script))
    assert res.code == 0, res.out
    data = json.loads(res.stdout)
    assert data["scenarios"]["a"]["maxVUs"] == 2 and data["scenarios"]["a"]["timeUnit"] == 1.0
    assert data["thresholds"] == {"http_reqs": ["count>1"]}
    bad = write_script(tmp_path, "options = {'vus': 2, 'duration': 'soon'}\n", "bad.py")
    res = run_loadcell("inspect", str(bad))
    assert res.code == 104 and "'soon'" in res.stderr


def test_handle_summary_replaces_the_text_and_writes_files(tmp_path: Path, target: Server) -> None:
    out_file = tmp_path / "custom.json"
    script = write_script(
        tmp_path,
        f"import json\noptions = {{'iterations': 3}}\n"
        f"async def default(vu):\n    await vu.http.get({target.url!r})\n"
        f"def setup():\n    return {{'token_free': True}}\n"
        f"def handle_summary(data):\n"
        f"    count = int(data['metrics']['http_reqs']['values']['count'])\n"
        f"    return {{'stdout': 'CUSTOM SUMMARY ' + str(count),\n"
        f"            {str(out_file)!r}: json.dumps(data['setup_data'])}}\n",
    )
    res = run_loadcell("run", "-q", str(script))
    assert res.code == 0, res.out
    assert "CUSTOM SUMMARY 3" in res.stdout and "TOTAL RESULTS" not in res.stdout
    assert json.loads(out_file.read_text()) == {"token_free": True}


def test_a_failing_handle_summary_falls_back_to_the_default_summary(tmp_path: Path) -> None:
    script = write_script(
        tmp_path,
        "options = {'iterations': 1}\nasync def default(vu): pass\n"
        "def handle_summary(data):\n    raise KeyError('nope')\n",
    )
    res = run_loadcell("run", str(script))
    assert res.code == 0, res.out  # as k6
    assert "handle_summary() failed" in res.stderr and "KeyError: 'nope'" in res.stderr
    assert "iterations" in res.stdout and "checks" not in res.stderr


def test_summary_trend_stats_and_time_unit(tmp_path: Path, target: Server) -> None:
    script = write_script(
        tmp_path,
        f"options = {{'iterations': 5}}\nasync def default(vu):\n    await vu.http.get({target.url!r})\n",
    )
    res = run_loadcell(
        "run",
        "-q",
        str(script),
        "--summary-trend-stats",
        "min,p(99),p(99.9),count",
        "--summary-time-unit",
        "ms",
        "--no-color",
        "--summary-export",
        str(tmp_path / "s.json"),
    )
    assert res.code == 0, res.out
    line = next(ln for ln in res.stdout.splitlines() if ln.strip().startswith("http_req_duration."))
    assert "min=" in line and "p(99.9)=" in line and "count=5" in line and "ms" in line and "avg=" not in line
    export = json.loads((tmp_path / "s.json").read_text())
    assert set(export["metrics"]["http_req_duration"]) == {"min", "p(99)", "p(99.9)", "count"}


def test_a_threshold_on_a_stat_outside_the_trend_stats_shows_its_value(tmp_path: Path) -> None:
    script = write_script(
        tmp_path,
        "from loadcell import Trend\nt = Trend('my_trend')\n"
        "options = {'iterations': 1, 'thresholds': {'my_trend': ['p(99.9)>99', 'p(50)<60']}}\n"
        "async def default(vu):\n    for v in range(1, 101):\n        t.add(v)\n",
    )
    res = run_loadcell("run", "-q", str(script))
    assert res.code == 0, res.out
    lines = {ln.split("'")[1]: ln for ln in res.stdout.splitlines() if ln.strip().startswith(("✓", "✗"))}
    assert re.search(r"p\(99\.9\)=99\.\d+", lines["p(99.9)>99"]), lines
    assert re.search(r"p\(50\)=5\d", lines["p(50)<60"]), lines


def test_a_value_that_is_not_a_number_is_logged_and_skipped_and_the_iteration_goes_on(tmp_path: Path) -> None:
    script = write_script(
        tmp_path,
        "import math\nfrom loadcell import Counter, Trend\nt = Trend('my_trend')\ndone = Counter('done')\n"
        "options = {'iterations': 3}\n"
        "async def default(vu):\n"
        "    assert t.add(None) is False and t.add('x') is False and t.add(math.nan) is False\n"
        "    assert t.add(5) and t.add('7') and t.add(True)\n"
        "    done.add(1)\n",
    )
    export = tmp_path / "export.json"
    res = run_loadcell("run", "-q", "--summary-export", str(export), str(script))
    assert res.code == 0, res.out
    metrics = json.loads(export.read_text())["metrics"]
    assert (
        metrics["done"]["count"] == 3 and metrics["my_trend"]["max"] == 7 and metrics["my_trend"]["min"] == 1
    )
    assert "iteration error" not in res.stderr
    warning = "'None' is an invalid value for metric 'my_trend', a number or a boolean value is expected"
    assert res.stderr.count(warning) == 1, res.stderr


def test_batch_runs_requests_in_parallel(tmp_path: Path, target: Server) -> None:
    script = write_script(
        tmp_path,
        f"import time\noptions = {{'iterations': 1}}\n"
        f"async def default(vu):\n"
        f"    t0 = time.perf_counter()\n"
        f"    base = {target.url!r}\n"
        f"    rs = await vu.http.batch([('GET', base + '/delay/300'), base + '/delay/300',\n"
        f"                               {{'method': 'POST', 'url': base + '/items', 'json': {{'a': 1}}}}])\n"
        f"    assert [r.status for r in rs] == [200, 200, 200], rs\n"
        f"    assert time.perf_counter() - t0 < 0.55, 'not parallel'\n",
    )
    res = run_loadcell("run", "-q", str(script), "--summary-export", str(tmp_path / "s.json"))
    assert res.code == 0, res.out
    assert "iteration error" not in res.stderr, res.stderr
    assert json.loads((tmp_path / "s.json").read_text())["metrics"]["http_reqs"]["count"] == 3


def test_scenario_exec_env_and_tags(tmp_path: Path, target: Server) -> None:
    script = write_script(
        tmp_path,
        "from loadcell import Counter, env\n"
        "hits = Counter('hits')\n"
        "options = {'scenarios': {\n"
        "  'readers': {'executor': 'per-vu-iterations', 'vus': 2, 'iterations': 3, 'exec': 'read',\n"
        "              'env': {'ROLE': 'reader'}, 'tags': {'team': 'r'}},\n"
        "  'writers': {'executor': 'shared-iterations', 'vus': 1, 'iterations': 4, 'exec': 'write',\n"
        "              'env': {'ROLE': 'writer'}}},\n"
        " 'thresholds': {'hits{role:reader}': ['count==6'], 'hits{role:writer}': ['count==4'],\n"
        "                'hits{team:r}': ['count==6'], 'iterations{scenario:writers}': ['count==4']}}\n"
        "async def read(vu):\n    hits.add(1, {'role': env['ROLE']})\n"
        "async def write(vu):\n    hits.add(1, {'role': env['ROLE']})\n",
    )
    res = run_loadcell("run", "-q", str(script))
    assert res.code == 0, res.out
    assert res.stdout.count("✓") >= 4 and "✗" not in res.stdout


def test_graceful_stop_interrupts_long_iterations(tmp_path: Path, target: Server) -> None:
    script = write_script(
        tmp_path,
        "from loadcell import sleep\n"
        "options = {'scenarios': {'s': {'executor': 'constant-vus', 'vus': 2, 'duration': '1s',"
        " 'gracefulStop': '500ms'}}}\n"
        "async def default(vu):\n    await sleep(0.7 if vu.iteration == 0 else 5)\n",
    )
    res = run_loadcell("run", str(script), "--workers", "1", "--summary-export", str(tmp_path / "s.json"))
    assert res.code == 0, res.out
    assert "2 complete and 2 interrupted iterations" in res.stdout
    assert json.loads((tmp_path / "s.json").read_text())["metrics"]["iterations"]["count"] == 2


def test_dropped_iterations_warning_is_logged_once(tmp_path: Path, target: Server) -> None:
    script = write_script(
        tmp_path,
        "from loadcell import sleep\n"
        "options = {'scenarios': {'s': {'executor': 'constant-arrival-rate', 'rate': 20, 'duration': '1s',"
        " 'preAllocatedVUs': 1}}}\n"
        "async def default(vu):\n    await sleep(0.3)\n",
    )
    res = run_loadcell(
        "run", "-q", str(script), "--workers", "1", "--summary-export", str(tmp_path / "s.json")
    )
    assert res.code == 0, res.out
    assert res.stderr.count("Insufficient VUs, reached 1 active VUs and cannot initialize more") == 1
    export = json.loads((tmp_path / "s.json").read_text())
    # 21 starts due: every 50 ms from 0 to 1 s, the one at 1 s included as k6 does
    assert export["metrics"]["dropped_iterations"]["count"] + export["metrics"]["iterations"]["count"] == 21


def test_progress_is_live_on_a_tty_and_plain_lines_otherwise(tmp_path: Path, target: Server) -> None:
    import os
    import pty
    import subprocess

    from tests.conftest import LOADCELL, ROOT

    script = write_script(
        tmp_path,
        "from loadcell import sleep\noptions = {'vus': 2, 'duration': '3s'}\n"
        f"async def default(vu):\n    await vu.http.get({target.url!r})\n    await sleep(0.1)\n",
    )
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [*LOADCELL, "run", "--no-results", str(script)],
        cwd=ROOT,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env={**os.environ, "COLUMNS": "120"},
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(master)
    screen = b"".join(chunks).decode("utf-8", "replace")
    assert proc.returncode == 0, screen
    assert "\x1b[" in screen  # redrawn in place (cursor control), not appended
    assert "default" in screen and "VUs" in screen and "/3s" in screen and "complete and" in screen
    plain = run_loadcell("run", "--no-results", str(script))
    assert plain.code == 0 and "\x1b[" not in plain.stdout
    assert "running (" in plain.stdout and "default ✓ [" in plain.stdout


def test_k6_option_environment_variables_sit_between_the_script_and_the_flags(tmp_path: Path) -> None:
    script = write_script(tmp_path, "options = {'vus': 1, 'iterations': 3}\ndef default(vu):\n    pass\n")
    out = tmp_path / "points.json"
    env = {"K6_ITERATIONS": "7", "K6_VUS": "2", "K6_OUT": f"json={out}", "K6_NO_SUMMARY": "true"}
    res = run_loadcell("run", "-q", "--no-results", str(script), env=env)
    assert res.code == 0 and "iterations" not in res.stdout, res.out
    points = [json.loads(line) for line in out.read_text().splitlines()]
    assert sum(p["metric"] == "iterations" and p["type"] == "Point" for p in points) == 7
    export = tmp_path / "export.json"
    res = run_loadcell(
        "run", "-q", "--no-results", "-i", "4", "--summary-export", str(export), str(script), env=env
    )
    assert (
        res.code == 0 and json.loads(export.read_text())["metrics"]["iterations"]["count"] == 4
    )  # flag wins


def test_a_vu_that_blocks_the_event_loop_is_named_once(tmp_path: Path) -> None:
    blocking = write_script(
        tmp_path, "import time\noptions = {'iterations': 3}\ndef default(vu):\n    time.sleep(0.4)\n", "b.py"
    )
    polite = write_script(
        tmp_path,
        "from loadcell import sleep\noptions = {'iterations': 3}\n"
        "async def default(vu):\n    await sleep(0.4)\n",
        "p.py",
    )
    for script, warned in ((blocking, True), (polite, False)):
        res = run_loadcell("run", "-q", "--no-results", str(script))
        assert res.code == 0, res.out
        assert res.stderr.count("the event loop was blocked") == warned, res.stderr


def test_vus_whose_iterations_never_wait_still_take_turns_and_stop(tmp_path: Path) -> None:
    """A sync default (or an async one that awaits nothing) never yields to the event loop: every VU
    must still run, as every k6 VU does, and a ramping scenario must still end."""
    script = write_script(
        tmp_path,
        "from loadcell import Counter\nper = Counter('per_vu')\noptions = {'vus': 3, 'duration': '1s'}\n"
        "def default(vu):\n    per.add(1, {'vu': str(vu.id)})\n",
        "sync.py",
    )
    out = tmp_path / "points.json"
    res = run_loadcell("run", "-q", "--no-results", "--workers", "1", "--out", f"json={out}", str(script))
    assert res.code == 0, res.out
    counts: dict[str, int] = {}
    for line in out.read_text().splitlines():
        point = json.loads(line)
        if point["type"] == "Point" and point["metric"] == "per_vu":
            counts[point["data"]["tags"]["vu"]] = counts.get(point["data"]["tags"]["vu"], 0) + 1
    assert set(counts) == {"1", "2", "3"} and max(counts.values()) <= 2 * min(counts.values()), counts
    spin = write_script(
        tmp_path,
        "options = {'scenarios': {'r': {'executor': 'ramping-vus',\n"
        "                               'stages': [{'duration': '1s', 'target': 2}]}}}\n"
        "async def default(vu):\n    pass\n",
        "spin.py",
    )
    res = run_loadcell("run", "-q", "--no-results", "--workers", "1", str(spin), timeout=60)
    assert res.code == 0, res.out  # it used to run until killed, its rows filling memory


def test_a_request_not_awaited_is_named_at_the_scripts_line(tmp_path: Path) -> None:
    """k6's http.get() returns the response; a ported sync script gets a coroutine, and is told so."""
    script = write_script(
        tmp_path,
        "import json\nfrom loadcell import check\noptions = {'iterations': 2}\n"
        "def default(vu):\n"
        "    r = vu.http.get('http://127.0.0.1:9/')\n"
        "    check(r, {'ok': lambda r: r.status == 200})\n",
    )
    res = run_loadcell("run", "-q", "--no-results", str(script))
    assert res.code == 0, res.out
    assert (
        "TypeError: check() got a coroutine, not a response: write `r = await vu.http.get(...)`" in res.stderr
    )
    assert "function at script.py:6" in res.stderr, res.stderr  # the script's line, not loadcell's
    assert "was never awaited" not in res.stderr
