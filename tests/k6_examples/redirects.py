"""The port of redirects.js beside it (written after k6's examples/redirects.js)."""

from loadcell import check, console, env

options = {"maxRedirects": 5}
BASE = env["BASE"]


async def default(vu):
    # Past options.maxRedirects, the last response is the redirect itself.
    res = await vu.http.get(f"{BASE}/bin/redirect/6")
    check(res, {"is status 302": lambda r: r.status == 302})

    # A request may set its own limit.
    res = await vu.http.get(f"{BASE}/bin/redirect/1", {"redirects": 1})
    console.log(res.status)
    check(
        res,
        {
            "is status 200": lambda r: r.status == 200,
            "url is correct": lambda r: r.url == f"{BASE}/bin/get",
            "referer is the last hop": lambda r: r.json()["headers"]["referer"] == f"{BASE}/bin/redirect/1",
        },
    )
