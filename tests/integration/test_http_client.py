"""The HTTP client against a real local server: keep-alive, bodies, redirects, errors, tags, timings."""

from __future__ import annotations

import json
import socket
import struct
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from tests.conftest import Server, free_port, run_loadcell, write_script


def run_script(tmp_path: Path, body: str, *args: str) -> tuple[int, dict, str]:
    script = write_script(tmp_path, body)
    export = tmp_path / "summary.json"
    res = run_loadcell(
        "run", str(script), "--summary-export", str(export), "--out", f"json={tmp_path / 'out.json'}", *args
    )
    data = json.loads(export.read_text()) if export.exists() else {}
    return res.code, data, res.out


def points(tmp_path: Path, metric: str) -> list[dict]:
    rows = [json.loads(line) for line in (tmp_path / "out.json").read_text().splitlines()]
    return [r["data"] for r in rows if r["type"] == "Point" and r["metric"] == metric]


def test_keep_alive_bodies_and_encodings(tmp_path: Path, target: Server) -> None:
    code, data, out = run_script(
        tmp_path,
        f"""
import asyncio
from loadcell import check
options = {{"iterations": 1}}
async def default(vu):
    base = {target.url!r}
    first = await asyncio.gather(*(vu.http.get(base + "/") for _ in range(8)))  # 8 new connections
    again = await asyncio.gather(*(vu.http.get(base + "/") for _ in range(8)))  # all 8 kept alive
    assert all(r.timings.connecting > 0 for r in first), [r.timings for r in first]
    assert all(r.timings.connecting == 0 for r in again), [r.timings for r in again]
    r1 = await vu.http.get(base + "/")
    assert r1.timings.connecting == 0, r1.timings
    assert r1.json()["ok"] is True and r1.headers["Content-Type"] == "application/json"
    g = await vu.http.get(base + "/gzip")
    assert g.json() == r1.json(), g.body[:40]
    c = await vu.http.get(base + "/chunked")
    assert c.json() == r1.json()
    e = await vu.http.get(base + "/close")
    assert e.json() == r1.json()
    h = await vu.http.head(base + "/")
    assert h.status == 200 and h.body == b""
    after_head = await vu.http.get(base + "/")
    assert after_head.status == 200
    p = await vu.http.post(base + "/items", json={{"name": "n"}}, params={{"q": "1"}})
    assert p.json()["name"] == "n"
    hd = await vu.http.get(base + "/headers", headers={{"X-Trace": "abc"}})
    assert hd.json()["x-trace"] == "abc"
    check(p, {{"posted": lambda r: r.status == 200}})
""",
    )
    assert code == 0, out
    assert data["metrics"]["http_reqs"]["count"] == 24
    assert data["metrics"]["checks"]["passes"] == 1
    assert "iteration error" not in out


def test_redirects_count_each_hop_and_name_tag_collapses_url(tmp_path: Path, target: Server) -> None:
    code, data, out = run_script(
        tmp_path,
        f"""
options = {{"iterations": 1}}
async def default(vu):
    r = await vu.http.get({target.url!r} + "/redirect/3", tags={{"name": "redir"}})
    assert r.status == 200 and r.url.endswith("/"), r
    n = await vu.http.get({target.url!r} + "/redirect/3", redirects=0)
    assert n.status == 302
""",
    )
    assert code == 0, out
    assert data["metrics"]["http_reqs"]["count"] == 5
    reqs = points(tmp_path, "http_reqs")
    assert {p["tags"]["url"] for p in reqs[:4]} == {"redir"}
    assert all(p["tags"]["name"] == "redir" for p in reqs[:4])
    assert [p["tags"]["status"] for p in reqs[:4]] == ["302", "302", "302", "200"]


def test_failures_become_status_zero_with_k6_error_codes(tmp_path: Path, target: Server) -> None:
    closed = free_port()
    code, data, out = run_script(
        tmp_path,
        f"""
options = {{"iterations": 1}}
async def default(vu):
    refused = await vu.http.get("http://127.0.0.1:{closed}/")
    assert refused.status == 0 and refused.error_code == 1212, refused
    assert refused.timings.duration == 0, refused.timings  # nothing was sent
    slow = await vu.http.get({target.url!r} + "/delay/2000", timeout="300ms")
    assert slow.status == 0 and slow.error_code == 1050, slow
    assert abs(slow.timings.waiting - 300) < 0.01, slow.timings  # sent, then waited the whole timeout
    missing = await vu.http.get({target.url!r} + "/status/404")
    assert missing.status == 404 and missing.error_code == 1404
    bad = await vu.http.get("ftp://example/")
    assert bad.status == 0 and bad.error_code == 1020
""",
    )
    assert code == 0, out
    failed = data["metrics"]["http_req_failed"]
    assert failed["passes"] == 4 and failed["fails"] == 0, (failed, out)
    tags = [p["tags"] for p in points(tmp_path, "http_reqs")]
    assert [t.get("error_code") for t in tags] == ["1212", "1050", "1404", "1020"]
    assert [t["status"] for t in tags] == ["0", "0", "404", "0"]
    assert tags[2]["expected_response"] == "false"
    durations = [p["value"] for p in points(tmp_path, "http_req_duration")]
    assert durations[0] == 0 and 300 <= durations[1] < 301, durations  # a timeout counts its time
    assert data["metrics"]["http_req_duration"]["max"] >= 300
    assert out.count("Request Failed") == 3 and "request timeout" in out, out  # once per kind


