"""setup()/teardown() shared by the suite's scripts: check access before load, sweep after it."""

from __future__ import annotations

from typing import Any

from loadcell.engine.vu import current_vu

from .api import AlbertApi
from .cleanup import sweep
from .config import AlbertConfig, load_config, run_prefix
from .factories import DataFactory
from .session import Session, token_provider


def lifecycle_session(config: AlbertConfig, prefix: str, seed: int) -> Session:
    vu = current_vu.get()
    return Session(
        vu, config, AlbertApi(vu, config, token_provider(config)), DataFactory(prefix, seed, 0), prefix
    )


async def suite_setup() -> dict[str, Any]:
    """Authenticate once before any load, so bad credentials stop the run here (exit 107)."""
    config = load_config()
    prefix = run_prefix()
    s = lifecycle_session(config, prefix, config.seed)
    r = await s.api.get(
        "/api/v3/login/validatejwt", "GET /login/validatejwt", params={"includeUserDetails": "true"}
    )
    if r.status != 200:
        raise RuntimeError(
            f"cannot use the Albert API at {config.base_url}: validatejwt answered HTTP {r.status}"
            f" ({config.redact(r.error or r.text[:200])}); check ALBERT_TOKEN or the client credentials"
        )
    return {"prefix": prefix, "seed": config.seed}


async def suite_teardown(data: dict[str, Any]) -> None:
    """Delete everything with this run's prefix, also after a failed or interrupted run."""
    config = load_config()
    await sweep(lifecycle_session(config, data["prefix"], int(data["seed"])))
