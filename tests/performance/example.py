"""The seed's CREATE/DELETE test, ported line by line from k6 JavaScript to loadcell Python."""

from loadcell import Trend, check, env, group, sleep

options = {
    "scenarios": {
        "crud": {"executor": "constant-vus", "vus": 5, "duration": "30s"},
    },
    "thresholds": {
        "checks": ["rate>=1.0"],
        "http_req_duration{group:::CREATE}": ["p(95)<250"],
        "http_req_duration{group:::DELETE}": ["p(95)<250"],
    },
}
create_time = Trend("create_time", is_time=True)


def setup():
    return {"base": env.get("BASE_URL", "http://127.0.0.1:8090")}


async def default(vu):
    base = vu.data["base"]
    with group("CREATE"):
        r = await vu.http.post(
            f"{base}/items", json={"name": f"item-{vu.id}-{vu.iteration}"}, tags={"name": "create"}
        )
        check(r, {"status is 200": lambda r: r.status == 200})
        create_time.add(r.timings["duration"])
    with group("DELETE"):
        item_id = r.json()["id"] if r.status == 200 else 0
        r = await vu.http.delete(f"{base}/items/{item_id}", tags={"name": "delete"})
        check(r, {"status is 200": lambda r: r.status == 200})
    await sleep(float(env.get("SLEEP", "0.1")))
