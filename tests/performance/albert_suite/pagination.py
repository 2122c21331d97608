"""Albert's three pagination modes (KEY, OFFSET, SEARCH_AFTER), each bounded in pages."""

from __future__ import annotations

import json
from typing import Any

from loadcell import Response

from .api import AlbertApi


def items(r: Response) -> list[dict[str, Any]]:
    if r.status != 200 or not r.body:
        return []
    body = r.json()
    if isinstance(body, list):
        return body
    return body.get("Items", body.get("items", [])) or []


async def key_pages(
    api: AlbertApi, path: str, name: str, params: dict[str, Any], max_pages: int = 3
) -> list[dict]:
    """KEY mode: follow `lastKey` (opaque) until it is missing, empty or repeats."""
    out: list[dict] = []
    seen: set[str] = set()
    query = dict(params)
    for _ in range(max_pages):
        r = await api.get(path, name, params=query)
        out.extend(items(r))
        last = r.json().get("lastKey") if r.status == 200 else None
        if not last or last in seen:
            break
        seen.add(last)
        query["startKey"] = last
    return out


async def offset_pages(
    api: AlbertApi, path: str, name: str, body: dict[str, Any], limit: int = 25, max_pages: int = 2
) -> list[dict]:
    """OFFSET mode (POST searches): advance `offset` by the items received until a page is empty."""
    out: list[dict] = []
    offset = 0
    for _ in range(max_pages):
        r = await api.post(path, name, json={**body, "offset": offset, "limit": limit})
        page = items(r)
        if not page:
            break
        out.extend(page)
        offset = int(r.json().get("offset", offset) or offset) + len(page)
        if len(page) < limit:
            break
    return out


async def search_after_pages(
    api: AlbertApi,
    method: str,
    path: str,
    name: str,
    query: dict[str, Any],
    limit: int = 25,
    max_pages: int = 2,
) -> list[dict]:
    """SEARCH_AFTER mode: `searchAfter=[]`, then the previous `nextSearchAfter` (JSON text on GET)."""
    out: list[dict] = []
    cursor: list[Any] = []
    for _ in range(max_pages):
        if method == "GET":
            r = await api.get(path, name, params={**query, "searchAfter": json.dumps(cursor), "limit": limit})
        else:
            r = await api.post(path, name, json={**query, "searchAfter": cursor, "limit": limit})
        page = items(r)
        out.extend(page)
        nxt = r.json().get("nextSearchAfter") if r.status == 200 else None
        if not page or not nxt:
            break
        cursor = nxt
    return out
