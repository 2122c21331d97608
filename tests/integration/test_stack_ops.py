"""scripts/stack against a real influxd with auth on: the checks of .env, `up` failing when InfluxDB never
answers, the users, grants and retention policies it provisions (what each user can and cannot do), and
backup -> drop -> restore with equal point counts. Docker cannot run here: STACK_COMPOSE is `true` (the
compose commands do nothing) and STACK_INFLUX is empty (influx and influxd are the local binaries, as
they are inside the influxdb container)."""

from __future__ import annotations

import base64
import json
import os
import secrets
import sqlite3
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT, Server, free_port, run_loadcell, write_script
from tests.integration.influx_fixtures import Influxd
from tests.support.compose_env import interpolate

DB = "K6"
ADMIN = ("administrator", secrets.token_hex(8))
WRITER = ("loadcell", "w'" + secrets.token_hex(8))  # a quote: the InfluxQL literal must be escaped
READER = ("grafana", secrets.token_hex(8))
SCRIPT = """
from loadcell import check, env

options = {"vus": 2, "iterations": 20}


async def default(vu):
    r = await vu.http.get(env["BASE_URL"] + "/ping", tags={"name": "ping"})
    check(r, {"status is 200": lambda r: r.status == 200})
"""


def env_file(path: Path, **values: str) -> Path:
    base = {
        "INFLUXDB_DB": DB,
        "INFLUXDB_ADMIN_USER": ADMIN[0],
        "INFLUXDB_ADMIN_PASSWORD": ADMIN[1],
        "INFLUXDB_WRITE_USER": WRITER[0],
        "INFLUXDB_WRITE_USER_PASSWORD": WRITER[1],
        "INFLUXDB_READ_USER": READER[0],
        "INFLUXDB_READ_USER_PASSWORD": READER[1],
        "INFLUXDB_DOWNSAMPLE_RETENTION": "365d",
        "GF_SECURITY_ADMIN_USER": "admin",
        "GF_SECURITY_ADMIN_PASSWORD": secrets.token_hex(8),
    }
    base.update(values)
    path.write_text("".join(f"{k}={v}\n" for k, v in base.items() if v is not None))
    return path


def stack(
    *args: str, env: Path, server: Influxd | None, tmp: Path, **extra: str
) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("INFLUX", "STACK_", "GF_"))}
    environ.update(
        STACK_ENV_FILE=str(env),
        STACK_COMPOSE=extra.pop("STACK_COMPOSE", "true"),
        STACK_INFLUX="",
        INFLUX_HTTP=f"127.0.0.1:{server.port if server else free_port()}",
        INFLUXD_RPC=f"127.0.0.1:{server.rpc_port if server else free_port()}",
        STACK_BACKUPS=str(tmp / "backups"),
        STACK_DATA=str(tmp / "data"),
        STACK_LOGS=str(tmp / "log"),
        STACK_RESULTS=str(tmp / "results"),
        **extra,
    )
    return subprocess.run(
        [str(ROOT / "scripts" / "stack"), *args], env=environ, capture_output=True, text=True, timeout=120
    )


def http(
    server: Influxd, path: str, user: tuple[str, str], data: bytes | None = None, **params: str
) -> tuple[int, Any]:
    """One request as `user`; (status, JSON body or text)."""
    req = urllib.request.Request(
        f"{server.url}/{path}?{urllib.parse.urlencode(params)}", data=data, method="POST"
    )
    req.add_header("Authorization", "Basic " + base64.b64encode(":".join(user).encode()).decode())
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            status, body = resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read().decode()
    try:
        return status, json.loads(body) if body else None
    except json.JSONDecodeError:
        return status, body


def query_as(server: Influxd, user: tuple[str, str], q: str, db: str = DB) -> tuple[int, str]:
    """(status, the first statement's error or '')."""
    status, body = http(server, "query", user, q=q, db=db)
    error = body.get("error") or body["results"][0].get("error", "") if isinstance(body, dict) else str(body)
    return status, error


