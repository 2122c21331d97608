"""Projects: created in J5, found and opened in J6 (search IDs travel without ``PRO``)."""

from __future__ import annotations

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
    no_content,
    qstr,
    read_json,
    read_object,
    with_prefix,
)
from loadcell.standin.albert.kinds import LOCATION, PROJECT, USER
from loadcell.standin.albert.pagination import offset_page, parse_offset, search_by_cursor
from loadcell.standin.albert.patching import Datum, apply_patch, parse_body
from loadcell.standin.albert.routes.common import (
    new_doc,
    patch_one,
    path_id,
    reactivate,
    require_text,
    soft_delete,
    statuses,
)
from loadcell.standin.albert.store import Cond, Record, column_in, json_any_in, json_in

PROJECT_CLASSES = frozenset({"shared", "confidential", "private", "restricted"})
STATES = frozenset(
    {"Not Started", "Active", "Just Started", "In Progress", "Closed - Success", "Closed - Archived"}
)
GRIDS = frozenset({"PD", "WKS"})


def _choice(field: str, value: Any, allowed: frozenset[str]) -> str:
    if value not in allowed:
        raise bad_request(f"{field} must be one of {', '.join(sorted(allowed))} (got {value!r})")
    return value


async def create_project(request: Request) -> Response:
    """Only ``description`` (the display name) is required; ``class`` defaults to private."""
    context = ctx(request)
    body = await read_object(request)
    fields: dict[str, Any] = {
        "description": require_text(body, "description", max_len=2000),
        "class": _choice("class", body.get("class", "private"), PROJECT_CLASSES),
        "Locations": [context.link(LOCATION, loc) for loc in body.get("Locations") or []],
        "state": "Not Started",
        "ACL": [a for a in body.get("ACL") or [] if isinstance(a, dict)],
        "TaskConfig": body.get("TaskConfig") or [],
        "Metadata": body.get("Metadata") if isinstance(body.get("Metadata"), dict) else {},
        "application": [],
        "technology": [],
    }
    if body.get("prefix") is not None:
        prefix = body["prefix"]
        if not isinstance(prefix, str) or not 1 <= len(prefix) <= 10:
            raise bad_request("prefix must be 1..10 characters")
        fields["prefix"] = prefix
    if body.get("grid") is not None:
        fields["grid"] = _choice("grid", body["grid"], GRIDS)
    if body.get("appEngg") is not None:
        fields["appEngg"] = body["appEngg"]
    with context.store.transaction():
        doc = new_doc(context, PROJECT, fields)
        context.store.insert(PROJECT, doc)
    return JSON(doc, status_code=201)


async def get_project(request: Request) -> Response:
    return JSON(ctx(request).get_or_404(PROJECT, path_id(request, PROJECT)))


def search_item(record: Record) -> dict[str, Any]:
    doc = record.doc
    return {
        "albertId": record.id,
        "description": doc.get("description"),
        "status": doc.get("status"),
        "state": doc.get("state"),
        "prefix": doc.get("prefix"),
        "class": doc.get("class"),
        "application": doc.get("application") or [],
        "technology": doc.get("technology") or [],
        "location": [loc.get("name") for loc in doc.get("Locations") or []],
        "createdAt": (doc.get("Created") or {}).get("at"),
        "createdBy": (doc.get("Created") or {}).get("by"),
    }


def _search_filters(context: Context, body: dict[str, Any]) -> list[Cond]:
    conds: list[Cond] = []
    if locations := body_list(body, "location"):
        conds.append(json_any_in("Locations", "name", locations))
    if creators := body_list(body, "createdBy"):
        conds.append(json_in("Created.by", [with_prefix(USER.prefix, str(c)) for c in creators]))
    if body.get("myProject"):
        conds.append(json_in("Created.by", [context.config.user_id]))
    if states := body_list(body, "state"):
        conds.append(json_in("state", states))
    if ids := body_list(body, "albertId"):
        conds.append(column_in("id", [with_prefix(PROJECT.prefix, str(i)) for i in ids]))
    return conds


