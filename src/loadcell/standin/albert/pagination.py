"""The three Albert pagination envelopes: KEY (``lastKey``), OFFSET and SEARCH_AFTER.

- KEY lists answer ``{"Items", "lastKey"?}``; ``lastKey`` is opaque base64 JSON and absent on
  the last page, which is how the SDK knows to stop.
- OFFSET searches answer ``{"Items", "total", "offset"}``; the SDK stops on an empty page.
- SEARCH_AFTER searches answer ``{"Items", "total", "nextSearchAfter", "Facets"?}``; the cursor
  is ``[sortValue, id]`` (creation time in ms as a string, then the full ID) and null at the end.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from typing import Any

from loadcell.standin.albert.http import bad_request
from loadcell.standin.albert.kinds import Kind
from loadcell.standin.albert.store import Cond, Record, Store

KEY_PAGE_SIZE = 100
SEARCH_PAGE_SIZE = 1000
MAX_LIMIT = 1000


def parse_limit(raw: Any, default: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise bad_request(f"limit must be an integer, got {raw!r}") from None
    if value < 0:
        raise bad_request("limit must be >= 0")
    return min(value, MAX_LIMIT)


def parse_offset(raw: Any) -> int:
    if raw is None or raw == "":
        return 0
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise bad_request(f"offset must be an integer, got {raw!r}") from None
    if value < 0:
        raise bad_request("offset must be >= 0")
    return value


def parse_order(raw: Any, default: str) -> str:
    """``order``/``orderBy``: a string (``asc`` or anything else for descending); 400 for other JSON."""
    if raw is None or raw == "":
        return default
    if not isinstance(raw, str):
        raise bad_request(f"order must be asc or desc, got {raw!r}")
    return raw


def parse_text(raw: Any) -> str | None:
    """The search ``text``: a string, or nothing; 400 for other JSON."""
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        raise bad_request(f"text must be a string, got {raw!r}")
    return raw


def encode_key(seq: int) -> str:
    return base64.b64encode(json.dumps({"seq": seq}, separators=(",", ":")).encode()).decode()


def decode_key(raw: str | None) -> int | None:
    """A ``startKey`` back to the list position; ``0`` or empty means the first page."""
    if raw in (None, "", "0"):
        return None
    try:
        return int(json.loads(base64.b64decode(raw))["seq"])
    except (ValueError, KeyError, TypeError, OverflowError, RecursionError):
        raise bad_request("Invalid startKey") from None


def parse_search_after(raw: Any) -> tuple[int, str] | None:
    """``searchAfter`` as sent by GET (JSON text) or POST (array); ``[]`` means the first page."""
    value = raw
    if isinstance(raw, str):
        try:
            value = json.loads(raw) if raw else []
        except (ValueError, RecursionError):
            raise bad_request("searchAfter must be a JSON array") from None
    if value in (None, []):
        return None
    if not isinstance(value, list) or len(value) != 2:
        raise bad_request("searchAfter must be [sortValue, id]")
    try:
        return int(value[0]), str(value[1])
    except (TypeError, ValueError, OverflowError):
        raise bad_request("searchAfter sort value must be numeric") from None


def key_page(records: Sequence[Record], limit: int, to_item: Callable[[Record], Any]) -> dict[str, Any]:
    """KEY envelope from ``limit + 1`` fetched records (the extra one only proves there is more)."""
    page = list(records[:limit])
    body: dict[str, Any] = {"Items": [to_item(r) for r in page]}
    if len(records) > limit and page:
        body["lastKey"] = encode_key(page[-1].seq)
    return body


def offset_page(items: list[Any], total: int, offset: int) -> dict[str, Any]:
    return {"Items": items, "total": total, "offset": offset}


def search_after_page(
    records: Sequence[Record],
    limit: int,
    total: int,
    to_item: Callable[[Record], Any],
    facets: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """SEARCH_AFTER envelope from ``limit + 1`` fetched records."""
    page = list(records[:limit])
    cursor = [str(page[-1].created_ms), page[-1].id] if len(records) > limit and page else None
    body: dict[str, Any] = {"Items": [to_item(r) for r in page], "total": total, "nextSearchAfter": cursor}
    if facets is not None:
        body["Facets"] = facets
    return body


def list_by_key(
    store: Store,
    kind: Kind,
    conds: Sequence[Cond],
    *,
    start_key: str | None,
    limit: Any,
    order: str | None,
    to_item: Callable[[Record], Any],
) -> dict[str, Any]:
    """A plain ``GET /<collection>`` list in insertion order (``orderBy=desc`` reverses it)."""
    size = parse_limit(limit, KEY_PAGE_SIZE)
    records = store.find(
        kind,
        conds,
        by="seq",
        order=parse_order(order, "asc"),
        after_seq=decode_key(start_key),
        limit=size + 1,
    )
    return key_page(records, size, to_item)


def search_by_cursor(
    store: Store,
    kind: Kind,
    conds: Sequence[Cond],
    *,
    text: str | None,
    order: str | None,
    search_after: Any,
    limit: Any,
    statuses: Sequence[str] | None,
    to_item: Callable[[Record], Any],
    facets: Callable[[], list[dict[str, Any]]] | None = None,
) -> dict[str, Any]:
    """A SEARCH_AFTER search: only entities past the index lag, newest first by default."""
    size = parse_limit(limit, SEARCH_PAGE_SIZE)
    text = parse_text(text)
    records = store.find(
        kind,
        conds,
        text=text,
        statuses=statuses,
        searchable=True,
        order=parse_order(order, "desc"),
        after=parse_search_after(search_after),
        limit=size + 1,
    )
    total = store.count(kind, conds, text=text, statuses=statuses, searchable=True)
    return search_after_page(records, size, total, to_item, facets() if facets else None)


def search_by_offset(
    store: Store,
    kind: Kind,
    conds: Sequence[Cond],
    *,
    text: str | None,
    order: str | None,
    offset: Any,
    limit: Any,
    statuses: Sequence[str] | None = ("active",),
    to_item: Callable[[Record], Any],
) -> dict[str, Any]:
    """An OFFSET search: only entities past the index lag, newest first by default."""
    size = parse_limit(limit, SEARCH_PAGE_SIZE)
    start = parse_offset(offset)
    text = parse_text(text)
    records = store.find(
        kind,
        conds,
        text=text,
        statuses=statuses,
        searchable=True,
        order=parse_order(order, "desc"),
        limit=size,
        offset=start,
    )
    total = store.count(kind, conds, text=text, statuses=statuses, searchable=True)
    return offset_page([to_item(r) for r in records], total, start)
