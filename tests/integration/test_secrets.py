"""No configured secret leaves the process: a token from the process environment, one from .env, one
marked with --secret and one named in LOADCELL_SECRETS, each quoted by an iteration error, a URL, a
tag, a check name and setup()'s data, appear in no log line, no output and no result file."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
from collections.abc import Callable
from pathlib import Path

from tests.conftest import LOADCELL, Server, write_script
from tests.integration.influx_fixtures import Influxd, make_influxd  # noqa: F401

SCRIPT = """
from loadcell import check, env

options = {"scenarios": {"s": {"executor": "per-vu-iterations", "vus": 2, "iterations": 3}}}
SECRETS = [env["ALBERT_TOKEN"], env["ALBERT_CLIENT_SECRET"], env["MY_PLAIN"], env["OTHER"]]

def setup():
    return {"token": env["OTHER"]}  # setup()'s data is part of k6's summary data

async def default(vu):
    for value in SECRETS:
        r = await vu.http.get(env["BASE_URL"] + "/?token=" + value, tags={"who": value})
        check(r, {"sent " + value: lambda r: r.status == 200})
    raise RuntimeError("the server refused " + " and ".join(SECRETS))
"""


def test_secrets_are_masked_in_every_writer(
    tmp_path: Path,
    target: Server,
    make_influxd: Callable[[], Influxd],  # noqa: F811
) -> None:
    influx = make_influxd()
    values = {
        "ALBERT_TOKEN": "proc-" + secrets.token_hex(8),  # the process environment (a Kubernetes Secret)
        "ALBERT_CLIENT_SECRET": "dotenv-" + secrets.token_hex(8),
        "MY_PLAIN": "flag-" + secrets.token_hex(8),  # an ordinary name: --secret MY_PLAIN
        "OTHER": "listed-" + secrets.token_hex(8),  # an ordinary name: LOADCELL_SECRETS=OTHER
    }
    (tmp_path / ".env").write_text(f"ALBERT_CLIENT_SECRET={values['ALBERT_CLIENT_SECRET']}\n")
    script = write_script(tmp_path, SCRIPT)
    env = {
        **os.environ,
        "ALBERT_TOKEN": values["ALBERT_TOKEN"],
        "MY_PLAIN": values["MY_PLAIN"],
        "OTHER": values["OTHER"],
        "LOADCELL_SECRETS": "OTHER",
    }
    res = subprocess.run(
        [
            *LOADCELL,
            "run",
            str(script),
            "--workers",
            "2",
            "--secret",
            "MY_PLAIN",
            "-e",
            f"BASE_URL={target.url}",
            *("--results", str(tmp_path / "results")),
            *("--summary-export", str(tmp_path / "export.json")),
            *("--out", f"json={tmp_path / 'out.json'}", "--out", f"csv={tmp_path / 'out.csv'}"),
            *("--out", f"influxdb={influx.url}/masked"),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    log = res.stdout + res.stderr
    assert res.returncode == 0, log
    assert "the server refused ***" in res.stderr, log  # the error is logged, masked
    files = [
        tmp_path / "export.json",
        tmp_path / "out.json",
        tmp_path / "out.csv",
        *(tmp_path / "results").glob("*/*"),
    ]
    names = {f.name for f in files}
    assert {"summary.json", "summary.txt", "report.html", "metrics.sqlite"} <= names, names
    rows = influx.query('SELECT * FROM "http_reqs"', db="masked")
    stored = json.dumps(rows) + json.dumps(influx.query("SHOW TAG VALUES WITH KEY =~ /.*/", db="masked"))
    assert "token=***" in stored and '"***"' in stored, stored[:2000]
    export = json.loads((tmp_path / "export.json").read_text())
    assert export["setup_data"] == {"token": "***"}
    # k6's keys and the outputs' counts (docs/outputs.md): the iteration errors are in the log.
    assert set(export) == {"root_group", "metrics", "setup_data", "outputs"}
    report = next(f for f in files if f.name == "report.html").read_text()
    assert "the server refused ***" in report  # and in the report, masked
    for name, value in values.items():
        assert value not in log, (name, log)
        assert value not in stored, name
        for path in files:
            assert value.encode() not in path.read_bytes(), (name, path)
