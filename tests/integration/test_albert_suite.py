"""The Albert suite against the local stand-in: thresholds pass, faults fail them, nothing left behind."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import LOADCELL, ROOT, TEST_RESULTS, run_loadcell
from tests.integration.standin_fixtures import StandinServer, running_standin

SUITE = ROOT / "tests" / "performance"


def suite_run(
    script: str, server: StandinServer, tmp_path: Path, *args: str, tag: str = ""
) -> tuple[int, dict, str]:
    export = tmp_path / f"{script}-{tag}.json"
    res = run_loadcell(
        "run",
        str(SUITE / f"{script}.py"),
        "-q",
        "--summary-export",
        str(export),
        "-e",
        f"ALBERT_BASE_URL={server.base_url}",
        *args,
        env={"ALBERT_RUN_TAG": tag} if tag else None,
        timeout=180,
    )
    data = json.loads(export.read_text()) if export.exists() else {}
    return res.code, data, res.out


def leftovers(server: StandinServer, prefix: str) -> int:
    """Prefixed entities a search still shows (what teardown must have deleted)."""
    count = 0
    for path in ("/api/v3/inventories/search", "/api/v3/tasks/search"):
        count += len(
            server.get(path, params={"text": prefix, "searchAfter": "[]", "limit": 1000}).body["Items"]
        )
    count += len(
        server.post("/api/v3/projects/search", {"text": prefix, "searchAfter": [], "limit": 1000}).body[
            "Items"
        ]
    )
    for collection in ("companies", "tags", "locations", "storagelocations"):
        items = server.get(f"/api/v3/{collection}", params={"name": prefix, "exactMatch": "false"}).body[
            "Items"
        ]
        count += sum(prefix in item.get("name", "") for item in items)
    notebooks = server.get("/api/v3/notebooks/search", params={"text": prefix, "limit": 1000}).body["Items"]
    return count + sum(prefix in (n.get("name") or "") for n in notebooks)


@pytest.fixture(scope="module")
def standin(tmp_path_factory: pytest.TempPathFactory):
    with running_standin(
        "--memory", "--index-lag", "300ms", log_dir=tmp_path_factory.mktemp("standin")
    ) as server:
        yield server


@pytest.mark.parametrize(
    ("script", "args"),
    [
        ("smoke", ()),
        ("crud", ("-e", "PROFILE=quick", "-e", "VUS=4", "-e", "DURATION=4s")),
        ("mixed", ("-e", "PROFILE=quick", "-e", "VUS=6", "-e", "DURATION=6s")),
    ],
)
def test_suite_scripts_pass_and_leave_nothing_behind(
    tmp_path: Path, standin: StandinServer, script: str, args: tuple[str, ...]
) -> None:
    tag = f"t{script}{int(time.time()) % 100000}"
    code, data, out = suite_run(script, standin, tmp_path, *args, tag=tag)
    assert code == 0, out
    metrics = data["metrics"]
    assert metrics["checks"]["fails"] == 0 and metrics["checks"]["passes"] > 0
    assert metrics["http_req_failed"]["value"] == 0
    assert metrics["albert_throttled"]["value"] == 0
    assert leftovers(standin, f"lcperf{tag}") == 0


def test_smoke_covers_every_journey(tmp_path: Path, standin: StandinServer) -> None:
    code, data, out = suite_run("smoke", standin, tmp_path, tag="tjourneys")
    assert code == 0, out
    groups = set(data["root_group"]["groups"])
    assert groups >= {
        "J1 bootstrap",
        "J2 browse inventory",
        "J3 create inventory",
        "J4 edit inventory",
        "J5 project workspace",
        "J6 find projects",
        "J7 task lifecycle",
        "J8 directory lookups",
        "J9 bulk export",
        "J10 lab analytics",
    }
    assert (
        data["metrics"]["albert_index_lag_polls"]["count"] >= 1
    )  # the 300 ms index lag was polled, not slept


def test_interrupted_run_is_cleaned_up_by_teardown(tmp_path: Path, standin: StandinServer) -> None:
    tag = "tinterrupt"
    env = {"LOADCELL_RESULTS": str(TEST_RESULTS), "ALBERT_RUN_TAG": tag}
    proc = subprocess.Popen(
        [
            *LOADCELL,
            "run",
            str(SUITE / "mixed.py"),
            "-q",
            "-e",
            f"ALBERT_BASE_URL={standin.base_url}",
            "-e",
            "PROFILE=quick",
            "-e",
            "VUS=8",
            "-e",
            "DURATION=60s",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(6)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=90)
    assert proc.returncode == 105, err
    assert "TOTAL RESULTS" in out
    assert leftovers(standin, f"lcperf{tag}") == 0


def test_error_rate_fails_http_req_failed_threshold(tmp_path: Path) -> None:
    with running_standin("--memory", "--error-rate", "0.2", "--seed", "7", log_dir=tmp_path) as server:
        code, data, out = suite_run(
            "mixed",
            server,
            tmp_path,
            "-e",
            "PROFILE=quick",
            "-e",
            "VUS=4",
            "-e",
            "DURATION=4s",
            tag="terrors",
        )
    assert code == 99, out
    failed = data["metrics"]["http_req_failed"]
    assert failed["passes"] > 0 and failed["thresholds"] == {"rate<0.01": True}
    assert data["metrics"]["albert_throttled"]["value"] == 0
    assert "✗ 'rate<0.01'" in out


def test_throttling_is_counted_apart_from_failures(tmp_path: Path) -> None:
    with running_standin("--memory", "--throttle", "20", log_dir=tmp_path) as server:
        code, data, out = suite_run(
            "crud",
            server,
            tmp_path,
            "-e",
            "PROFILE=quick",
            "-e",
            "VUS=8",
            "-e",
            "DURATION=4s",
            tag="tthrottle",
        )
    assert code == 99, out
    throttled = data["metrics"]["albert_throttled"]
    assert throttled["passes"] > 0 and throttled["thresholds"] == {"rate<0.01": True}
    assert data["metrics"]["http_req_failed"]["passes"] == 0  # 429s are not counted as failures


def test_client_credentials_refresh_on_401(tmp_path: Path) -> None:
    with running_standin("--memory", "--token-ttl", "1", log_dir=tmp_path) as server:
        code, data, out = suite_run(
            "crud",
            server,
            tmp_path,
            "-e",
            "PROFILE=quick",
            "-e",
            "VUS=2",
            "-e",
            "DURATION=3s",
            "-e",
            "ALBERT_CLIENT_ID=perf-client",
            "-e",
            "ALBERT_CLIENT_SECRET=perf-secret-value",
            "-e",
            "ALBERT_TOKEN_REFRESH_MARGIN=0",
            tag="trefresh",
        )
    assert code == 0, out
    assert data["metrics"]["albert_auth_refreshes"]["count"] >= 1
    assert data["metrics"]["checks"]["fails"] == 0


def test_missing_token_for_a_remote_host_fails_before_any_load() -> None:
    res = run_loadcell(
        "run",
        str(SUITE / "crud.py"),
        "-e",
        "ALBERT_BASE_URL=https://dev.albertinventdev.com",
        env={"ALBERT_TOKEN": "", "ALBERT_CLIENT_ID": "", "ALBERT_CLIENT_SECRET": ""},
    )
    assert res.code == 107
    assert "no credentials for https://dev.albertinventdev.com" in res.stderr
    assert "http_reqs" not in res.stdout


def test_token_never_appears_in_logs_outputs_or_reports(tmp_path: Path, standin: StandinServer) -> None:
    token = f"eyJ{secrets.token_urlsafe(32)}"  # JWT-shaped, random: it must appear nowhere below
    results = tmp_path / "results"
    res = run_loadcell(
        "run",
        str(SUITE / "crud.py"),
        "-e",
        f"ALBERT_BASE_URL={standin.base_url}",
        "-e",
        "PROFILE=quick",
        "-e",
        "VUS=2",
        "-e",
        "DURATION=2s",
        "--out",
        f"json={tmp_path / 'out.json'}",
        "--out",
        f"csv={tmp_path / 'out.csv'}",
        "--results",
        str(results),
        "-v",
        env={"ALBERT_TOKEN": token},
    )
    assert res.code == 0, res.out + standin.log()
    assert token not in res.stdout and token not in res.stderr
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(files) >= 6
    for path in files:
        assert token.encode() not in path.read_bytes(), path
