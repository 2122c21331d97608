"""Lab data and its reference catalogue: property data (results), data templates, parameter groups,
parameters, data columns, units, workflows, roles and the small pick-lists (J1, J7, J10).

The catalogue is mostly read-only seed data; creates exist so tests can add their own entries.
Result entry stores one ``PTD`` record per value, which is what ``/propertydata/search`` finds.
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
    read_json,
    read_object,
    with_prefix,
)
from loadcell.standin.albert.kinds import (
    DATA_COLUMN,
    DATA_TEMPLATE,
    INVENTORY,
    LOT,
    PARAMETER,
    PARAMETER_GROUP,
    PROPERTY_DATA,
    ROLE,
    TASK,
    UNIT,
    WORKFLOW,
    Kind,
)
from loadcell.standin.albert.pagination import list_by_key, search_by_cursor, search_by_offset
from loadcell.standin.albert.routes.common import id_filter, name_filter, new_doc, path_id, require_text
from loadcell.standin.albert.seed import NO_PARAMETER_GROUP
from loadcell.standin.albert.store import Cond, Record, column_in, json_any_in, json_in

PG_TYPES = frozenset({"general", "batch", "property"})


def _numeric(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


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


# -- property data ----------------------------------------------------------------------------


def _template_of_column(context: Context, column_id: str) -> Record | None:
    found = context.store.find(
        DATA_TEMPLATE, [json_any_in("DataColumns", "id", [column_id], nocase=False)], limit=1
    )
    return found[0] if found else None


def _ptd(
    context: Context,
    *,
    category: str,
    parent_id: str,
    inventory: dict[str, Any],
    column: dict[str, Any],
    value: Any,
    template: dict[str, Any] | None,
    workflow: dict[str, Any],
    extra: dict[str, Any],
) -> dict[str, Any]:
    fields = {
        "category": category,
        "parentId": parent_id,
        "inventoryId": inventory["id"],
        "inventoryName": inventory.get("name"),
        "dataTemplateId": template["id"] if template else None,
        "dataTemplateName": template.get("name") if template else None,
        "result": {
            "id": column["id"],
            "name": column.get("name"),
            "value": None if value is None else str(value),
            "valueNumeric": _numeric(value),
        },
        "workflowId": workflow["id"],
        "workflowName": workflow.get("name"),
        "workflow": [],
        "void": False,
        **extra,
    }
    return new_doc(context, PROPERTY_DATA, fields)


async def add_inventory_property(request: Request) -> Response:
    """``POST /propertydata`` with one ``DataColumn`` value for an inventory item."""
    context = ctx(request)
    body = await read_object(request)
    if body.get("entity", "inventory") != "inventory":
        raise bad_request("entity must be inventory")
    inventory = context.link(INVENTORY, body.get("parentId"))
    columns = body.get("DataColumn") or []
    if not isinstance(columns, list) or len(columns) != 1:
        raise bad_request("DataColumn must hold exactly one value")
    column = context.link(DATA_COLUMN, columns[0])
    template = _template_of_column(context, column["id"])
    template_link = {"id": template.id, "name": template.doc.get("name")} if template else None
    with context.store.transaction():
        doc = _ptd(
            context,
            category="inventory",
            parent_id=inventory["id"],
            inventory=inventory,
            column=column,
            value=columns[0].get("value"),
            template=template_link,
            workflow=NO_PARAMETER_GROUP,
            extra={},
        )
        context.store.insert(PROPERTY_DATA, doc)
    response = {
        "entity": "inventory",
        "parentId": inventory["id"],
        "status": "Success",
        "message": "Property data added",
        "DataColumn": [{"id": column["id"], "value": columns[0].get("value")}],
    }
    return JSON(response, status_code=201)


async def add_task_properties(request: Request) -> Response:
    """``POST /propertydata/{TAS}?blockId&inventoryId&lotId``: an array of result values."""
    context = ctx(request)
    task = context.get_or_404(TASK, path_id(request, TASK, "task"))
    block_id, inventory_id = qstr(request, "blockId"), qstr(request, "inventoryId")
    block = next((b for b in task.get("Blocks") or [] if b.get("id") == block_id), None)
    if block is None:
        raise bad_request(f"blockId {block_id!r} is not a block of {task['albertId']}")
    inventory = context.link(INVENTORY, inventory_id)
    lot_id = qstr(request, "lotId")
    if lot_id:
        context.link(LOT, lot_id, field="lotNumber")
    values = await read_json(request)
    if not isinstance(values, list) or not values:
        raise bad_request("body must be a non-empty array of values")
    template = (block.get("Datatemplate") or [None])[0]
    workflow = (block.get("Workflow") or [NO_PARAMETER_GROUP])[0]
    echoed = []
    with context.store.transaction():
        for item in values:
            if not isinstance(item, dict):
                raise bad_request("each value must be an object")
            column = context.link(DATA_COLUMN, item.get("DataColumns"))
            extra = {
                "taskId": task["albertId"],
                "blockId": block_id,
                "lotId": lot_id,
                "interval": item.get("intervalCombination", "default"),
                "projectId": (task.get("Project") or {}).get("id"),
            }
            doc = _ptd(
                context,
                category="task",
                parent_id=task["albertId"],
                inventory=inventory,
                column=column,
                value=item.get("value"),
                template=template,
                workflow=workflow,
                extra=extra,
            )
            context.store.insert(PROPERTY_DATA, doc)
            echoed.append({**item, "id": doc["albertId"], "trialNo": item.get("trialNo") or 1})
    return JSON(echoed, status_code=201)


def _custom_data(record: Record) -> dict[str, Any]:
    result = record.doc["result"]
    value = {"id": record.id, "value": result.get("value"), "valueNumeric": result.get("valueNumeric")}
    return {"Lot": {}, "DataColumn": {"id": result["id"], "name": result.get("name"), "PropertyData": value}}


async def get_property_data(request: Request) -> Response:
    """``GET /propertydata?entity=inventory|task&id=..``: always a list, as the SDK expects."""
    context = ctx(request)
    entity = qstr(request, "entity") or "inventory"
    if entity == "inventory":
        body = []
        for wanted in qlist(request, "id"):
            inventory = context.link(INVENTORY, wanted)
            records = context.store.find(
                PROPERTY_DATA, [column_in("parent_id", [inventory["id"]])], order="asc"
            )
            body.append(
                {
                    "inventoryId": inventory["id"],
                    "inventoryName": inventory["name"],
                    "Task": [],
                    "NoTask": [_custom_data(r) for r in records],
                }
            )
        return JSON(body)
    if entity != "task":
        raise bad_request("entity must be inventory or task")
    task_id = with_prefix(TASK.prefix, qstr(request, "id") or "")
    context.get_or_404(TASK, task_id)
    conds = [column_in("parent_id", [task_id])]
    for key in ("blockId", "lotId"):
        if value := qstr(request, key):
            conds.append(json_in(key, [value]))
    inventory_id = qstr(request, "inventoryId")
    if inventory_id:
        conds.append(json_in("inventoryId", [with_prefix(INVENTORY.prefix, inventory_id)]))
    records = context.store.find(PROPERTY_DATA, conds, order="asc")
    rows = [{"id": r.id, "DataColumns": r.doc["result"], "interval": r.doc.get("interval")} for r in records]
    return JSON(
        [
            {
                "parentId": inventory_id or task_id,
                "id": task_id,
                "category": "task",
                "blockId": qstr(request, "blockId"),
                "Inventory": {"id": inventory_id, "lotId": qstr(request, "lotId")},
                "Data": [],
                "Values": rows,
            }
        ]
    )


def _ptd_item(record: Record) -> dict[str, Any]:
    return {
        "id": record.id,
        **{k: v for k, v in record.doc.items() if k not in ("albertId", "Created", "Updated")},
        "createdBy": (record.doc.get("Created") or {}).get("by"),
    }


async def search_property_data(request: Request) -> Response:
    """``GET /propertydata/search`` (SEARCH_AFTER); inventory IDs travel without ``INV``."""
    context = ctx(request)
    conds = [Cond("json_extract(doc, '$.dataTemplateId') IS NOT NULL")]
    if inventories := qlist(request, "inventoryIds"):
        conds.append(json_in("inventoryId", [with_prefix(INVENTORY.prefix, i) for i in inventories]))
    if projects := qlist(request, "projectIds"):
        conds.append(json_in("projectId", [with_prefix("PRO", p) for p in projects]))
    for key, path in (
        ("dataTemplateId", "dataTemplateId"),
        ("dataColumnId", "result.id"),
        ("category", "category"),
    ):
        if values := qlist(request, key):
            conds.append(json_in(path, values))
    if (qstr(request, "void") or "false").lower() == "false":
        conds.append(Cond("json_extract(doc, '$.void') = 0"))
    result = search_by_cursor(
        context.store,
        PROPERTY_DATA,
        conds,
        text=qstr(request, "text"),
        order=qstr(request, "order") or qstr(request, "orderBy"),
        search_after=qstr(request, "searchAfter"),
        limit=qstr(request, "limit"),
        statuses=("active",),
        to_item=_ptd_item,
    )
    return JSON(result)


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
    Route("/api/v3/propertydata", get_property_data, methods=["GET"]),
    Route("/api/v3/propertydata", add_inventory_property, methods=["POST"]),
    Route("/api/v3/propertydata/search", search_property_data, methods=["GET"]),
    Route("/api/v3/propertydata/{task}", add_task_properties, methods=["POST"]),
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
