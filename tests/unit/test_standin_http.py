"""The stand-in over real sockets: auth, validation, envelopes, IDs, soft delete and fault injection."""

from __future__ import annotations

import time
import uuid

from tests.integration.standin_fixtures import *  # noqa: F403 - pytest fixtures are found by name
from tests.integration.standin_fixtures import StandinServer, running_standin


def _unique() -> str:
    return uuid.uuid4().hex[:10]


def _inventory(server: StandinServer, name: str, **extra: object) -> dict:
    reply = server.post("/api/v3/inventories", {"name": name, "category": "RawMaterials", **extra})
    assert reply.status == 201, reply.body
    return reply.body


def _lot(server: StandinServer, inventory_id: str, quantity: str = "10") -> dict:
    body = [
        {
            "parentId": inventory_id,
            "StorageLocation": {"id": "STL100"},
            "initialQuantity": quantity,
            "inventoryOnHand": quantity,
            "manufacturerLotNumber": f"MLN-{_unique()}",
        }
    ]
    reply = server.post("/api/v3/lots", body)
    assert reply.status == 201, reply.body
    return reply.body[0]


# -- auth -------------------------------------------------------------------------------------


def test_missing_or_malformed_bearer_is_401(albert_standin: StandinServer) -> None:
    reply = albert_standin.get("/api/v3/users/USR215409", token=None)
    assert reply.status == 401 and reply.error == "Missing bearer token"
    assert reply.headers["www-authenticate"] == "Bearer"
    for header in ("Basic dXNlcjpwYXNz", "Bearer", "Bearer "):
        reply = albert_standin.get("/api/v3/users/USR215409", token=None, headers={"Authorization": header})
        assert reply.status == 401, header
    assert albert_standin.get("/api/v3/users/USR215409", token="anything-goes").status == 200
    assert albert_standin.get("/api/v3/users/USR215409", token="standin.forged.sig").status == 401


def test_client_credentials_tokens_expire() -> None:
    with running_standin("--token-ttl", "1") as server:
        form = {"grant_type": "client_credentials", "client_id": "perf", "client_secret": "s3cret"}
        issued = server.request("POST", "/api/v3/login/oauth/token", form=form, token=None)
        assert issued.status == 200
        assert issued.body["expires_in"] == 1 and issued.body["refresh_token"]
        token = issued.body["access_token"]
        assert server.get("/api/v3/login/validatejwt", token=token).body["userId"] == "USR215409"
        time.sleep(1.2)
        expired = server.get("/api/v3/login/validatejwt", token=token)
        assert expired.status == 401 and "expired" in expired.error
        bad_grant = server.request(
            "POST", "/api/v3/login/oauth/token", form={**form, "grant_type": "password"}, token=None
        )
        assert bad_grant.status == 400
        no_secret = server.request(
            "POST", "/api/v3/login/oauth/token", form={**form, "client_secret": ""}, token=None
        )
        assert no_secret.status == 401


# -- validation -------------------------------------------------------------------------------


def test_invalid_payloads_answer_400_with_errors(albert_standin: StandinServer) -> None:
    project = albert_standin.post("/api/v3/projects", {"description": f"P {_unique()}"}).body
    cases = [
        ("/api/v3/inventories", {"category": "RawMaterials"}, "name is required"),
        ("/api/v3/inventories", {"name": "x", "category": "Chemicals"}, "category must be one of"),
        (
            "/api/v3/inventories",
            {"name": "x", "category": "RawMaterials", "unitCategory": "volume"},
            "density",
        ),
        ("/api/v3/inventories", {"name": "x", "category": "Formulas"}, "parentId"),
        (
            "/api/v3/inventories",
            {"name": "x", "category": "RawMaterials", "Company": {"id": "COM404"}},
            "does not exist",
        ),
        ("/api/v3/projects", {"description": ""}, "description is required"),
        ("/api/v3/locations", {"name": "Lab", "latitude": 1}, "longitude"),
        ("/api/v3/storagelocations", {"name": "S", "Location": {"id": "LOC37511"}}, "2..255"),
        ("/api/v3/tasks/multi", [{"category": "General"}], "name is required"),
        ("/api/v3/tasks/multi", [{"name": "t", "category": "General", "priority": "Urgent"}], "priority"),
    ]
    for path, body, message in cases:
        reply = albert_standin.post(path, body)
        assert reply.status == 400, (path, body, reply.body)
        assert message in reply.error, (message, reply.body)
        assert reply.body["message"] == reply.error
    formula = albert_standin.post(
        "/api/v3/inventories", {"name": "F", "category": "Formulas", "parentId": project["albertId"]}
    )
    assert formula.status == 201 and formula.body["albertId"].startswith("INVMO")
    garbage = albert_standin.request("POST", "/api/v3/tags", json_body=None)
    assert garbage.status == 400


