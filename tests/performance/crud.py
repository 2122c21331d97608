"""The seed's test, in Python: CREATE and DELETE an inventory item, p(95) < 250 ms per group.

loadcell run tests/performance/crud.py -e ALBERT_BASE_URL=http://127.0.0.1:8091 -e PROFILE=load
"""

from albert_suite.config import load_config
from albert_suite.lifecycle import suite_setup, suite_teardown
from albert_suite.metrics import throttled  # noqa: F401 - registers the metric the thresholds use
from albert_suite.profiles import profile_scenarios
from albert_suite.session import session_for

from loadcell import check, env, group

CONFIG = load_config()  # fails here, before any load, when credentials are missing
options = {
    "scenarios": profile_scenarios(
        CONFIG.profile, "crud", int(env["VUS"]) if "VUS" in env else None, env.get("DURATION")
    ),
    "thresholds": {
        "checks": ["rate>=1.0"],
        "http_req_duration{group:::CREATE}": ["p(95)<250"],
        "http_req_duration{group:::DELETE}": ["p(95)<250"],
        "albert_throttled": ["rate<0.01"],
    },
}


async def setup():
    return await suite_setup()


async def crud(vu):
    s = session_for(vu)
    with group("CREATE"):
        r = await s.api.post("/api/v3/inventories", "POST /inventories", json=s.data.inventory_item())
        check(
            r,
            {"created": lambda r: r.status in (200, 201) and r.json().get("albertId", "").startswith("INV")},
        )
    if r.status not in (200, 201):
        return
    with group("DELETE"):
        inv_id = r.json()["albertId"]
        r = await s.api.delete(f"/api/v3/inventories/{inv_id}", "DELETE /inventories/{id}")
        check(r, {"deleted": lambda r: r.status in (200, 204)})


async def teardown(data):
    await suite_teardown(data)
