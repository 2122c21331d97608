"""k6's params objects, cookie jar rules, http.url names and logrus quoting, without a network."""

from __future__ import annotations

import pytest

from loadcell.cli.logs import go_quote, logfmt_value
from loadcell.http.cookies import CookieJar, ReplacingJar, request_cookie_header
from loadcell.http.html import parse_html
from loadcell.http.params import is_k6_params, k6_params_kwargs
from loadcell.http.tagged import url
from loadcell.http.url import parse_target


def test_a_params_object_is_told_from_a_query_string_by_its_keys() -> None:
    assert is_k6_params({"headers": {"A": "1"}, "timeout": 500})
    assert not is_k6_params({"q": "1"})
    assert not is_k6_params({"tags": "x", "page": "2"})  # one key outside k6's: a query string
    assert not is_k6_params([("headers", "x")]) and not is_k6_params({})


def test_params_object_keys_become_keyword_arguments_in_python_units() -> None:
    kw = k6_params_kwargs(
        {"timeout": 1500, "responseType": "none", "responseCallback": None, "redirects": 0}, {}
    )
    assert kw == {"timeout": 1.5, "response_type": "none", "expected_statuses": None, "redirects": 0}
    assert k6_params_kwargs({"timeout": "2m"}, {}) == {"timeout": 120.0}


@pytest.mark.parametrize(
    ("params", "given", "message"),
    [
        ({"auth": "digest"}, {}, "params.auth is not supported"),
        ({"headerz": {}}, {}, "unknown k6 params key 'headerz'"),
        (
            {"tags": {"a": "b"}},
            {"tags": {"c": "d"}},
            "'tags' is set both in the k6 params object and as tags=",
        ),
        ({"timeout": True}, {}, "use milliseconds"),
    ],
)
def test_params_objects_refuse_what_would_change_the_request_silently(
    params: dict, given: dict, message: str
) -> None:
    with pytest.raises((ValueError, TypeError), match=message.replace("(", r"\(")):
        k6_params_kwargs(params, given)


def test_jar_paths_domains_secure_and_expiry() -> None:
    jar = CookieJar()
    site = parse_target("http://shop.example.com/cart/items")
    jar.store(
        site,
        [
            b"dir=1",  # default path: /cart
            b"root=2; Path=/",
            b"wide=3; Domain=example.com; Path=/",
            b"safe=4; Secure; Path=/",
            b"gone=5; Max-Age=0",
        ],
    )
    jar.set("http://shop.example.com/", "other", "6", {"domain": "other.org"})  # dropped, as Go's jar
    assert jar.header_for(site) == "dir=1; root=2; wide=3"  # longest path first
    assert jar.cookies_for_url("http://www.example.com/") == {"wide": ["3"]}
    assert jar.cookies_for_url("https://shop.example.com/x") == {"root": ["2"], "wide": ["3"], "safe": ["4"]}
    assert "dir" not in jar.cookies_for_url("http://shop.example.com/cartoon")
    jar.delete("http://shop.example.com/cart/items", "dir")  # stored under /cart: removed
    jar.delete("http://shop.example.com/cart/items", "root")  # stored under /: kept, as in k6
    assert jar.cookies_for_url("http://shop.example.com/cart/") == {"root": ["2"], "wide": ["3"]}
    jar.clear()
    assert jar.cookies == {}


def test_request_cookies_go_first_and_replace_the_jar_ones_they_name() -> None:
    jar = CookieJar()
    site = parse_target("http://h/")
    jar.set("http://h/", "a", "jar")
    jar.set("http://h/", "b", "jar")
    field, replacing = request_cookie_header({"a": {"value": "mine", "replace": True}, "c": "3"})
    assert field == "a=mine; c=3" and replacing == frozenset({"a"})
    assert ReplacingJar(jar, replacing).header_for(site) == "b=jar"


def test_url_names_its_placeholders_as_k6_does() -> None:
    tagged = url("{}/posts/{id}?page={}", "http://h", 2, id=7)
    assert tagged == "http://h/posts/7?page=2"
    assert tagged.name == "${}/posts/${}?page=${}"


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("plain", "plain"),
        ("a-b.c_d/e@f^g+h", "a-b.c_d/e@f^g+h"),
        ("two words", '"two words"'),
        ('say "hi"\n\tnow', '"say \\"hi\\"\\n\\tnow"'),
        ("bell\x07 nul\x00 é", '"bell\\a nul\\x00 é"'),
        ("", ""),
    ],
)
def test_log_values_are_quoted_as_logrus_quotes_them(text: str, written: str) -> None:
    assert logfmt_value(text) == written
    assert go_quote("x") == '"x"'


def test_selection_reads_a_document_as_goquery_does() -> None:
    doc = parse_html("<ul><li a=1>x</li><li a=2>y</li></ul><p>z</p>")
    items = doc.find("li")
    assert items.size() == len(items) == 2 and items.text() == "xy"
    assert items.attr("a") == "1" and items.last().attr("a") == "2" and items.eq(5).size() == 0
    assert items.first().parent().children().size() == 2
    assert items.filter("[a='2']").text() == "y" and items.is_("li") and not items.is_("p")
    assert items.map(lambda i, s: f"{i}{s.text()}") == ["0x", "1y"]
    assert doc.find("table").attr("a", "none") == "none" and doc.find("table").html() is None
