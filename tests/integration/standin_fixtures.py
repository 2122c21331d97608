"""Reusable fixtures for the Albert stand-in: a running server, a raw HTTP helper, the SDK venv.

Import explicitly (``from tests.integration.standin_fixtures import *``) or from conftest.py.
Servers run as real subprocesses (``python -m loadcell.standin.albert --port 0 --memory``) on
127.0.0.1; the official SDK runs from its own cached virtualenv because it pulls in pandas.
"""

from __future__ import annotations

import contextlib
import fcntl
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

ROOT = Path(__file__).resolve().parents[2]
SDK_VERSION = "1.68.0"
SDK_VENV = ROOT / ".cache" / "albert-sdk-venv"
SDK_DRIVER = Path(__file__).resolve().parent / "albert_sdk_driver.py"
READY_LINE = re.compile(r"albert stand-in listening on (?P<url>https?://[^ ]+)(?: \(CA: (?P<ca>.+)\))?$")
START_TIMEOUT = 20.0

__all__ = [
    "Reply",
    "StandinServer",
    "albert_sdk_python",
    "albert_standin",
    "run_sdk",
    "running_standin",
]


@dataclass
class Reply:
    """One HTTP exchange as the tests look at it."""

    status: int
    headers: dict[str, str]
    body: Any

    @property
    def error(self) -> str:
        """The first ``errors[].msg`` of an Albert error body ('' if there is none)."""
        if isinstance(self.body, dict) and self.body.get("errors"):
            return str(self.body["errors"][0].get("msg", ""))
        return ""


