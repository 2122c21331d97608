"""Distributed runs: a coordinator (`loadcell run --agents N`) and agents (`loadcell agent`) over TCP on
127.0.0.1. Totals, thresholds and percentiles are computed once, across the whole fleet."""

from __future__ import annotations

import asyncio
import json
import os
import pickle
import re
import secrets
import select
import struct
import subprocess
import time
from pathlib import Path

from loadcell.engine.distributed import agents as agents_mod
from loadcell.engine.distributed.protocol import Channel, Failed, Ready, WorkerSpec
from tests.conftest import LOADCELL, ROOT, Result, Server, free_port, run_loadcell, write_script

TOKEN = secrets.token_hex(16)  # shared by the coordinator and the agents of each test
SCRIPT = """
from loadcell import check, env
options = {{
    "scenarios": {{"shared": {{"executor": "shared-iterations", "vus": 6, "iterations": 301}}}},
    "thresholds": {{"iterations": ["count==301"], "http_req_duration": ["p(95)<{p95_limit}"]}},
}}

async def default(vu):
    r = await vu.http.get(env["BASE_URL"] + "/delay/{delay}")
    check(r, {{"ok": lambda r: r.status == 200}})
"""


def start_agent(port: int, token: str = TOKEN, timeout: str = "30") -> subprocess.Popen:
    return subprocess.Popen(
        [*LOADCELL, "agent", "--coordinator", f"127.0.0.1:{port}", "--connect-timeout", timeout],
        cwd=ROOT,
        env={**os.environ, "LOADCELL_AGENT_TOKEN": token},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def coordinate(script: Path, url: str, port: int, agents: int, export: Path, *extra: str) -> Result:
    return run_loadcell(
        "run", "-q", str(script), "-e", f"BASE_URL={url}", "--agents", str(agents),
        "--listen", f"127.0.0.1:{port}", "--agents-timeout", "30", "--summary-export", str(export), *extra,
        env={"LOADCELL_AGENT_TOKEN": TOKEN},
    )  # fmt: skip


def test_two_agents_share_the_iterations_and_the_fleet_is_judged_once(tmp_path: Path, target: Server) -> None:
    script = write_script(tmp_path, SCRIPT.format(p95_limit=1000, delay=2))
    port = free_port()
    agents = [start_agent(port), start_agent(port)]
    res = coordinate(script, target.url, port, 2, tmp_path / "summary.json")
    outs = [a.communicate(timeout=60) for a in agents]
    assert res.code == 0, res.out
    assert [a.returncode for a in agents] == [0, 0], outs
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["metrics"]["iterations"]["count"] == 301  # split 151/150 by execution segments
    assert summary["metrics"]["http_reqs"]["count"] == 301
    assert summary["metrics"]["checks"]["passes"] == 301
    assert summary["metrics"]["iterations"]["thresholds"] == {"count==301": False}


def test_a_fleet_wide_percentile_threshold_fails_the_run(tmp_path: Path, target: Server) -> None:
    # Every request takes >= 20 ms on both agents: p(95)<10 must fail for the fleet, exit 99.
    script = write_script(tmp_path, SCRIPT.format(p95_limit=10, delay=20))
    port = free_port()
    agents = [start_agent(port), start_agent(port)]
    res = coordinate(script, target.url, port, 2, tmp_path / "summary.json")
    for a in agents:
        a.communicate(timeout=60)
    assert res.code == 99, res.out
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["metrics"]["http_req_duration"]["p(95)"] >= 20
    assert summary["metrics"]["http_req_duration"]["thresholds"] == {"p(95)<10": True}


def test_an_agent_with_the_wrong_token_is_refused_and_nothing_runs(tmp_path: Path, target: Server) -> None:
    script = write_script(tmp_path, SCRIPT.format(p95_limit=1000, delay=0))
    port = free_port()
    intruder = start_agent(port, token=secrets.token_hex(16), timeout="20")
    res = run_loadcell(
        "run", "-q", str(script), "-e", f"BASE_URL={target.url}", "--agents", "1",
        "--listen", f"127.0.0.1:{port}", "--agents-timeout", "3", "--no-summary",
        env={"LOADCELL_AGENT_TOKEN": TOKEN},
    )  # fmt: skip
    _, err = intruder.communicate(timeout=60)
    assert res.code == 104, res.out
    assert "0 of 1 agent(s) connected" in res.out
    assert intruder.returncode == 104
    assert "does not hold the same token" in err or "handshake" in err
    assert TOKEN not in res.out and TOKEN not in err


def test_agents_need_a_shared_token(tmp_path: Path, target: Server) -> None:
    script = write_script(tmp_path, SCRIPT.format(p95_limit=1000, delay=0))
    res = run_loadcell(
        "run", "-q", str(script), "--agents", "1", "--listen", f"127.0.0.1:{free_port()}",
        env={"LOADCELL_AGENT_TOKEN": ""},
    )  # fmt: skip
    assert res.code == 104
    assert "LOADCELL_AGENT_TOKEN" in res.out
    agent = run_loadcell("agent", "--coordinator", "127.0.0.1:1", env={"LOADCELL_AGENT_TOKEN": "short"})
    assert agent.code == 104 and "LOADCELL_AGENT_TOKEN" in agent.out


def test_losing_an_agent_mid_run_fails_the_run(tmp_path: Path, target: Server) -> None:
    script = write_script(
        tmp_path,
        "from loadcell import env, sleep\n"
        'options = {"vus": 2, "duration": "20s"}\n'
        "async def default(vu):\n"
        '    await vu.http.get(env["BASE_URL"] + "/")\n'
        "    await sleep(0.05)\n",
    )
    port = free_port()
    agents = [start_agent(port), start_agent(port)]
    coordinator = subprocess.Popen(
        [*LOADCELL, "run", str(script), "-e", f"BASE_URL={target.url}", "--agents", "2",
         "--listen", f"127.0.0.1:{port}", "--no-results", "--agents-timeout", "60"],
        cwd=ROOT, env={**os.environ, "LOADCELL_AGENT_TOKEN": TOKEN}, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    seen = _wait_for_line(coordinator, re.compile(r"running \(.*[1-9]\d* complete"), timeout=60)
    agents[0].kill()
    out, err = coordinator.communicate(timeout=60)
    out = seen + out
    agents[1].communicate(timeout=60)
    assert coordinator.returncode == 103, out + err
    assert re.search(r"agent [01] was lost mid-run", out + err)  # numbered in order of arrival


def _wait_for_line(proc: subprocess.Popen, pattern: re.Pattern[str], timeout: float) -> str:
    """Read the process's stdout until a line matches (the run is under way); returns what was read."""
    assert proc.stdout is not None
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if ready:
            line = proc.stdout.readline()
            if not line:
                break
            seen.append(line)
            if pattern.search(line):
                return "".join(seen)
    raise AssertionError(f"no line matched {pattern.pattern}:\n{''.join(seen)}")


async def _fake_agent(port: int, mode: str) -> dict:
    """Dial like an agent and read the spec; then leave honestly ("leave"), send a frame with a forged
    tag ("forge"), or send the coordinator's own spec frame back to it byte for byte ("reflect")."""
    reader, writer, keys = await agents_mod.connect("127.0.0.1", port, TOKEN, 20)
    header = await reader.readexactly(4)
    frame = header + await reader.readexactly(struct.unpack("!I", header)[0])
    spec = pickle.loads(frame[4:-32])  # the tag is checked by the coordinator, not here
    if mode == "forge":
        body = pickle.dumps(Ready(1))
        writer.write(struct.pack("!I", len(body) + 32) + body + b"\0" * 32)
    elif mode == "reflect":
        writer.write(frame)
    else:
        Channel(reader, writer, keys).send(Failed(107, "fake agent leaves"))
    await writer.drain()
    await asyncio.sleep(0.5)
    writer.close()
    return {"spec": isinstance(spec, WorkerSpec), "env": spec.env}


def test_agents_get_the_e_values_but_never_the_token_and_forged_or_reflected_frames_are_refused(
    tmp_path: Path, target: Server
) -> None:
    script = write_script(tmp_path, SCRIPT.format(p95_limit=1000, delay=0))
    for mode in ("leave", "forge", "reflect"):
        port = free_port()
        coordinator = subprocess.Popen(
            [*LOADCELL, "run", "-q", str(script), "-e", f"BASE_URL={target.url}", "-e", "COLOUR=blue",
             "--agents", "1", "--listen", f"127.0.0.1:{port}", "--no-results"],
            cwd=ROOT, env={**os.environ, "LOADCELL_AGENT_TOKEN": TOKEN, "SECRET_ONLY_HERE": "x"},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        seen = asyncio.run(_fake_agent(port, mode))
        out, err = coordinator.communicate(timeout=60)
        assert seen["spec"]
        assert seen["env"] == {"BASE_URL": target.url, "COLOUR": "blue"}  # no token, no host environment
        assert coordinator.returncode != 0
        if mode == "leave":
            assert "fake agent leaves" in out + err
        else:  # a frame the coordinator sent is not valid as one from an agent
            assert "integrity check" in out + err, out + err
