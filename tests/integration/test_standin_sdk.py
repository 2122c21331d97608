"""The official Albert SDK (``albert==1.68.0``) against the stand-in: every call works, values round-trip,
and injected faults reach the SDK as the real API's would (5xx, 429 with Retry-After)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.standin_fixtures import *  # noqa: F403 - pytest fixtures are found by name
from tests.integration.standin_fixtures import StandinServer, run_sdk, running_standin


def _failures(report: dict) -> str:
    return "\n".join(f"{f['name']}: {f.get('error')}\n{f.get('trace', '')}" for f in report["failed"])


def test_sdk_crud_round_trips(albert_standin: StandinServer, albert_sdk_python: Path) -> None:
    """Inventory, lots, projects, tasks, users, locations, storage, companies, tags, lab data."""
    report = run_sdk(albert_sdk_python, albert_standin.base_url)
    assert report["ok"], _failures(report)
    names = {s["name"] for s in report["steps"]}
    for family in (
        "inventory.create",
        "lots.create",
        "projects.create",
        "tasks.create",
        "users.search",
        "locations.create",
        "storage_locations.create",
        "companies.create",
        "tags.create",
    ):
        assert any(n.startswith(family) for n in names), family
    assert report["total"] >= 80  # every check ran, none was skipped by an early failure


def test_sdk_talks_to_the_stand_in_over_tls(albert_sdk_python: Path) -> None:
    """The real API is HTTPS: the SDK, trusting only the stand-in's generated CA, does the whole CRUD
    round trip over TLS; without that CA it is refused."""
    with running_standin(tls=True) as server:
        assert server.base_url.startswith("https://") and server.ca is not None
        report = run_sdk(albert_sdk_python, server.base_url, ca=server.ca)
        assert report["ok"], _failures(report)
        assert report["total"] >= 80
        with pytest.raises(AssertionError, match="CERTIFICATE_VERIFY_FAILED"):
            run_sdk(albert_sdk_python, server.base_url, "--probe", "1")


def test_sdk_client_credentials_and_refresh(albert_sdk_python: Path) -> None:
    """ALBERT_CLIENT_ID/SECRET → /api/v3/login/oauth/token; the SDK refreshes 60 s before expiry."""
    with running_standin("--token-ttl", "62") as server:
        report = run_sdk(albert_sdk_python, server.base_url, "--auth", "credentials", "--refresh-wait", "2.5")
    assert report["ok"], _failures(report)


def test_sdk_surfaces_injected_server_errors(albert_sdk_python: Path) -> None:
    with running_standin("--error-rate", "1.0", "--seed", "7") as server:
        report = run_sdk(albert_sdk_python, server.base_url, "--probe", "2", "--retries", "1")
    outcomes = report["steps"][-1]["outcomes"]
    assert outcomes and all(not o["ok"] for o in outcomes)
    assert {o["status"] for o in outcomes} <= {500, 502, 503, 504}
    assert all(o["error"] for o in outcomes)  # an AlbertHTTPError subclass, e.g. AlbertServerError


def test_throttle_answers_429_with_retry_after_and_sdk_waits_it_out(albert_sdk_python: Path) -> None:
    with running_standin("--throttle", "2") as server:
        burst = [server.get("/api/v3/users/USR215409") for _ in range(8)]
        limited = [r for r in burst if r.status == 429]
        assert limited, [r.status for r in burst]
        assert all(int(r.headers["retry-after"]) >= 1 for r in limited)
        assert limited[0].error == "Too Many Requests"
        report = run_sdk(albert_sdk_python, server.base_url, "--probe", "3")
    outcomes = report["steps"][-1]["outcomes"]
    assert all(o["ok"] for o in outcomes), outcomes  # 429 is retried for every method
    assert max(o["seconds"] for o in outcomes) >= 0.9  # ... after sleeping for Retry-After
