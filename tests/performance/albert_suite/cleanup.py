"""Teardown: find everything this run created by its prefix token and delete it, until nothing is left.

Searches lag writes, so the sweep repeats (bounded, with backoff) until two sweeps in a row find nothing.
"""

from __future__ import annotations

import asyncio
import logging

from .pagination import items, key_pages, search_after_pages
from .session import Session

log = logging.getLogger("loadcell")
MAX_SWEEPS = 8
SWEEP_BACKOFF_S = 0.5


async def _found(s: Session) -> list[tuple[str, str]]:
    """(delete path, name tag) for every prefixed entity the API shows now."""
    p = s.prefix
    out: list[tuple[str, str]] = []
    hits = await search_after_pages(
        s.api,
        "GET",
        "/api/v3/inventories/search",
        "GET /inventories/search",
        {"text": p, "order": "desc"},
        limit=1000,
        max_pages=5,
    )
    out += [
        (f"/api/v3/inventories/INV{h['albertId'].removeprefix('INV')}", "DELETE /inventories/{id}")
        for h in hits
    ]
    hits = await search_after_pages(
        s.api,
        "GET",
        "/api/v3/tasks/search",
        "GET /tasks/search",
        {"text": p, "order": "desc"},
        limit=1000,
        max_pages=5,
    )
    out += [(f"/api/v3/tasks/{h['albertId']}", "DELETE /tasks/{id}") for h in hits]
    hits = await search_after_pages(
        s.api,
        "POST",
        "/api/v3/projects/search",
        "POST /projects/search",
        {"text": p, "order": "desc"},
        limit=1000,
        max_pages=5,
    )
    out += [
        (f"/api/v3/projects/PRO{h['albertId'].removeprefix('PRO')}", "DELETE /projects/{id}") for h in hits
    ]
    offset = 0
    for _page in range(5):  # notebooks: GET search, OFFSET pages
        r = await s.api.get(
            "/api/v3/notebooks/search",
            "GET /notebooks/search",
            params={"text": p, "offset": str(offset), "limit": "1000"},
        )
        page = items(r)
        offset += len(page)
        out += [
            (f"/api/v3/notebooks/{h['notebookId']}", "DELETE /notebooks/{id}")
            for h in page
            if p in (h.get("name") or "")
        ]
        if len(page) < 1000:
            break
    for collection, extra in (
        ("companies", {"dupDetection": "false"}),
        ("tags", {"orderBy": "desc"}),
        ("storagelocations", {}),
        ("locations", {}),
    ):
        found = await key_pages(
            s.api,
            f"/api/v3/{collection}",
            f"GET /{collection}?name",
            {"name": p, "exactMatch": "false", **extra},
            max_pages=5,
        )
        out += [
            (f"/api/v3/{collection}/{h['albertId']}", f"DELETE /{collection}/{{id}}")
            for h in found
            if p in h.get("name", "")
        ]
    return out


async def sweep(s: Session) -> int:
    """Delete the run's leftovers; returns how many entities were deleted."""
    deleted = 0
    empty_sweeps = 0
    for attempt in range(MAX_SWEEPS):
        found = await _found(s)
        if not found:
            empty_sweeps += 1
            if empty_sweeps >= 2:
                break
        else:
            empty_sweeps = 0
            for path, name in found:
                r = await s.api.delete(path, name)
                deleted += r.status in (200, 204)
        await asyncio.sleep(SWEEP_BACKOFF_S * (attempt + 1))
    if deleted:
        log.info("teardown deleted %d leftover entities with prefix %s", deleted, s.prefix)
    return deleted


async def count_prefixed(s: Session) -> int:
    """How many entities with the run's prefix the API still shows (for the after-run check)."""
    return len(await _found(s))
