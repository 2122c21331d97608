"""A real `influxd` (InfluxDB 1.x) on a free 127.0.0.1 port with a private data dir, for the output tests.

Import the fixtures explicitly in a test module:
    from tests.integration.influx_fixtures import influxd, make_influxd  # noqa: F401

`influxd` is shared by a module's tests (use a distinct database per test); `make_influxd()` gives a
private server that a test may stop and restart (same port, same data dir) to simulate an outage;
`Influxd(dir, admin=(user, password))` starts one with authentication on and that admin user.
If `influxd` is not installed the fixtures FAIL (they never skip): install it with
`apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y influxdb influxdb-client`
(that is what `.ci/run` does).
"""

from __future__ import annotations

import base64
import json
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port

INSTALL_HINT = (
    "influxd (InfluxDB 1.x) is not installed, and the InfluxDB output tests need a real one: run .ci/run,"
    " or install it with `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y influxdb"
    " influxdb-client`"
)

CONFIG = """reporting-enabled = false
bind-address = "127.0.0.1:{rpc_port}"
[meta]
  dir = "{dir}/meta"
  logging-enabled = false
[data]
  dir = "{dir}/data"
  wal-dir = "{dir}/wal"
  query-log-enabled = false
  trace-logging-enabled = false
[monitor]
  store-enabled = false
[http]
  bind-address = "127.0.0.1:{port}"
  auth-enabled = {auth}
  log-enabled = false
  suppress-write-log = true
[continuous_queries]
  enabled = false
[ifql]
  enabled = false
"""


def influxd_binary() -> str:
    path = shutil.which("influxd") or ("/usr/bin/influxd" if Path("/usr/bin/influxd").exists() else None)
    if path is None:
        pytest.fail(INSTALL_HINT, pytrace=False)
    return path


@dataclass
class Influxd:
    workdir: Path
    port: int = field(default_factory=free_port)
    rpc_port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None
    # With auth on, the first user created must be an admin; query()/write() then use `credentials`.
    auth: bool = False
    credentials: tuple[str, str] | None = None
    admin: tuple[str, str] | None = None  # auth on, with this admin created at start, then sent

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _request(self, url: str, data: bytes | None = None) -> urllib.request.Request:
        req = urllib.request.Request(url, data=data, method="POST")
        if self.credentials:
            token = base64.b64encode(":".join(self.credentials).encode()).decode()
            req.add_header("Authorization", f"Basic {token}")
        return req

    def start(self, timeout: float = 20.0) -> None:
        binary = influxd_binary()
        self.workdir.mkdir(parents=True, exist_ok=True)
        conf = self.workdir / "influxdb.conf"
        auth = str(self.auth or self.admin is not None).lower()
        conf.write_text(CONFIG.format(dir=self.workdir, port=self.port, rpc_port=self.rpc_port, auth=auth))
        log = (self.workdir / "influxd.log").open("ab")
        self.proc = subprocess.Popen([binary, "run", "-config", str(conf)], stdout=log, stderr=log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                tail = (self.workdir / "influxd.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"influxd exited with {self.proc.returncode}:\n{tail}")
            if self.ping():
                if self.admin:  # InfluxDB takes the first admin user without credentials
                    user, password = self.admin
                    self.query(f"CREATE USER \"{user}\" WITH PASSWORD '{password}' WITH ALL PRIVILEGES")
                    self.credentials = self.admin
                return
            time.sleep(0.05)
        self.stop()
        raise TimeoutError(f"influxd did not answer /ping on {self.url} within {timeout}s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def ping(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/ping", timeout=0.5) as resp:
                return resp.status == 204
        except (OSError, urllib.error.URLError):
            return False

    # queries -------------------------------------------------------------------------------------------
    def query(self, q: str, db: str = "") -> list[dict[str, Any]]:
        """The `series` of the first statement's result (empty list if none); raises on an error."""
        params = urllib.parse.urlencode({"db": db, "q": q, "epoch": "ns"})
        with urllib.request.urlopen(self._request(f"{self.url}/query?{params}"), timeout=30) as resp:
            doc = json.loads(resp.read())
        result = doc["results"][0]
        if "error" in result:
            raise RuntimeError(f"{q}: {result['error']}")
        return result.get("series", [])

    def write(self, db: str, lines: str, precision: str = "ns") -> tuple[int, str]:
        params = urllib.parse.urlencode({"db": db, "precision": precision})
        try:
            with urllib.request.urlopen(
                self._request(f"{self.url}/write?{params}", lines.encode()), timeout=30
            ) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def create_db(self, db: str) -> None:
        self.query(f'CREATE DATABASE "{db}"')

    def measurements(self, db: str) -> set[str]:
        series = self.query("SHOW MEASUREMENTS", db)
        return {row[0] for s in series for row in s["values"]}

    def tag_keys(self, db: str) -> dict[str, set[str]]:
        return {s["name"]: {row[0] for row in s["values"]} for s in self.query("SHOW TAG KEYS", db)}

    def field_keys(self, db: str) -> dict[str, dict[str, str]]:
        return {s["name"]: {row[0]: row[1] for row in s["values"]} for s in self.query("SHOW FIELD KEYS", db)}

    def count(self, db: str, measurement: str, fld: str = "value", where: str = "") -> int:
        series = self.query(f'SELECT count("{fld}") FROM "{measurement}" {where}', db)
        return int(series[0]["values"][0][1]) if series else 0

    def total_points(self, db: str) -> int:
        """Every point of every measurement (counted on the `value` field, which every raw point has)."""
        return sum(self.count(db, m) for m in self.measurements(db))


@pytest.fixture(scope="module")
def influxd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Influxd]:
    server = Influxd(tmp_path_factory.mktemp("influxd"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def make_influxd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[], Influxd]]:
    servers: list[Influxd] = []

    def make() -> Influxd:
        server = Influxd(tmp_path_factory.mktemp("influxd-private"))
        server.start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()
