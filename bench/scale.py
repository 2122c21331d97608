"""Memory and scale figures: 10k VUs, a flat 10-minute run, 5,000 iterations/s; and over TLS,
loadcell beside k6 at 200, 1,000 and 10,000 VUs.

    python bench/scale.py              # 10k VUs for 30 s + arrival rate 5,000/s for 10 s
    python bench/scale.py --soak       # ... plus 100 VUs against a 50 ms endpoint for 10 minutes
    python bench/scale.py --tls        # HTTPS, 1 s endpoint: 200 VUs 10 s, 1,000 VUs 10 s, 10,000 VUs
                                       # 20 s, loadcell and k6 one after the other (requests, peak RSS)
    python bench/scale.py --tls-soak   # HTTPS: 100 VUs against the 50 ms endpoint for 10 minutes

Starts its own nginx on 127.0.0.1:18081 (echo module, 1 s and 50 ms endpoints; HTTPS on 18443 with
a self-signed RSA-2048 certificate, no session resumption) and samples the RSS of each tool's whole
process tree (loadcell's coordinator + workers) every second from /proc.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOADCELL = ROOT / ".venv" / "bin" / "loadcell"
SCRIPTS = Path(__file__).resolve().parent / "scripts"
PORT = 18081
NGINX = """load_module /usr/lib/nginx/modules/ngx_http_echo_module.so;
worker_processes 1;
worker_rlimit_nofile 30000;
pid {d}/nginx.pid;
error_log {d}/error.log;
events {{ worker_connections 20000; }}
http {{
  access_log off;
  keepalive_requests 100000000;
  client_body_temp_path {d}/body;
  server {{
    listen 127.0.0.1:{port} backlog=8192;
    listen 127.0.0.1:{tls_port} ssl backlog=8192;
    ssl_certificate {d}/cert.pem;
    ssl_certificate_key {d}/key.pem;
    ssl_session_cache off;
    ssl_session_tickets off;
    location = /api/ping {{ default_type application/json; return 200 '{{"status":"ok","pad":"{pad}"}}'; }}
    location = /api/slow1s {{ default_type application/json; echo_sleep 1; echo '{{"ok":true}}'; }}
    location = /api/slow50 {{ default_type application/json; echo_sleep 0.05; echo '{{"ok":true}}'; }}
  }}
}}
"""
TLS_PORT = 18443
K6 = ROOT / ".venv" / "bin" / "k6"
TLS_SCALE = ((200, "10s"), (1000, "10s"), (10000, "20s"))


def tree_rss_mb(pid: int) -> float:
    """RSS of a process and all its descendants, from /proc."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            children = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except OSError:
            continue
        total += next((int(ln.split()[1]) for ln in status.splitlines() if ln.startswith("VmRSS:")), 0)
        stack.extend(int(c) for c in children)
    return total / 1024


