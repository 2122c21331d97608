"""Inventory items: the dominant read path (J2 search, J9 export) and the main write path (J3, J4)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from loadcell.standin.albert.http import (
    JSON,
    ApiError,
    Context,
    bad_request,
    ctx,
    no_content,
    qlist,
    read_json,
    read_object,
    with_prefix,
)
from loadcell.standin.albert.kinds import COMPANY, INVENTORY, LOT, PROJECT, TAG, USER
from loadcell.standin.albert.patching import (
    Datum,
    apply_patch,
    bulk_response,
    failure,
    parse_bulk,
    parse_data,
)
from loadcell.standin.albert.routes.common import (
    new_doc,
    patch_one,
    path_id,
    reactivate,
    require_text,
    soft_delete,
)
from loadcell.standin.albert.store import column_in

CATEGORY_CODES = {
    "RawMaterials": "A",
    "Consumables": "B",
    "Equipment": "C",
    "Formulas": "MO",
    "Reaction": "R",
}
UNIT_CATEGORIES = frozenset({"mass", "volume", "length", "pressure", "units"})
SECURITY_CLASSES = frozenset({"shared", "restricted", "confidential", "private", "public"})
CAS_FIELDS = frozenset(
    {"min", "max", "inventoryValue", "casCategory", "inventoryFunction", "type", "classificationType"}
)
MAX_IDS = 300


def _default_unit(category: str) -> str:
    return "units" if category in ("Equipment", "Consumables") else "mass"


def _choice(field: str, value: Any, allowed: frozenset[str] | dict[str, str]) -> str:
    if value not in allowed:
        raise bad_request(f"{field} must be one of {', '.join(sorted(allowed))} (got {value!r})")
    return value


def _positive(field: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = 0.0
    if number <= 0:
        raise bad_request(f"{field} must be greater than 0")
    return number


def _tag_ids(value: Any) -> list[str]:
    """``tagId`` values arrive as an ID, a list of IDs or a list of ``{"id"}`` links."""
    values = value if isinstance(value, list) else [value]
    ids = [v.get("id") if isinstance(v, dict) else v for v in values]
    return [with_prefix(TAG.prefix, i) for i in ids if isinstance(i, str) and i]


def refresh_on_hand(context: Context, inventory_id: str) -> None:
    """Keep ``onHand`` equal to the sum of the item's active lots (called after every lot write)."""
    record = context.store.get(INVENTORY, inventory_id)
    if record is None:
        return
    total = context.store.sum_json(LOT, "inventoryOnHand", [column_in("parent_id", [inventory_id])])
    if record.doc.get("onHand") != total:
        record.doc["onHand"] = total
        context.store.save(INVENTORY, record.doc, reindex=False)


# -- create and read --------------------------------------------------------------------------


async def create_inventory(request: Request) -> Response:
    context = ctx(request)
    body = await read_object(request)
    category = _choice("category", body.get("category"), CATEGORY_CODES)
    fields: dict[str, Any] = {
        "name": require_text(body, "name", max_len=255),
        "category": category,
        "unitCategory": _choice(
            "unitCategory", body.get("unitCategory") or _default_unit(category), UNIT_CATEGORIES
        ),
        "Tags": [context.link(TAG, t) for t in body.get("Tags") or []],
        "ACL": [a for a in body.get("ACL") or [] if isinstance(a, dict)],
        "Cas": [c for c in body.get("Cas") or [] if isinstance(c, dict)],
        "Metadata": body.get("Metadata") if isinstance(body.get("Metadata"), dict) else {},
        "onHand": 0.0,
        "Symbols": [],
    }
    for key in ("description", "alias", "isFormulaOverride", "minimum"):
        if body.get(key) is not None:
            fields[key] = body[key]
    if body.get("class") is not None:
        fields["class"] = _choice("class", body["class"], SECURITY_CLASSES)
    if body.get("Company"):
        fields["Company"] = context.link(COMPANY, body["Company"])
    if fields["unitCategory"] == "volume":
        fields["density"] = _positive("density (required for volume items)", body.get("density"))
    elif body.get("density") is not None:
        fields["density"] = _positive("density", body["density"])
    if category == "Formulas":
        if not body.get("parentId"):
            raise bad_request("parentId (the project ID) is required for Formulas")
        fields["parentId"] = context.link(PROJECT, body["parentId"])["id"]
    elif body.get("parentId"):
        fields["parentId"] = body["parentId"]
    with context.store.transaction():
        doc = new_doc(context, INVENTORY, fields, prefix="INV" + CATEGORY_CODES[category])
        context.store.insert(INVENTORY, doc)
    return JSON(doc, status_code=201)