def test_lots_rules(albert_standin: StandinServer) -> None:
    item = _inventory(albert_standin, f"Lot Parent {_unique()}")
    missing_storage = albert_standin.post(
        "/api/v3/lots", [{"parentId": item["albertId"], "initialQuantity": "1"}]
    )
    assert missing_storage.status == 400 and "StorageLocation" in missing_storage.error
    good = {
        "parentId": item["albertId"],
        "StorageLocation": {"id": "STL100"},
        "initialQuantity": "2",
        "manufacturerLotNumber": "M1",
    }
    partial = albert_standin.post("/api/v3/lots", [good, {**good, "parentId": "INVA404"}])
    assert partial.status == 206
    assert len(partial.body["CreatedLots"]) == 1 and partial.body["FailedItems"][0]["index"] == 1
    lot = partial.body["CreatedLots"][0]
    assert lot["inventoryOnHand"] == 2.0 and lot["Location"]["id"] == "LOC37511"
    six = albert_standin.delete("/api/v3/lots", params={"id": [lot["albertId"]] * 6})
    assert six.status == 400 and "at most 5" in six.error
    adjust = {
        "data": [
            {
                "operation": "update",
                "attribute": "inventoryOnHand",
                "oldValue": "2.0",
                "newValue": "-0.50000000000000",
            }
        ],
        "notes": "used",
    }
    assert albert_standin.patch(f"/api/v3/lots/{lot['albertId']}", adjust).status == 204
    assert albert_standin.get(f"/api/v3/lots/{lot['albertId']}").body["inventoryOnHand"] == 1.5
    assert albert_standin.get(f"/api/v3/inventories/{item['albertId']}").body["onHand"] == 1.5
    too_much = {"data": [{"operation": "update", "attribute": "inventoryOnHand", "newValue": "-5"}]}
    assert albert_standin.patch(f"/api/v3/lots/{lot['albertId']}", too_much).status == 400
    assert albert_standin.delete("/api/v3/lots", params={"id": lot["albertId"]}).status == 204
    assert albert_standin.get(f"/api/v3/inventories/{item['albertId']}").body["onHand"] == 0.0


def test_bulk_patch_answers_206_with_failed_items(albert_standin: StandinServer) -> None:
    tag = albert_standin.post("/api/v3/tags", {"name": f"bulk-{_unique()}"}).body
    rename = [
        {"operation": "update", "attribute": "name", "oldValue": tag["name"], "newValue": tag["name"] + "-x"}
    ]
    reply = albert_standin.patch(
        "/api/v3/tags", [{"id": tag["albertId"], "data": rename}, {"id": "TAG404", "data": rename}]
    )
    assert reply.status == 206
    assert reply.body["FailedItems"][0]["id"] == "TAG404" and reply.body["FailedItems"][0]["errors"][0]["msg"]
    assert albert_standin.get(f"/api/v3/tags/{tag['albertId']}").body["name"] == tag["name"] + "-x"
    too_many = albert_standin.patch("/api/v3/inventories", [{"id": "INVA1", "data": []}] * 301)
    assert too_many.status == 400


# -- envelopes and IDs ------------------------------------------------------------------------


def test_key_pagination_walks_every_page(albert_standin: StandinServer) -> None:
    prefix = f"page-{_unique()}"
    created = {
        albert_standin.post("/api/v3/tags", {"name": f"{prefix}-{n}"}).body["albertId"] for n in range(5)
    }
    seen, params, pages = [], {"name": prefix, "exactMatch": "false", "limit": 2}, 0
    while pages < 10:
        body = albert_standin.get("/api/v3/tags", params=params).body
        seen += [t["albertId"] for t in body["Items"]]
        pages += 1
        if "lastKey" not in body:
            break
        params = {**params, "startKey": body["lastKey"]}
    assert pages == 3 and len(seen) == 5 and set(seen) == created
    exact = albert_standin.get(
        "/api/v3/tags", params={"name": f"{prefix}-3".upper(), "exactMatch": "true"}
    ).body
    assert [t["name"] for t in exact["Items"]] == [f"{prefix}-3"]
    assert isinstance(albert_standin.get("/api/v3/tags/ids", params={"id": sorted(created)}).body, list)


