"""Locations (labs/sites) and the storage locations inside them (J1, J4 transfers, J8)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from loadcell.standin.albert.http import JSON, bad_request, ctx, no_content, qstr, read_json, read_object
from loadcell.standin.albert.kinds import LOCATION, STORAGE_LOCATION
from loadcell.standin.albert.pagination import list_by_key
from loadcell.standin.albert.patching import Datum, apply_patch, parse_body
from loadcell.standin.albert.routes.common import (
    id_filter,
    name_filter,
    new_doc,
    path_id,
    require_text,
    require_unique_name,
    soft_delete,
)
from loadcell.standin.albert.store import column_in, json_in


def _float(name: str, value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise bad_request(f"{name} must be a number") from None


def _country(value: Any) -> str:
    if not isinstance(value, str) or len(value) != 2:
        raise bad_request("country must be a 2-letter code")
    return value.upper()


# -- locations --------------------------------------------------------------------------------


async def list_locations(request: Request) -> Response:
    context = ctx(request)
    conds = name_filter(request, default_exact=False) + id_filter(request, LOCATION)
    if country := qstr(request, "country"):
        conds.append(json_in("country", [country], nocase=True))
    return JSON(
        list_by_key(
            context.store,
            LOCATION,
            conds,
            start_key=qstr(request, "startKey"),
            limit=qstr(request, "limit"),
            order=qstr(request, "orderBy"),
            to_item=lambda r: r.doc,
        )
    )


async def get_location(request: Request) -> Response:
    return JSON(ctx(request).get_or_404(LOCATION, request.path_params["id"]))


async def create_location(request: Request) -> Response:
    context = ctx(request)
    body = await read_object(request)
    fields: dict[str, Any] = {
        "name": require_text(body, "name", max_len=255),
        "latitude": _float("latitude", body.get("latitude")),
        "longitude": _float("longitude", body.get("longitude")),
        "address": require_text(body, "address"),
    }
    if not -90 <= fields["latitude"] <= 90 or not -180 <= fields["longitude"] <= 180:
        raise bad_request("latitude/longitude out of range")
    if body.get("country") is not None:
        fields["country"] = _country(body["country"])
    with context.store.transaction():
        require_unique_name(context, LOCATION, fields["name"])
        doc = new_doc(context, LOCATION, fields)
        context.store.insert(LOCATION, doc)
    return JSON(doc, status_code=201)


async def patch_location(request: Request) -> Response:
    """The SDK stringifies every value for locations, so numbers are coerced back here."""
    context = ctx(request)
    data = parse_body(await read_json(request))
    location_id = request.path_params["id"]
    with context.store.transaction():
        doc = context.get_or_404(LOCATION, location_id)
        apply_patch(
            doc,
            data,
            fields=("name", "latitude", "longitude", "address", "country"),
            coerce={"latitude": float, "longitude": float, "country": _country},
            non_deletable=("name", "latitude", "longitude", "address"),
            metadata=False,
        )
        if "name" in {d.attribute for d in data}:
            require_unique_name(context, LOCATION, doc["name"], own_id=location_id)
        context.store.save(LOCATION, context.stamp_update(doc))
    return no_content()


async def delete_location(request: Request) -> Response:
    soft_delete(ctx(request), LOCATION, request.path_params["id"])
    return no_content()


# -- storage locations ------------------------------------------------------------------------


async def list_storage_locations(request: Request) -> Response:
    context = ctx(request)
    conds = name_filter(request, default_exact=False) + id_filter(request, STORAGE_LOCATION)
    if location_id := qstr(request, "locationId"):
        conds.append(column_in("parent_id", [location_id]))
    return JSON(
        list_by_key(
            context.store,
            STORAGE_LOCATION,
            conds,
            start_key=qstr(request, "startKey"),
            limit=qstr(request, "limit"),
            order=qstr(request, "orderBy"),
            to_item=lambda r: r.doc,
        )
    )


async def get_storage_location(request: Request) -> Response:
    return JSON(ctx(request).get_or_404(STORAGE_LOCATION, path_id(request, STORAGE_LOCATION)))


async def create_storage_location(request: Request) -> Response:
    context = ctx(request)
    body = await read_object(request)
    name = require_text(body, "name", min_len=2, max_len=255)
    location = context.link(LOCATION, body.get("Location"))
    with context.store.transaction():
        require_unique_name(context, STORAGE_LOCATION, name, conds=[column_in("parent_id", [location["id"]])])
        doc = new_doc(context, STORAGE_LOCATION, {"name": name, "Location": location})
        context.store.insert(STORAGE_LOCATION, doc)
    return JSON(doc, status_code=201)


async def patch_storage_location(request: Request) -> Response:
    context = ctx(request)
    data = parse_body(await read_json(request))
    stl_id = path_id(request, STORAGE_LOCATION)
    with context.store.transaction():
        doc = context.get_or_404(STORAGE_LOCATION, stl_id)

        def rename(target: dict[str, Any], datum: Datum) -> None:
            name = datum.require_new() if datum.operation != "delete" else None
            if not isinstance(name, str) or len(name) < 2:
                raise bad_request("name must be at least 2 characters")
            parent = [column_in("parent_id", [target["Location"]["id"]])]
            require_unique_name(context, STORAGE_LOCATION, name, conds=parent, own_id=stl_id)
            target["name"] = name

        apply_patch(doc, data, handlers={"name": rename}, metadata=False)
        context.store.save(STORAGE_LOCATION, context.stamp_update(doc))
    return no_content()


async def delete_storage_location(request: Request) -> Response:
    soft_delete(ctx(request), STORAGE_LOCATION, path_id(request, STORAGE_LOCATION))
    return no_content()


routes = [
    Route("/api/v3/locations", list_locations, methods=["GET"]),
    Route("/api/v3/locations", create_location, methods=["POST"]),
    Route("/api/v3/locations/{id}", get_location, methods=["GET"]),
    Route("/api/v3/locations/{id}", patch_location, methods=["PATCH"]),
    Route("/api/v3/locations/{id}", delete_location, methods=["DELETE"]),
    Route("/api/v3/storagelocations", list_storage_locations, methods=["GET"]),
    Route("/api/v3/storagelocations", create_storage_location, methods=["POST"]),
    Route("/api/v3/storagelocations/{id}", get_storage_location, methods=["GET"]),
    Route("/api/v3/storagelocations/{id}", patch_storage_location, methods=["PATCH"]),
    Route("/api/v3/storagelocations/{id}", delete_storage_location, methods=["DELETE"]),
]
