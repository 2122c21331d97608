"""Notes, notebooks and project worksheets: the J2 item tabs and the J5 project workspace.

These are modelled just far enough for the journeys: create, read, list by parent, rename,
block content replacement and sheet setup. Formulation grids (rows, columns, cell values) are not.
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
    no_content,
    qstr,
    read_json,
    read_object,
    with_prefix,
)
from loadcell.standin.albert.kinds import INVENTORY, LOT, NOTE, NOTEBOOK, PROJECT, TASK, WORKSHEET, Kind
from loadcell.standin.albert.pagination import search_by_offset
from loadcell.standin.albert.patching import apply_patch, parse_body
from loadcell.standin.albert.routes.common import new_doc, path_id, require_text, soft_delete
from loadcell.standin.albert.store import column_in

_PARENT_KINDS: dict[str, tuple[Kind, str]] = {
    "INV": (INVENTORY, "name"),
    "PRO": (PROJECT, "description"),
    "TAS": (TASK, "name"),
    "LOT": (LOT, "lotNumber"),
}


def _parent_id(context: Context, raw: Any) -> str:
    """Notes and notebooks hang off an existing entity; its prefix says which kind."""
    if not isinstance(raw, str) or not raw:
        raise bad_request("parentId is required")
    upper = raw.upper()
    for prefix, (kind, field) in _PARENT_KINDS.items():
        if upper.startswith(prefix):
            return context.link(kind, upper, field=field)["id"]
    if upper.startswith("CTP"):
        return upper  # custom templates are not modelled; accept the link as given
    raise bad_request(f"unsupported parentId {raw!r}")


# -- notes ------------------------------------------------------------------------------------


async def create_note(request: Request) -> Response:
    context = ctx(request)
    body = await read_object(request)
    fields = {
        "parentId": _parent_id(context, body.get("parentId")),
        "note": require_text(body, "note", max_len=100_000),
    }
    with context.store.transaction():
        doc = new_doc(context, NOTE, fields)
        context.store.insert(NOTE, doc)
    return JSON(doc, status_code=201)


async def list_notes(request: Request) -> Response:
    """``GET /notes?parentId=..&orderBy=..`` answers ``{"Items"}`` without paging."""
    context = ctx(request)
    parent = qstr(request, "parentId")
    if not parent:
        raise bad_request("parentId is required")
    records = context.store.find(
        NOTE,
        [column_in("parent_id", [parent.upper()])],
        by="seq",
        order=qstr(request, "orderBy") or "desc",
        limit=1000,
    )
    return JSON({"Items": [r.doc for r in records]})


async def get_note(request: Request) -> Response:
    return JSON(ctx(request).get_or_404(NOTE, path_id(request, NOTE)))


async def patch_note(request: Request) -> Response:
    context = ctx(request)
    data = parse_body(await read_json(request))
    with context.store.transaction():
        doc = context.get_or_404(NOTE, path_id(request, NOTE))
        apply_patch(doc, data, fields=("note",), non_deletable=("note",), metadata=False)
        context.store.save(NOTE, context.stamp_update(doc))
    return no_content()


async def delete_note(request: Request) -> Response:
    soft_delete(ctx(request), NOTE, path_id(request, NOTE))
    return no_content()


# -- notebooks --------------------------------------------------------------------------------


async def create_notebook(request: Request) -> Response:
    context = ctx(request)
    body = await read_object(request)
    if body.get("blocks"):
        raise bad_request("blocks must be empty when a notebook is created")
    fields: dict[str, Any] = {
        "name": body.get("name") or "Untitled Notebook",
        "parentId": _parent_id(context, body.get("parentId") or qstr(request, "parentId")),
        "blocks": [],
    }
    with context.store.transaction():
        doc = new_doc(context, NOTEBOOK, fields)
        doc["version"] = doc["Created"]["at"]
        context.store.insert(NOTEBOOK, doc)
    return JSON(doc, status_code=201)


async def get_notebook(request: Request) -> Response:
    return JSON(ctx(request).get_or_404(NOTEBOOK, path_id(request, NOTEBOOK)))


async def notebooks_of_parent(request: Request) -> Response:
    """``GET /notebooks/{PRO|TAS}/search``: the notebooks under one parent, as ``{"Items": [{id}]}``."""
    context = ctx(request)
    parent = request.path_params["parent"].upper()
    records = context.store.find(
        NOTEBOOK, [column_in("parent_id", [parent])], by="seq", order="asc", limit=1000
    )
    return JSON({"Items": [{"id": r.id, "name": r.doc.get("name")} for r in records]})


def _search_by_project(request: Request, kind: Any, to_item: Any) -> Response:
    """The GET OFFSET searches of the workspace: text, order and paging, optionally one project."""
    context = ctx(request)
    conds = []
    if project := qstr(request, "projectId"):
        conds.append(column_in("parent_id", [with_prefix(PROJECT.prefix, project)]))
    result = search_by_offset(
        context.store,
        kind,
        conds,
        text=qstr(request, "text"),
        order=qstr(request, "order"),
        offset=qstr(request, "offset"),
        limit=qstr(request, "limit"),
        to_item=to_item,
    )
    return JSON(result)


async def search_notebooks(request: Request) -> Response:
    """``GET /notebooks/search`` (OFFSET): one hit per notebook whose name matches."""
    return _search_by_project(
        request,
        NOTEBOOK,
        lambda r: {
            "notebookId": r.id,
            "projectId": r.doc.get("parentId"),
            "name": r.doc.get("name"),
            "blockType": None,
            "content": None,
        },
    )


async def patch_notebook(request: Request) -> Response:
    context = ctx(request)
    data = parse_body(await read_json(request))
    with context.store.transaction():
        doc = context.get_or_404(NOTEBOOK, path_id(request, NOTEBOOK))
        apply_patch(doc, data, fields=("name",), non_deletable=("name",), metadata=False)
        context.store.save(NOTEBOOK, context.stamp_update(doc))
    return no_content()


async def put_notebook_content(request: Request) -> Response:
    """Block operations: ``update`` upserts a block (after ``previousBlockId``), ``delete`` drops it."""
    context = ctx(request)
    body = await read_object(request)
    operations = body.get("data")
    if not isinstance(operations, list):
        raise bad_request("content body needs a 'data' array")
    with context.store.transaction():
        doc = context.get_or_404(NOTEBOOK, path_id(request, NOTEBOOK))
        blocks: list[dict[str, Any]] = doc.setdefault("blocks", [])
        for op in operations:
            if (
                not isinstance(op, dict)
                or not op.get("id")
                or op.get("operation") not in ("update", "delete")
            ):
                raise bad_request("each block operation needs an id and operation update|delete")
            blocks[:] = [b for b in blocks if b.get("id") != op["id"]]
            if op["operation"] == "delete":
                continue
            block = {
                "id": op["id"],
                "type": op.get("blockType") or op.get("type"),
                "content": op.get("content"),
            }
            after = [i for i, b in enumerate(blocks) if b.get("id") == op.get("previousBlockId")]
            blocks.insert(after[0] + 1 if after else len(blocks), block)
        doc["version"] = context.audit()["at"]
        context.store.save(NOTEBOOK, context.stamp_update(doc))
    return no_content()


async def delete_notebook(request: Request) -> Response:
    soft_delete(ctx(request), NOTEBOOK, path_id(request, NOTEBOOK))
    return no_content()


# -- worksheets -------------------------------------------------------------------------------


def _sheet(context: Context, project_id: str, name: str) -> dict[str, Any]:
    designs = [
        {"albertId": context.store.allocate_id("DES"), "designType": kind, "state": None}
        for kind in ("apps", "products", "results")
    ]
    return {
        "albertId": context.store.allocate_id("SHT"),
        "name": name,
        "hidden": False,
        "projectId": project_id,
        "Designs": designs,
        "Formulas": [],
    }


def _find_worksheet(context: Context, project: dict[str, Any]) -> dict[str, Any] | None:
    records = context.store.find(WORKSHEET, [column_in("parent_id", [project["id"]])], limit=1)
    return records[0].doc if records else None


def _empty_worksheet(project: dict[str, Any]) -> dict[str, Any]:
    return {"projectId": project["id"], "projectName": project["name"], "sheetEnabled": False, "Sheets": []}


def _worksheet(context: Context, project_id: str) -> dict[str, Any]:
    """The project's worksheet, created on first write."""
    project = context.link(PROJECT, project_id, field="description")
    doc = _find_worksheet(context, project)
    if doc is None:
        doc = new_doc(context, WORKSHEET, _empty_worksheet(project))
        context.store.insert(WORKSHEET, doc)
    return doc


