"""--out influxdb against an InfluxDB that refuses the credentials, refuses the write permission, or
answers too slowly: the run stops before the load with a clear error, or it prints its summary with
an accounting that matches what InfluxDB really stored."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from loadcell.output.influxdb.delivery import is_v2
from tests.conftest import Server, free_port, run_loadcell, write_script
from tests.integration.influx_fixtures import Influxd, influxd  # noqa: F401
from tests.integration.test_influx_delivery import LOAD, finish, output_stats, start_run

ADMIN = ("admin", "admin-pw-5c1f")
READER = ("reader", "reader-pw-77d0")
WRONG_PASSWORD = "not-the-pw-91ab"


@pytest.fixture(scope="module")
def secured_influxd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Influxd]:
    """influxd with authentication on: an admin, and a user who may only read database `k6`."""
    server = Influxd(tmp_path_factory.mktemp("influxd-auth"), admin=ADMIN)
    server.start()
    server.create_db("k6")
    server.query(f"CREATE USER \"{READER[0]}\" WITH PASSWORD '{READER[1]}'")
    server.query(f'GRANT READ ON "k6" TO "{READER[0]}"')
    yield server
    server.stop()


def _run_against(tmp_path: Path, target: Server, out: str) -> tuple[int, str]:
    script = write_script(tmp_path, LOAD % "30s")
    res = run_loadcell("run", str(script), "-e", f"BASE_URL={target.url}", "--out", out, timeout=60)
    return res.code, res.out


@pytest.mark.parametrize(
    ("user", "password", "status", "fix"),
    [
        (ADMIN[0], WRONG_PASSWORD, "401 authorization failed", "K6_INFLUXDB_PASSWORD"),
        (READER[0], READER[1], "user is not authorized to write", "GRANT WRITE ON"),
    ],
    ids=["wrong-password", "read-only-user"],
)
def test_refused_credentials_stop_the_run_before_the_load(
    tmp_path: Path, target: Server, secured_influxd: Influxd, user: str, password: str, status: str, fix: str
) -> None:
    code, log = _run_against(
        tmp_path, target, f"influxdb=http://{user}:{password}@127.0.0.1:{secured_influxd.port}/k6"
    )
    assert code == 104, log
    assert status in log and fix in log, log
    assert "compatibility API" not in log  # this is InfluxDB 1.x: no 2.x hint
    assert password not in log
    assert "http_reqs" not in log  # no load ran, so there is no summary
    assert secured_influxd.measurements("k6") == set()


@pytest.mark.parametrize(
    ("header", "v2"),
    [("1.6.7~rc0", False), ("1.8.10", False), ("v2.7.1", True), ("2.7.4", True), ("", False)],
)
def test_the_v2_hint_follows_the_x_influxdb_version_header(header: str, v2: bool) -> None:
    assert is_v2(header) is v2


class SlowProxy:
    """A TCP proxy on 127.0.0.1 that forwards each request to InfluxDB at once (so it is stored) and
    holds InfluxDB's answer back for `delay` seconds (so the client times out first)."""

    def __init__(self, upstream_port: int, delay: float) -> None:
        self.upstream_port, self.delay, self.port = upstream_port, delay, free_port()
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> SlowProxy:
        self.thread.start()
        assert self.ready.wait(10)
        return self

    def __exit__(self, *_: object) -> None:
        async def cancel_all() -> None:
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(cancel_all(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(asyncio.start_server(self._client, "127.0.0.1", self.port))
        self.ready.set()
        try:
            self.loop.run_forever()
        finally:
            server.close()
            self.loop.run_until_complete(asyncio.sleep(0))  # let the cancelled pumps close their sockets
            self.loop.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter, delay: float) -> None:
            try:
                while data := await src.read(65536):
                    if delay:
                        await asyncio.sleep(delay)
                    dst.write(data)
                    await dst.drain()
            except OSError:
                pass
            finally:
                dst.close()

        await asyncio.gather(pump(reader, up_writer, 0.0), pump(up_reader, writer, self.delay))


def test_writes_answered_after_the_timeout_are_counted_unknown_not_dropped(
    tmp_path: Path,
    target: Server,
    influxd: Influxd,  # noqa: F811
) -> None:
    """Every write reaches InfluxDB and is stored, but its answer comes after loadcell's timeout:
    no point InfluxDB holds may be counted as dropped."""
    influxd.create_db("slow")
    with SlowProxy(influxd.port, delay=3.0) as proxy:
        script = write_script(tmp_path, LOAD % "2s")
        proc = start_run(
            tmp_path,
            script,
            target,
            f"influxdb=http://127.0.0.1:{proxy.port}/slow",
            LOADCELL_INFLUXDB_TIMEOUT="1s",
            LOADCELL_INFLUXDB_STOP_TIMEOUT="2s",
        )
        code, log = finish(proc, timeout=60)
    assert code == 0, log
    assert re.search(r"http_reqs\.+: \d+", log), log  # the summary is printed
    _, stats = output_stats(tmp_path)
    stored = influxd.total_points("slow")
    print(f"stored in InfluxDB: {stored}; the output's account: {stats}")
    assert stored > 0
    assert stored <= stats["produced"] - stats["dropped"], (stored, stats)  # nothing stored counted as lost
    assert stats["produced"] == stats["delivered"] + stats["dropped"] + stats["unknown"], stats
    assert stats["unknown"] > 0 and "unknown/possibly stored" in log, log