@pytest.fixture
def resetting_port() -> Iterator[int]:
    """A TCP server that accepts and answers every connection with a reset (RST)."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    server.close()


def test_a_connection_reset_at_once_is_a_failed_request_not_an_iteration_error(
    tmp_path: Path, resetting_port: int
) -> None:
    code, data, out = run_script(
        tmp_path,
        f"""
import asyncio
options = {{"iterations": 20}}
async def default(vu):  # many dials at once: some resets land before the request is written
    rs = await asyncio.gather(*(vu.http.get("http://127.0.0.1:{resetting_port}/") for _ in range(20)))
    assert all(r.status == 0 for r in rs), rs
""",
    )
    assert code == 0, out
    assert "iteration error" not in out, out
    assert data["metrics"]["http_req_failed"]["passes"] == 400
    assert {p["tags"]["error_code"] for p in points(tmp_path, "http_reqs")} == {"1220"}


def test_expected_statuses_and_cookies_per_vu(tmp_path: Path, target: Server) -> None:
    code, data, out = run_script(
        tmp_path,
        f"""
from loadcell import expected_statuses
options = {{"iterations": 1}}
async def default(vu):
    r = await vu.http.get({target.url!r} + "/status/404", expected_statuses=expected_statuses(200, 404))
    assert r.status == 404
    await vu.http.get({target.url!r} + "/cookies/set?session=s1")
    echo = await vu.http.get({target.url!r} + "/cookies")
    assert echo.json()["cookie"] == "session=s1", echo.text
    none = await vu.http.get({target.url!r} + "/", expected_statuses=None)
    # Plain Python specs: a (min, max) pair is a range, a list holds several specs, an int is one code.
    await vu.http.get({target.url!r} + "/status/250", expected_statuses=(200, 299))
    await vu.http.get({target.url!r} + "/status/404", expected_statuses=[200, (400, 404)])
    await vu.http.get({target.url!r} + "/status/500", expected_statuses=500)
    await vu.http.get({target.url!r} + "/status/299", expected_statuses={{"min": 200, "max": 298}})
""",
    )
    assert code == 0, out
    # The last request (299 outside 200..298) is the one failure.
    assert data["metrics"]["http_req_failed"] == {"passes": 1, "fails": 6, "value": 1 / 7}
    assert data["metrics"]["http_reqs"]["count"] == 8


def test_timings_add_up_and_system_tags(tmp_path: Path, target: Server) -> None:
    code, data, out = run_script(
        tmp_path,
        f"""
from loadcell import group
options = {{"iterations": 2, "tags": {{"team": "perf"}}}}
async def default(vu):
    with group("outer"):
        with group("inner"):
            r = await vu.http.get({target.url!r} + "/delay/20")
    t = r.timings
    assert abs(t.duration - (t.sending + t.waiting + t.receiving)) < 1e-9
    assert 19 <= t.waiting < 200, t
""",
        "--tag",
        "run=ci",
    )
    assert code == 0, out
    tags = points(tmp_path, "http_req_duration")[0]["tags"]
    assert tags["group"] == "::outer::inner"
    assert tags["method"] == "GET" and tags["status"] == "200" and tags["proto"] == "HTTP/1.1"
    assert tags["scenario"] == "default" and tags["expected_response"] == "true"
    assert tags["team"] == "perf" and tags["run"] == "ci"
    it = points(tmp_path, "iterations")[0]["tags"]
    assert it.get("group", "") == "" and it["scenario"] == "default"  # k6 writes group:"" in JSON
    groups = {p["tags"]["group"] for p in points(tmp_path, "group_duration")}
    assert groups == {"::outer", "::outer::inner"}
    assert data["metrics"]["http_req_duration"]["min"] >= 19


def test_waiting_ends_when_the_response_lands_not_when_a_busy_loop_reads_it(
    tmp_path: Path, target: Server
) -> None:
    """A 30 ms response lands while the loop runs 40 tasks of 5 ms each (0-200 ms): it is read at
    ~200 ms, but its first byte is stamped at the next send after it landed (loadcell.http.arrivals).
    The tasks wake on one Event, so they run in one loop pass (timers could split them across two
    passes at a millisecond boundary, and the loop would read the response in between)."""
    code, _, out = run_script(
        tmp_path,
        f"""
import asyncio, time
options = {{"iterations": 1}}
BASE = {target.url!r}

async def busy(vu, start):
    await start.wait()
    end = time.perf_counter() + 0.005
    while time.perf_counter() < end:  # CPU work that does not yield
        pass
    await vu.http.get(BASE + "/")