async def get_inventory(request: Request) -> Response:
    return JSON(ctx(request).get_or_404(INVENTORY, path_id(request, INVENTORY)))


async def get_inventories_by_ids(request: Request) -> Response:
    """``GET /inventories/ids``: missing IDs are dropped; 404 only when none exist."""
    ids = [with_prefix(INVENTORY.prefix, i) for i in qlist(request, "id")]
    if not ids:
        raise bad_request("at least one id is required")
    if len(ids) > MAX_IDS:
        raise bad_request(f"at most {MAX_IDS} ids per call")
    records = ctx(request).store.get_many(INVENTORY, ids)
    if not records:
        raise ApiError(404, "None of the requested inventory items exist")
    return JSON({"Items": [r.doc for r in records]})


async def get_specs(request: Request) -> Response:
    """Legacy specs tab (J2): the stand-in keeps none, so every item has an empty spec list."""
    ids = [with_prefix(INVENTORY.prefix, i) for i in qlist(request, "id")]
    return JSON([{"parentId": i, "Specs": []} for i in ids])


# -- update and delete ------------------------------------------------------------------------


def _handlers(context: Context, doc: dict[str, Any]) -> dict[str, Any]:
    def unit_category(target: dict[str, Any], datum: Datum) -> None:
        new = _choice("unitCategory", datum.require_new(), UNIT_CATEGORIES)
        if "volume" in (new, target.get("unitCategory")) and new != target.get("unitCategory"):
            raise bad_request("unitCategory cannot be changed to or from volume")
        target["unitCategory"] = new

    def security_class(target: dict[str, Any], datum: Datum) -> None:
        if datum.operation == "delete":
            target.pop("class", None)
        else:
            target["class"] = _choice("class", datum.require_new(), SECURITY_CLASSES)

    def tag(target: dict[str, Any], datum: Datum) -> None:
        tags = target.setdefault("Tags", [])
        if datum.operation == "delete":
            gone = set(
                _tag_ids(datum.old_value if datum.old_value is not None else datum.raw.get("entityId"))
            )
            target["Tags"] = [t for t in tags if t.get("id") not in gone]
            return
        have = {t.get("id") for t in tags}
        for tag_id in _tag_ids(datum.require_new()):
            if tag_id not in have:
                tags.append(context.link(TAG, tag_id))
                have.add(tag_id)

    def company(target: dict[str, Any], datum: Datum) -> None:
        if datum.operation == "delete":
            raise bad_request("The company of an inventory item cannot be removed")
        target["Company"] = context.link(COMPANY, datum.require_new())

    def acl(target: dict[str, Any], datum: Datum) -> None:
        entries = target.setdefault("ACL", [])
        if datum.operation == "delete":
            gone = {a.get("id") for a in datum.old_value or [] if isinstance(a, dict)}
            target["ACL"] = [a for a in entries if a.get("id") not in gone]
        else:
            for entry in datum.require_new() or []:
                context.link(USER, entry)  # ACL entries name users; unknown users are a 400
                entries.append({"id": entry["id"], "fgc": entry.get("fgc")})

    def fgc(target: dict[str, Any], datum: Datum) -> None:
        for entry in target.get("ACL") or []:
            if entry.get("id") == datum.raw.get("id"):
                entry["fgc"] = datum.require_new()
                return
        raise bad_request(f"ACL entry {datum.raw.get('id')!r} not found")

    def cas_id(target: dict[str, Any], datum: Datum) -> None:
        cas = target.setdefault("Cas", [])
        if datum.operation == "delete":
            target["Cas"] = [c for c in cas if c.get("id") != datum.old_value]
            return
        cas_key = datum.require_new()
        if any(c.get("id") == cas_key for c in cas):
            raise bad_request(f"Can't add duplicate CAS {cas_key}")
        entry = {"id": cas_key}
        entry.update(
            {
                k: datum.raw[k]
                for k in ("min", "max", "casCategory", "type", "classificationType")
                if k in datum.raw
            }
        )
        cas.append(entry)

    def cas_field(target: dict[str, Any], datum: Datum) -> None:
        for entry in target.get("Cas") or []:
            if entry.get("id") == datum.raw.get("entityId"):
                if datum.operation == "delete":
                    entry.pop(datum.attribute, None)
                else:
                    entry[datum.attribute] = datum.require_new()
                return
        raise bad_request(f"CAS {datum.raw.get('entityId')!r} is not on this item")

    handlers = {
        "unitCategory": unit_category,
        "class": security_class,
        "tagId": tag,
        "companyId": company,
        "ACL": acl,
        "fgc": fgc,
        "casId": cas_id,
    }
    handlers.update(dict.fromkeys(CAS_FIELDS, cas_field))
    return handlers


