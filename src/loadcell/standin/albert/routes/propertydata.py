"""Property data: results entered against the lab-data catalogue, for inventory items (J10) and
property tasks. Result entry stores one ``PTD`` record per value, which is what
``/propertydata/search`` finds.
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
    ctx,
    qlist,
    qstr,
    read_json,
    read_object,
    with_prefix,
)
from loadcell.standin.albert.kinds import DATA_COLUMN, DATA_TEMPLATE, INVENTORY, LOT, PROPERTY_DATA, TASK
from loadcell.standin.albert.pagination import search_by_cursor
from loadcell.standin.albert.routes.common import new_doc, path_id
from loadcell.standin.albert.seed import NO_PARAMETER_GROUP
from loadcell.standin.albert.store import Cond, Record, column_in, json_any_in, json_in


def _numeric(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


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


routes = [
    Route("/api/v3/propertydata", get_property_data, methods=["GET"]),
    Route("/api/v3/propertydata", add_inventory_property, methods=["POST"]),
    Route("/api/v3/propertydata/search", search_property_data, methods=["GET"]),
    Route("/api/v3/propertydata/{task}", add_task_properties, methods=["POST"]),
]
