"""Inventory search: the dominant read path (J2 browsing, J9 export), by cursor (GET) or offset
(POST), with the facets the UI shows beside the results.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from loadcell.standin.albert.http import (
    JSON,
    Context,
    bad_request,
    body_list,
    ctx,
    qlist,
    qstr,
    read_object,
    with_prefix,
)
from loadcell.standin.albert.kinds import INVENTORY, PROJECT
from loadcell.standin.albert.pagination import search_by_cursor, search_by_offset
from loadcell.standin.albert.routes.common import statuses
from loadcell.standin.albert.store import Cond, Record, column_in, json_any_in, json_in

_FIELD = re.compile(r"^[A-Za-z0-9_]+$")  # metadata keys end up inside a JSON path literal


def search_item(record: Record) -> dict[str, Any]:
    """A search hit: ``albertId`` without the ``INV`` prefix, tags as ``tagId``/``tagName``."""
    doc = record.doc
    return {
        "albertId": record.id[3:],
        "name": doc.get("name", ""),
        "alias": doc.get("alias"),
        "manufacturer": (doc.get("Company") or {}).get("name"),
        "description": doc.get("description") or "",
        "category": doc.get("category"),
        "unit": doc.get("unitCategory"),
        "status": doc.get("status"),
        "lots": [],
        "tags": [{"tagId": t.get("id"), "tagName": t.get("name")} for t in doc.get("Tags") or []],
        "pictogram": [],
        "inventoryOnHand": doc.get("onHand", 0.0),
        "createdAt": (doc.get("Created") or {}).get("at"),
        "createdBy": (doc.get("Created") or {}).get("by"),
    }


def _created_by(values: list[str]) -> Cond:
    lowered = tuple(v.lower() for v in values)
    marks = ",".join("?" * len(values))
    sql = (
        f"(lower(json_extract(doc, '$.Created.by')) IN ({marks}) "
        f"OR lower(json_extract(doc, '$.Created.byName')) IN ({marks}))"
    )
    return Cond(sql, lowered + lowered)


def _lot_located(path: str, names: list[str]) -> Cond:
    """The item has an active lot whose location (or storage location) name is one of ``names``."""
    marks = ",".join("?" * len(names))
    sql = (
        "EXISTS (SELECT 1 FROM entities l WHERE l.kind = 'lot' AND l.parent_id = entities.id "
        f"AND l.status = 'active' AND lower(json_extract(l.doc, '$.{path}.name')) IN ({marks}))"
    )
    return Cond(sql, tuple(n.lower() for n in names))


def _metadata(filters: Any) -> list[Cond]:
    """``metadataFilters: {"metadata": {field: [values]}}``: scalar equality or a linked id/name."""
    conds: list[Cond] = []
    metadata = filters.get("metadata") if isinstance(filters, dict) else None
    for field, raw in (metadata or {}).items():
        values = [
            str(v.get("id") or v.get("name")) if isinstance(v, dict) else str(v)
            for v in (raw if isinstance(raw, list) else [raw])
        ]
        if not values:
            continue
        if not _FIELD.match(str(field)):
            raise bad_request(f"invalid metadata field name {field!r}")
        marks = ",".join("?" * len(values))
        path = f"$.Metadata.{field}"
        sql = (
            f"(json_extract(doc, '{path}') IN ({marks}) OR EXISTS (SELECT 1 FROM json_each(doc, '{path}') m "
            f"WHERE json_extract(m.value, '$.id') IN ({marks}) "
            f"OR json_extract(m.value, '$.name') IN ({marks})))"
        )
        conds.append(Cond(sql, tuple(values) * 3))
    return conds


def _filters(get: Any, *, all_tags: bool = False) -> list[Cond]:
    """Search filters shared by GET (query) and POST (body); ``get(name)`` returns a list of values."""
    conds: list[Cond] = []
    if categories := get("category"):
        conds.append(json_in("category", categories))
    if makers := get("manufacturer"):
        conds.append(json_in("Company.name", makers, nocase=True))
    if tags := get("tags"):
        conds += (
            [json_any_in("Tags", "name", [t]) for t in tags]
            if all_tags
            else [json_any_in("Tags", "name", tags)]
        )
    if cas := get("cas"):
        conds.append(json_any_in("Cas", "number", cas))
    if locations := get("location"):
        conds.append(_lot_located("Location", locations))
    if storage := get("storageLocation"):
        conds.append(_lot_located("StorageLocation", storage))
    if creators := get("createdBy") + get("createdById"):
        conds.append(_created_by(creators))
    if ids := get("albertId"):
        conds.append(column_in("id", [with_prefix(INVENTORY.prefix, i) for i in ids]))
    if projects := get("projectId"):
        conds.append(json_in("parentId", [with_prefix(PROJECT.prefix, p) for p in projects]))
    if units := get("unitCategory"):
        conds.append(json_in("unitCategory", units))
    return conds


FACETS = (
    ("Category", "category"),
    ("Manufacturer", "manufacturer"),
    ("Tags", "tags"),
    ("Created By", "createdBy"),
)


def _facets(
    context: Context, conds: list[Cond], text: str | None, status: tuple[str, ...]
) -> list[dict[str, Any]]:
    parameters = [parameter for _, parameter in FACETS]
    counts = context.store.facets(INVENTORY, parameters, conds, text=text, statuses=status, searchable=True)
    return [
        {
            "name": name,
            "parameter": p,
            "type": "text",
            "Value": [{"name": v, "count": n} for v, n in counts[p]],
        }
        for name, p in FACETS
    ]


def _run_search(context: Context, get: Any, first: Any, *, search_after: Any, mode: str) -> dict[str, Any]:
    status = statuses(get("status"))
    conds = _filters(get, all_tags=mode == "offset") + _metadata(first("metadataFilters"))
    text = first("text")
    if mode == "offset":
        return search_by_offset(
            context.store,
            INVENTORY,
            conds,
            text=text,
            order=first("order"),
            offset=first("offset"),
            limit=first("limit"),
            statuses=status,
            to_item=search_item,
        )
    first_page = search_after in (None, "", "[]", [])
    return search_by_cursor(
        context.store,
        INVENTORY,
        conds,
        text=text,
        order=first("order"),
        search_after=search_after,
        limit=first("limit"),
        statuses=status,
        to_item=search_item,
        facets=(lambda: _facets(context, conds, text, status)) if first_page else None,
    )


async def search_get(request: Request) -> Response:
    def get(name: str) -> list[str]:
        return qlist(request, name)

    def first(name: str) -> Any:
        return None if name == "metadataFilters" else qstr(request, name)

    return JSON(
        _run_search(ctx(request), get, first, search_after=qstr(request, "searchAfter"), mode="cursor")
    )


async def search_post(request: Request) -> Response:
    body = await read_object(request)
    result = _run_search(
        ctx(request),
        lambda name: [str(v) for v in body_list(body, name)],
        body.get,
        search_after=body.get("searchAfter"),
        mode="cursor",
    )
    return JSON(result)


async def llmsearch(request: Request) -> Response:
    """AND-mode search (``match_all_conditions``): OFFSET paging, every tag must match."""
    result = _run_search(
        ctx(request),
        lambda name: qlist(request, name),
        lambda name: None if name == "metadataFilters" else qstr(request, name),
        search_after=None,
        mode="offset",
    )
    return JSON(result)


# Before inventories.routes: "/inventories/search" would otherwise match "/inventories/{id}".
routes = [
    Route("/api/v3/inventories/search", search_get, methods=["GET"]),
    Route("/api/v3/inventories/search", search_post, methods=["POST"]),
    Route("/api/v3/inventories/llmsearch", llmsearch, methods=["GET"]),
]
