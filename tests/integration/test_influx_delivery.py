"""--out influxdb never loses a point silently: outages are buffered (in memory, then on disk) and delivered
in order afterwards; rejections (4xx) are reported with InfluxDB's message and counted as dropped."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

from tests.conftest import LOADCELL, Server, write_script
from tests.integration.influx_fixtures import Influxd, make_influxd  # noqa: F401

LOAD = """
from loadcell import check, env, sleep

options = {"scenarios": {"load": {"executor": "constant-vus", "vus": 5, "duration": "%s"}}}

async def default(vu):
    r = await vu.http.get(env["BASE_URL"] + "/", tags={"name": "home"})
    check(r, {"ok": lambda r: r.status == 200})
    await sleep(0.01)
"""


def start_run(
    tmp_path: Path, script: Path, target: Server, out: str, *args: str, **env: str
) -> subprocess.Popen:
    return subprocess.Popen(
        [
            *LOADCELL,
            "run",
            "-q",
            *args,
            str(script),
            "-e",
            f"BASE_URL={target.url}",
            "--out",
            out,
            "--summary-export",
            str(tmp_path / "summary.json"),
        ],
        cwd=tmp_path,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen, timeout: float = 150) -> tuple[int, str]:
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"loadcell did not finish within {timeout}s:\n{out}\n{err}") from None
    return proc.returncode, out + err


class Watched:
    """A run whose output lines are read as they come, so a test waits for what it needs to see."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self._seen = threading.Condition()
        self._readers = [
            threading.Thread(target=self._read, args=(stream,), daemon=True)
            for stream in (proc.stdout, proc.stderr)
        ]
        for reader in self._readers:
            reader.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            with self._seen:
                self.lines.append(line)
                self._seen.notify_all()

    def wait_for(self, text: str, timeout: float = 120) -> None:
        def said() -> bool:
            return any(text in line for line in self.lines)

        with self._seen:
            self._seen.wait_for(lambda: said() or self.proc.poll() is not None, timeout)
            assert said(), f"{text!r} was not logged:\n{''.join(self.lines)}"

    def finish(self, timeout: float = 150) -> tuple[int, str]:
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError(
                f"loadcell did not finish within {timeout}s:\n{''.join(self.lines)}"
            ) from None
        for reader in self._readers:
            reader.join()
        return code, "".join(self.lines)


