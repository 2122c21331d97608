"""The port of cookies.js beside it (written after k6's examples/cookies.js)."""

from urllib.parse import urlsplit

from loadcell import check, env, group, http

options = {"maxRedirects": 3}
BASE = env["BASE"]
HOST = urlsplit(BASE).hostname


async def default(vu):
    with group("request cookies, VU jar"):
        res = await http.get(f"{BASE}/bin/cookies", {"cookies": {"name": "value1", "name2": "value2"}})
        check(
            res,
            {
                "status is 200": lambda r: r.status == 200,
                "has cookie 'name'": lambda r: r.json()["cookies"]["name"] == "value1",
                "has cookie 'name2'": lambda r: r.json()["cookies"]["name2"] == "value2",
            },
        )
        for_url = http.cookie_jar().cookies_for_url(res.url)
        check(None, {"vu jar doesn't have 'name'": lambda _: "name" not in for_url})

    with group("set by the server, VU jar"):
        res = await http.get(f"{BASE}/bin/cookies/set?name3=value3&name4=value4")
        check(
            res,
            {
                "status is 200": lambda r: r.status == 200,
                "redirect sent them back": lambda r: r.json()["cookies"]["name3"] == "value3",
                "no cookies on the last hop": lambda r: len(r.cookies) == 0,
            },
        )
        for_url = http.cookie_jar().cookies_for_url(res.url)
        check(
            None,
            {
                "vu jar has 'name3'": lambda _: for_url["name3"][0] == "value3",
                "vu jar has 'name4'": lambda _: for_url["name4"][0] == "value4",
            },
        )

    with group("request cookies, local jar"):
        jar = http.CookieJar()
        res = await http.get(f"{BASE}/bin/cookies", {"cookies": {"name5": "value5"}, "jar": jar})
        check(
            res,
            {
                "has cookie 'name5'": lambda r: r.json()["cookies"]["name5"] == "value5",
                "VU jar not sent": lambda r: "name3" not in r.json()["cookies"],
            },
        )
        check(None, {"local jar doesn't have 'name5'": lambda _: "name5" not in jar.cookies_for_url(res.url)})

    with group("jar.set, local jar"):
        jar = http.CookieJar()
        jar.set(f"{BASE}/bin/cookies", "name7", "value7")
        res = await http.get(f"{BASE}/bin/cookies", {"jar": jar})
        check(res, {"has cookie 'name7'": lambda r: r.json()["cookies"]["name7"] == "value7"})
        check(
            None,
            {
                "local jar has 'name7'": lambda _: jar.cookies_for_url(res.url)["name7"][0] == "value7",
                "vu jar doesn't have 'name7'": lambda _: (
                    "name7" not in http.cookie_jar().cookies_for_url(res.url)
                ),
            },
        )

    with group("cookie attributes, replace, delete, clear"):
        jar = http.cookie_jar()
        jar.set(f"{BASE}/bin/cookies", "name9", "value9", {"domain": HOST, "path": "/bin/cookies"})
        res = await http.get(f"{BASE}/bin/cookies")
        check(res, {"has cookie 'name9'": lambda r: r.json()["cookies"]["name9"] == "value9"})
        jar.set(f"{BASE}/bin/cookies", "name10", "value10", {"domain": "example.com", "path": "/"})
        res = await http.get(
            f"{BASE}/bin/cookies", {"cookies": {"name9": {"value": "new9", "replace": True}}}
        )
        check(
            res,
            {
                "doesn't have cookie 'name10'": lambda r: "name10" not in r.json()["cookies"],
                "request cookie replaced the jar one": lambda r: r.json()["cookies"]["name9"] == "new9",
            },
        )
        # Go's jar (k6's) deletes the cookie stored under the URL's directory (/bin) only.
        jar.delete(f"{BASE}/bin/cookies", "name9")
        kept = jar.cookies_for_url(f"{BASE}/bin/cookies")
        check(None, {"delete keeps a cookie of another path": lambda _: kept["name9"][0] == "value9"})
        jar.set(f"{BASE}/bin/cookies", "name11", "value11")
        jar.delete(f"{BASE}/bin/cookies", "name11")
        gone = jar.cookies_for_url(f"{BASE}/bin/cookies")
        check(None, {"delete removes a default-path cookie": lambda _: "name11" not in gone})
        jar.set(f"{BASE}/bin/cookies", "name12", "value12")
        jar.clear(f"{BASE}/bin/cookies")
        left = ",".join(sorted(jar.cookies_for_url(f"{BASE}/bin/cookies")))
        check(None, {"clear removes default-path cookies only": lambda _: left == "name3,name4,name9"})