def test_search_after_envelope_ids_and_facets(albert_standin: StandinServer) -> None:
    word = f"w{_unique()}"
    ids = [_inventory(albert_standin, f"{word} resin {n}")["albertId"] for n in range(3)]
    params = {"text": word, "order": "desc", "searchAfter": "[]", "limit": 2}
    first = albert_standin.get("/api/v3/inventories/search", params=params).body
    assert first["total"] == 3 and len(first["Items"]) == 2 and first["nextSearchAfter"]
    assert all(not i["albertId"].startswith("INV") for i in first["Items"])
    assert {f["name"] for f in first["Facets"]} >= {"Category", "Manufacturer", "Tags"}
    second = albert_standin.get(
        "/api/v3/inventories/search", params={**params, "searchAfter": _json(first["nextSearchAfter"])}
    ).body
    assert second["nextSearchAfter"] is None and "Facets" not in second
    found = ["INV" + i["albertId"] for i in first["Items"] + second["Items"]]
    assert found == ids[::-1]
    short_id = ids[0][3:]
    assert albert_standin.get(f"/api/v3/inventories/{short_id}").body["albertId"] == ids[0]
    by_ids = albert_standin.get("/api/v3/inventories/ids", params={"id": [ids[0], "INVA404"]}).body
    assert [i["albertId"] for i in by_ids["Items"]] == [ids[0]]
    assert albert_standin.get("/api/v3/inventories/ids", params={"id": "INVA404"}).status == 404


def _json(value: object) -> str:
    import json

    return json.dumps(value)


def test_offset_envelope_and_post_search(albert_standin: StandinServer) -> None:
    body = {"text": "perf", "order": "desc", "offset": 0, "limit": 1}
    page = albert_standin.post("/api/v3/users/search", body).body
    assert page["total"] >= 1 and page["offset"] == 0 and page["Items"][0]["albertId"] == "USR215409"
    assert albert_standin.post("/api/v3/users/search", {**body, "offset": 5}).body["Items"] == []
    project = albert_standin.post("/api/v3/projects", {"description": f"Coating {_unique()} line"}).body
    hits = albert_standin.post(
        "/api/v3/projects/search", {"text": project["description"], "searchAfter": [], "limit": 5}
    ).body
    assert [h["albertId"] for h in hits["Items"]] == [project["albertId"]]


def test_soft_delete_hides_from_search_but_not_from_get(albert_standin: StandinServer) -> None:
    word = f"d{_unique()}"
    item = _inventory(albert_standin, f"{word} acetone")
    search = {"text": word, "searchAfter": "[]", "limit": 5}
    assert albert_standin.get("/api/v3/inventories/search", params=search).body["total"] == 1
    assert albert_standin.delete(f"/api/v3/inventories/{item['albertId']}").status == 204
    assert albert_standin.get(f"/api/v3/inventories/{item['albertId']}").body["status"] == "inactive"
    assert albert_standin.get("/api/v3/inventories/search", params=search).body["total"] == 0
    inactive = albert_standin.get("/api/v3/inventories/search", params={**search, "status": "inactive"}).body
    assert inactive["total"] == 1
    assert albert_standin.patch(f"/api/v3/inventories/{item['albertId']}/reactivate").status == 204
    assert albert_standin.get("/api/v3/inventories/search", params=search).body["total"] == 1
    assert albert_standin.get("/api/v3/no/such/thing").status == 404


# -- faults -----------------------------------------------------------------------------------


def test_error_rate_one_fails_every_api_call_but_not_health() -> None:
    with running_standin("--error-rate", "1.0", "--seed", "3") as server:
        statuses = {server.get("/api/v3/users/USR215409").status for _ in range(20)}
        assert statuses <= {500, 502, 503, 504} and len(statuses) > 1
        assert server.get("/__standin/health", token=None).status == 200


def test_throttle_burst_gets_429_with_retry_after() -> None:
    with running_standin("--throttle", "5") as server:
        replies = [server.get("/api/v3/users/USR215409") for _ in range(15)]
        codes = [r.status for r in replies]
        assert codes[:5] == [200] * 5 and 429 in codes
        assert all(r.headers["retry-after"].isdigit() for r in replies if r.status == 429)
        time.sleep(1.1)
        assert server.get("/api/v3/users/USR215409").status == 200