async def get_worksheet(request: Request) -> Response:
    """``GET /worksheet?type=project&id=PRO..``; a project without a worksheet yet gets an empty one."""
    context = ctx(request)
    if (qstr(request, "type") or "project") != "project":
        raise bad_request("only type=project is supported")
    project_id = with_prefix(PROJECT.prefix, qstr(request, "id") or "")
    project = context.link(PROJECT, project_id, field="description")
    return JSON(_find_worksheet(context, project) or _empty_worksheet(project))


async def setup_worksheet(request: Request) -> Response:
    context = ctx(request)
    body = await read_object(request)
    with context.store.transaction():
        doc = _worksheet(context, path_id(request, PROJECT, "project"))
        doc["sheetEnabled"] = True
        if str(body.get("sheets", "false")).lower() == "true" and not doc["Sheets"]:
            doc["Sheets"].append(_sheet(context, doc["projectId"], "Sheet 1"))
        context.store.save(WORKSHEET, context.stamp_update(doc))
    return no_content()


async def add_sheet(request: Request) -> Response:
    context = ctx(request)
    body = await read_object(request)
    name = require_text(body, "name", max_len=255)
    with context.store.transaction():
        doc = _worksheet(context, path_id(request, PROJECT, "project"))
        if any(s["name"].lower() == name.lower() for s in doc["Sheets"]):
            raise bad_request(f"a sheet named {name!r} already exists")
        sheet = _sheet(context, doc["projectId"], name)
        doc["Sheets"].append(sheet)
        doc["sheetEnabled"] = True
        context.store.save(WORKSHEET, context.stamp_update(doc))
    return JSON(sheet, status_code=201)


