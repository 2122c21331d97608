"""The port of tagging.js beside it (k6's examples/tagging.js, plus http.url and a response callback)."""

from loadcell import Trend, check, env, expected_statuses, http, url

BASE = env["BASE"]
my_trend = Trend("my_trend")
http.set_response_callback(expected_statuses(200, 404))

options = {
    "thresholds": {
        "http_reqs{my_tag:tagged}": ["count==1"],
        "checks{my_tag:tagged}": ["rate==1"],
        "my_trend{my_tag:tagged}": ["max>=0"],
        "http_reqs{name:${}/status/${}}": ["count==2"],
        "http_req_failed": ["rate==0"],
    }
}


async def default(vu):
    res = await http.get(f"{BASE}/", tags={"my_tag": "tagged"})
    check(res, {"status is 200": lambda r: r.status == 200}, {"my_tag": "tagged"})
    my_trend.add(res.timings.connecting, {"my_tag": "tagged"})
    for code in (200, 404):
        await http.get(url("{}/status/{}", BASE, code))
