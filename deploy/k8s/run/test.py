"""The script the Kubernetes test runs (mounted at /scripts/test.py on the coordinator and every agent).

Replace it with your own; BASE_URL comes from the `loadcell` Secret or an `env:` entry.
"""

from loadcell import check, env

options = {
    "scenarios": {
        "steady": {
            "executor": "constant-arrival-rate",
            "rate": 200,
            "duration": "1m",
            "preAllocatedVUs": 100,
        },
    },
    "thresholds": {"http_req_failed": ["rate<0.01"], "http_req_duration": ["p(95)<500"]},
}


async def default(vu):
    r = await vu.http.get(env.get("BASE_URL", "http://example.internal") + "/")
    check(r, {"status is 200": lambda r: r.status == 200})