def run(script: str, *args: str, limit: float, tool: str = "loadcell") -> tuple[dict, list[float]]:
    """Run loadcell (or k6), sampling the tree RSS each second; returns (summary export, RSS samples)."""
    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "summary.json"
        if tool == "k6":
            cmd = [str(K6), "run", "-q", "--no-usage-report", "--summary-export", str(export), *args]
        else:
            cmd = [str(LOADCELL), "run", "-q", "--no-results", "--summary-export", str(export), *args]
        cmd.append(str(SCRIPTS / script))
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        samples, deadline = [], time.monotonic() + limit
        while proc.poll() is None and time.monotonic() < deadline:
            samples.append(tree_rss_mb(proc.pid))
            time.sleep(1)
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        return json.loads(export.read_text()), samples


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--soak", action="store_true", help="also the 10-minute flat-memory run")
    parser.add_argument("--tls", action="store_true", help="only the HTTPS scale runs, beside k6")
    parser.add_argument("--tls-soak", action="store_true", help="only the 10-minute HTTPS run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        conf = Path(folder) / "nginx.conf"
        conf.write_text(NGINX.format(d=folder, port=PORT, tls_port=TLS_PORT, pad="x" * 150))
        cert = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=x"]
        keys = ["-keyout", f"{folder}/key.pem", "-out", f"{folder}/cert.pem"]
        subprocess.run([*cert, *keys], check=True, capture_output=True)
        subprocess.run(["taskset", "-c", "0", "nginx", "-c", str(conf)], check=True)
        try:
            if args.tls or args.tls_soak:
                tls_runs(soak=args.tls_soak)
                return
            data, rss = run("loadcell_vus10k.py", "-u", "10000", "-d", "30s", limit=120)
            m = data["metrics"]
            print(
                f"10k VUs: peak tree RSS {max(rss):.0f} MB; {m['http_reqs']['count']:.0f} requests, "
                f"vus_max {m['vus_max']['max']:.0f}, failed {m['http_req_failed']['passes']:.0f}"
            )
            data, _ = run("loadcell_arrival5k.py", limit=60)
            m = data["metrics"]
            dropped = m.get("dropped_iterations", {}).get("count", 0)
            print(f"arrival 5,000/s x 10 s: {m['iterations']['count']:.0f} iterations, {dropped:.0f} dropped")
            if args.soak:
                data, rss = run_soak()
                # One sample a second from the start: [60] is minute 1, [599] the last second of
                # minute 10 (the run lasts 10 min + start-up, so later samples may catch the shutdown).
                first, last = rss[60], rss[min(599, len(rss) - 1)]
                print(
                    f"10-minute run: RSS minute 1 {first:.0f} MB, minute 10 {last:.0f} MB, "
                    f"growth {100 * (last - first) / first:+.1f}%, peak {max(rss):.0f} MB"
                )
        finally:
            subprocess.run(["nginx", "-c", str(conf), "-s", "stop"], check=False)


def tls_runs(soak: bool) -> None:
    """The 1 s endpoint over HTTPS: requests and peak tree RSS of loadcell and k6 at each size; or
    the 10-minute run's memory at minute 1 and minute 10."""
    if soak:
        url = f"https://127.0.0.1:{TLS_PORT}/api/slow50"
        flags = ["-u", "100", "-d", "10m", "--insecure-skip-tls-verify", "-e", f"BENCH_URL={url}"]
        data, rss = run("loadcell_vus10k.py", *flags, limit=700)
        first, last = rss[60], rss[min(599, len(rss) - 1)]
        print(
            f"TLS 10-minute run: {data['metrics']['http_reqs']['count']:.0f} requests; RSS minute 1 "
            f"{first:.0f} MB, minute 10 {last:.0f} MB, growth {100 * (last - first) / first:+.1f}%"
        )
        return
    url = f"https://127.0.0.1:{TLS_PORT}/api/slow1s"
    for vus, duration in TLS_SCALE:
        for tool, script in (("loadcell", "loadcell_vus10k.py"), ("k6", "k6_get.js")):
            flags = ["-u", str(vus), "-d", duration, "--insecure-skip-tls-verify", "-e", f"BENCH_URL={url}"]
            data, rss = run(script, *flags, limit=240, tool=tool)
            m = data["metrics"]
            failed = m["http_req_failed"].get("passes", 0)
            print(
                f"TLS {vus} VUs {duration}: {tool:8} {m['http_reqs']['count']:7.0f} requests, "
                f"{failed:.0f} failed, "
                f"peak tree RSS {max(rss, default=0):5.0f} MB, http_req_blocked p95 "
                f"{m.get('http_req_blocked', {}).get('p(95)', 0) / 1000:.1f} s",
                flush=True,
            )


def run_soak() -> tuple[dict, list[float]]:
    env_url = f"http://127.0.0.1:{PORT}/api/slow50"
    return run("loadcell_vus10k.py", "-u", "100", "-d", "10m", "-e", f"BENCH_URL={env_url}", limit=700)


if __name__ == "__main__":
    main()
