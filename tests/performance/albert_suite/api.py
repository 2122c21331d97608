"""A thin per-VU Albert client over vu.http: auth header, JSON, URL-template names, Albert's outcomes.

Throttling (429 with Retry-After, or a rate-limit 403) is retried a bounded number of times and
counted in `albert_throttled`, apart from `http_req_failed`; a 206 bulk answer is counted as a
partial success; a 401 refreshes the token once.
"""

from __future__ import annotations

import asyncio
from typing import Any

from loadcell import Response
from loadcell.engine.vu import VU
from loadcell.http.client import ExpectedStatuses

from . import metrics
from .auth import TokenProvider
from .config import AlbertConfig

# 429 is Albert's throttle, not a failure of the system under test: keep it out of http_req_failed.
EXPECTED = ExpectedStatuses((200, 399), 429)
MAX_THROTTLE_RETRIES = 3
MAX_RETRY_AFTER_S = 5.0
_THROTTLE_WORDS = ("rate exceeded", "too many requests", "throttl", "rate limit")


def is_throttle(r: Response) -> bool:
    if r.status == 429:
        return True
    return r.status == 403 and any(w in r.text.lower() for w in _THROTTLE_WORDS)


def retry_after(r: Response) -> float:
    try:
        return min(float(r.headers.get("Retry-After", "1")), MAX_RETRY_AFTER_S)
    except ValueError:
        return 1.0


class AlbertApi:
    def __init__(self, vu: VU, config: AlbertConfig, auth: TokenProvider) -> None:
        self.vu = vu
        self.config = config
        self.auth = auth

    async def call(
        self,
        method: str,
        path: str,
        name: str,
        *,
        json: Any = None,
        params: dict[str, Any] | list[tuple[str, Any]] | None = None,
        form: dict[str, str] | None = None,
    ) -> Response:
        """One logical API call. `name` is the URL template (k6's name tag), e.g. 'GET /inventories/{id}'."""
        refreshed = False
        throttles = 0
        while True:
            token = await self.auth.bearer(self.vu)
            headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
            r = await self.vu.http.request(
                method,
                self.config.base_url + path,
                json=json,
                data=form,
                params=params,
                headers=headers,
                tags={"name": name},
                expected_statuses=EXPECTED,
            )
            throttled = is_throttle(r)
            metrics.throttled.add(throttled)
            if throttled and throttles < MAX_THROTTLE_RETRIES:
                throttles += 1
                await asyncio.sleep(retry_after(r))
                continue
            if r.status == 401 and self.auth.refreshable and not refreshed:
                refreshed = True
                metrics.auth_refreshes.add(1)
                await self.auth.refresh(self.vu, stale=token)
                continue
            if r.status == 206:
                metrics.partial_success.add(1, {"name": name})
            return r

    # conveniences -------------------------------------------------------------------------------------
    def get(self, path: str, name: str, params: Any = None):
        return self.call("GET", path, name, params=params)

    def post(self, path: str, name: str, json: Any = None, params: Any = None):
        return self.call("POST", path, name, json=json, params=params)

    def patch(self, path: str, name: str, json: Any = None):
        return self.call("PATCH", path, name, json=json)

    def put(self, path: str, name: str, json: Any = None):
        return self.call("PUT", path, name, json=json)

    def delete(self, path: str, name: str, params: Any = None):
        return self.call("DELETE", path, name, params=params)
