"""Bearer tokens: a static JWT, or OAuth client credentials refreshed 60 s before expiry.

One provider per process, shared by its VUs; a lock makes one refresh serve everyone. A 401 forces
one refresh (the caller retries once).
"""

from __future__ import annotations

import asyncio
import time

from loadcell.engine.vu import VU

from .config import AlbertConfig

TOKEN_PATH = "/api/v3/login/oauth/token"
REFRESH_MARGIN_S = 60.0


class AuthError(RuntimeError):
    pass


class TokenProvider:
    def __init__(self, config: AlbertConfig, margin: float = REFRESH_MARGIN_S) -> None:
        self.config = config
        self.margin = margin
        self._token = config.token
        self._expires_at = float("inf") if config.token else 0.0
        self._lock = asyncio.Lock()
        self.refreshes = 0

    @property
    def refreshable(self) -> bool:
        return self.config.uses_client_credentials

    async def bearer(self, vu: VU) -> str:
        if self._token and time.monotonic() < self._expires_at - self.margin:
            return self._token
        return await self.refresh(vu, stale=self._token)

    async def refresh(self, vu: VU, stale: str | None = None) -> str:
        if not self.refreshable:
            return self._token
        async with self._lock:
            if (
                self._token
                and self._token != stale
                and time.monotonic() < self._expires_at - REFRESH_MARGIN_S
            ):
                return self._token  # another VU refreshed while we waited
            form = {
                "grant_type": "client_credentials",
                "client_id": self.config.client_id,
                "client_secret": self.config.client_secret,
            }
            r = await vu.http.post(self.config.base_url + TOKEN_PATH, data=form, tags={"name": "oauth token"})
            if r.status != 200:
                raise AuthError(
                    f"token request failed with HTTP {r.status}: {self.config.redact(r.text[:200])}"
                )
            body = r.json()
            self._token = body["access_token"]
            lifetime = float(body.get("expires_in", 3600))
            self._expires_at = time.monotonic() + lifetime
            self.margin = min(self.margin, lifetime / 2)  # short-lived tokens still get used
            self.refreshes += 1
            return self._token