async def search_worksheets(request: Request) -> Response:
    """``GET /worksheet/search`` (OFFSET) over project worksheets by project name."""
    return _search_by_project(
        request,
        WORKSHEET,
        lambda r: {"albertId": r.id, "projectId": r.doc["projectId"], "name": r.doc.get("projectName")},
    )


routes = [
    Route("/api/v3/notes", create_note, methods=["POST"]),
    Route("/api/v3/notes", list_notes, methods=["GET"]),
    Route("/api/v3/notes/{id}", get_note, methods=["GET"]),
    Route("/api/v3/notes/{id}", patch_note, methods=["PATCH"]),
    Route("/api/v3/notes/{id}", delete_note, methods=["DELETE"]),
    Route("/api/v3/notebooks", create_notebook, methods=["POST"]),
    Route("/api/v3/notebooks/search", search_notebooks, methods=["GET"]),
    Route("/api/v3/notebooks/{id}", get_notebook, methods=["GET"]),
    Route("/api/v3/notebooks/{id}", patch_notebook, methods=["PATCH"]),
    Route("/api/v3/notebooks/{id}", delete_notebook, methods=["DELETE"]),
    Route("/api/v3/notebooks/{id}/content", put_notebook_content, methods=["PUT"]),
    Route("/api/v3/notebooks/{parent}/search", notebooks_of_parent, methods=["GET"]),
    Route("/api/v3/worksheet", get_worksheet, methods=["GET"]),
    Route("/api/v3/worksheet/search", search_worksheets, methods=["GET"]),
    Route("/api/v3/worksheet/{project}/setup", setup_worksheet, methods=["POST"]),
    Route("/api/v3/worksheet/project/{project}/sheets", add_sheet, methods=["PUT"]),
]
