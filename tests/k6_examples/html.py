"""res.html() with CSS selectors, ported from html.js beside it (the k6 script)."""

from loadcell import check, env

BASE = env["BASE"]


async def default(vu):
    res = await vu.http.get(f"{BASE}/bin/html")
    doc = res.html()
    check(
        doc,
        {
            "title": lambda d: d.find("title").text() == "loadcell target",
            "three items": lambda d: d.find("li.item").size() == 3,
            "second item": lambda d: d.find("li.item").eq(1).text() == "two",
            "last id": lambda d: d.find("li.item").last().attr("data-id") == "3",
            "first id": lambda d: d.find("li").first().attr("data-id") == "1",
            "missing attr": lambda d: d.find("li").first().attr("nope") is None,
            "special": lambda d: d.find("ul#items > li.special").text() == "three",
            "link": lambda d: d.find("a").attr("href") == "/bin/get?page=2",
            "input val": lambda d: d.find("input[name=user]").val() == "admin",
            "textarea val": lambda d: d.find("textarea").val() == "hi",
            "select val": lambda d: d.find("select").val() == "m",
            "children": lambda d: d.find("ul").children().size() == 3,
            "parent": lambda d: d.find("li.special").parent().attr("id") == "items",
            "inner html": lambda d: d.find("h1").html() == "Items",
            "all text": lambda d: d.find("li.item").text() == "onetwothree",
            "nothing found": lambda d: d.find("table").size() == 0,
        },
    )
    ids = []
    doc.find("li.item").each(lambda i, el: ids.append(f"{i}:{el.attr('data-id')}"))
    check(ids, {"each": lambda v: ",".join(v) == "0:1,1:2,2:3"})
    check(res.html("h1"), {"selector argument": lambda s: s.text() == "Items"})
