"""Tasks: created through ``/tasks/multi`` (array in, array out), patched one attribute per call (J7)."""

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
    no_content,
    qlist,
    qstr,
    read_json,
    read_object,
    with_prefix,
)
from loadcell.standin.albert.kinds import (
    DATA_TEMPLATE,
    INVENTORY,
    LOCATION,
    LOT,
    PROJECT,
    TAG,
    TASK,
    USER,
    WORKFLOW,
)
from loadcell.standin.albert.pagination import search_by_cursor
from loadcell.standin.albert.patching import Datum, apply_patch, parse_data
from loadcell.standin.albert.routes.common import new_doc, path_id, soft_delete, statuses
from loadcell.standin.albert.store import Cond, Record, column_in, json_any_in, json_in

CATEGORIES = frozenset({"Property", "Batch", "BatchWithQC", "General", "ReactionBatch"})
PRIORITIES = frozenset({"High", "Medium", "Low"})
STATES = frozenset({"Unclaimed", "Not Started", "In Progress", "Completed", "Closed", "Cancelled"})
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _choice(field: str, value: Any, allowed: frozenset[str]) -> str:
    if value not in allowed:
        raise bad_request(f"{field} must be one of {', '.join(sorted(allowed))} (got {value!r})")
    return value


def _date(field: str, value: Any) -> str:
    if not isinstance(value, str) or not _DATE.match(value):
        raise bad_request(f"{field} must be a YYYY-MM-DD date")
    return value


def _parent(context: Context, parent_id: str) -> dict[str, Any]:
    """A task hangs off a project (``PRO…``) or an inventory item (``INV…``)."""
    upper = parent_id.upper()
    if upper.startswith("PRO"):
        return context.link(PROJECT, upper, field="description")
    if upper.startswith("INV"):
        return context.link(INVENTORY, upper)
    raise bad_request(f"parentId must be a project or inventory ID (got {parent_id!r})")


def _inventories(context: Context, values: Any) -> list[dict[str, Any]]:
    rows = []
    for value in values or []:
        if not isinstance(value, dict):
            raise bad_request("Inventories entries must be objects")
        row = {**value, **context.link(INVENTORY, value.get("id"))}
        if value.get("lotId"):
            row["lotId"] = context.link(LOT, value["lotId"], field="lotNumber")["id"]
        rows.append(row)
    return rows


def _block(context: Context, value: Any) -> dict[str, Any]:
    """A property-task block: one data template plus its workflow(s), with an allocated ``BLK`` ID."""
    if not isinstance(value, dict):
        raise bad_request("Blocks entries must be objects")
    workflows = value.get("Workflow") or []
    templates = value.get("Datatemplate") or ([{"id": value["datId"]}] if value.get("datId") else [])
    workflows = workflows if isinstance(workflows, list) else [workflows]
    if not workflows or len(templates) != 1:
        raise bad_request("a block needs at least one Workflow and exactly one Datatemplate")
    links = [context.link(WORKFLOW, w) for w in workflows]
    return {
        **{k: v for k, v in value.items() if k not in ("Workflow", "Datatemplate", "datId")},
        "id": context.store.allocate_id("BLK"),
        "Workflow": [{**w, "category": "FINAL"} for w in links],
        "Datatemplate": [context.link(DATA_TEMPLATE, templates[0])],
    }


def _build_task(context: Context, item: Any, category: str | None, parent_id: str | None) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise bad_request("each task must be an object")
    fields: dict[str, Any] = {
        "name": item.get("name") if isinstance(item.get("name"), str) and item["name"].strip() else None,
        "category": _choice("category", item.get("category") or category, CATEGORIES),
        "state": _choice("state", item.get("state") or "Unclaimed", STATES),
        "Metadata": item.get("Metadata") if isinstance(item.get("Metadata"), dict) else {},
        "Sources": item.get("Sources") or [],
        "Tags": [context.link(TAG, t) for t in item.get("Tags") or []],
        "Inventories": _inventories(context, item.get("Inventories")),
    }
    if fields["name"] is None:
        raise bad_request("name is required")
    parent = item.get("parentId") or parent_id
    if parent:
        fields["parentId"] = _parent(context, str(parent))["id"]
        if fields["parentId"].startswith("PRO"):
            fields["Project"] = {"id": fields["parentId"]}
    if item.get("Project") and not fields.get("Project"):
        fields["Project"] = {"id": context.link(PROJECT, item["Project"], field="description")["id"]}
    if item.get("Location"):
        fields["Location"] = context.link(LOCATION, item["Location"])
    if item.get("priority") is not None:
        fields["priority"] = _choice("priority", item["priority"], PRIORITIES)
    if item.get("dueDate") is not None:
        fields["dueDate"] = _date("dueDate", item["dueDate"])
    if item.get("AssignedTo"):
        fields["AssignedTo"] = context.link(USER, item["AssignedTo"])
    if fields["category"] in ("Property", "Batch", "BatchWithQC", "ReactionBatch"):
        fields["Blocks"] = [_block(context, b) for b in item.get("Blocks") or []]
        if fields["category"] == "Property" and not fields["Inventories"]:
            raise bad_request("a Property task needs at least one inventory item")
    for key in ("notes", "class", "startDate", "batchSizeUnit", "passOrFail", "Workflow", "QCTaskData"):
        if item.get(key) is not None:
            fields[key] = item[key]
    return new_doc(context, TASK, fields)


