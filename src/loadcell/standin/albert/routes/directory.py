"""Companies and tags: small named entities looked up by name on every inventory create (J3, J8)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from loadcell.standin.albert.http import (
    JSON,
    ApiError,
    bad_request,
    ctx,
    no_content,
    qlist,
    qstr,
    read_json,
    read_object,
    with_prefix,
)
from loadcell.standin.albert.kinds import COMPANY, TAG, Kind
from loadcell.standin.albert.pagination import list_by_key
from loadcell.standin.albert.patching import (
    Datum,
    apply_patch,
    bulk_response,
    failure,
    parse_bulk,
    parse_data,
)
from loadcell.standin.albert.routes.common import (
    id_filter,
    name_filter,
    new_doc,
    patch_one,
    path_id,
    require_text,
    require_unique_name,
    soft_delete,
)
from loadcell.standin.albert.store import column_in


def _doc(record) -> dict:
    return record.doc


async def _list(request: Request, kind: Kind) -> Response:
    context = ctx(request)
    conds = name_filter(request, default_exact=True) + id_filter(request, kind)
    body = list_by_key(
        context.store,
        kind,
        conds,
        start_key=qstr(request, "startKey"),
        limit=qstr(request, "limit"),
        order=qstr(request, "orderBy"),
        to_item=_doc,
    )
    return JSON(body)


async def _create(request: Request, kind: Kind) -> Response:
    context = ctx(request)
    body = await read_object(request)
    name = require_text(body, "name", max_len=255)
    with context.store.transaction():
        require_unique_name(context, kind, name)
        doc = new_doc(context, kind, {"name": name})
        context.store.insert(kind, doc)
    return JSON(doc, status_code=201)


def _rename_handler(context, kind: Kind, entity_id: str):
    def rename(doc: dict, datum: Datum) -> None:
        if datum.operation == "delete":
            raise bad_request("name cannot be deleted")
        name = datum.require_new()
        if not isinstance(name, str) or not name.strip():
            raise bad_request("name must be a non-empty string")
        require_unique_name(context, kind, name, own_id=entity_id)
        doc["name"] = name

    return rename


def _patch_one(context, kind: Kind, entity_id: str, data: list[Datum]) -> None:
    doc = context.get_or_404(kind, entity_id)
    apply_patch(doc, data, handlers={"name": _rename_handler(context, kind, entity_id)}, metadata=False)
    context.store.save(kind, context.stamp_update(doc))


# -- companies --------------------------------------------------------------------------------


async def list_companies(request: Request) -> Response:
    return await _list(request, COMPANY)


async def create_company(request: Request) -> Response:
    return await _create(request, COMPANY)


async def get_company(request: Request) -> Response:
    return JSON(ctx(request).get_or_404(COMPANY, path_id(request, COMPANY)))


async def patch_company(request: Request) -> Response:
    return await patch_one(
        request, COMPANY, lambda context, id_, data: _patch_one(context, COMPANY, id_, data)
    )


async def delete_company(request: Request) -> Response:
    soft_delete(ctx(request), COMPANY, path_id(request, COMPANY))
    return no_content()


async def merge_companies(request: Request) -> Response:
    """Fold child companies into a parent: the children become inactive."""
    context = ctx(request)
    body = await read_object(request)
    parent = context.get_or_404(COMPANY, str(body.get("parentId") or ""))
    children = [c.get("id") for c in body.get("ChildCompanies") or [] if isinstance(c, dict)]
    if not children:
        raise bad_request("ChildCompanies is required")
    with context.store.transaction():
        for child in children:
            soft_delete(context, COMPANY, str(child))
    return JSON(parent)


# -- tags -------------------------------------------------------------------------------------


async def list_tags(request: Request) -> Response:
    return await _list(request, TAG)


async def create_tag(request: Request) -> Response:
    return await _create(request, TAG)


async def get_tag(request: Request) -> Response:
    return JSON(ctx(request).get_or_404(TAG, path_id(request, TAG)))


async def get_tags_by_ids(request: Request) -> Response:
    """``GET /tags/ids``: unlike the other ``/ids`` endpoints this answers a bare list."""
    context = ctx(request)
    ids = [with_prefix(TAG.prefix, i) for i in qlist(request, "id")]
    records = context.store.find(TAG, [column_in("id", ids)], statuses=None) if ids else []
    return JSON([r.doc for r in records])


async def patch_tag(request: Request) -> Response:
    return await patch_one(request, TAG, lambda context, id_, data: _patch_one(context, TAG, id_, data))


async def bulk_patch_tags(request: Request) -> Response:
    """``PATCH /tags`` with ``[{"id", "data"}]`` (the SDK's rename); 206 lists the failures."""
    context = ctx(request)
    done, failed = [], []
    for raw_id, raw_data in parse_bulk(await read_json(request)):
        try:
            tag_id = with_prefix(TAG.prefix, str(raw_id or ""))
            with context.store.transaction():
                _patch_one(context, TAG, tag_id, parse_data(raw_data))
            done.append(tag_id)
        except ApiError as exc:  # each item fails on its own, as the real bulk endpoint does
            failed.append(failure(raw_id, exc.msg))
    return bulk_response(done, failed, done_key="UpdatedItems")


async def delete_tag(request: Request) -> Response:
    soft_delete(ctx(request), TAG, path_id(request, TAG))
    return no_content()


routes = [
    Route("/api/v3/companies", list_companies, methods=["GET"]),
    Route("/api/v3/companies", create_company, methods=["POST"]),
    Route("/api/v3/companies/merge", merge_companies, methods=["POST"]),
    Route("/api/v3/companies/{id}", get_company, methods=["GET"]),
    Route("/api/v3/companies/{id}", patch_company, methods=["PATCH"]),
    Route("/api/v3/companies/{id}", delete_company, methods=["DELETE"]),
    Route("/api/v3/tags", list_tags, methods=["GET"]),
    Route("/api/v3/tags", create_tag, methods=["POST"]),
    Route("/api/v3/tags", bulk_patch_tags, methods=["PATCH"]),
    Route("/api/v3/tags/ids", get_tags_by_ids, methods=["GET"]),
    Route("/api/v3/tags/{id}", get_tag, methods=["GET"]),
    Route("/api/v3/tags/{id}", patch_tag, methods=["PATCH"]),
    Route("/api/v3/tags/{id}", delete_tag, methods=["DELETE"]),
]
