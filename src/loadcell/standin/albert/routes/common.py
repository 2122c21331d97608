"""Helpers the resource routes share: ID path params, name lookups, soft delete, status filters,
and the single-entity PATCH."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from loadcell.standin.albert.http import (
    Context,
    bad_request,
    ctx,
    no_content,
    qbool,
    qlist,
    read_json,
    with_prefix,
)
from loadcell.standin.albert.kinds import Kind
from loadcell.standin.albert.patching import Datum, parse_body
from loadcell.standin.albert.store import Cond, column_in, name_match

STATUSES = ("active", "inactive")


def path_id(request: Request, kind: Kind, name: str = "id") -> str:
    """The entity ID from the URL, with the kind's prefix added if the caller left it off."""
    return with_prefix(kind.prefix, request.path_params[name])


async def patch_one(
    request: Request, kind: Kind, patch: Callable[[Context, str, list[Datum]], None]
) -> Response:
    """``PATCH /<kind>/{id}`` with ``{"data": [...]}``: `patch` applies the operations in one
    transaction; 204 No Content."""
    context = ctx(request)
    data = parse_body(await read_json(request))
    with context.store.transaction():
        patch(context, path_id(request, kind), data)
    return no_content()


def name_filter(request: Request, *, default_exact: bool) -> list[Cond]:
    """``?name=..&exactMatch=..`` as used by the KEY lists (tags, companies, locations, ...)."""
    names = qlist(request, "name")
    if not names:
        return []
    return [name_match(names, exact=qbool(request, "exactMatch", default_exact))]


def id_filter(request: Request, kind: Kind, key: str = "id") -> list[Cond]:
    ids = qlist(request, key)
    return [column_in("id", [with_prefix(kind.prefix, i) for i in ids])] if ids else []


def statuses(values: Sequence[Any]) -> tuple[str, ...]:
    """A ``status`` filter; empty means active only, as Albert hides soft-deleted entities."""
    chosen = tuple(str(v).lower() for v in values if str(v).lower() in STATUSES)
    return chosen or ("active",)


def require_unique_name(
    context: Context, kind: Kind, name: str, *, conds: Sequence[Cond] = (), own_id: str = ""
) -> None:
    """400 when an active entity of this kind already has the name (case-insensitive)."""
    clash = context.store.find(kind, [name_match([name], exact=True), *conds], limit=2)
    if any(record.id != own_id for record in clash):
        raise bad_request(f"{kind.label} with name {name!r} already exists")


def require_text(body: dict[str, Any], field: str, *, min_len: int = 1, max_len: int = 2000) -> str:
    value = body.get(field)
    if not isinstance(value, str) or not value.strip():
        raise bad_request(f"{field} is required")
    if not min_len <= len(value) <= max_len:
        raise bad_request(f"{field} must be {min_len}..{max_len} characters")
    return value


def soft_delete(context: Context, kind: Kind, entity_id: str) -> dict[str, Any]:
    """Mark an entity inactive: hidden from lists and search, still readable by ID."""
    doc = context.get_or_404(kind, entity_id)
    doc["status"] = "inactive"
    context.store.save(kind, context.stamp_update(doc))
    return doc


def reactivate(context: Context, kind: Kind, entity_id: str) -> dict[str, Any]:
    doc = context.get_or_404(kind, entity_id)
    doc["status"] = "active"
    context.store.save(kind, context.stamp_update(doc))
    return doc


def new_doc(
    context: Context, kind: Kind, fields: dict[str, Any], *, prefix: str | None = None
) -> dict[str, Any]:
    """A fresh document with an allocated ID and audit stamps; the caller stores it."""
    doc = {"albertId": context.store.allocate_id(prefix or kind.prefix), **fields}
    return context.stamp_new(doc)