def _patch(context: Context, inventory_id: str, data: list[Datum]) -> None:
    doc = context.get_or_404(INVENTORY, inventory_id)
    apply_patch(
        doc,
        data,
        fields=("name", "description", "alias", "isFormulaOverride", "minimum"),
        non_deletable=("name",),
        handlers=_handlers(context, doc),
    )
    context.store.save(INVENTORY, context.stamp_update(doc))


async def patch_inventory(request: Request) -> Response:
    return await patch_one(request, INVENTORY, _patch)


async def bulk_patch_inventories(request: Request) -> Response:
    """``PATCH /inventories`` with ``[{"id", "data"}]`` (tags/company, ≤300); 206 on partial failure."""
    context = ctx(request)
    done, failed = [], []
    for raw_id, raw_data in parse_bulk(await read_json(request)):
        try:
            inventory_id = with_prefix(INVENTORY.prefix, str(raw_id or ""))
            with context.store.transaction():
                _patch(context, inventory_id, parse_data(raw_data))
            done.append(inventory_id)
        except ApiError as exc:
            failed.append(failure(raw_id, exc.msg))
    return bulk_response(done, failed, done_key="CreatedItems")


def _set_lots_status(context: Context, inventory_id: str, status: str) -> None:
    wanted = "active" if status == "inactive" else "inactive"
    for lot in context.store.find(LOT, [column_in("parent_id", [inventory_id])], statuses=(wanted,)):
        lot.doc["status"] = status
        context.store.save(LOT, lot.doc)


async def delete_inventory(request: Request) -> Response:
    """Soft delete: the item and its lots turn inactive; ``GET /{id}`` still answers."""
    context = ctx(request)
    inventory_id = path_id(request, INVENTORY)
    with context.store.transaction():
        soft_delete(context, INVENTORY, inventory_id)
        _set_lots_status(context, inventory_id, "inactive")
    return no_content()


async def reactivate_inventory(request: Request) -> Response:
    context = ctx(request)
    inventory_id = path_id(request, INVENTORY)
    with context.store.transaction():
        reactivate(context, INVENTORY, inventory_id)
        _set_lots_status(context, inventory_id, "active")
        refresh_on_hand(context, inventory_id)
    return no_content()


routes = [
    Route("/api/v3/inventories", create_inventory, methods=["POST"]),
    Route("/api/v3/inventories", bulk_patch_inventories, methods=["PATCH"]),
    Route("/api/v3/inventories/ids", get_inventories_by_ids, methods=["GET"]),
    Route("/api/v3/inventories/specs", get_specs, methods=["GET"]),
    Route("/api/v3/inventories/{id}", get_inventory, methods=["GET"]),
    Route("/api/v3/inventories/{id}", patch_inventory, methods=["PATCH"]),
    Route("/api/v3/inventories/{id}", delete_inventory, methods=["DELETE"]),
    Route("/api/v3/inventories/{id}/reactivate", reactivate_inventory, methods=["PATCH"]),
]