def test_index_lag_hides_new_items_from_search_until_it_passes() -> None:
    with running_standin("--index-lag", "1s") as server:
        word = f"lag{_unique()}"
        started = time.monotonic()
        item = _inventory(server, f"{word} silica")
        search = {"text": word, "searchAfter": "[]", "limit": 5}
        assert server.get("/api/v3/inventories/search", params=search).body["total"] == 0
        assert server.get(f"/api/v3/inventories/{item['albertId']}").status == 200  # GET by id is immediate
        total = 0
        while total == 0 and time.monotonic() - started < 5:
            time.sleep(0.1)
            total = server.get("/api/v3/inventories/search", params=search).body["total"]
        assert total == 1
        assert time.monotonic() - started >= 0.9


def test_latency_is_added_to_every_response() -> None:
    with running_standin("--latency", "60ms") as server:
        started = time.monotonic()
        for _ in range(3):
            assert server.get("/api/v3/users/USR215409").status == 200
        assert time.monotonic() - started >= 0.18


# -- journeys and load ------------------------------------------------------------------------


def test_journey_requests_j1_to_j10(albert_standin: StandinServer) -> None:
    """The raw request sequences of journeys J1-J10 (as the SDK sends them) all succeed."""
    s, u = albert_standin, _unique()
    sa = {"searchAfter": "[]", "limit": 25, "order": "desc"}
    ok = []

    def call(method: str, path: str, body: object = None, **params: object) -> object:
        reply = s.request(method, path, json_body=body, params=params or None)
        assert 200 <= reply.status < 300, (method, path, reply.status, reply.body)
        ok.append(path)
        return reply.body

    # J1 bootstrap
    me = call("GET", "/api/v3/login/validatejwt", includeUserDetails="true")["userId"]
    call("GET", f"/api/v3/users/{me}")
    call("GET", "/api/v3/locations", exactMatch="false")
    call("GET", "/api/v3/storagelocations", locationId="LOC37511", exactMatch="false")
    for path in ("/api/v3/acl/roles", "/api/v3/customfields", "/api/v3/lists", "/api/v3/teams"):
        call("GET", path)
    call("GET", "/api/v3/units", orderBy="desc", exactMatch="false")
    # J3 create with lot (and the SDK's implicit lookups)
    assert call("GET", "/api/v3/tags", orderBy="desc", name=f"t{u}", exactMatch="true")["Items"] == []
    tag = call("POST", "/api/v3/tags", {"name": f"t{u}"})
    call("GET", "/api/v3/companies", dupDetection="false", name=f"c{u}", exactMatch="true")
    company = call("POST", "/api/v3/companies", {"name": f"c{u}"})
    call("GET", "/api/v3/inventories/search", text=f"r{u} Resin", manufacturer=f"c{u}", **sa)
    item = call(
        "POST",
        "/api/v3/inventories",
        {
            "name": f"r{u} Resin",
            "category": "RawMaterials",
            "unitCategory": "mass",
            "Company": {"id": company["albertId"]},
            "Tags": [{"id": tag["albertId"]}],
            "ACL": [],
        },
    )
    inv = item["albertId"]
    call("GET", f"/api/v3/inventories/{inv}")
    lot = call(
        "POST",
        "/api/v3/lots",
        [
            {
                "parentId": inv,
                "StorageLocation": {"id": "STL100"},
                "Location": {"id": "LOC37511"},
                "initialQuantity": "25",
                "inventoryOnHand": "25",
                "manufacturerLotNumber": "MLN-1",
                "expirationDate": "2030-01-01",
                "cost": "50",
            }
        ],
    )[0]["albertId"]
    call("POST", "/api/v3/notes", {"parentId": inv, "note": "perf note"})
    call(
        "POST",
        "/api/v3/propertydata",
        {"entity": "inventory", "parentId": inv, "DataColumn": [{"id": "DAC100", "value": "42.0"}]},
    )
    # J2 browse
    page = call("GET", "/api/v3/inventories/search", text=f"r{u}", category="RawMaterials", **sa)
    assert page["Facets"] and page["Items"][0]["albertId"] == inv[3:]
    call("GET", "/api/v3/inventories/search", text="", limit=1)
    call("GET", f"/api/v3/inventories/INV{page['Items'][0]['albertId']}")
    call("GET", "/api/v3/lots", parentId=inv, exactMatch="false", beginsWith="false")
    call("GET", "/api/v3/propertydata", entity="inventory", id=inv)
    call("GET", "/api/v3/notes", parentId=inv, orderBy="desc")
    call("GET", "/api/v3/attachments/parents", id=inv)
    call("GET", "/api/v3/inventories/specs", id=inv)
    call("GET", "/api/v3/inventories/llmsearch", text=f"r{u}", order="desc", offset=0, limit=25)
    call(
        "POST",
        "/api/v3/inventories/search",
        {"text": f"r{u}", "metadataFilters": {"metadata": {"grade": ["A"]}}, "searchAfter": [], "limit": 25},
    )
    # J4 edit and move stock
    call(
        "PATCH",
        f"/api/v3/inventories/{inv}",
        {
            "data": [
                {
                    "operation": "update",
                    "attribute": "name",
                    "oldValue": f"r{u} Resin",
                    "newValue": f"r{u} Resin 2",
                }
            ]
        },
    )
    call(
        "PATCH",
        f"/api/v3/inventories/{inv}",
        {"data": [{"operation": "add", "attribute": "description", "newValue": "edited"}]},
    )
    call(
        "PATCH",
        f"/api/v3/lots/{lot}",
        {
            "data": [
                {
                    "operation": "update",
                    "attribute": "inventoryOnHand",
                    "oldValue": "25.0",
                    "newValue": "-2.5",
                }
            ],
            "notes": "used",
        },
    )
    call(
        "POST",
        f"/api/v3/lots/{lot}/split",
        {
            "action": "splitted",
            "inventoryOnHand": "1.0",
            "StorageLocation": {"id": "STL101"},
            "Owner": [{"id": me}],
        },
    )
    # J5 project workspace
    pro = call(
        "POST",
        "/api/v3/projects",
        {
            "description": f"p{u} Coating",
            "Locations": [{"id": "LOC37511"}],
            "class": "shared",
            "prefix": "ABC",
        },
    )["albertId"]
    call("GET", f"/api/v3/projects/{pro}")
    ntb = s.request(
        "POST",
        "/api/v3/notebooks",
        json_body={"name": "Lab notebook", "parentId": pro, "blocks": []},
        params={"parentId": pro},
    ).body["albertId"]
    call(
        "PUT",
        f"/api/v3/notebooks/{ntb}/content",
        {"data": [{"id": "b1", "operation": "update", "blockType": "paragraph", "content": {"text": "hi"}}]},
    )
    assert call("GET", f"/api/v3/notebooks/{ntb}")["blocks"][0]["content"] == {"text": "hi"}
    call("POST", f"/api/v3/worksheet/{pro}/setup", {"sheets": "true"})
    call("PUT", f"/api/v3/worksheet/project/{pro}/sheets", {"name": "Sheet 2"})
    assert len(call("GET", "/api/v3/worksheet", type="project", id=pro)["Sheets"]) == 2
    call(
        "PATCH",
        f"/api/v3/projects/{pro}",
        {
            "data": [
                {
                    "operation": "update",
                    "attribute": "description",
                    "oldValue": f"p{u} Coating",
                    "newValue": f"p{u} Coating 2",
                }
            ]
        },
    )
    # J6 find projects
    call(
        "POST", "/api/v3/projects/search", {"order": "desc", "text": f"p{u}", "searchAfter": [], "limit": 25}
    )
    call("GET", "/api/v3/tasks/search", projectId=pro[3:], **sa)
    call("GET", f"/api/v3/notebooks/{pro}/search")
    call("GET", "/api/v3/projects/documentsearch", linkedTo=pro[3:], order="desc")
    # J7 tasks and results
    general = s.request(
        "POST",
        "/api/v3/tasks/multi",
        params={"category": "General", "parentId": pro},
        json_body=[
            {
                "name": f"k{u} task",
                "category": "General",
                "parentId": pro,
                "Location": {"id": "LOC37511"},
                "state": "Unclaimed",
            }
        ],
    ).body[0]
    prop = s.request(
        "POST",
        "/api/v3/tasks/multi",
        params={"category": "Property", "parentId": inv},
        json_body=[
            {
                "name": f"k{u} visc",
                "category": "Property",
                "parentId": inv,
                "Inventories": [{"id": inv, "lotId": lot}],
                "Location": {"id": "LOC37511"},
                "priority": "Medium",
                "dueDate": "2030-12-31",
                "state": "Unclaimed",
                "Blocks": [{"Workflow": [{"id": "WFL100"}], "Datatemplate": [{"id": "DAT100"}]}],
            }
        ],
    ).body[0]
    tas, blk = prop["albertId"], prop["Blocks"][0]["id"]
    call("GET", f"/api/v3/tasks/multi/{general['albertId']}")
    for attribute, value in (("priority", "High"), ("state", "In Progress")):
        call(
            "PATCH",
            f"/api/v3/tasks/{tas}",
            [{"id": tas, "data": [{"operation": "update", "attribute": attribute, "newValue": value}]}],
        )
    s.request(
        "POST",
        f"/api/v3/propertydata/{tas}",
        json_body=[{"DataColumns": {"id": "DAC100"}, "value": "12.5"}],
        params={"blockId": blk, "inventoryId": inv, "lotId": lot, "autoCalculate": "true"},
    )
    call("GET", "/api/v3/propertydata", entity="task", blockId=blk, id=tas, inventoryId=inv, lotId=lot)
    mine = call("GET", "/api/v3/tasks/search", assignedToId=me, status="In Progress", **sa)
    assert mine["Items"] == []  # nobody was assigned
    # J8 pick lists
    call("POST", "/api/v3/users/search", {"text": "alice", "order": "desc", "offset": 0, "limit": 25})
    call("GET", "/api/v3/locations/LOC37511")
    call("GET", "/api/v3/companies", dupDetection="false", name=f"c{u}"[:5], exactMatch="false")
    # J9 bulk
    call("GET", "/api/v3/inventories/ids", id=[inv])
    call("GET", "/api/v3/lots/ids", id=[lot])
    call("GET", "/api/v3/tags/ids", id=[tag["albertId"]])
    call("GET", "/api/v3/datatemplates/ids", id=["DAT100"])
    call("GET", "/api/v3/workflows/ids", id=["WFL100"])
    call(
        "PATCH",
        "/api/v3/lots",
        [
            {
                "id": lot,
                "data": [{"operation": "update", "attribute": "expirationDate", "newValue": "2031-01-01"}],
            }
        ],
    )
    call(
        "PATCH",
        "/api/v3/inventories",
        [
            {
                "id": inv,
                "data": [{"operation": "add", "attribute": "tagId", "newValue": [{"id": tag["albertId"]}]}],
            }
        ],
    )
    # J10 lab data
    additional = ["acl", "createdAt", "createdByName", "metadata", "owner", "tags", "standards", "team"]
    assert call(
        "POST",
        "/api/v3/datatemplates/search",
        {"offset": 0, "order": "desc", "text": "visc", "additionalField": additional, "limit": 25},
    )["Items"]
    assert call("POST", "/api/v3/parametergroups/search", {"order": "desc", "text": "cure", "limit": 25})[
        "Items"
    ]
    assert call("GET", "/api/v3/parameters", orderBy="desc", name="Temp", exactMatch="false")["Items"]
    results = call(
        "GET", "/api/v3/propertydata/search", text="visc", void="false", searchAfter="[]", limit=50
    )
    assert {r["category"] for r in results["Items"]} >= {"task"}
    call("GET", "/api/v3/datatemplates/DAT100")
    call("GET", "/api/v3/parametergroups/PRG100")
    # teardown variants
    call("DELETE", "/api/v3/lots", id=lot)
    call("DELETE", f"/api/v3/inventories/{inv}")
    assert len(ok) > 60


