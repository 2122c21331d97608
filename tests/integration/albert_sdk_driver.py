"""Drive the official Albert SDK (``albert==1.68.0``) against the stand-in and print a JSON report.

Runs in the separate SDK virtualenv (the SDK pulls pandas, so it stays out of loadcell's venv):

    python albert_sdk_driver.py --base-url http://127.0.0.1:PORT [--auth token|credentials]

Every step is a real SDK call; a step records ``ok: false`` with the error instead of stopping,
so one report shows everything that broke. The last line of stdout is the JSON report.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

PERF_USER = "USR215409"
PERF_LOCATION = "LOC37511"
CABINET, FREEZER = "STL100", "STL101"


class Report:
    """Collects one entry per step and per round-trip check."""

    def __init__(self) -> None:
        self.steps: list[dict[str, Any]] = []

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        except Exception as exc:
            self.steps.append(
                {
                    "name": name,
                    "ok": False,
                    "error": f"{type(exc).__name__}: {exc}",
                    "trace": traceback.format_exc(limit=6),
                }
            )
        else:
            self.steps.append(
                {"name": name, "ok": True, "ms": round((time.perf_counter() - started) * 1e3, 1)}
            )

    def check(self, name: str, condition: bool, detail: Any = None) -> None:
        entry: dict[str, Any] = {"name": f"check: {name}", "ok": bool(condition)}
        if not condition:
            entry["error"] = f"check failed: {detail!r}"
        self.steps.append(entry)

    def as_dict(self) -> dict[str, Any]:
        failed = [s for s in self.steps if not s["ok"]]
        return {"ok": not failed, "total": len(self.steps), "failed": failed, "steps": self.steps}


def poll(fn: Callable[[], Any], *, timeout: float = 10.0, interval: float = 0.2) -> Any:
    """Call ``fn`` until it returns something truthy (search results are eventually consistent)."""
    deadline = time.monotonic() + timeout
    while True:
        result = fn()
        if result or time.monotonic() >= deadline:
            return result
        time.sleep(interval)


def run_crud(client: Any, report: Report, run_id: str) -> None:
    from albert.core.shared.models.base import EntityLink
    from albert.exceptions import AlbertHTTPError
    from albert.resources.companies import Company
    from albert.resources.inventory import InventoryCategory, InventoryItem
    from albert.resources.locations import Location
    from albert.resources.lots import Lot, LotAdjustmentAction
    from albert.resources.notebooks import Notebook
    from albert.resources.notes import Note
    from albert.resources.projects import Project
    from albert.resources.property_data import InventoryDataColumn
    from albert.resources.storage_locations import StorageLocation
    from albert.resources.tags import Tag
    from albert.resources.tasks import GeneralTask, PropertyTask, TaskPriority

    r = f"PERF {run_id}"
    state: dict[str, Any] = {}

    # -- users (J1, J8) ------------------------------------------------------------------------
    with report.step("users.get_current_user"):
        me = client.users.get_current_user()
        report.check(
            "current user is the seeded performance tester",
            me.id == PERF_USER and me.name == "performanceTester",
            me,
        )
    with report.step("users.get_by_id"):
        alice = client.users.get_by_id(id="USR101")
        report.check("get user round-trips name", alice.name == "Alice Johnson", alice.name)
    with report.step("users.search"):
        hits = list(client.users.search(text="alice", max_items=10))
        report.check("user type-ahead finds Alice", any(h.id == "USR101" for h in hits), [h.id for h in hits])
        hydrated = hits[0].hydrate()
        report.check(
            "user search hit hydrates", hydrated.email == "alice.johnson@example.com", hydrated.email
        )

    # -- locations and storage locations -------------------------------------------------------
    with report.step("locations.create/get/list/update/delete"):
        loc = client.locations.create(
            location=Location(
                name=f"{r} Lab", latitude=42.36, longitude=-71.06, address="1 Lab Way, Boston", country="US"
            )
        )
        report.check("location id prefix", loc.id.startswith("LOC"), loc.id)
        got = client.locations.get_by_id(id=loc.id)
        report.check(
            "location round-trips", (got.name, got.latitude, got.country) == (f"{r} Lab", 42.36, "US"), got
        )
        listed = [x.id for x in client.locations.get_all(name=f"{r} Lab")]
        report.check("location listed by name", loc.id in listed, listed)
        got.name = f"{r} Lab Renamed"
        got.latitude = 40.0
        updated = client.locations.update(location=got)
        report.check(
            "location update round-trips",
            (updated.name, updated.latitude) == (f"{r} Lab Renamed", 40.0),
            updated,
        )
        seeded = client.locations.get_by_id(id=PERF_LOCATION)
        report.check("seeded location exists", seeded.name == "Performance Test Lab", seeded.name)
        state["location"] = updated

    with report.step("storage_locations.create/get/list/update/delete"):
        stl = client.storage_locations.create(
            storage_location=StorageLocation(name=f"{r} Shelf", location=state["location"])
        )
        report.check("storage location id prefix", stl.id.startswith("STL"), stl.id)
        got = client.storage_locations.get_by_id(id=stl.id)
        report.check(
            "storage location round-trips",
            got.name == f"{r} Shelf" and got.location.id == state["location"].id,
            got,
        )
        listed = [x.id for x in client.storage_locations.get_all(location=state["location"].id)]
        report.check("storage location listed under its location", listed == [stl.id], listed)
        got.name = f"{r} Shelf B"
        report.check(
            "storage location update",
            client.storage_locations.update(storage_location=got).name == f"{r} Shelf B",
        )
        client.storage_locations.delete(id=stl.id)
        listed = [x.id for x in client.storage_locations.get_all(location=state["location"].id)]
        report.check("deleted storage location hidden from list", listed == [], listed)
        client.locations.delete(id=state["location"].id)
        report.check(
            "deleted location hidden from list", not list(client.locations.get_all(name=f"{r} Lab Renamed"))
        )

    # -- companies and tags --------------------------------------------------------------------
    with report.step("companies.create/get/rename/update/delete"):
        company = client.companies.create(company=f"{r} Holdings")
        report.check("company id prefix", company.id.startswith("COM"), company.id)
        report.check(
            "company get round-trips", client.companies.get_by_id(id=company.id).name == f"{r} Holdings"
        )
        found = client.companies.get_by_name(name=f"{r} Holdings")
        report.check("company exact lookup", found is not None and found.id == company.id, found)
        renamed = client.companies.rename(old_name=f"{r} Holdings", new_name=f"{r} Holdings Ltd")
        report.check("company rename round-trips", renamed.name == f"{r} Holdings Ltd", renamed.name)
        renamed.name = f"{r} Holdings Group"
        report.check(
            "company update round-trips",
            client.companies.update(company=renamed).name == f"{r} Holdings Group",
        )
        client.companies.delete(id=company.id)
        report.check(
            "deleted company no longer exists", not client.companies.exists(name=f"{r} Holdings Group")
        )

    with report.step("tags.create/get/rename/delete"):
        tag = client.tags.create(tag=f"{r}-tag")
        report.check("tag id prefix", tag.id.startswith("TAG"), tag.id)
        report.check("tag get round-trips", client.tags.get_by_id(id=tag.id).tag == f"{r}-tag")
        report.check("tag exact lookup", client.tags.get_by_name(name=f"{r}-tag").id == tag.id)
        report.check("tags by ids", [t.id for t in client.tags.get_by_ids(ids=[tag.id])] == [tag.id])
        renamed = client.tags.rename(old_name=f"{r}-tag", new_name=f"{r}-label")
        report.check("tag rename round-trips", renamed.tag == f"{r}-label", renamed.tag)
        client.tags.delete(id=tag.id)
        report.check("deleted tag no longer exists", not client.tags.exists(tag=f"{r}-label"))

    # -- inventory (J2, J3, J4) ----------------------------------------------------------------
    with report.step("inventory.create (with implicit tag/company get_or_create)"):
        item = client.inventory.create(
            inventory_item=InventoryItem(
                name=f"{r} Epoxy Resin",
                description="load test resin",
                category=InventoryCategory.RAW_MATERIALS,
                company=Company(name=f"{r} Chemicals"),
                tags=[Tag(tag=f"{r}-resin")],
            )
        )
        report.check("raw material id is INVA…", item.id.startswith("INVA"), item.id)
        report.check(
            "create round-trips company and tag",
            item.company.name == f"{r} Chemicals" and item.tags[0].tag == f"{r}-resin",
            item,
        )
        state["item"] = item
        again = client.inventory.create(
            inventory_item=InventoryItem(
                name=f"{r} Epoxy Resin",
                category=InventoryCategory.RAW_MATERIALS,
                company=Company(name=f"{r} Chemicals"),
            )
        )
        report.check("duplicate create returns the existing item", again.id == item.id, again.id)
        consumable = client.inventory.create(
            inventory_item=InventoryItem(name=f"{r} Nitrile Gloves", category=InventoryCategory.CONSUMABLES)
        )
        report.check("consumable id is INVB…", consumable.id.startswith("INVB"), consumable.id)
        state["consumable"] = consumable

    with report.step("inventory.get_by_id / get_by_ids"):
        got = client.inventory.get_by_id(id=state["item"].id)
        report.check(
            "get round-trips name and category",
            (got.name, got.category) == (f"{r} Epoxy Resin", "RawMaterials"),
            got,
        )
        many = client.inventory.get_by_ids(ids=[state["item"].id, state["consumable"].id])
        report.check(
            "get_by_ids returns both", {i.id for i in many} == {state["item"].id, state["consumable"].id}
        )

    with report.step("inventory.search / get_all / facets"):
        hits = poll(lambda: list(client.inventory.search(text=f"{run_id} resin", max_items=10)))
        report.check(
            "search finds the item", [h.id for h in hits] == [state["item"].id[3:]], [h.id for h in hits]
        )
        report.check("search ids drop the INV prefix", hits and not hits[0].id.startswith("INV"), hits)
        report.check("search hit hydrates", hits and hits[0].hydrate().id == state["item"].id)
        full = list(client.inventory.get_all(text=run_id, max_items=10))
        report.check(
            "get_all hydrates every hit", {i.id for i in full} == {state["item"].id, state["consumable"].id}
        )
        facets = client.inventory.get_all_facets(text=run_id)
        names = {f.name for f in facets}
        report.check("facets include Category and Manufacturer", {"Category", "Manufacturer"} <= names, names)

    with report.step("inventory.update (name, description, tags)"):
        got = client.inventory.get_by_id(id=state["item"].id)
        got.name = f"{r} Epoxy Resin XL"
        got.description = "updated by the SDK driver"
        got.tags = [*got.tags, Tag(tag=f"{r}-extra")]
        updated = client.inventory.update(inventory_item=got)
        report.check(
            "update round-trips",
            (updated.name, updated.description, sorted(t.tag for t in updated.tags))
            == (f"{r} Epoxy Resin XL", "updated by the SDK driver", sorted([f"{r}-resin", f"{r}-extra"])),
            updated,
        )
        hits = poll(lambda: list(client.inventory.search(text=f"{run_id} XL", max_items=5)))
        report.check(
            "renamed item is found by its new name", [h.name for h in hits] == [f"{r} Epoxy Resin XL"], hits
        )

    # -- lots (J3, J4, J9) ---------------------------------------------------------------------
    with report.step("lots.create/get/adjust/transfer/search/delete"):
        lots = client.lots.create(
            lots=[
                Lot(
                    inventory_id=state["item"].id,
                    storage_location=EntityLink(id=CABINET),
                    initial_quantity=25,
                    inventory_on_hand=25,
                    manufacturer_lot_number=f"MLN-{run_id}",
                    expiration_date="2030-01-01",
                    cost=50,
                )
            ]
        )
        lot = lots[0]
        report.check("lot id prefix", lot.id.startswith("LOT"), lot.id)
        got = client.lots.get_by_id(id=lot.id)
        report.check(
            "lot round-trips",
            (got.inventory_on_hand, got.manufacturer_lot_number, got.storage_location.id)
            == (25.0, f"MLN-{run_id}", CABINET),
            got,
        )
        adjusted = client.lots.adjust(lot_id=lot.id, action=LotAdjustmentAction.ADD, quantity=5)
        report.check(
            "adjust ADD applies the delta", adjusted.inventory_on_hand == 30.0, adjusted.inventory_on_hand
        )
        adjusted = client.lots.adjust(
            lot_id=lot.id, action=LotAdjustmentAction.SUBTRACT, quantity=2.5, description="used"
        )
        report.check(
            "adjust SUBTRACT applies the delta",
            adjusted.inventory_on_hand == 27.5,
            adjusted.inventory_on_hand,
        )
        split = client.lots.transfer(lot_id=lot.id, quantity=1.0, storage_location_id=FREEZER)
        report.check(
            "partial transfer creates a lot in the new place",
            split.storage_location.id == FREEZER and split.inventory_on_hand == 1.0,
            split,
        )
        report.check("source lot keeps the rest", client.lots.get_by_id(id=lot.id).inventory_on_hand == 26.5)
        listed = {x.id for x in client.lots.get_all(parent_id=state["item"].id)}
        report.check("lots listed by parent", listed == {lot.id, split.id}, listed)
        on_hand = client.inventory.get_by_id(id=state["item"].id).inventory_on_hand
        report.check("inventory onHand is the sum of its lots", on_hand == 27.5, on_hand)
        hits = poll(lambda: list(client.lots.search(text=f"MLN-{run_id}", max_items=10)))
        report.check(
            "lot search finds both lots", {h.id for h in hits} == {lot.id, split.id}, [h.id for h in hits]
        )
        client.lots.delete(id=split.id)
        report.check(
            "deleted lot is hidden from the list",
            {x.id for x in client.lots.get_all(parent_id=state["item"].id)} == {lot.id},
        )
        state["lot"] = lot

    # -- projects (J5, J6) ---------------------------------------------------------------------
    with report.step("projects.create/get/search/update/delete"):
        project = client.projects.create(
            project=Project(
                description=f"{r} Coating Project",
                locations=[EntityLink(id=PERF_LOCATION)],
                project_class="shared",
                prefix="PRF",
            )
        )
        report.check("project id prefix", project.id.startswith("PRO"), project.id)
        got = client.projects.get_by_id(id=project.id)
        report.check(
            "project round-trips",
            (got.description, got.prefix, got.locations[0].id)
            == (f"{r} Coating Project", "PRF", PERF_LOCATION),
            got,
        )
        hits = poll(lambda: list(client.projects.search(text=f"{run_id} coating", max_items=10)))
        report.check("project search finds it", [h.id for h in hits] == [project.id], [h.id for h in hits])
        got.description = f"{r} Coating Project v2"
        updated = client.projects.update(project=got)
        report.check(
            "project update round-trips",
            updated.description == f"{r} Coating Project v2",
            updated.description,
        )
        state["project"] = updated

    # -- tasks (J7) ----------------------------------------------------------------------------
    with report.step("tasks.create/get/update/search"):
        task = client.tasks.create(
            task=GeneralTask(
                name=f"{r} Viscosity test",
                parent_id=state["project"].id,
                location=EntityLink(id=PERF_LOCATION),
                priority=TaskPriority.MEDIUM,
            )
        )
        report.check("task id prefix", task.id.startswith("TAS"), task.id)
        got = client.tasks.get_by_id(id=task.id)
        report.check(
            "task round-trips",
            (got.name, got.category, got.state) == (f"{r} Viscosity test", "General", "Unclaimed"),
            got,
        )
        got.priority = TaskPriority.HIGH
        got.name = f"{r} Viscosity test (urgent)"
        updated = client.tasks.update(task=got)
        report.check(
            "task update round-trips",
            (updated.name, updated.priority) == (f"{r} Viscosity test (urgent)", "High"),
            updated,
        )
        hits = poll(lambda: list(client.tasks.search(text=f"{run_id} urgent", max_items=10)))
        report.check("task search finds it", [h.id for h in hits] == [task.id], [h.id for h in hits])
        by_project = list(client.tasks.search(project_id=state["project"].id, max_items=10))
        report.check(
            "task search by project (no PRO prefix)", [h.id for h in by_project] == [task.id], by_project
        )
        prop = client.tasks.create(
            task=PropertyTask(
                name=f"{r} Gloss check",
                parent_id=state["item"].id,
                inventory_information=[{"id": state["item"].id, "lotId": state["lot"].id}],
                location=EntityLink(id=PERF_LOCATION),
                priority=TaskPriority.LOW,
                blocks=[{"Workflow": [{"id": "WFL100"}], "Datatemplate": [{"id": "DAT100"}]}],
            )
        )
        got = client.tasks.get_by_id(id=prop.id)
        report.check(
            "property task keeps its block",
            got.category == "Property" and got.blocks[0].id.startswith("BLK"),
            got,
        )

    # -- lab data and workspace (J2 tabs, J5, J10) ---------------------------------------------
    with report.step("templates, parameter groups, parameters, property data"):
        templates = list(client.data_templates.search(name="visc", max_items=10))
        report.check(
            "data template search", any(t.id == "DAT100" for t in templates), [t.id for t in templates]
        )
        groups = list(client.parameter_groups.search(text="cure", max_items=10))
        report.check("parameter group search", any(g.id == "PRG100" for g in groups), [g.id for g in groups])
        params = list(client.parameters.get_all(names="Temp", exact_match=False))
        report.check("parameter lookup", [p.id for p in params] == ["PRM100"], [p.id for p in params])
        client.property_data.add_properties_to_inventory(
            inventory_id=state["item"].id,
            properties=[InventoryDataColumn(data_column_id="DAC100", value="42.0")],
        )
        props = client.property_data.get_properties_on_inventory(inventory_id=state["item"].id)
        values = [p.data_column.property_data.value for p in props.custom_property_data]
        report.check("inventory property round-trips", values == ["42.0"], values)
        found = poll(
            lambda: list(
                client.property_data.search(text="viscosity", inventory_ids=[state["item"].id], max_items=5)
            )
        )
        report.check("property data search", found and found[0].result.value == "42.0", found)

    with report.step("notes, notebooks, worksheet"):
        note = client.notes.create(note=Note(parent_id=state["item"].id, note="perf note"))
        notes = client.notes.get_by_parent_id(parent_id=state["item"].id)
        report.check(
            "note round-trips", [n.id for n in notes] == [note.id] and notes[0].note == "perf note", notes
        )
        notebook = client.notebooks.create(
            notebook=Notebook(name="Lab notebook", parent_id=state["project"].id)
        )
        report.check(
            "notebook round-trips", client.notebooks.get_by_id(id=notebook.id).name == "Lab notebook"
        )
        sheet = client.worksheets.setup_worksheet(project_id=state["project"].id, add_sheet=True)
        report.check(
            "worksheet set up with one sheet", sheet.sheets_enabled and len(sheet.sheets) == 1, sheet
        )

    # -- deletes (soft) ------------------------------------------------------------------------
    with report.step("soft deletes: inventory, project"):
        client.inventory.delete(id=state["consumable"].id)
        gone = client.inventory.get_by_id(id=state["consumable"].id)
        report.check("deleted item is inactive but readable", gone.status == "inactive", gone.status)
        report.check(
            "deleted item hidden from search",
            poll(lambda: not list(client.inventory.search(text=f"{run_id} gloves", max_items=5))),
        )
        client.projects.delete(id=state["project"].id)
        report.check(
            "deleted project hidden from search",
            poll(lambda: not list(client.projects.search(text=f"{run_id} coating", max_items=5))),
        )
        try:
            client.inventory.get_by_id(id="INVA99999999")
            report.check("unknown id answers 404", False, "no error raised")
        except AlbertHTTPError as exc:
            report.check("unknown id answers 404", exc.response.status_code == 404, exc.response.status_code)


def run_credentials(base_url: str, report: Report, refresh_wait: float) -> None:
    """Client-credentials auth: token from the OAuth endpoint, then a refresh once it nears expiry."""
    from albert import Albert
    from albert.core.auth.credentials import AlbertClientCredentials

    os.environ.update(
        {"ALBERT_BASE_URL": base_url, "ALBERT_CLIENT_ID": "perf-client", "ALBERT_CLIENT_SECRET": "s3cret"}
    )
    with report.step("client credentials: token and first call"):
        creds = AlbertClientCredentials.from_env()
        client = Albert(auth_manager=creds)
        me = client.users.get_current_user()
        report.check("credentials client reads the current user", me.id == PERF_USER, me.id)
        first = creds._token_info.access_token
        report.check("token came from the stand-in", first.startswith("standin."), first[:12])
    with report.step("client credentials: refresh after expiry"):
        time.sleep(refresh_wait)
        me = client.users.get_current_user()
        second = creds._token_info.access_token
        report.check("SDK fetched a new token", second != first, "same token")
        report.check("calls keep working with the new token", me.id == PERF_USER, me.id)


def run_probe(client: Any, report: Report, calls: int) -> list[dict[str, Any]]:
    """Repeat one GET and one POST through the SDK and record what each call ended as.

    Used with fault injection: the SDK's own retries run (429 honours Retry-After), and whatever
    is left surfaces as an ``AlbertHTTPError`` whose status the test inspects.
    """
    from albert.exceptions import AlbertHTTPError

    outcomes = []
    for i in range(calls):
        for name, call in (
            ("GET users/{id}", lambda: client.users.get_by_id(id=PERF_USER)),
            ("POST tags", lambda i=i: client.tags.create(tag=f"probe-{uuid.uuid4().hex[:6]}-{i}")),
        ):
            started = time.perf_counter()
            outcome: dict[str, Any] = {"call": name}
            try:
                call()
                outcome["ok"] = True
            except AlbertHTTPError as exc:
                response = exc.response
                outcome.update(
                    ok=False,
                    error=type(exc).__name__,
                    status=response.status_code,
                    retryAfter=response.headers.get("Retry-After"),
                )
            outcome["seconds"] = round(time.perf_counter() - started, 3)
            outcomes.append(outcome)
    report.steps.append({"name": "probe", "ok": True, "outcomes": outcomes})
    return outcomes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--auth", choices=("token", "credentials"), default="token")
    parser.add_argument(
        "--refresh-wait", type=float, default=2.5, help="seconds to wait for the token to age"
    )
    parser.add_argument("--probe", type=int, default=0, help="only repeat N GET+POST pairs (fault tests)")
    parser.add_argument("--retries", type=int, default=3, help="the SDK's urllib3 retry count")
    args = parser.parse_args()

    report = Report()
    if args.auth == "token":
        from albert import Albert

        # The stand-in accepts any bearer token: a fresh random one, so no credential lives in the repo.
        client = Albert(base_url=args.base_url, token=secrets.token_urlsafe(24), retries=args.retries)
        if args.probe:
            run_probe(client, report, args.probe)
        else:
            run_crud(client, report, uuid.uuid4().hex[:8])
    else:
        run_credentials(args.base_url, report, args.refresh_wait)
    print(json.dumps(report.as_dict()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
