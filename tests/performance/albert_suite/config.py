"""The seed's configuration, from the environment or .env: base URL, tester identity, credentials.

Secrets (ALBERT_TOKEN, ALBERT_CLIENT_SECRET) are only ever read here and kept out of tags, logs and
reports; `redact()` is what error messages go through.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from loadcell import env

DEFAULT_BASE_URL = "https://dev.albertinventdev.com"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
# The stand-in accepts any bearer token; this one is public and only used against local hosts.
STANDIN_TOKEN = "loadcell-standin-dev-token"


class ConfigError(RuntimeError):
    """Raised at import time so a misconfigured run stops before any load (exit 107)."""


@dataclass(frozen=True)
class Tester:
    name: str
    email: str
    user_id: str
    location: str


@dataclass(frozen=True)
class AlbertConfig:
    base_url: str
    tester: Tester
    profile: str
    seed: int
    token: str = field(default="", repr=False)
    client_id: str = ""
    client_secret: str = field(default="", repr=False)

    @property
    def is_local(self) -> bool:
        return (urlsplit(self.base_url).hostname or "") in LOCAL_HOSTS

    @property
    def uses_client_credentials(self) -> bool:
        return bool(self.client_id and self.client_secret)

    def redact(self, text: str) -> str:
        for secret in (self.token, self.client_secret):
            if secret:
                text = text.replace(secret, "***")
        return text


def load_config(source: Mapping[str, str] | None = None) -> AlbertConfig:
    values = env if source is None else source
    base_url = values.get("ALBERT_BASE_URL", DEFAULT_BASE_URL).rstrip("/")
    tester = Tester(
        name=values.get("ALBERT_TESTER_NAME", "performanceTester"),
        email=values.get("ALBERT_TESTER_EMAIL", "performanceTester@albertinvent.com"),
        user_id=values.get("ALBERT_USER_ID", "USR215409"),
        location=values.get("ALBERT_LOCATION_ID", "LOC37511"),
    )
    seed_text = values.get("SEED", "")
    try:
        seed = int(seed_text) if seed_text else int(time.time())
    except ValueError:
        raise ConfigError(
            f"SEED={seed_text!r} is not an integer; pass e.g. -e SEED=42 to replay a run"
        ) from None
    config = AlbertConfig(
        base_url=base_url,
        tester=tester,
        profile=values.get("PROFILE", "smoke"),
        seed=seed,
        token=values.get("ALBERT_TOKEN", ""),
        client_id=values.get("ALBERT_CLIENT_ID", ""),
        client_secret=values.get("ALBERT_CLIENT_SECRET", ""),
    )
    if not config.token and not config.uses_client_credentials:
        if not config.is_local:
            raise ConfigError(
                f"no credentials for {base_url}: set ALBERT_TOKEN, or ALBERT_CLIENT_ID and"
                " ALBERT_CLIENT_SECRET, in the environment or .env (or point ALBERT_BASE_URL at the local"
                " stand-in, e.g. http://127.0.0.1:8091)"
            )
        config = AlbertConfig(base_url, tester, config.profile, seed, token=STANDIN_TOKEN)
    return config


def run_prefix() -> str:
    """One full-text token per run (no separators), so search and teardown find exactly this run's data.

    Random, not derived from SEED: two runs with the same SEED (a replay beside a live run) must not
    share a token, or one run's teardown deletes the other's data."""
    tag = os.environ.get("ALBERT_RUN_TAG") or secrets.token_hex(4)
    return f"lcperf{tag}"
