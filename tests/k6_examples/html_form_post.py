"""The port of html_form_post.js beside it (written after k6's examples/html_form_post.js)."""

from loadcell import check, env

BASE = env["BASE"]
form = {"name": "Test Name", "email": "test@example.com", "topping": ["onion", "bacon", "cheese"]}


async def default(vu):
    res = await vu.http.post(f"{BASE}/bin/post", form)
    check(
        res,
        {
            "status is 200": lambda r: r.status == 200,
            "has correct name": lambda r: r.json()["form"]["name"] == form["name"],
            "has correct email": lambda r: r.json()["form"]["email"] == form["email"],
            "has correct toppings": lambda r: r.json()["form"]["topping"] == form["topping"],
        },
    )
