"""The lab-data catalogue: data templates, parameter groups, parameters, data columns, units,
workflows, roles and the small pick-lists (J1, J7, J10).

The catalogue is mostly read-only seed data; creates exist so tests can add their own entries.
Results entered against it are property data (``routes/propertydata.py``).
"""

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
    qlist,
    qstr,
    read_object,
    with_prefix,
)
from loadcell.standin.albert.kinds import (
    DATA_COLUMN,
    DATA_TEMPLATE,
    PARAMETER,
    PARAMETER_GROUP,
    ROLE,
    UNIT,
    WORKFLOW,
    Kind,
)
from loadcell.standin.albert.pagination import list_by_key, search_by_offset
from loadcell.standin.albert.routes.common import id_filter, name_filter, new_doc, path_id, require_text
from loadcell.standin.albert.store import Cond, Record, json_in

PG_TYPES = frozenset({"general", "batch", "property"})


# -- generic catalogue handlers ---------------------------------------------------------------


def _getter(kind: Kind):
    async def get(request: Request) -> Response:
        return JSON(ctx(request).get_or_404(kind, path_id(request, kind)))

    return get


def _by_ids(kind: Kind, *, limit: int):
    async def by_ids(request: Request) -> Response:
        ids = [with_prefix(kind.prefix, i) for i in qlist(request, "id")]
        if len(ids) > limit:
            raise bad_request(f"at most {limit} ids per call")
        return JSON({"Items": [r.doc for r in ctx(request).store.get_many(kind, ids)]})

    return by_ids


def _key_list(kind: Kind, *, ids_param: str = "id", to_item=lambda r: r.doc):
    async def listing(request: Request) -> Response:
        context = ctx(request)
        conds = name_filter(request, default_exact=False) + id_filter(request, kind, ids_param)
        body = list_by_key(
            context.store,
            kind,
            conds,
            start_key=qstr(request, "startKey"),
            limit=qstr(request, "limit"),
            order=qstr(request, "orderBy"),
            to_item=to_item,
        )
        return JSON(body)

    return listing


def _offset_search(kind: Kind, to_item, extra=lambda body: []):
    async def search(request: Request) -> Response:
        body = await read_object(request)
        result = search_by_offset(
            ctx(request).store,
            kind,
            extra(body),
            text=body.get("text"),
            order=body.get("order"),
            offset=body.get("offset"),
            limit=body.get("limit"),
            to_item=to_item,
        )
        return JSON(result)

    return search


def _creator(kind: Kind, build):
    async def create(request: Request) -> Response:
        context = ctx(request)
        body = await read_object(request)
        fields = build(context, body)
        with context.store.transaction():
            doc = new_doc(context, kind, fields)
            context.store.insert(kind, doc)
        return JSON(doc, status_code=201)

    return create


def _audit_fields(record: Record) -> dict[str, Any]:
    created = record.doc.get("Created") or {}
    return {
        "createdAt": created.get("at"),
        "createdByName": created.get("byName"),
        "owner": [],
        "acl": [],
        "team": [],
    }


# -- data templates, parameter groups, parameters, data columns, units, workflows ------------


def _template_item(record: Record) -> dict[str, Any]:
    doc = record.doc
    return {
        "albertId": record.id,
        "name": doc.get("name"),
        "description": doc.get("description"),
        "dataColumns": [{"id": c.get("id"), "name": c.get("name")} for c in doc.get("DataColumns") or []],
        "tags": doc.get("Tags") or [],
        "metadata": doc.get("Metadata") or {},
        "standards": [],
        **_audit_fields(record),
    }


def _build_template(context: Context, body: dict[str, Any]) -> dict[str, Any]:
    columns = []
    for column in body.get("DataColumns") or []:
        link = context.link(DATA_COLUMN, column)
        columns.append({**column, **link, "hidden": bool(column.get("hidden", False))})
    return {
        "name": require_text(body, "name", max_len=255),
        "description": body.get("description"),
        "class": body.get("class", "restricted"),
        "verified": bool(body.get("verified", False)),
        "DataColumns": columns,
        "Parameters": body.get("Parameters") or [],
        "Tags": body.get("Tags") or [],
        "Metadata": body.get("Metadata") or {},
    }


def _group_item(record: Record) -> dict[str, Any]:
    doc = record.doc
    return {
        "albertId": record.id,
        "name": doc.get("name"),
        "type": doc.get("type"),
        "description": doc.get("description"),
        "parameters": [{"id": p.get("id"), "name": p.get("name")} for p in doc.get("Parameters") or []],
        "tags": doc.get("Tags") or [],
        "metadata": doc.get("Metadata") or {},
        **_audit_fields(record),
    }


def _group_filters(body: dict[str, Any]) -> list[Cond]:
    types = body_list(body, "types")
    return [json_in("type", types)] if types else []