def wait_until(condition: Callable[[], bool], why: str, timeout: float = 120) -> None:
    """Poll a condition outside loadcell (InfluxDB's count, files on disk) until it holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, why
        time.sleep(0.2)


def output_stats(tmp_path: Path) -> tuple[dict, dict]:
    summary = json.loads((tmp_path / "summary.json").read_text())
    (stats,) = [v for k, v in summary["outputs"].items() if k.startswith("influxdb")]
    return summary["metrics"], stats


def spill_files(tmp_path: Path) -> list[Path]:
    return sorted(tmp_path.glob("results/*/influxdb-spill/*.lp"))


def test_outage_in_the_middle_loses_nothing(
    tmp_path: Path,
    target: Server,
    make_influxd: Callable[[], Influxd],  # noqa: F811
) -> None:
    influx = make_influxd()
    script = write_script(tmp_path, LOAD % "30s")
    run = Watched(start_run(tmp_path, script, target, f"influxdb={influx.url}/outage"))

    def arrived() -> bool:
        try:
            return influx.count("outage", "http_reqs") > 0
        except RuntimeError:  # the output has not created the database yet
            return False

    wait_until(arrived, "nothing arrived before the outage")
    influx.stop()
    run.wait_for("retrying with backoff")  # writes failed: their points wait in the buffer
    influx.start()
    code, log = run.finish()
    assert code == 0, log
    metrics, stats = output_stats(tmp_path)
    assert "retrying with backoff" in log and "reachable again" in log, log
    assert stats["dropped"] == 0, stats
    assert stats["produced"] == stats["delivered"] > 10_000
    assert influx.count("outage", "http_reqs") == metrics["http_reqs"]["count"]
    assert influx.count("outage", "checks") == metrics["checks"]["passes"] + metrics["checks"]["fails"]
    assert influx.total_points("outage") == stats["produced"]
    assert spill_files(tmp_path) == []


def test_full_buffer_spills_to_disk_then_delivers_everything(
    tmp_path: Path,
    target: Server,
    make_influxd: Callable[[], Influxd],  # noqa: F811
) -> None:
    influx = make_influxd()
    # Down from the start: CREATE DATABASE fails, everything goes through the buffer, most of it through
    # disk, and the first writes after InfluxDB returns meet "database not found" (created then, retried).
    influx.stop()
    script = write_script(tmp_path, LOAD % "8s")
    run = Watched(
        start_run(
            tmp_path, script, target, f"influxdb={influx.url}/spill", LOADCELL_INFLUXDB_BUFFER_POINTS="500"
        )
    )
    wait_until(lambda: len(spill_files(tmp_path)) > 1, "no spill files appeared while InfluxDB was down")
    influx.start()
    code, log = run.finish()
    assert code == 0, log
    assert "spilling the newest to" in log, log
    metrics, stats = output_stats(tmp_path)
    assert stats["dropped"] == 0, stats
    assert stats["produced"] == stats["delivered"] > 5_000
    assert influx.count("spill", "http_reqs") == metrics["http_reqs"]["count"]
    assert influx.total_points("spill") == stats["produced"]
    assert spill_files(tmp_path) == []  # delivered files are removed


def test_undeliverable_points_are_counted_and_left_on_disk(tmp_path: Path, target: Server) -> None:
    from tests.conftest import free_port

    port = free_port()  # nothing listens there
    script = write_script(tmp_path, LOAD % "2s")
    proc = start_run(
        tmp_path,
        script,
        target,
        f"influxdb=http://127.0.0.1:{port}/gone",
        LOADCELL_INFLUXDB_STOP_TIMEOUT="2s",
        LOADCELL_INFLUXDB_BUFFER_POINTS="300",
    )
    code, log = finish(proc, timeout=60)
    assert code == 0, log  # as k6: an unreachable InfluxDB does not fail the test
    assert "http_reqs" in log  # the summary is printed
    _, stats = output_stats(tmp_path)
    assert stats["delivered"] == 0 and stats["dropped"] == stats["produced"] > 0
    (reason,) = stats["dropped_reasons"]
    assert reason.startswith("undelivered at stop"), reason
    files = spill_files(tmp_path)
    assert files and "could not be delivered" in log and str(files[0].parent) in log
    kept = sum(len(f.read_text().splitlines()) for f in files)
    assert kept == stats["dropped"]


def test_a_second_ctrl_c_stops_the_wait_for_an_unreachable_influxdb(tmp_path: Path, target: Server) -> None:
    from tests.conftest import free_port

    script = write_script(tmp_path, LOAD % "60s")
    proc = start_run(tmp_path, script, target, f"influxdb=http://127.0.0.1:{free_port()}/gone")
    assert proc.stderr is not None
    for line in proc.stderr:  # points were produced and their first write failed: the run is on
        if "retrying with backoff" in line:
            break
    proc.send_signal(signal.SIGINT)  # the test stops; the output waits up to stopTimeout (30 s)
    for line in proc.stderr:  # the output's stop, not the run's own "press Ctrl+C again"
        if "influxdb output: waiting up to" in line:
            break
    asked = time.monotonic()
    proc.send_signal(signal.SIGINT)
    code, log = finish(proc, timeout=60)
    assert time.monotonic() - asked < 10, log  # not the 30 s stopTimeout
    assert code == 105, log
    _, stats = output_stats(tmp_path)
    assert stats["delivered"] == 0 and stats["dropped"] == stats["produced"] > 0
    assert stats["dropped_reasons"], stats
    assert sum(len(f.read_text().splitlines()) for f in spill_files(tmp_path)) == stats["dropped"]


def test_rejected_points_are_reported_and_counted_not_retried(
    tmp_path: Path,
    target: Server,
    make_influxd: Callable[[], Influxd],  # noqa: F811
) -> None:
    influx = make_influxd()
    influx.create_db("conflict")
    # `value` exists as an integer in this shard: every float `value` of my_trend is a field type conflict
    status, _ = influx.write("conflict", "my_trend,scenario=x value=1i")
    assert status == 204
    script = write_script(
        tmp_path,
        """
from loadcell import Trend, env

options = {"vus": 2, "duration": "3s"}
my_trend = Trend("my_trend")

async def default(vu):
    r = await vu.http.get(env["BASE_URL"] + "/")
    my_trend.add(r.timings["waiting"])
""",
    )
    started = time.monotonic()
    out = f"influxdb={influx.url}/conflict"
    code, log = finish(
        start_run(tmp_path, script, target, out, "--summary-trend-stats", "avg,count"), timeout=60
    )
    assert code == 0, log
    assert time.monotonic() - started < 30
    assert (
        'field type conflict: input field \\"value\\" on measurement \\"my_trend\\" is type float' in log
    ), log
    metrics, stats = output_stats(tmp_path)
    reasons = stats["dropped_reasons"]
    assert list(reasons) == ["InfluxDB 400: field type conflict"], reasons
    assert stats["dropped"] == metrics["my_trend"]["count"] > 100  # every my_trend sample, nothing else
    assert stats["produced"] == stats["delivered"] + stats["dropped"]
    assert influx.count("conflict", "http_reqs") == metrics["http_reqs"]["count"]
    assert influx.count("conflict", "my_trend") == 1  # only the integer point written before the run