async def create_tasks(request: Request) -> Response:
    """``POST /tasks/multi?category=&parentId=`` with a one-element (or longer) array."""
    context = ctx(request)
    body = await read_json(request)
    items = body if isinstance(body, list) else [body]
    if not items:
        raise bad_request("at least one task is required")
    with context.store.transaction():
        docs = [
            _build_task(context, item, qstr(request, "category"), qstr(request, "parentId")) for item in items
        ]
        for doc in docs:
            context.store.insert(TASK, doc)
    return JSON(docs, status_code=201)


async def get_task(request: Request) -> Response:
    return JSON(ctx(request).get_or_404(TASK, path_id(request, TASK)))


def search_item(record: Record) -> dict[str, Any]:
    doc = record.doc
    assigned = doc.get("AssignedTo") or {}
    blocks = doc.get("Blocks") or []
    return {
        "albertId": record.id,
        "name": doc.get("name"),
        "category": doc.get("category"),
        "priority": doc.get("priority"),
        "state": doc.get("state"),
        "status": doc.get("status"),
        "assignedTo": assigned.get("name"),
        "assignedToUserId": assigned.get("id"),
        "createdByName": (doc.get("Created") or {}).get("byName"),
        "createdAt": (doc.get("Created") or {}).get("at"),
        "dueDate": doc.get("dueDate"),
        "location": [{"name": doc["Location"].get("name") or doc["Location"]["id"]}]
        if doc.get("Location")
        else [],
        "inventory": [{"id": i.get("id"), "name": i.get("name")} for i in doc.get("Inventories") or []],
        "tags": [{"tagName": t.get("name")} for t in doc.get("Tags") or []],
        "lot": [],
        "dataTemplate": [t for b in blocks for t in b.get("Datatemplate") or []],
        "workflow": [w for b in blocks for w in b.get("Workflow") or []],
        "projectId": [doc["Project"]["id"]] if doc.get("Project") else [],
    }


def _search(context: Context, get: Any, first: Any) -> dict[str, Any]:
    conds: list[Cond] = []
    for key, path in (("category", "category"), ("priority", "priority"), ("assignedToId", "AssignedTo.id")):
        if values := get(key):
            conds.append(json_in(path, values))
    for key, path in (("assignedTo", "AssignedTo.name"), ("location", "Location.name")):
        if values := get(key):
            conds.append(json_in(path, values, nocase=True))
    if projects := get("projectId"):
        conds.append(json_in("Project.id", [with_prefix(PROJECT.prefix, p) for p in projects]))
    if ids := get("taskId") + get("albertId"):
        conds.append(column_in("id", [with_prefix(TASK.prefix, i) for i in ids]))
    if tags := get("tags"):
        conds.append(json_any_in("Tags", "name", tags))
    if creators := get("createdBy"):
        conds.append(json_in("Created.by", creators))
    wanted = get("status")
    lifecycle = [s.lower() for s in wanted if s.lower() in ("active", "inactive")]
    if states := [s for s in wanted if s.lower() not in ("active", "inactive")]:
        conds.append(json_in("state", states, nocase=True))
    return search_by_cursor(
        context.store,
        TASK,
        conds,
        text=first("text"),
        order=first("order"),
        search_after=first("searchAfter"),
        limit=first("limit"),
        statuses=statuses(lifecycle),
        to_item=search_item,
    )


async def search_get(request: Request) -> Response:
    return JSON(_search(ctx(request), lambda k: qlist(request, k), lambda k: qstr(request, k)))


async def search_post(request: Request) -> Response:
    body = await read_object(request)
    return JSON(_search(ctx(request), lambda k: [str(v) for v in body_list(body, k)], body.get))


