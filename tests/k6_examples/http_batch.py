"""The port of http_batch.js beside it (k6's examples/http_batch.js, plus batch's object and named forms)."""

from loadcell import check, env

BASE = env["BASE"]


async def default(vu):
    responses = await vu.http.batch([f"{BASE}/", f"{BASE}/bin/pi"])
    check(responses[0], {"main page 200": lambda res: res.status == 200})
    check(
        responses[1],
        {
            "pi page 200": lambda res: res.status == 200,
            "pi page has right content": lambda res: res.text == "3.14",
        },
    )

    named = await vu.http.batch(
        {
            "front": f"{BASE}/",
            "pi": ("GET", f"{BASE}/bin/pi", None, {"tags": {"name": "pi"}}),
            "form": {
                "method": "POST",
                "url": f"{BASE}/bin/post",
                "body": {"field": "value"},
                "params": {"headers": {"X-Batch": "object-form"}, "tags": {"name": "form"}},
            },
        }
    )
    check(
        named,
        {
            "named form gives names": lambda r: ",".join(sorted(r)) == "form,front,pi",
            "front 200": lambda r: r["front"].status == 200,
            "pi is 3.14": lambda r: r["pi"].text == "3.14",
            "form posted": lambda r: r["form"].json()["form"]["field"] == "value",
            "form params headers sent": lambda r: r["form"].json()["headers"]["x-batch"] == "object-form",
        },
    )
