#!/usr/bin/env python3
"""What `loadcell run --dashboard` costs the run: client CPU per request with and without it.

The target is bench/run.py's private nginx (one worker pinned to core 0, `/api/ping`); loadcell runs
bench/scripts/loadcell_get.py with 50 VUs and one process, pinned to core 1. With the dashboard, a
page is open for the whole run: one GET of the page, then its server-sent event stream read to the
end, as a browser would. Per run, the steady window (the seconds where nginx's count rises, less
2 s at the start and 1.5 s at the end) gives requests (nginx's stub_status) and loadcell's CPU
(utime+stime of its process tree from /proc). Rounds alternate the order of the two modes; the
table shows medians with the min-max range, and the median of each round's with/without ratio.

On a shared host the A/B difference is mostly the host's noise, so every run with the dashboard
also measures the dashboard's own work directly: loadcell runs under this file's --probe, which
wraps Dashboard.tick (the per-period work: the new seconds from SQLite, the histogram, the
counters, the JSON event for each open page) in thread-CPU accounting and reports it against the
process's CPU between the first and the last tick.

    .venv/bin/python bench/dashboard.py            # 5 rounds x 2 modes x 12 s
    .venv/bin/python bench/dashboard.py -r 1 -d 6  # a quick pass
"""

from __future__ import annotations

import argparse
import atexit
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from run import CLK_TCK, Nginx, descendants, proc_ticks

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
LOADCELL = ROOT / ".venv" / "bin" / "loadcell"
SKIP_START, SKIP_END = 2.0, 1.5


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def open_page(port: int, proc: subprocess.Popen[bytes]) -> threading.Thread:
    """A reader of the dashboard as a browser uses it: the page once, then its event stream."""

    def read() -> None:
        while proc.poll() is None:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                conn.request("GET", "/")
                conn.getresponse().read()
                conn.request("GET", "/events")
                stream = conn.getresponse()
                while stream.readline():
                    pass
                return
            except OSError:
                time.sleep(0.05)  # not listening yet

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


def probe(argv: list[str]) -> None:
    """Run `loadcell ARGV` with the dashboard's per-period work timed (thread CPU), then report it."""
    from loadcell.report.dashboard import Dashboard

    spent = {"tick": 0.0, "first": 0.0, "last": 0.0}
    tick = Dashboard.tick

    def timed(self: Dashboard) -> None:
        start = time.thread_time()
        tick(self)
        spent["tick"] += time.thread_time() - start
        spent["last"] = time.process_time()
        spent["first"] = spent["first"] or spent["last"]

    Dashboard.tick = timed  # type: ignore[method-assign]
    atexit.register(lambda: print(f"PROBE {spent['tick']} {spent['last'] - spent['first']}", file=sys.stderr))
    from loadcell.cli.main import main as loadcell_main

    sys.argv = ["loadcell", *argv]
    loadcell_main()


def one_run(nginx: Nginx, dashboard: bool, seconds: int, workdir: Path) -> tuple[float, int, float | None]:
    """(CPU seconds, requests) of loadcell over the steady window, and the dashboard's share of its CPU."""
    port = free_port()
    cmd = ["taskset", "-c", "1", str(LOADCELL), "run", str(BENCH / "scripts/loadcell_get.py")]
    cmd += ["-q", "--no-summary", "-u", "50", "-d", f"{seconds}s", "-w", "1", "--results", str(workdir)]
    if dashboard:
        cmd += ["--dashboard", "--dashboard-port", str(port)]
        cmd[3:4] = [str(LOADCELL.parent / "python"), str(Path(__file__).resolve()), "--probe"]
    env = {**os.environ, "BENCH_URL": f"http://127.0.0.1:{nginx.port}/api/ping"}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    reader = open_page(port, proc) if dashboard else None
    before, polls = nginx.requests(), 0
    while True:  # until the load has begun: each poll is one request of its own
        polls += 1
        if nginx.requests() - before - polls >= 100:
            break
        time.sleep(0.05)
    time.sleep(SKIP_START)
    t_end = time.monotonic() + seconds - SKIP_START - SKIP_END
    r0, c0 = nginx.requests(), sum(proc_ticks(p)[1] for p in descendants(proc.pid))
    time.sleep(max(0.0, t_end - time.monotonic()))
    r1, c1 = nginx.requests(), sum(proc_ticks(p)[1] for p in descendants(proc.pid))
    _, err = proc.communicate(timeout=seconds + 60)
    if reader is not None:
        reader.join(10)
    if proc.returncode != 0:
        sys.exit(f"loadcell exited {proc.returncode}: {' '.join(cmd)}\n{err}")
    share = None
    for line in err.splitlines():
        if line.startswith("PROBE "):
            own, total = (float(x) for x in line.split()[1:])
            share = own / total if total > 0 else None
    return (c1 - c0) / CLK_TCK, r1 - r0 - 1, share


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-r", "--rounds", type=int, default=5)
    parser.add_argument("-d", "--duration", type=int, default=12, help="seconds per run")
    if sys.argv[1:2] == ["--probe"]:
        probe(sys.argv[2:])
        return
    args = parser.parse_args()
    shares: list[float] = []
    per_request: dict[bool, list[float]] = {False: [], True: []}
    rps: dict[bool, list[float]] = {False: [], True: []}
    with tempfile.TemporaryDirectory() as tmp:
        nginx = Nginx(free_port(), Path(tmp))
        nginx.start()
        try:
            for rnd in range(args.rounds):
                for dashboard in (False, True) if rnd % 2 == 0 else (True, False):
                    cpu, reqs, share = one_run(nginx, dashboard, args.duration, Path(tmp) / "results")
                    if share is not None:
                        shares.append(share)
                    window = args.duration - SKIP_START - SKIP_END
                    per_request[dashboard].append(cpu / reqs * 1e6)
                    rps[dashboard].append(reqs / window)
                    mode = "with" if dashboard else "without"
                    print(
                        f"round {rnd + 1} {mode:7} --dashboard: {cpu / reqs * 1e6:6.2f} µs CPU/request, "
                        f"{reqs / window:8.0f} req/s, CPU {cpu / window * 100:5.1f}%",
                        flush=True,
                    )
        finally:
            nginx.stop()

    def span(values: list[float]) -> str:
        return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"

    ratios = [b / a for a, b in zip(per_request[False], per_request[True], strict=True)]
    print()
    print("| mode | CPU per request, µs | requests/s |")
    print("|---|---|---|")
    print(f"| without --dashboard | {span(per_request[False])} | {statistics.median(rps[False]):.0f} |")
    print(
        f"| with --dashboard, a page open | {span(per_request[True])} | {statistics.median(rps[True]):.0f} |"
    )
    ratio = statistics.median(ratios)
    print(
        f"\nwith/without CPU per request, median of the rounds' ratios: {ratio:.3f}"
        f" ({min(ratios):.3f}-{max(ratios):.3f})"
    )
    if shares:
        low, mid, high = min(shares) * 100, statistics.median(shares) * 100, max(shares) * 100
        print(f"the dashboard's own work: {mid:.2f}% of the run's CPU ({low:.2f}-{high:.2f}%)")


if __name__ == "__main__":
    main()