async def search_projects(request: Request) -> Response:
    """``POST /projects/search`` (SEARCH_AFTER). ``status`` matches the lifecycle or the state."""
    context = ctx(request)
    body = await read_object(request)
    conds = _search_filters(context, body)
    wanted = [str(s) for s in body_list(body, "status")]
    lifecycle = [s.lower() for s in wanted if s.lower() in ("active", "inactive")]
    if states := [s for s in wanted if s not in lifecycle and s.lower() not in ("active", "inactive")]:
        conds.append(json_in("state", states, nocase=True))
    result = search_by_cursor(
        context.store,
        PROJECT,
        conds,
        text=body.get("text"),
        order=body.get("order"),
        search_after=body.get("searchAfter"),
        limit=body.get("limit"),
        statuses=statuses(lifecycle),
        to_item=search_item,
    )
    return JSON(result)


async def document_search(request: Request) -> Response:
    """Project documents tab (J6): attachments are not modelled, so the list is always empty."""
    if not qstr(request, "linkedTo"):
        raise bad_request("linkedTo is required")
    return JSON(offset_page([], 0, parse_offset(qstr(request, "offset"))))


def _patch(context: Context, project_id: str, data: list[Datum]) -> None:
    doc = context.get_or_404(PROJECT, project_id)

    def description(target: dict[str, Any], datum: Datum) -> None:
        value = datum.require_new() if datum.operation != "delete" else None
        if not isinstance(value, str) or not 1 <= len(value) <= 2000:
            raise bad_request("description must be 1..2000 characters")
        target["description"] = value

    def state(target: dict[str, Any], datum: Datum) -> None:
        target["state"] = _choice("state", datum.require_new(), STATES)

    def grid(target: dict[str, Any], datum: Datum) -> None:
        target["grid"] = _choice("grid", datum.require_new(), GRIDS)

    apply_patch(doc, data, handlers={"description": description, "state": state, "grid": grid})
    context.store.save(PROJECT, context.stamp_update(doc))


async def patch_project(request: Request) -> Response:
    return await patch_one(request, PROJECT, _patch)


async def patch_project_acl(request: Request) -> Response:
    context = ctx(request)
    data = parse_body(await read_json(request))
    with context.store.transaction():
        doc = context.get_or_404(PROJECT, path_id(request, PROJECT))

        def acl(target: dict[str, Any], datum: Datum) -> None:
            entries = target.setdefault("ACL", [])
            if datum.operation == "delete":
                gone = {a.get("id") for a in datum.old_value or [] if isinstance(a, dict)}
                target["ACL"] = [a for a in entries if a.get("id") not in gone]
            else:
                entries.extend(
                    {"id": context.link(USER, a)["id"], "fgc": a.get("fgc")} for a in datum.require_new()
                )

        def fgc(target: dict[str, Any], datum: Datum) -> None:
            for entry in target.get("ACL") or []:
                if entry.get("id") == datum.raw.get("id"):
                    entry["fgc"] = datum.new_value

        apply_patch(doc, data, handlers={"ACL": acl, "fgc": fgc}, metadata=False)
        context.store.save(PROJECT, context.stamp_update(doc))
    return no_content()


async def delete_project(request: Request) -> Response:
    soft_delete(ctx(request), PROJECT, path_id(request, PROJECT))
    return no_content()


async def reactivate_project(request: Request) -> Response:
    reactivate(ctx(request), PROJECT, path_id(request, PROJECT))
    return no_content()


routes = [
    Route("/api/v3/projects", create_project, methods=["POST"]),
    Route("/api/v3/projects/search", search_projects, methods=["POST"]),
    Route("/api/v3/projects/documentsearch", document_search, methods=["GET"]),
    Route("/api/v3/projects/{id}", get_project, methods=["GET"]),
    Route("/api/v3/projects/{id}", patch_project, methods=["PATCH"]),
    Route("/api/v3/projects/{id}", delete_project, methods=["DELETE"]),
    Route("/api/v3/projects/{id}/acl", patch_project_acl, methods=["PATCH"]),
    Route("/api/v3/projects/{id}/reactivate", reactivate_project, methods=["PATCH"]),
]
