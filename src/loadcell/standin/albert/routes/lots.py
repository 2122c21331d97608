"""Lots: stock of an inventory item in a storage location (J3 create, J4 adjust/transfer, J9 bulk).

Quantities arrive as decimal strings and a stock adjustment sends a signed *delta* as the PATCH
``newValue``; both are mirrored here, and the parent item's ``onHand`` follows every change.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from loadcell.standin.albert.http import (
    JSON,
    ApiError,
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
from loadcell.standin.albert.kinds import INVENTORY, LOCATION, LOT, STORAGE_LOCATION, TASK, USER
from loadcell.standin.albert.pagination import list_by_key, search_by_cursor
from loadcell.standin.albert.patching import (
    Datum,
    apply_patch,
    bulk_response,
    failure,
    parse_body,
    parse_bulk,
    parse_data,
)
from loadcell.standin.albert.routes.common import new_doc, path_id, statuses
from loadcell.standin.albert.routes.inventories import refresh_on_hand
from loadcell.standin.albert.store import Cond, Record, column_in, json_in

MAX_DELETE_IDS = 5
MAX_BULK_LOTS = 300
MAX_CHANGES_PER_LOT = 4
PARENT_UNITS = {"mass": "g", "volume": "mL", "length": "m", "pressure": "Pa", "units": "units"}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ON_HAND = {"lteZero": "<= 0", "gtZero": "> 0", "eqZero": "= 0"}


def _number(field: str, value: Any, *, minimum: float | None = 0.0) -> float:
    """Lot numbers travel as decimal strings (``"25"``, ``"-2.50000000000000"``)."""
    try:
        number = float(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        raise bad_request(f"{field} must be a decimal number (got {value!r})") from None
    if minimum is not None and number < minimum:
        raise bad_request(f"{field} must be >= {minimum:g}")
    return number


def _first_50(text: Any) -> Any:
    """Lot search looks at the first 50 characters of its text (anything else is refused later)."""
    return text[:50] if isinstance(text, str) else text


def _date(field: str, value: Any) -> str:
    if not isinstance(value, str) or not _DATE.match(value):
        raise bad_request(f"{field} must be a YYYY-MM-DD date")
    return value


def _storage(context: Context, value: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """A storage location link and the location it belongs to."""
    link = context.link(STORAGE_LOCATION, value)
    record = context.store.get(STORAGE_LOCATION, link["id"])
    return link, dict(record.doc["Location"]) if record else {}


def _build_lot(context: Context, item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise bad_request("each lot must be an object")
    parent_id = with_prefix(INVENTORY.prefix, str(item.get("parentId") or ""))
    parent = context.store.get(INVENTORY, parent_id)
    if parent is None or parent.status != "active":
        raise bad_request(f"parentId {item.get('parentId')!r} is not an active inventory item")
    fields: dict[str, Any] = {
        "parentId": parent_id,
        "parentName": parent.doc.get("name"),
        "parentIdCategory": parent.doc.get("category"),
        "parentUnit": PARENT_UNITS.get(parent.doc.get("unitCategory", "mass"), "g"),
        "hasNotes": bool(item.get("notes")),
        "hasAttachments": False,
    }
    if item.get("taskId"):
        fields["taskId"] = context.link(TASK, item["taskId"])["id"]
        if not item.get("Location"):
            raise bad_request("Location is required for a task lot")
    else:
        if not item.get("StorageLocation"):
            raise bad_request("StorageLocation is required for a lot that does not come from a task")
        if item.get("initialQuantity") is None:
            raise bad_request("initialQuantity is required for a lot that does not come from a task")
        if parent.doc.get("category") == "RawMaterials" and not item.get("manufacturerLotNumber"):
            raise bad_request("manufacturerLotNumber is required for raw material lots")
    if item.get("StorageLocation"):
        fields["StorageLocation"], fields["Location"] = _storage(context, item["StorageLocation"])
    if item.get("Location"):
        fields["Location"] = context.link(LOCATION, item["Location"])
    if item.get("initialQuantity") is not None:
        fields["initialQuantity"] = _number("initialQuantity", item["initialQuantity"])
    on_hand = item.get("inventoryOnHand", item.get("initialQuantity", 0))
    fields["inventoryOnHand"] = _number("inventoryOnHand", on_hand)
    if item.get("cost") is not None:
        fields["cost"] = _number("cost", item["cost"])
    if item.get("expirationDate") is not None:
        fields["expirationDate"] = _date("expirationDate", item["expirationDate"])
    owners = item.get("Owner") or [{"id": context.config.user_id}]
    fields["Owner"] = [context.link(USER, o) for o in owners]
    for key in (
        "manufacturerLotNumber",
        "lotNumber",
        "externalBarcodeId",
        "packSize",
        "notes",
        "Metadata",
        "entryUnit",
        "density",
        "workflowId",
    ):
        if item.get(key) is not None:
            fields[key] = item[key]
    doc = new_doc(context, LOT, fields)
    doc["barcodeId"] = doc["albertId"][3:]
    return doc


async def create_lots(request: Request) -> Response:
    """``POST /lots`` takes and returns an array; partial success is 206 with ``FailedItems``."""
    context = ctx(request)
    body = await read_json(request)
    items = body if isinstance(body, list) else [body]
    if not items:
        raise bad_request("at least one lot is required")
    created: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        try:
            with context.store.transaction():
                doc = _build_lot(context, item)
                context.store.insert(LOT, doc)
                refresh_on_hand(context, doc["parentId"])
            created.append(doc)
        except ApiError as exc:
            failed.append(
                {
                    "index": index,
                    "parentId": item.get("parentId") if isinstance(item, dict) else None,
                    "errors": [{"msg": exc.msg}],
                }
            )
    if not created:
        raise bad_request("; ".join(f["errors"][0]["msg"] for f in failed[:5]))
    if failed:
        return JSON({"CreatedLots": created, "FailedItems": failed}, status_code=206)
    return JSON(created, status_code=201)


async def get_lot(request: Request) -> Response:
    return JSON(ctx(request).get_or_404(LOT, path_id(request, LOT)))


async def get_lots_by_ids(request: Request) -> Response:
    ids = [with_prefix(LOT.prefix, i) for i in qlist(request, "id")]
    if len(ids) > MAX_BULK_LOTS:
        raise bad_request(f"at most {MAX_BULK_LOTS} ids per call")
    return JSON({"Items": [r.doc for r in ctx(request).store.get_many(LOT, ids)]})


def _on_hand(filter_name: str) -> Cond:
    if filter_name not in _ON_HAND:
        raise bad_request(f"inventoryOnHand must be one of {', '.join(_ON_HAND)}")
    return Cond(f"json_extract(doc, '$.inventoryOnHand') {_ON_HAND[filter_name]}")


async def list_lots(request: Request) -> Response:
    context = ctx(request)
    conds: list[Cond] = []
    if parents := qlist(request, "parentId") + qlist(request, "inventoryId"):
        conds.append(column_in("parent_id", [with_prefix(INVENTORY.prefix, p) for p in parents]))
    if barcodes := qlist(request, "barcodeId"):
        conds.append(json_in("barcodeId", barcodes))
    if categories := qlist(request, "parentIdCategory"):
        conds.append(json_in("parentIdCategory", categories))
    if locations := qlist(request, "locationId"):
        conds.append(json_in("Location.id", locations))
    if on_hand := qstr(request, "inventoryOnHand"):
        conds.append(_on_hand(on_hand))
    body = list_by_key(
        context.store,
        LOT,
        conds,
        start_key=qstr(request, "startKey"),
        limit=qstr(request, "limit"),
        order=qstr(request, "orderBy"),
        to_item=lambda r: r.doc,
    )
    return JSON(body)


def _search_item(record: Record) -> dict[str, Any]:
    return {**record.doc, "number": record.doc.get("lotNumber")}


async def search_lots(request: Request) -> Response:
    """``POST /lots/search`` (SEARCH_AFTER); inventory IDs may come with or without ``INV``."""
    context = ctx(request)
    body = await read_object(request)
    conds: list[Cond] = []
    if inventory_ids := body_list(body, "inventoryId"):
        conds.append(column_in("parent_id", [with_prefix(INVENTORY.prefix, str(i)) for i in inventory_ids]))
    for key, path in (
        ("locationId", "Location.id"),
        ("storageLocationId", "StorageLocation.id"),
        ("taskId", "taskId"),
        ("category", "parentIdCategory"),
        ("externalBarcodeId", "externalBarcodeId"),
    ):
        if values := body_list(body, key):
            conds.append(json_in(path, values))
    for key, path in (("location", "Location.name"), ("storageLocation", "StorageLocation.name")):
        if values := body_list(body, key):
            conds.append(json_in(path, values, nocase=True))
    if body.get("fromOnHand") is not None:
        conds.append(
            Cond(
                "json_extract(doc, '$.inventoryOnHand') >= ?",
                (_number("fromOnHand", body["fromOnHand"], minimum=None),),
            )
        )
    if body.get("toExpirationDate"):
        conds.append(Cond("json_extract(doc, '$.expirationDate') <= ?", (body["toExpirationDate"],)))
    result = search_by_cursor(
        context.store,
        LOT,
        conds,
        text=_first_50(body.get("text")),
        order=body.get("order"),
        search_after=body.get("searchAfter"),
        limit=body.get("limit"),
        statuses=statuses(body_list(body, "status")),
        to_item=_search_item,
    )
    return JSON(result)


def _patch_lot(context: Context, lot_id: str, data: list[Datum], notes: Any = None) -> dict[str, Any]:
    doc = context.get_or_404(LOT, lot_id)

    def on_hand(target: dict[str, Any], datum: Datum) -> None:
        delta = _number("inventoryOnHand", datum.require_new(), minimum=None)
        if datum.operation == "add":
            delta = delta - float(target.get("inventoryOnHand") or 0)  # add sets the value outright
        new_total = round(float(target.get("inventoryOnHand") or 0) + delta, 10)
        if new_total < 0:
            raise bad_request("inventoryOnHand cannot go below zero")
        target["inventoryOnHand"] = new_total

    def storage(target: dict[str, Any], datum: Datum) -> None:
        target["StorageLocation"], target["Location"] = _storage(context, datum.require_new())

    def owner(target: dict[str, Any], datum: Datum) -> None:
        target["Owner"] = [context.link(USER, datum.require_new())]

    def status(target: dict[str, Any], datum: Datum) -> None:
        if datum.require_new() not in ("active", "inactive", "quarantined"):
            raise bad_request("status must be active, inactive or quarantined")
        target["status"] = datum.new_value

    def number(target: dict[str, Any], datum: Datum) -> None:
        if datum.operation == "delete":
            target.pop(datum.attribute, None)
        else:
            target[datum.attribute] = _number(datum.attribute, datum.require_new())

    def expiration(target: dict[str, Any], datum: Datum) -> None:
        target["expirationDate"] = _date("expirationDate", datum.require_new())

    apply_patch(
        doc,
        data,
        fields=("manufacturerLotNumber", "lotNumber", "packSize", "externalBarcodeId", "workflowId", "notes"),
        handlers={
            "inventoryOnHand": on_hand,
            "storageLocation": storage,
            "StorageLocation": storage,
            "Owner": owner,
            "status": status,
            "expirationDate": expiration,
            **dict.fromkeys(("initialQuantity", "cost", "costL"), number),
        },
    )
    if notes:
        doc["hasNotes"] = True
        doc["notes"] = notes
    context.store.save(LOT, context.stamp_update(doc))
    refresh_on_hand(context, doc["parentId"])
    return doc


async def patch_lot(request: Request) -> Response:
    context = ctx(request)
    body = await read_json(request)
    data = parse_body(body)
    with context.store.transaction():
        _patch_lot(context, path_id(request, LOT), data, body.get("notes"))
    return no_content()


async def bulk_patch_lots(request: Request) -> Response:
    """``PATCH /lots`` with ≤300 ``{"id", "data", "notes"}`` entries of ≤4 changes each."""
    context = ctx(request)
    body = await read_json(request)
    done, failed = [], []
    for index, (raw_id, raw_data) in enumerate(parse_bulk(body, max_items=MAX_BULK_LOTS)):
        try:
            data = parse_data(raw_data)
            if len(data) > MAX_CHANGES_PER_LOT:
                raise bad_request(f"at most {MAX_CHANGES_PER_LOT} changes per lot")
            lot_id = with_prefix(LOT.prefix, str(raw_id or ""))
            with context.store.transaction():
                _patch_lot(context, lot_id, data, body[index].get("notes"))
            done.append(lot_id)
        except ApiError as exc:
            failed.append(failure(raw_id, exc.msg))
    return bulk_response(done, failed, done_key="UpdatedItems")


async def split_lot(request: Request) -> Response:
    """``POST /lots/{id}/split``: move part of the stock into a new lot (a partial transfer)."""
    context = ctx(request)
    body = await read_object(request)
    quantity = _number("inventoryOnHand", body.get("inventoryOnHand"))
    if quantity <= 0:
        raise bad_request("inventoryOnHand must be greater than zero")
    if not body.get("StorageLocation"):
        raise bad_request("StorageLocation is required")
    with context.store.transaction():
        source = context.get_or_404(LOT, path_id(request, LOT))
        if source.get("status") != "active":
            raise bad_request("only active lots can be split")
        if quantity > float(source.get("inventoryOnHand") or 0):
            raise bad_request("cannot split more than the lot has on hand")
        source["inventoryOnHand"] = round(float(source["inventoryOnHand"]) - quantity, 10)
        context.store.save(LOT, context.stamp_update(source))
        keep = {k: v for k, v in source.items() if k not in ("albertId", "Created", "Updated", "status")}
        keep.update({"inventoryOnHand": quantity, "initialQuantity": quantity, "action": "splitted"})
        keep["StorageLocation"], keep["Location"] = _storage(context, body["StorageLocation"])
        if body.get("Owner"):
            keep["Owner"] = [context.link(USER, o) for o in body["Owner"]]
        doc = new_doc(context, LOT, keep)
        doc["barcodeId"] = doc["albertId"][3:]
        context.store.insert(LOT, doc)
        refresh_on_hand(context, doc["parentId"])
    return JSON(doc, status_code=201)


async def delete_lots(request: Request) -> Response:
    """``DELETE /lots?id=..``: at most five IDs per call, as the SDK's ``delete_many`` batches."""
    context = ctx(request)
    ids = [with_prefix(LOT.prefix, i) for i in qlist(request, "id")]
    if not ids:
        raise bad_request("at least one id is required")
    if len(ids) > MAX_DELETE_IDS:
        raise bad_request(f"at most {MAX_DELETE_IDS} lot ids per delete (got {len(ids)})")
    with context.store.transaction():
        records = context.store.get_many(LOT, ids)
        if not records:
            raise ApiError(404, "None of the requested lots exist")
        for record in records:
            record.doc["status"] = "inactive"
            context.store.save(LOT, context.stamp_update(record.doc))
        for parent in {r.doc["parentId"] for r in records}:
            refresh_on_hand(context, parent)
    return no_content()


routes = [
    Route("/api/v3/lots", list_lots, methods=["GET"]),
    Route("/api/v3/lots", create_lots, methods=["POST"]),
    Route("/api/v3/lots", bulk_patch_lots, methods=["PATCH"]),
    Route("/api/v3/lots", delete_lots, methods=["DELETE"]),
    Route("/api/v3/lots/ids", get_lots_by_ids, methods=["GET"]),
    Route("/api/v3/lots/search", search_lots, methods=["POST"]),
    Route("/api/v3/lots/{id}", get_lot, methods=["GET"]),
    Route("/api/v3/lots/{id}", patch_lot, methods=["PATCH"]),
    Route("/api/v3/lots/{id}/split", split_lot, methods=["POST"]),
]
