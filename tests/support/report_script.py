"""A small mixed test for the report and the dashboard: two groups, three request names, a status that
always fails (so the errors chart and a failing check have data), checks and thresholds.

P95_MS sets the http_req_duration p(95) threshold (a tiny value makes it fail on purpose).
"""

from loadcell import check, env, group, sleep

options = {
    "thresholds": {
        "http_req_duration": [f"p(95)<{env.get('P95_MS', '5000')}"],
        "http_req_duration{group:::api}": ["p(99)<5000"],
        "http_req_failed": ["rate<0.5"],
        "checks": ["rate>0.4"],
    },
}


async def default(vu):
    base = env["BASE_URL"]
    with group("api"):
        r = await vu.http.get(f"{base}/", tags={"name": "home"})
        check(r, {"home is 200": lambda r: r.status == 200})
        await vu.http.post(f"{base}/items", json={"n": vu.iteration}, tags={"name": "create"})
    with group("broken"):
        r = await vu.http.get(f"{base}/status/503", tags={"name": "broken"})
        check(r, {"broken is 200": lambda r: r.status == 200})
    await sleep(float(env.get("SLEEP", "0.05")))
