"""The ten Albert user journeys (J1-J10) as the official SDK sends them, with a group per step.

Journeys that create data delete it again before they end (and teardown sweeps anything an
interrupted iteration left behind), so a run leaves nothing with its prefix.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable

from loadcell import group, sleep

from . import metrics
from .pagination import items, key_pages, offset_pages, search_after_pages
from .session import Session

Journey = Callable[[Session], Awaitable[None]]
INDEX_POLL_ATTEMPTS = 10
INDEX_POLL_BACKOFF_S = 0.25
THINK_RANGE_S = (1.0, 5.0)


async def think(s: Session) -> None:
    """UI think time between steps; THINK_TIME scales it (0 for smoke and CI runs)."""
    scale = float(s.vu.env.get("THINK_TIME", "0"))
    if scale > 0:
        await sleep(s.data.rng.uniform(*THINK_RANGE_S) * scale)


def strip(prefix: str, albert_id: str) -> str:
    return albert_id[len(prefix) :] if albert_id.startswith(prefix) else albert_id


async def wait_until_searchable(s: Session, path: str, name: str, query: dict, wanted: str) -> bool:
    """Poll a search (bounded, with backoff) until `wanted` shows: the index lags writes by seconds."""
    for attempt in range(INDEX_POLL_ATTEMPTS):
        r = await s.api.get(path, name, params={**query, "searchAfter": "[]", "limit": 50})
        if any(wanted in (i.get("albertId", ""), f"INV{i.get('albertId', '')}") for i in items(r)):
            return True
        metrics.index_lag_polls.add(1)
        await asyncio.sleep(INDEX_POLL_BACKOFF_S * (attempt + 1))
    return False


# J1 ------------------------------------------------------------------------------------------------
async def j1_bootstrap(s: Session) -> None:
    """Session bootstrap and reference data, once per VU."""
    with group("J1 bootstrap"):
        with group("whoami"):
            r = await s.api.get(
                "/api/v3/login/validatejwt", "GET /login/validatejwt", params={"includeUserDetails": "true"}
            )
            s.ok(r, "validatejwt")
            s.user_id = (
                r.json().get("userId", s.config.tester.user_id)
                if r.status == 200
                else s.config.tester.user_id
            )
            r = await s.api.get(f"/api/v3/users/{s.user_id}", "GET /users/{id}")
            s.ok(r, "get current user")
        with group("reference data"):
            await key_pages(
                s.api, "/api/v3/locations", "GET /locations", {"exactMatch": "false"}, max_pages=1
            )
            stores = await key_pages(
                s.api,
                "/api/v3/storagelocations",
                "GET /storagelocations",
                {"locationId": s.config.tester.location, "exactMatch": "false"},
                max_pages=1,
            )
            if stores:
                s.storage_location_id = stores[0]["albertId"]
            await key_pages(
                s.api, "/api/v3/units", "GET /units", {"orderBy": "desc", "exactMatch": "false"}, max_pages=1
            )


# J2 ------------------------------------------------------------------------------------------------
async def j2_browse_inventory(s: Session) -> None:
    with group("J2 browse inventory"):
        term = s.data.search_term()
        with group("search"):
            hits = await search_after_pages(
                s.api,
                "GET",
                "/api/v3/inventories/search",
                "GET /inventories/search",
                {"text": term, "order": "desc"},
                limit=25,
                max_pages=1,
            )
        await think(s)
        if not hits:
            return
        inv_id = "INV" + strip("INV", hits[s.data.rng.randrange(len(hits))]["albertId"])
        with group("open item"):
            r = await s.api.get(f"/api/v3/inventories/{inv_id}", "GET /inventories/{id}")
            s.ok(r, "get inventory")
            r = await s.api.get(
                "/api/v3/inventories/search",
                "GET /inventories/search (facets)",
                params={"text": term, "limit": 1},
            )
            s.ok(r, "facets")
            await key_pages(
                s.api,
                "/api/v3/lots",
                "GET /lots",
                {"parentId": inv_id, "exactMatch": "false", "beginsWith": "false"},
                max_pages=1,
            )


# J3 ------------------------------------------------------------------------------------------------
async def _get_or_create(s: Session, collection: str, body: dict) -> str:
    r = await s.api.get(
        f"/api/v3/{collection}",
        f"GET /{collection}?name",
        params={"name": body["name"], "exactMatch": "true"}
        | ({"orderBy": "desc"} if collection == "tags" else {"dupDetection": "false"}),
    )
    found = items(r)
    if found:
        return found[0]["albertId"]
    r = await s.api.post(f"/api/v3/{collection}", f"POST /{collection}", json=body)
    s.ok(r, f"create {'company' if collection == 'companies' else 'tag'}")
    return r.json().get("albertId", "") if r.status in (200, 201) else ""


async def create_inventory(s: Session) -> tuple[str, str, str]:
    """Tag, company and item as the SDK creates them; returns (item id, tag id, company id)."""
    with group("tag and company"):
        tag_id = await _get_or_create(s, "tags", s.data.tag())
        company_id = await _get_or_create(s, "companies", s.data.company())
    with group("create item"):
        body = s.data.inventory_item(company_id=company_id or None, tag_ids=[tag_id] if tag_id else None)
        r = await s.api.post("/api/v3/inventories", "POST /inventories", json=body)
        s.ok(r, "create inventory")
        inv_id = r.json().get("albertId", "") if r.status in (200, 201) else ""
        if inv_id:
            # Read by id: the search index lags the write (ACL is filled in after the create, too).
            r = await s.api.get(f"/api/v3/inventories/{inv_id}", "GET /inventories/{id}")
            s.ok(r, "read created inventory")
    return inv_id, tag_id, company_id


async def create_lot(s: Session, inv_id: str) -> str:
    body = [s.data.lot(inv_id, s.storage_location_id, s.config.tester.location)]
    r = await s.api.post("/api/v3/lots", "POST /lots", json=body)
    s.ok(r, "create lot", (200, 201, 206))
    created = r.json() if r.status in (200, 201, 206) else []
    if isinstance(created, dict):
        created = created.get("CreatedLots") or created.get("CreatedItems") or []
    return created[0]["albertId"] if created else ""


async def delete_inventory(s: Session, inv_id: str, lot_ids: list[str], tag_id: str, company_id: str) -> None:
    with group("clean up"):
        if lot_ids:
            r = await s.api.delete("/api/v3/lots", "DELETE /lots?id", params=[("id", i) for i in lot_ids])
            s.ok(r, "delete lots")
        if inv_id:
            r = await s.api.delete(f"/api/v3/inventories/{inv_id}", "DELETE /inventories/{id}")
            s.ok(r, "delete inventory")
        if tag_id:
            await s.api.delete(f"/api/v3/tags/{tag_id}", "DELETE /tags/{id}")
        if company_id:
            await s.api.delete(f"/api/v3/companies/{company_id}", "DELETE /companies/{id}")


async def j3_create_inventory(s: Session) -> None:
    with group("J3 create inventory"):
        inv_id, tag_id, company_id = await create_inventory(s)
        lot_ids: list[str] = []
        note_id = ""
        try:
            if inv_id and s.storage_location_id:
                await think(s)
                with group("add lot"):
                    lot_id = await create_lot(s, inv_id)
                    lot_ids += [lot_id] if lot_id else []
                with group("add note"):
                    r = await s.api.post("/api/v3/notes", "POST /notes", json=s.data.note(inv_id))
                    s.ok(r, "create note")
                    note_id = r.json().get("albertId", "") if r.status in (200, 201) else ""
                with group("find in search"):
                    name = s.prefix  # every name starts with the run's token
                    found = await wait_until_searchable(
                        s,
                        "/api/v3/inventories/search",
                        "GET /inventories/search",
                        {"text": name, "order": "desc"},
                        inv_id,
                    )
                    check_found(found)
        finally:
            if note_id:  # notes have no name to find them by at teardown
                await s.api.delete(f"/api/v3/notes/{note_id}", "DELETE /notes/{id}")
            await delete_inventory(s, inv_id, lot_ids, tag_id, company_id)


def check_found(found: bool) -> None:
    from loadcell import check

    check(found, {"created item becomes searchable": lambda f: f})


# J4 ------------------------------------------------------------------------------------------------
def _datum(op: str, attribute: str, old: object, new: object) -> dict:
    datum = {"operation": op, "attribute": attribute, "newValue": new}
    if op != "add":
        datum["oldValue"] = old
    return {"data": [datum]}


async def j4_edit_inventory(s: Session) -> None:
    with group("J4 edit inventory"):
        inv_id, tag_id, company_id = await create_inventory(s)
        lot_ids: list[str] = []
        try:
            if not inv_id:
                return
            with group("edit item"):
                r = await s.api.get(f"/api/v3/inventories/{inv_id}", "GET /inventories/{id}")
                current = r.json() if r.status == 200 else {}
                r = await s.api.patch(
                    f"/api/v3/inventories/{inv_id}",
                    "PATCH /inventories/{id}",
                    json=_datum("update", "name", current.get("name"), s.data.name("renamed")),
                )
                s.ok(r, "rename inventory")
                desc = current.get("description")
                r = await s.api.patch(
                    f"/api/v3/inventories/{inv_id}",
                    "PATCH /inventories/{id}",
                    json=_datum(
                        "update" if desc else "add", "description", desc, s.data.fake.sentence(nb_words=6)
                    ),
                )
                s.ok(r, "describe inventory")
            if not s.storage_location_id:
                return
            await think(s)
            with group("adjust stock"):
                lot_id = await create_lot(s, inv_id)
                if not lot_id:
                    return
                lot_ids.append(lot_id)
                r = await s.api.get(f"/api/v3/lots/{lot_id}", "GET /lots/{id}")
                on_hand = r.json().get("inventoryOnHand", "0") if r.status == 200 else "0"
                # Use up a tenth of the stock, then move a quarter of what is left: valid for any quantity.
                used = round(float(on_hand) * 0.1, 2)
                moved = round((float(on_hand) - used) * 0.25, 2)
                r = await s.api.patch(
                    f"/api/v3/lots/{lot_id}",
                    "PATCH /lots/{id}",
                    json={
                        **_datum("update", "inventoryOnHand", str(on_hand), f"-{used}"),
                        "notes": s.data.fake.sentence(),
                    },
                )
                s.ok(r, "adjust lot")
            with group("transfer part"):
                r = await s.api.post(
                    f"/api/v3/lots/{lot_id}/split",
                    "POST /lots/{id}/split",
                    json={
                        "action": "splitted",
                        "inventoryOnHand": str(moved),
                        "StorageLocation": {"id": s.storage_location_id},
                        "Owner": [{"id": s.user_id or s.config.tester.user_id}],
                    },
                )
                s.ok(r, "split lot")
                if r.status in (200, 201):
                    body = r.json()
                    new_id = body.get("albertId") if isinstance(body, dict) else None
                    lot_ids += [new_id] if new_id else []
        finally:
            await delete_inventory(s, inv_id, lot_ids, tag_id, company_id)


# J5 ------------------------------------------------------------------------------------------------
async def create_project(s: Session) -> str:
    r = await s.api.post("/api/v3/projects", "POST /projects", json=s.data.project(s.config.tester.location))
    s.ok(r, "create project")
    pro_id = r.json().get("albertId", "") if r.status in (200, 201) else ""
    if pro_id:
        r = await s.api.get(f"/api/v3/projects/{pro_id}", "GET /projects/{id}")
        s.ok(r, "read created project")
    return pro_id


async def delete_project(s: Session, pro_id: str) -> None:
    if pro_id:
        r = await s.api.delete(f"/api/v3/projects/{pro_id}", "DELETE /projects/{id}")
        s.ok(r, "delete project")


async def j5_project_workspace(s: Session) -> None:
    with group("J5 project workspace"):
        with group("create project"):
            pro_id = await create_project(s)
        ntb_id = ""
        try:
            if not pro_id:
                return
            await think(s)
            with group("notebook"):
                r = await s.api.post(
                    "/api/v3/notebooks",
                    "POST /notebooks",
                    params={"parentId": pro_id},
                    json={"name": s.data.name("lab notebook"), "parentId": pro_id, "blocks": []},
                )
                s.ok(r, "create notebook")
                ntb_id = r.json().get("albertId", "") if r.status in (200, 201) else ""
                if ntb_id:
                    s.ok(
                        await s.api.get(f"/api/v3/notebooks/{ntb_id}", "GET /notebooks/{id}"), "get notebook"
                    )
            with group("worksheet"):
                r = await s.api.post(
                    f"/api/v3/worksheet/{pro_id}/setup", "POST /worksheet/{id}/setup", json={"sheets": "true"}
                )
                s.ok(r, "worksheet setup")
                r = await s.api.get(
                    "/api/v3/worksheet", "GET /worksheet", params={"type": "project", "id": pro_id}
                )
                s.ok(r, "get worksheet")
            with group("update project"):
                r = await s.api.get(f"/api/v3/projects/{pro_id}", "GET /projects/{id}")
                old = r.json().get("description") if r.status == 200 else None
                r = await s.api.patch(
                    f"/api/v3/projects/{pro_id}",
                    "PATCH /projects/{id}",
                    json=_datum("update", "description", old, s.data.name("renamed project")),
                )
                s.ok(r, "rename project")
        finally:
            if ntb_id:
                await s.api.delete(f"/api/v3/notebooks/{ntb_id}", "DELETE /notebooks/{id}")
            await delete_project(s, pro_id)


# J6 ------------------------------------------------------------------------------------------------
async def j6_find_projects(s: Session) -> None:
    with group("J6 find projects"):
        with group("search"):
            hits = await search_after_pages(
                s.api,
                "POST",
                "/api/v3/projects/search",
                "POST /projects/search",
                {"order": "desc", "text": s.data.search_term()},
                limit=25,
                max_pages=1,
            )
            if not hits:
                hits = await search_after_pages(
                    s.api,
                    "POST",
                    "/api/v3/projects/search",
                    "POST /projects/search",
                    {"order": "desc"},
                    limit=25,
                    max_pages=1,
                )
        if not hits:
            return
        await think(s)
        pro_id = "PRO" + strip("PRO", hits[s.data.rng.randrange(len(hits))]["albertId"])
        with group("open project"):
            s.ok(await s.api.get(f"/api/v3/projects/{pro_id}", "GET /projects/{id}"), "get project")
        with group("project tabs"):
            await s.api.get(
                "/api/v3/tasks/search",
                "GET /tasks/search",
                params={"projectId": strip("PRO", pro_id), "order": "desc", "searchAfter": "[]", "limit": 25},
            )
            await s.api.get(f"/api/v3/notebooks/{pro_id}/search", "GET /notebooks/{id}/search")
            await s.api.get("/api/v3/worksheet", "GET /worksheet", params={"type": "project", "id": pro_id})


# J7 ------------------------------------------------------------------------------------------------
async def j7_task_lifecycle(s: Session) -> None:
    with group("J7 task lifecycle"):
        with group("create project"):
            pro_id = await create_project(s)
        tas_id = ""
        try:
            if not pro_id:
                return
            with group("create task"):
                r = await s.api.post(
                    "/api/v3/tasks/multi",
                    "POST /tasks/multi",
                    params={"category": "General", "parentId": pro_id},
                    json=[s.data.general_task(pro_id, s.config.tester.location)],
                )
                s.ok(r, "create task")
                created = r.json() if r.status in (200, 201) else []
                tas_id = created[0]["albertId"] if created else ""
                if not tas_id:
                    return
                r = await s.api.get(f"/api/v3/tasks/multi/{tas_id}", "GET /tasks/multi/{id}")
                s.ok(r, "get task")
                task = r.json() if r.status == 200 else {}
            await think(s)
            with group("assign and start"):
                for attribute, value in (("priority", "High"), ("state", "In Progress")):
                    body = [{"id": tas_id, **_datum("update", attribute, task.get(attribute), value)}]
                    r = await s.api.patch(f"/api/v3/tasks/{tas_id}", "PATCH /tasks/{id}", json=body)
                    s.ok(r, f"set task {attribute}")
            with group("my tasks"):
                await s.api.get(
                    "/api/v3/tasks/search",
                    "GET /tasks/search",
                    params={
                        "assignedToId": s.user_id or s.config.tester.user_id,
                        "order": "desc",
                        "searchAfter": "[]",
                        "limit": 25,
                    },
                )
        finally:
            if tas_id:
                s.ok(await s.api.delete(f"/api/v3/tasks/{tas_id}", "DELETE /tasks/{id}"), "delete task")
            await delete_project(s, pro_id)


# J8 ------------------------------------------------------------------------------------------------
async def j8_directory_lookups(s: Session) -> None:
    with group("J8 directory lookups"):
        with group("users"):
            users = await offset_pages(
                s.api,
                "/api/v3/users/search",
                "POST /users/search",
                {"text": s.data.fake.first_name(), "order": "desc"},
                limit=25,
                max_pages=1,
            )
            user_id = users[0]["albertId"] if users else s.config.tester.user_id
            s.ok(await s.api.get(f"/api/v3/users/{user_id}", "GET /users/{id}"), "get user")
        with group("locations"):
            await key_pages(
                s.api, "/api/v3/locations", "GET /locations", {"exactMatch": "false"}, max_pages=1
            )
            loc = s.config.tester.location
            s.ok(await s.api.get(f"/api/v3/locations/{loc}", "GET /locations/{id}"), "get location")
            await key_pages(
                s.api,
                "/api/v3/storagelocations",
                "GET /storagelocations",
                {"locationId": loc, "exactMatch": "false"},
                max_pages=1,
            )
        with group("companies and tags"):
            await key_pages(
                s.api,
                "/api/v3/companies",
                "GET /companies?name",
                {"dupDetection": "false", "name": s.prefix, "exactMatch": "false"},
                max_pages=1,
            )
            await key_pages(
                s.api,
                "/api/v3/tags",
                "GET /tags?name",
                {"orderBy": "desc", "name": s.prefix, "exactMatch": "false"},
                max_pages=1,
            )
        if s.data.rng.random() < 0.2:
            with group("new location"):
                r = await s.api.post("/api/v3/locations", "POST /locations", json=s.data.location())
                s.ok(r, "create location")
                loc_id = r.json().get("albertId", "") if r.status in (200, 201) else ""
                if loc_id:
                    r = await s.api.post(
                        "/api/v3/storagelocations",
                        "POST /storagelocations",
                        json=s.data.storage_location(loc_id),
                    )
                    s.ok(r, "create storage location")
                    stl_id = r.json().get("albertId", "") if r.status in (200, 201) else ""
                    if stl_id:
                        await s.api.delete(
                            f"/api/v3/storagelocations/{stl_id}", "DELETE /storagelocations/{id}"
                        )
                    await s.api.delete(f"/api/v3/locations/{loc_id}", "DELETE /locations/{id}")


# J9 ------------------------------------------------------------------------------------------------
async def j9_bulk_export(s: Session) -> None:
    with group("J9 bulk export"):
        with group("search all"):
            hits = await search_after_pages(
                s.api,
                "GET",
                "/api/v3/inventories/search",
                "GET /inventories/search",
                {"text": "", "order": "desc"},
                limit=1000,
                max_pages=3,
            )
        with group("hydrate"):
            ids = ["INV" + strip("INV", h["albertId"]) for h in hits]
            for start in range(0, len(ids), 300):
                r = await s.api.get(
                    "/api/v3/inventories/ids",
                    "GET /inventories/ids",
                    params=[("id", i) for i in ids[start : start + 300]],
                )
                s.ok(r, "bulk get inventories")
        with group("all lots"):
            await key_pages(s.api, "/api/v3/lots", "GET /lots", {}, max_pages=3)


# J10 -----------------------------------------------------------------------------------------------
ADDITIONAL = ["acl", "createdAt", "createdByName", "metadata", "owner", "tags", "team"]


async def j10_lab_analytics(s: Session) -> None:
    with group("J10 lab analytics"):
        with group("templates"):
            templates = await offset_pages(
                s.api,
                "/api/v3/datatemplates/search",
                "POST /datatemplates/search",
                {"order": "desc", "text": "visc", "additionalField": [*ADDITIONAL, "standards"]},
                limit=25,
                max_pages=1,
            )
            await offset_pages(
                s.api,
                "/api/v3/parametergroups/search",
                "POST /parametergroups/search",
                {"order": "desc", "text": "visc", "additionalField": ADDITIONAL},
                limit=25,
                max_pages=1,
            )
            if templates:
                dat = templates[0]["albertId"]
                s.ok(
                    await s.api.get(f"/api/v3/datatemplates/{dat}", "GET /datatemplates/{id}"), "get template"
                )
        with group("parameters and results"):
            await key_pages(
                s.api,
                "/api/v3/parameters",
                "GET /parameters",
                {"orderBy": "desc", "name": "Temp", "exactMatch": "false"},
                max_pages=1,
            )
            r = await s.api.get(
                "/api/v3/propertydata/search",
                "GET /propertydata/search",
                params={"text": "visc", "void": "false", "searchAfter": json.dumps([]), "limit": 50},
            )
            s.ok(r, "search results")


ALL: dict[str, Journey] = {
    "J1": j1_bootstrap,
    "J2": j2_browse_inventory,
    "J3": j3_create_inventory,
    "J4": j4_edit_inventory,
    "J5": j5_project_workspace,
    "J6": j6_find_projects,
    "J7": j7_task_lifecycle,
    "J8": j8_directory_lookups,
    "J9": j9_bulk_export,
    "J10": j10_lab_analytics,
}
# The reference's starting mix for mixed.py (J1 runs once per VU, J9 runs as its own scenario).
WEIGHTS = {"J2": 35, "J6": 15, "J7": 10, "J8": 10, "J3": 10, "J4": 8, "J5": 5, "J10": 5}