def counts(server: Influxd) -> dict[str, int]:
    """Points per measurement, every field counted (count(*) gives one column per field)."""
    out = {}
    for s in server.query("SELECT count(*) FROM /.*/", db=DB):
        out[s["name"]] = max(v for v in s["values"][0][1:] if v is not None)
    return out


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Influxd]:
    """influxd with auth on and only the admin, as the influxdb image leaves it after its first start."""
    server = Influxd(tmp_path_factory.mktemp("influxd-auth"), auth=True)
    server.start()
    server.query(f"CREATE USER \"{ADMIN[0]}\" WITH PASSWORD '{ADMIN[1]}' WITH ALL PRIVILEGES")
    server.credentials = ADMIN
    yield server
    server.stop()


@pytest.fixture(scope="module")
def provisioned(secured: Influxd, tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("stack")
    env = env_file(tmp / "env")
    for _ in range(2):  # idempotent: up runs it on every start
        res = stack("provision", env=env, server=secured, tmp=tmp)
        assert res.returncode == 0, res.stderr
    assert ADMIN[1] not in res.stdout + res.stderr and WRITER[1] not in res.stdout + res.stderr
    return env


@pytest.fixture(scope="module")
def written(
    provisioned: Path, secured: Influxd, target: Server, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A real loadcell run configured as the compose runner service is: its environment (K6_OUT and the
    write user's credentials) resolved from the same .env, only the influxdb service's name mapped here."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    dotenv = dict(line.split("=", 1) for line in provisioned.read_text().splitlines())
    runner = interpolate(compose["services"]["loadcell"]["environment"], dotenv)
    runner = {k: v.replace("http://influxdb:8086", secured.url) for k, v in runner.items() if v is not None}
    assert runner["LOADCELL_INFLUXDB_USERNAME"] == WRITER[0]
    script = write_script(tmp_path_factory.mktemp("run"), SCRIPT)
    res = run_loadcell(
        "run", "-q", str(script), "-e", f"BASE_URL={target.url}", "--tag", "testid=ops", env=runner
    )
    assert res.code == 0, res.out
    assert counts(secured)["http_reqs"] == 20


# --- .env checks and `up` ---------------------------------------------------------------------------------


def test_up_refuses_the_placeholders_missing_values_and_shared_users(tmp_path: Path) -> None:
    example = tmp_path / "example.env"
    example.write_text((ROOT / ".env.example").read_text())
    res = stack("up", env=example, server=None, tmp=tmp_path)
    assert res.returncode == 2
    assert "INFLUXDB_ADMIN_PASSWORD" in res.stderr and "still change-me" in res.stderr, res.stderr
    assert "INFLUXDB_WRITE_USER_PASSWORD" in res.stderr and "GF_SECURITY_ADMIN_PASSWORD" in res.stderr
    res = stack(
        "up", env=env_file(tmp_path / "a", INFLUXDB_READ_USER_PASSWORD=None), server=None, tmp=tmp_path
    )
    assert res.returncode == 2 and "set INFLUXDB_READ_USER_PASSWORD in" in res.stderr, res.stderr
    res = stack("up", env=env_file(tmp_path / "b", INFLUXDB_WRITE_USER=ADMIN[0]), server=None, tmp=tmp_path)
    assert res.returncode == 2 and "three different users" in res.stderr, res.stderr
    res = stack("up", env=env_file(tmp_path / "c", INFLUXDB_RETENTION="30 days"), server=None, tmp=tmp_path)
    assert res.returncode == 2 and "INFLUXDB_RETENTION=30 days" in res.stderr, res.stderr
    assert not (tmp_path / "data").exists(), "nothing is created before .env is right"


def test_up_exits_non_zero_with_the_reason_when_influxdb_never_answers(tmp_path: Path) -> None:
    res = stack("up", env=env_file(tmp_path / "env"), server=None, tmp=tmp_path, STACK_WAIT="1")
    assert res.returncode == 1, res.stdout + res.stderr
    assert "InfluxDB did not answer" in res.stderr and "within 1s" in res.stderr, res.stderr
    assert "Grafana http" not in res.stdout  # no success line


def test_up_starts_the_stack_then_provisions_once_influxdb_answers(
    secured: Influxd, provisioned: Path, tmp_path: Path
) -> None:
    """The compose command is a recorder here: what `up` runs, and the users it gives the containers."""
    record = tmp_path / "compose.log"
    fake = tmp_path / "compose"
    fake.write_text(
        f'#!/bin/sh\necho "$* GRAFANA_USER=$GRAFANA_USER LOADCELL_USER=$LOADCELL_USER" >> {record}\n'
    )
    fake.chmod(0o755)
    res = stack("up", env=provisioned, server=secured, tmp=tmp_path, STACK_COMPOSE=str(fake))
    assert res.returncode == 0, res.stderr
    assert "Grafana http://localhost:3000" in res.stdout and "loadcell writes" in res.stdout
    ran = record.read_text()
    assert ran.startswith("up -d influxdb grafana "), ran
    for folder in ("data/influxdb", "data/grafana", "log/influxdb", "log/grafana", "results", "backups"):
        assert (tmp_path / folder).is_dir(), folder
    results = (tmp_path / "results").stat()
    if os.geteuid() == 0:  # it may chown: the images' own users, never root
        assert (results.st_uid, (tmp_path / "data" / "grafana").stat().st_uid) == (1000, 472)
        assert "GRAFANA_USER= LOADCELL_USER=" in ran
    else:
        assert f"LOADCELL_USER={os.getuid()}:{os.getgid()}" in ran


# --- users and retention ------------------------------------------------------------------------------------


def test_the_write_user_writes_and_can_do_nothing_else(written: None, secured: Influxd) -> None:
    status, _ = http(secured, "write", WRITER, b"probe value=1", db=DB)
    assert status == 204
    secured.create_db("other")
    secured.write("other", "secret value=1")
    for q, db in (
        ('SELECT count("value") FROM "http_reqs"', DB),  # its own database: write only
        ('SELECT * FROM "secret"', "other"),
        ('DROP DATABASE "K6"', ""),
        ('DROP MEASUREMENT "http_reqs"', DB),
        (f"CREATE USER \"x\" WITH PASSWORD '{secrets.token_hex(4)}'", ""),
        ("SHOW USERS", ""),
    ):
        status, error = query_as(secured, WRITER, q, db)
        assert "not authorized" in error, f"{q}: {status} {error}"
    assert http(secured, "write", WRITER, b"probe value=1", db="other")[0] == 403
    assert counts(secured)["http_reqs"] == 20


def test_the_read_user_reads_and_can_do_nothing_else(written: None, secured: Influxd) -> None:
    status, body = http(secured, "query", READER, q='SELECT count("value") FROM "http_reqs"', db=DB)
    assert status == 200 and body["results"][0]["series"][0]["values"][0][1] == 20, body
    assert http(secured, "write", READER, b"probe value=1", db=DB)[0] == 403
    for q, db in (
        ('SELECT * FROM "secret"', "other"),
        ('DROP DATABASE "K6"', ""),
        ('DELETE FROM "http_reqs"', DB),
    ):
        status, error = query_as(secured, READER, q, db)
        assert "not authorized" in error, f"{q}: {status} {error}"


def test_retention_defaults_to_30_days_and_the_downsampling_query_runs(
    written: None, secured: Influxd
) -> None:
    policies = {
        row[0]: row for s in secured.query(f'SHOW RETENTION POLICIES ON "{DB}"') for row in s["values"]
    }
    assert policies["raw"][1] == "720h0m0s" and policies["raw"][4] is True  # the default policy
    assert policies["long"][1] == "8760h0m0s" and policies["long"][4] is False
    (cq,) = [row for s in secured.query("SHOW CONTINUOUS QUERIES") if s["name"] == DB for row in s["values"]]
    assert cq[0] == "downsample"
    # The continuous query's own SELECT ... INTO, once over the last hour (the fixture's CQ service is off).
    select = (
        cq[1]
        .split(" BEGIN ", 1)[1]
        .rsplit(" END", 1)[0]
        .replace(" GROUP BY ", " WHERE time > now() - 1h GROUP BY ")
    )
    secured.query(select, db=DB)
    series = secured.query('SELECT sum("count") FROM "long"."http_reqs"', db=DB)
    assert series[0]["values"][0][1] == 20


def test_a_changed_password_in_env_takes_effect(provisioned: Path, secured: Influxd, tmp_path: Path) -> None:
    new = secrets.token_hex(8)
    res = stack(
        "provision",
        env=env_file(tmp_path / "env", INFLUXDB_READ_USER_PASSWORD=new),
        server=secured,
        tmp=tmp_path,
    )
    assert res.returncode == 0, res.stderr
    try:
        assert http(secured, "query", READER, q="SHOW MEASUREMENTS", db=DB)[0] == 401
        assert http(secured, "query", (READER[0], new), q="SHOW MEASUREMENTS", db=DB)[0] == 200
    finally:
        assert stack("provision", env=provisioned, server=secured, tmp=tmp_path).returncode == 0


# --- backup and restore -------------------------------------------------------------------------------------


def test_backup_drop_restore_gives_back_every_point_and_grafanas_data(
    written: None, provisioned: Path, secured: Influxd, tmp_path: Path
) -> None:
    grafana = tmp_path / "data" / "grafana"
    (grafana / "plugins").mkdir(parents=True)
    (grafana / "plugins" / "marker").write_text("plugin file")
    with sqlite3.connect(grafana / "grafana.db") as db:
        db.execute("CREATE TABLE dashboard (uid TEXT, title TEXT)")
        db.execute("INSERT INTO dashboard VALUES ('loadcell-run', 'loadcell run')")
    before = counts(secured)
    assert before["http_reqs"] == 20 and len(before) > 10

    res = stack("backup", env=provisioned, server=secured, tmp=tmp_path)
    assert res.returncode == 0, res.stderr
    backup = Path(res.stdout.strip().splitlines()[-1])
    assert backup.parent == tmp_path / "backups" and any((backup / "influxdb").glob("*.manifest"))

    secured.query(f'DROP DATABASE "{DB}"')
    (grafana / "grafana.db").unlink()
    (grafana / "plugins" / "marker").write_text("changed after the backup")
    assert DB not in {row[0] for s in secured.query("SHOW DATABASES") for row in s.get("values", [])}

    res = stack("restore", env=provisioned, server=secured, tmp=tmp_path)  # the newest backup
    assert res.returncode == 0, res.stderr
    assert counts(secured) == before
    policies = {
        row[0]: row for s in secured.query(f'SHOW RETENTION POLICIES ON "{DB}"') for row in s["values"]
    }
    assert policies["raw"][4] is True
    # DROP DATABASE took the grants with it; restore gives them back.
    assert http(secured, "write", WRITER, b"after_restore value=1", db=DB)[0] == 204
    assert http(secured, "query", READER, q="SHOW MEASUREMENTS", db=DB)[0] == 200
    with sqlite3.connect(grafana / "grafana.db") as db:
        assert db.execute("SELECT title FROM dashboard").fetchall() == [("loadcell run",)]
    assert (grafana / "plugins" / "marker").read_text() == "plugin file"


def test_restore_names_the_missing_backup(provisioned: Path, secured: Influxd, tmp_path: Path) -> None:
    res = stack("restore", "20000101T000000Z", env=provisioned, server=secured, tmp=tmp_path)
    assert res.returncode == 2 and "no backup at" in res.stderr and "scripts/stack backup" in res.stderr