def _handlers(context: Context) -> dict[str, Any]:
    def choice(allowed: frozenset[str]):
        def apply(target: dict[str, Any], datum: Datum) -> None:
            target[datum.attribute] = _choice(datum.attribute, datum.require_new(), allowed)

        return apply

    def due_date(target: dict[str, Any], datum: Datum) -> None:
        if datum.operation == "delete":
            target.pop("dueDate", None)
        else:
            target["dueDate"] = _date("dueDate", datum.require_new())

    def assigned_to(target: dict[str, Any], datum: Datum) -> None:
        if datum.operation == "delete":
            target.pop("AssignedTo", None)
        else:
            target["AssignedTo"] = context.link(USER, datum.require_new())

    def tag(target: dict[str, Any], datum: Datum) -> None:
        raw = datum.old_value if datum.operation == "delete" else datum.require_new()
        ids = [
            with_prefix(TAG.prefix, v["id"] if isinstance(v, dict) else v)
            for v in (raw if isinstance(raw, list) else [raw])
            if v
        ]
        tags = target.setdefault("Tags", [])
        if datum.operation == "delete":
            target["Tags"] = [t for t in tags if t.get("id") not in ids]
        else:
            tags.extend(context.link(TAG, i) for i in ids if i not in {t.get("id") for t in tags})

    def inventory(target: dict[str, Any], datum: Datum) -> None:
        rows = target.setdefault("Inventories", [])
        if datum.operation == "delete":
            gone = {(r.get("id"), r.get("lotId")) for r in datum.old_value or [] if isinstance(r, dict)}
            target["Inventories"] = [r for r in rows if (r.get("id"), r.get("lotId")) not in gone]
        else:
            rows.extend(_inventories(context, datum.require_new()))

    def project(target: dict[str, Any], datum: Datum) -> None:
        if datum.operation == "delete":
            target.pop("Project", None)
        else:
            target["Project"] = {"id": context.link(PROJECT, datum.require_new(), field="description")["id"]}

    def block(target: dict[str, Any], datum: Datum) -> None:
        if datum.operation != "add":
            raise bad_request("Block supports only add")
        target.setdefault("Blocks", []).extend(_block(context, b) for b in datum.require_new() or [])

    def workflow(target: dict[str, Any], datum: Datum) -> None:
        for candidate in target.get("Blocks") or []:
            if candidate.get("id") == datum.raw.get("blockId"):
                candidate["Workflow"] = [{**context.link(WORKFLOW, datum.require_new()), "category": "FINAL"}]
                return
        raise bad_request(f"block {datum.raw.get('blockId')!r} not found on this task")

    return {
        "priority": choice(PRIORITIES),
        "state": choice(STATES),
        "dueDate": due_date,
        "AssignedTo": assigned_to,
        "tagId": tag,
        "inventory": inventory,
        "projectId": project,
        "Block": block,
        "workflow": workflow,
    }


async def patch_task(request: Request) -> Response:
    """``PATCH /tasks/{id}`` with ``[{"id", "data": [...]}]`` (``{"data"}`` is accepted too)."""
    context = ctx(request)
    task_id = path_id(request, TASK)
    body = await read_json(request)
    entries = body if isinstance(body, list) else [body]
    with context.store.transaction():
        doc = context.get_or_404(TASK, task_id)
        for entry in entries:
            if not isinstance(entry, dict):
                raise bad_request("PATCH entries must be objects")
            if entry.get("id") and with_prefix(TASK.prefix, str(entry["id"])) != task_id:
                raise bad_request("the id in the body does not match the URL")
            apply_patch(
                doc,
                parse_data(entry.get("data")),
                fields=("name", "notes", "class", "passOrFail", "result", "startDate"),
                non_deletable=("name",),
                handlers=_handlers(context),
            )
        if not isinstance(doc.get("name"), str) or not doc["name"].strip():
            raise bad_request("name cannot be empty")
        context.store.save(TASK, context.stamp_update(doc))
    return no_content()


async def delete_task(request: Request) -> Response:
    soft_delete(ctx(request), TASK, path_id(request, TASK))
    return no_content()


async def task_history(request: Request) -> Response:
    """History is not recorded by the stand-in; the envelope is there so callers can page it."""
    ctx(request).get_or_404(TASK, path_id(request, TASK))
    return JSON({"Items": []})


routes = [
    Route("/api/v3/tasks/multi", create_tasks, methods=["POST"]),
    Route("/api/v3/tasks/multi/{id}", get_task, methods=["GET"]),
    Route("/api/v3/tasks/search", search_get, methods=["GET"]),
    Route("/api/v3/tasks/search", search_post, methods=["POST"]),
    Route("/api/v3/tasks/{id}", patch_task, methods=["PATCH"]),
    Route("/api/v3/tasks/{id}", delete_task, methods=["DELETE"]),
    Route("/api/v3/tasks/{id}/history", task_history, methods=["GET"]),
]