def test_concurrent_mixed_load_keeps_every_request_healthy(albert_standin: StandinServer) -> None:
    """Sixteen clients interleaving creates, searches and reads: no errors, no duplicate IDs."""
    from concurrent.futures import ThreadPoolExecutor

    word = f"load{_unique()}"

    def client(worker: int) -> list[tuple[int, str | None]]:
        out = []
        for i in range(20):
            if i % 3 == 0:
                reply = albert_standin.post(
                    "/api/v3/inventories", {"name": f"{word} {worker} {i}", "category": "RawMaterials"}
                )
                out.append((reply.status, reply.body.get("albertId")))
            elif i % 3 == 1:
                reply = albert_standin.get("/api/v3/inventories/search", params={"text": word, "limit": 10})
                out.append((reply.status, None))
            else:
                out.append((albert_standin.get("/api/v3/users/USR215409").status, None))
        return out

    with ThreadPoolExecutor(16) as pool:
        results = [r for chunk in pool.map(client, range(16)) for r in chunk]
    assert all(status in (200, 201) for status, _ in results), {s for s, _ in results}
    ids = [i for _, i in results if i]
    assert len(ids) == 16 * 7 and len(set(ids)) == len(ids)
    total = albert_standin.get("/api/v3/inventories/search", params={"text": word, "limit": 1}).body["total"]
    assert total == len(ids)
