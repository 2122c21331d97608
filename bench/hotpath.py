"""The Python share of one request, without the kernel: the engine's real request path on an
in-process transport that answers every write with a fixed nginx-like response.

Wall-clock benchmarks on a shared 2-vCPU VM drift by ±30%, which hides a 5% change. This one
has no sockets, no timers and no other process, so under callgrind its instruction count per
request is repeatable to a few parts per thousand:

    python bench/hotpath.py                  # µs of CPU per iteration (noisy, like any clock)
    python bench/hotpath.py --callgrind      # instructions per iteration (repeatable)

One iteration is bench/scripts/loadcell_get.py: a GET, a status check and every default metric
(the buffer rows are folded by numpy every 1,000 iterations, as the run's 100 ms flush would).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import uvloop

from loadcell.engine.context import RunContext, set_context
from loadcell.engine.iteration import run_iteration
from loadcell.engine.script import load_script
from loadcell.engine.vu import VU, current_vu
from loadcell.http import exchange as exchange_module
from loadcell.http.connection import HttpConnection
from loadcell.metrics.buffer import Folder
from loadcell.metrics.registry import REGISTRY

ROOT = Path(__file__).resolve().parent
SCRIPT = ROOT / "scripts" / "loadcell_get.py"
BODY = b'{"status":"ok","service":"bench","data":{"items":[1,2,3,4,5],"count":5},"pad":"' + b"x" * 120 + b'"}'
RESPONSE = (
    b"HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Thu, 26 Nov 2026 13:15:50 GMT\r\n"
    b"Content-Type: application/json\r\nContent-Length: %d\r\nConnection: keep-alive\r\n\r\n%s"
    % (len(BODY), BODY)
)


class LoopbackTransport(asyncio.Transport):
    """Answers each request on the next loop pass, as a server's reply would arrive."""

    def __init__(self, loop: asyncio.AbstractEventLoop, conn: HttpConnection) -> None:
        super().__init__()
        self._loop = loop
        self._conn = conn

    def write(self, data: bytes) -> None:  # type: ignore[override]
        self._loop.call_soon(self._conn.data_received, RESPONSE)

    def close(self) -> None:
        pass

    def is_closing(self) -> bool:
        return False


async def _open(loop, key, ssl_context, server_hostname, dials):  # same signature as open_connection
    conn = HttpConnection(loop)
    conn.connection_made(LoopbackTransport(loop, conn))
    return conn, 0.0, 0.0


async def _vu_loop(vu: VU, fn, ctx: RunContext, count: int) -> None:
    current_vu.set(vu)
    for _ in range(count):
        await run_iteration(vu, fn, ctx)
    if ctx.errors or ctx.request_errors:  # a broken request path must not be measured
        raise SystemExit(f"the bench iteration failed: {dict(ctx.errors)} {ctx.request_errors}")


async def drive(iterations: int, vus: int) -> float:
    """Run `iterations` iterations over `vus` VUs; returns CPU seconds of the measured part."""
    ctx = RunContext(env={"BENCH_URL": "http://127.0.0.1:8080/api/ping"})
    set_context(ctx)
    exchange_module.open_connection = _open  # type: ignore[assignment]
    os.environ["BENCH_URL"] = "http://127.0.0.1:8080/api/ping"
    fn = load_script(SCRIPT).function("default")
    folder = Folder(REGISTRY, ctx.tagsets)
    pool = [VU(i + 1, ctx) for i in range(vus)]
    for vu in pool:
        vu.enter_scenario("default", {}, {})
    await asyncio.gather(*(_vu_loop(vu, fn, ctx, 2) for vu in pool))  # warm caches and connections
    folder.fold(*ctx.buffer.drain(), keep_raw=False)
    start = time.process_time()
    batch = 1000
    for _ in range(iterations // batch):
        await asyncio.gather(*(_vu_loop(vu, fn, ctx, batch // vus) for vu in pool))
        folder.fold(*ctx.buffer.drain(), keep_raw=False)
    return time.process_time() - start


def _instructions(iterations: int, vus: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cg.out"
        proc = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={out}",
                sys.executable,
                __file__,
                "-n",
                str(iterations),
                "-u",
                str(vus),
            ],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": "0"},
            check=True,
        )
    match = re.search(r"Collected : (\d+)", proc.stderr)
    if not match:
        raise SystemExit(f"callgrind printed no total:\n{proc.stderr[-2000:]}")
    return int(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=50_000, help="iterations (a multiple of 1,000)")
    parser.add_argument("-u", type=int, default=50, help="VUs (divides 1,000)")
    parser.add_argument("--callgrind", action="store_true", help="instructions per iteration, by difference")
    args = parser.parse_args()
    if args.callgrind:
        small, large = 2_000, 12_000
        per = (_instructions(large, args.u) - _instructions(small, args.u)) / (large - small)
        print(f"{per:,.0f} instructions per iteration (callgrind, {large:,} - {small:,} iterations)")
        return
    uvloop.install()
    cpu = asyncio.run(drive(args.n, args.u))
    print(f"{cpu / args.n * 1e6:.2f} µs CPU per iteration ({args.n:,} iterations, {args.u} VUs)")


if __name__ == "__main__":
    main()
