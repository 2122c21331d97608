"""Users: the current user lookup (J1), type-ahead search (J8) and the admin CRUD the SDK offers."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from loadcell.standin.albert.http import (
    JSON,
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
from loadcell.standin.albert.kinds import LOCATION, ROLE, USER
from loadcell.standin.albert.pagination import list_by_key, search_by_offset
from loadcell.standin.albert.patching import Datum, apply_patch, parse_body
from loadcell.standin.albert.routes.common import new_doc, path_id, require_text, soft_delete, statuses
from loadcell.standin.albert.store import Record, column_in, json_any_in, json_in

USER_CLASSES = frozenset({"guest", "standard", "trusted", "privileged", "admin"})


def search_item(record: Record) -> dict[str, Any]:
    """The OFFSET search row: flat location and at most one role."""
    doc = record.doc
    location = doc.get("Location") or {}
    roles = doc.get("Roles") or []
    return {
        "albertId": doc["albertId"],
        "name": doc.get("name"),
        "email": doc.get("email"),
        "userClass": doc.get("userClass", "standard"),
        "status": doc.get("status"),
        "location": location.get("name"),
        "locationId": location.get("id"),
        "role": [{"roleId": r.get("id"), "roleName": r.get("name")} for r in roles[:1]],
        "subscription": doc.get("subscription", "premium"),
        "lastLoginTime": doc.get("lastLoginTime"),
    }


async def get_user(request: Request) -> Response:
    return JSON(ctx(request).get_or_404(USER, path_id(request, USER)))


async def list_users(request: Request) -> Response:
    """KEY list of bare ``{albertId, name}`` rows; the SDK hydrates each with a GET."""
    context = ctx(request)
    conds = []
    if ids := qlist(request, "id"):
        if (qstr(request, "type") or "").lower() == "role":
            conds.append(json_any_in("Roles", "id", [with_prefix("ROL", i) for i in ids], nocase=False))
        else:
            conds.append(column_in("id", [with_prefix("USR", i) for i in ids]))
    conds.append(column_in("status", statuses(qlist(request, "status"))))
    body = list_by_key(
        context.store,
        USER,
        conds,
        start_key=qstr(request, "startKey"),
        limit=qstr(request, "limit"),
        order=qstr(request, "orderBy"),
        to_item=lambda r: {"albertId": r.id, "name": r.doc.get("name")},
    )
    return JSON(body)


async def search_users(request: Request) -> Response:
    """``POST /users/search`` (OFFSET); location, role and team filters are names, not IDs."""
    context = ctx(request)
    body = await read_object(request)
    conds = []
    if locations := body_list(body, "locations"):
        conds.append(json_in("Location.name", locations, nocase=True))
    if roles := body_list(body, "roles"):
        conds.append(json_any_in("Roles", "name", roles))
    if user_ids := body_list(body, "userId"):
        conds.append(column_in("id", [with_prefix("USR", str(i)) for i in user_ids]))
    if classes := body_list(body, "userClass"):
        conds.append(json_in("userClass", classes))
    result = search_by_offset(
        context.store,
        USER,
        conds,
        text=body.get("text"),
        order=body.get("order"),
        offset=body.get("offset"),
        limit=body.get("limit"),
        statuses=statuses(body_list(body, "status")),
        to_item=search_item,
    )
    return JSON(result)


def _user_class(value: Any) -> str:
    if value not in USER_CLASSES:
        raise bad_request(f"userClass must be one of {sorted(USER_CLASSES)}")
    return value


async def create_user(request: Request) -> Response:
    context = ctx(request)
    body = await read_object(request)
    fields: dict[str, Any] = {
        "name": require_text(body, "name", max_len=255),
        "email": require_text(body, "email", max_len=255),
        "userClass": _user_class(body.get("userClass", "standard")),
        "Roles": [context.link(ROLE, r) for r in body.get("Roles") or []],
    }
    if "@" not in fields["email"]:
        raise bad_request("email is not valid")
    if body.get("Location"):
        fields["Location"] = context.link(LOCATION, body["Location"])
    for key in ("Metadata", "witnesser"):
        if key in body:
            fields[key] = body[key]
    with context.store.transaction():
        if context.store.find(
            USER, [json_in("email", [fields["email"]], nocase=True)], statuses=None, limit=1
        ):
            raise bad_request(f"A user with email {fields['email']} already exists")
        doc = new_doc(context, USER, fields)
        context.store.insert(USER, doc)
    return JSON(doc, status_code=201)


async def patch_user(request: Request) -> Response:
    context = ctx(request)
    data = parse_body(await read_json(request))

    def role(doc: dict[str, Any], datum: Datum) -> None:
        value = datum.require_new()
        ids = value if isinstance(value, list) else [value]
        doc["Roles"] = [context.link(ROLE, i) for i in ids]

    def location(doc: dict[str, Any], datum: Datum) -> None:
        doc["Location"] = context.link(LOCATION, datum.require_new())

    def status(doc: dict[str, Any], datum: Datum) -> None:
        if datum.require_new() not in ("active", "inactive"):
            raise bad_request("status must be active or inactive")
        doc["status"] = datum.new_value

    with context.store.transaction():
        doc = context.get_or_404(USER, path_id(request, USER))
        apply_patch(
            doc,
            data,
            fields=("name", "email", "witnesser", "userClass"),
            coerce={"userClass": _user_class},
            non_deletable=("name", "email", "userClass"),
            handlers={"role": role, "locationId": location, "status": status},
        )
        context.store.save(USER, context.stamp_update(doc))
    return no_content()


async def delete_user(request: Request) -> Response:
    soft_delete(ctx(request), USER, path_id(request, USER))
    return no_content()


routes = [
    Route("/api/v3/users", list_users, methods=["GET"]),
    Route("/api/v3/users", create_user, methods=["POST"]),
    Route("/api/v3/users/search", search_users, methods=["POST"]),
    Route("/api/v3/users/{id}", get_user, methods=["GET"]),
    Route("/api/v3/users/{id}", patch_user, methods=["PATCH"]),
    Route("/api/v3/users/{id}", delete_user, methods=["DELETE"]),
]
