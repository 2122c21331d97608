"""Per-VU state for the suite: API client, data factory and the reference data found in J1."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from loadcell import check, env
from loadcell.engine.vu import VU

from .api import AlbertApi
from .auth import REFRESH_MARGIN_S, TokenProvider
from .config import AlbertConfig, load_config
from .factories import DataFactory

_providers: dict[str, TokenProvider] = {}


def token_provider(config: AlbertConfig) -> TokenProvider:
    """One provider per process and base URL, shared by all VUs (and setup/teardown)."""
    provider = _providers.get(config.base_url)
    if provider is None:
        margin = float(env.get("ALBERT_TOKEN_REFRESH_MARGIN", REFRESH_MARGIN_S))
        provider = _providers[config.base_url] = TokenProvider(config, margin)
    return provider


@dataclass
class Session:
    vu: VU
    config: AlbertConfig
    api: AlbertApi
    data: DataFactory
    prefix: str
    user_id: str = ""
    storage_location_id: str = ""
    created: dict[str, list[str]] = field(default_factory=dict)

    def ok(self, r: Any, step: str, statuses: tuple[int, ...] = (200, 201, 204)) -> bool:
        return check(r, {f"{step}: status {'/'.join(map(str, statuses))}": lambda r: r.status in statuses})


def session_for(vu: VU) -> Session:
    """The VU's session, created on its first iteration from setup()'s data."""
    sess = vu.store.get("albert")
    if sess is None:
        config = load_config()
        prefix, seed = vu.data["prefix"], int(vu.data["seed"])
        sess = Session(
            vu,
            config,
            AlbertApi(vu, config, token_provider(config)),
            DataFactory(prefix, seed, vu.id),
            prefix,
        )
        vu.store["albert"] = sess
    return sess