async def default(vu):
    await asyncio.gather(*(vu.http.get(BASE + "/") for _ in range(41)))  # 41 kept-alive connections
    start = asyncio.Event()
    probe = asyncio.ensure_future(vu.http.get(BASE + "/delay/30"))
    tasks = [asyncio.ensure_future(busy(vu, start)) for _ in range(40)]
    await asyncio.sleep(0)  # the probe is sent
    start.set()
    probe, *_ = await asyncio.gather(probe, *tasks)
    t = probe.timings
    assert 30 <= t.waiting < 150, t
    assert t.waiting + t.receiving >= 180, t  # the loop really was busy when the bytes landed
""",
    )
    assert code == 0, out
    assert "iteration error" not in out


def test_k6_http_options_are_followed(tmp_path: Path, target: Server) -> None:
    code, data, out = run_script(
        tmp_path,
        f"""
options = {{"iterations": 2, "maxRedirects": 1, "userAgent": "perf-suite/1.0",
           "minIterationDuration": "300ms"}}
async def default(vu):
    r = await vu.http.get({target.url!r} + "/redirect/3")
    assert r.status == 302, r  # one hop followed, then stopped
    h = await vu.http.get({target.url!r} + "/headers")
    assert h.json()["user-agent"] == "perf-suite/1.0", h.json()
""",
    )
    assert code == 0, out
    assert data["metrics"]["http_reqs"]["count"] == 6
    # k6 records the iteration before the pad: the pad is idle time, not iteration_duration.
    assert data["metrics"]["iteration_duration"]["max"] < 300
    starts = sorted(datetime.fromisoformat(p["time"]) for p in points(tmp_path, "http_reqs"))
    assert (starts[3] - starts[0]).total_seconds() >= 0.29  # the second iteration waited for the pad
    code, data, out = run_script(
        tmp_path,
        f"""
options = {{"iterations": 1, "discardResponseBodies": True}}
async def default(vu):
    r = await vu.http.get({target.url!r} + "/")
    assert r.status == 200 and r.body is None, r.body
    kept = await vu.http.get({target.url!r} + "/", response_type="text")  # k6's per-request override
    assert kept.json()["ok"] is True, kept.body
""",
    )
    assert code == 0, out
    assert data["metrics"]["data_received"]["count"] > 100  # read and counted, then dropped
    code, data, out = run_script(
        tmp_path,
        f"""
options = {{"iterations": 1}}
async def default(vu):
    r = await vu.http.get({target.url!r} + "/", response_type="none")
    assert r.status == 200 and r.body is None, r.body
    await vu.http.get({target.url!r} + "/", response_type="json")
""",
    )
    assert code == 0, out
    assert "response_type 'json' is not valid; use 'text', 'binary' or 'none'" in out, out


@pytest.mark.parametrize("workers", ["1", "2"])
def test_rps_caps_the_whole_test_across_workers(tmp_path: Path, target: Server, workers: str) -> None:
    code, data, out = run_script(
        tmp_path,
        f"""
options = {{"vus": 6, "duration": "2s", "rps": 20}}
async def default(vu):
    await vu.http.get({target.url!r} + "/")
""",
        "--workers",
        workers,
    )
    assert code == 0, out
    assert 30 <= data["metrics"]["http_reqs"]["count"] <= 46, data["metrics"]["http_reqs"]


def test_rps_paces_calls_not_the_redirect_hops_inside_one(tmp_path: Path, target: Server) -> None:
    code, data, out = run_script(
        tmp_path,
        f"""
options = {{"vus": 2, "duration": "2s", "rps": 10}}
async def default(vu):
    r = await vu.http.get({target.url!r} + "/redirect/3")  # one call, four requests
    assert r.status == 200, r
""",
    )
    assert code == 0, out
    calls, reqs = data["metrics"]["iterations"]["count"], data["metrics"]["http_reqs"]["count"]
    assert 15 <= calls <= 23 and reqs == 4 * calls, (calls, reqs)  # ~10 calls/s, 40 requests/s


def test_tls_is_timed_and_verified(tmp_path: Path, tls_target: Server) -> None:
    code, data, out = run_script(
        tmp_path,
        f"""
options = {{"iterations": 1}}
async def default(vu):
    r = await vu.http.get({tls_target.url!r} + "/")
    assert r.status == 0 and r.error_code == 1310, r
""",
    )
    assert code == 0, out
    assert "iteration error" not in out
    code, data, out = run_script(
        tmp_path,
        f"""
options = {{"iterations": 1, "insecureSkipTLSVerify": True}}
async def default(vu):
    r1 = await vu.http.get({tls_target.url!r} + "/")
    r2 = await vu.http.get({tls_target.url!r} + "/")
    assert r1.status == 200 and r1.json()["ok"], r1
    assert r1.timings.tls_handshaking > 0 and r2.timings.tls_handshaking == 0, (r1.timings, r2.timings)
""",
    )
    assert code == 0, out
    assert "iteration error" not in out
    assert data["metrics"]["http_req_tls_handshaking"]["max"] > 0