@dataclass
class StandinServer:
    """A stand-in subprocess and a tiny HTTP client for it (stdlib only, one request per call)."""

    base_url: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    ca: Path | None = None  # the CA file of a --tls stand-in
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))  # any token is accepted

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: dict[str, Any] | None = None,
        form: dict[str, str] | None = None,
        token: str | None = "",
        headers: dict[str, str] | None = None,
        timeout: float = 10.0,
    ) -> Reply:
        """Send one request; ``token=None`` sends no Authorization header, '' uses the default."""
        headers = {"Accept": "application/json", **(headers or {})}
        bearer = self.token if token == "" else token
        if bearer is not None:
            headers["Authorization"] = f"Bearer {bearer}"
        body: bytes | None = None
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        elif form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if params:
            path = f"{path}?{urlencode(params, doseq=True)}"
        if self.ca is not None:
            context = ssl.create_default_context(cafile=str(self.ca))
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                "127.0.0.1", self.port, timeout=timeout, context=context
            )
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            raw = response.read()
            reply_headers = {k.lower(): v for k, v in response.getheaders()}
            parsed: Any = json.loads(raw) if raw and "json" in reply_headers.get("content-type", "") else raw
            return Reply(response.status, reply_headers, parsed)
        finally:
            conn.close()

    def get(self, path: str, **kwargs: Any) -> Reply:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Reply:
        return self.request("POST", path, json_body=body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> Reply:
        return self.request("PATCH", path, json_body=body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Reply:
        return self.request("DELETE", path, **kwargs)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def _child_env() -> dict[str, str]:
    """The environment for subprocesses: no Albert credentials leak in, no proxy for loopback."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALBERT_")}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    src = str(ROOT / "src")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH", "")) if p)
    return env


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@contextlib.contextmanager
def running_standin(*args: str, log_dir: Path | None = None, tls: bool = False) -> Iterator[StandinServer]:
    """Start ``python -m loadcell.standin.albert --port 0 --memory *args`` and wait until it answers;
    with `tls`, over HTTPS (HTTP/2 offered) on a CA made for it."""
    log_dir = log_dir or ROOT / ".cache" / "standin-logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"standin-{os.getpid()}-{time.monotonic_ns()}.log"
    if tls:
        args = (*args, "--tls", "--tls-dir", str(log_path.with_suffix(".tls")))
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "loadcell.standin.albert", "--port", "0", "--memory", *args],
            cwd=ROOT,
            env=_child_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        base_url, ca = _wait_ready(process, log_path)
        port = int(base_url.rsplit(":", 1)[1])
        server = StandinServer(base_url, port, process, log_path, Path(ca) if ca else None)
        _wait_health(server)
        yield server
    finally:
        _stop(process)
    log_path.unlink(missing_ok=True)


def _wait_ready(process: subprocess.Popen[bytes], log_path: Path) -> tuple[str, str | None]:
    """The ready line's base URL, and the CA file it names for a --tls stand-in."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        for line in log_path.read_text(errors="replace").splitlines():
            ready = READY_LINE.match(line)
            if ready:
                return ready["url"], ready["ca"]
        if process.poll() is not None:
            raise RuntimeError(f"stand-in exited with {process.returncode}:\n{log_path.read_text()}")
        time.sleep(0.05)
    raise TimeoutError(f"stand-in did not announce itself within {START_TIMEOUT}s:\n{log_path.read_text()}")


def _wait_health(server: StandinServer) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            if server.get("/__standin/health", token=None, timeout=2).status == 200:
                return
        except OSError:
            pass
        if time.monotonic() >= deadline:
            raise TimeoutError(f"stand-in on port {server.port} never answered /__standin/health")
        time.sleep(0.05)


@pytest.fixture(scope="session")
def albert_standin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StandinServer]:
    """One fault-free in-memory stand-in shared by the whole session."""
    with running_standin(log_dir=tmp_path_factory.mktemp("standin")) as server:
        yield server


# -- the official SDK in its own virtualenv ----------------------------------------------------


def _sdk_ok(python: Path) -> bool:
    if not python.exists():
        return False
    probe = subprocess.run(
        [str(python), "-c", "import albert; print(albert.__version__)"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return probe.returncode == 0 and probe.stdout.strip() == SDK_VERSION


def ensure_sdk_venv() -> Path:
    """Create ``.cache/albert-sdk-venv`` with ``albert==1.68.0`` once; later calls reuse it.

    Built in a temporary directory and renamed into place, under a file lock, so parallel test
    workers never see a half-installed SDK.
    """
    python = SDK_VENV / "bin" / "python"
    SDK_VENV.parent.mkdir(parents=True, exist_ok=True)
    with (SDK_VENV.parent / "albert-sdk-venv.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _sdk_ok(python):
            return python
        staging = SDK_VENV.with_name(f"albert-sdk-venv.tmp-{os.getpid()}")
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(SDK_VENV, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(staging)], check=True, timeout=300)
        install = subprocess.run(
            [
                str(staging / "bin" / "python"),
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "-q",
                f"albert=={SDK_VERSION}",
            ],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        if install.returncode != 0:
            shutil.rmtree(staging, ignore_errors=True)
            raise RuntimeError(
                f"pip install albert=={SDK_VERSION} failed:\n{install.stdout}\n{install.stderr}"
            )
        staging.rename(SDK_VENV)
        if not _sdk_ok(python):
            raise RuntimeError(f"albert=={SDK_VERSION} installed but does not import from {SDK_VENV}")
        return python


@pytest.fixture(scope="session")
def albert_sdk_python() -> Path:
    """The Python interpreter of the SDK virtualenv (installing the SDK the first time)."""
    try:
        return ensure_sdk_venv()
    except (RuntimeError, subprocess.SubprocessError, OSError) as exc:
        if os.environ.get("CI"):
            pytest.fail(f"cannot provide the official Albert SDK: {exc}")
        pytest.skip(f"cannot install the official Albert SDK (offline?): {exc}")


def run_sdk(
    python: Path, base_url: str, *args: str, timeout: float = 240, ca: Path | None = None
) -> dict[str, Any]:
    """Run the SDK driver against ``base_url`` and return its JSON report; `ca` is the CA file the
    SDK (requests) trusts for a --tls stand-in."""
    env = _child_env()
    if ca is not None:
        env["REQUESTS_CA_BUNDLE"] = str(ca)
    proc = subprocess.run(
        [str(python), str(SDK_DRIVER), "--base-url", base_url, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise AssertionError(
            f"SDK driver failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
        )
    return json.loads(lines[-1])