def _build_group(context: Context, body: dict[str, Any]) -> dict[str, Any]:
    group_type = body.get("type")
    if group_type is not None and group_type not in PG_TYPES:
        raise bad_request(f"type must be one of {', '.join(sorted(PG_TYPES))}")
    parameters = [{**p, **context.link(PARAMETER, p)} for p in body.get("Parameters") or []]
    return {
        "name": require_text(body, "name", max_len=255),
        "type": group_type,
        "class": body.get("class", "restricted"),
        "description": body.get("description"),
        "Parameters": parameters,
        "Tags": body.get("Tags") or [],
        "Metadata": body.get("Metadata") or {},
    }


def _named(extra: tuple[str, ...] = ()):
    def build(_context: Context, body: dict[str, Any]) -> dict[str, Any]:
        fields: dict[str, Any] = {"name": require_text(body, "name", max_len=255)}
        fields.update({k: body[k] for k in extra if body.get(k) is not None})
        return fields

    return build


def _workflow_item(record: Record) -> dict[str, Any]:
    return {
        "albertId": record.id,
        "name": record.doc.get("name"),
        "status": record.doc.get("status"),
        "createdAt": (record.doc.get("Created") or {}).get("at"),
    }


# -- roles and pick-lists ---------------------------------------------------------------------


async def list_roles(request: Request) -> Response:
    records = ctx(request).store.find(ROLE, by="seq", order="asc", limit=1000)
    return JSON({"Items": [r.doc for r in records]})


async def empty_key_list(request: Request) -> Response:
    """Custom fields, lists, teams and CAS are not modelled: an empty last page."""
    return JSON({"Items": []})


async def attachments_of_parents(request: Request) -> Response:
    return JSON([{"parentId": p, "Items": []} for p in qlist(request, "id")])


routes = [
    Route("/api/v3/datatemplates", _creator(DATA_TEMPLATE, _build_template), methods=["POST"]),
    Route("/api/v3/datatemplates/search", _offset_search(DATA_TEMPLATE, _template_item), methods=["POST"]),
    Route("/api/v3/datatemplates/ids", _by_ids(DATA_TEMPLATE, limit=250), methods=["GET"]),
    Route("/api/v3/datatemplates/{id}", _getter(DATA_TEMPLATE), methods=["GET"]),
    Route("/api/v3/parametergroups", _creator(PARAMETER_GROUP, _build_group), methods=["POST"]),
    Route(
        "/api/v3/parametergroups/search",
        _offset_search(PARAMETER_GROUP, _group_item, _group_filters),
        methods=["POST"],
    ),
    Route("/api/v3/parametergroups/ids", _by_ids(PARAMETER_GROUP, limit=100), methods=["GET"]),
    Route("/api/v3/parametergroups/{id}", _getter(PARAMETER_GROUP), methods=["GET"]),
    Route("/api/v3/parameters", _key_list(PARAMETER, ids_param="parameters"), methods=["GET"]),
    Route("/api/v3/parameters", _creator(PARAMETER, _named(("Metadata",))), methods=["POST"]),
    Route("/api/v3/parameters/{id}", _getter(PARAMETER), methods=["GET"]),
    Route("/api/v3/datacolumns", _key_list(DATA_COLUMN), methods=["GET"]),
    Route(
        "/api/v3/datacolumns", _creator(DATA_COLUMN, _named(("defaultUnit", "Metadata"))), methods=["POST"]
    ),
    Route("/api/v3/datacolumns/search", _offset_search(DATA_COLUMN, lambda r: r.doc), methods=["POST"]),
    Route("/api/v3/datacolumns/{id}", _getter(DATA_COLUMN), methods=["GET"]),
    Route("/api/v3/units", _key_list(UNIT), methods=["GET"]),
    Route("/api/v3/units", _creator(UNIT, _named(("symbol", "Synonyms", "category"))), methods=["POST"]),
    Route("/api/v3/units/ids", _by_ids(UNIT, limit=500), methods=["GET"]),
    Route("/api/v3/units/{id}", _getter(UNIT), methods=["GET"]),
    Route("/api/v3/workflows", _key_list(WORKFLOW), methods=["GET"]),
    Route("/api/v3/workflows/ids", _by_ids(WORKFLOW, limit=300), methods=["GET"]),
    Route("/api/v3/workflows/search", _offset_search(WORKFLOW, _workflow_item), methods=["POST"]),
    Route("/api/v3/workflows/{id}", _getter(WORKFLOW), methods=["GET"]),
    Route("/api/v3/acl/roles", list_roles, methods=["GET"]),
    Route("/api/v3/acl/roles/{id}", _getter(ROLE), methods=["GET"]),
    Route("/api/v3/customfields", empty_key_list, methods=["GET"]),
    Route("/api/v3/lists", empty_key_list, methods=["GET"]),
    Route("/api/v3/teams", empty_key_list, methods=["GET"]),
    Route("/api/v3/cas", empty_key_list, methods=["GET"]),
    Route("/api/v3/attachments/parents", attachments_of_parents, methods=["GET"]),
]
