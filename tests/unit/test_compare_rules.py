"""`--fail-on` rules: what they accept, how they read, and the error for what they do not."""

from __future__ import annotations

import pytest

from loadcell.errors import InvalidConfigError
from loadcell.report.compare import parse_rule


@pytest.mark.parametrize(
    ("text", "key", "stat", "op", "limit", "relative"),
    [
        ("http_req_duration p(95) > +10%", ("http_req_duration", "", ""), "p(95)", ">", 10.0, True),
        (
            " http_req_duration{name:create} avg>=0.25s ",
            ("http_req_duration", "name", "create"),
            "avg",
            ">=",
            250.0,
            False,
        ),
        (
            "http_req_duration{group:::api} med < -5%",
            ("http_req_duration", "group", "::api"),
            "med",
            "<",
            -5.0,
            True,
        ),
        ("http_req_duration p(99) <= 2000us", ("http_req_duration", "", ""), "p(99)", "<=", 2.0, False),
        ("http_req_failed rate > +0.01", ("http_req_failed", "", ""), "rate", ">", 0.01, False),
    ],
)
def test_rules_read_as_written(
    text: str, key: tuple[str, str, str], stat: str, op: str, limit: float, relative: bool
) -> None:
    rule = parse_rule(text)
    assert (rule.key, rule.stat, rule.op, rule.relative) == (key, stat, op, relative)
    assert rule.limit == pytest.approx(limit)


@pytest.mark.parametrize(
    "text",
    [
        "http_req_duration p95 > 10%",
        "http_req_duration p(95) 10%",
        "p(95) > 10%",
        "http_req_duration p(95) > x%",
    ],
)
def test_malformed_rules_name_the_syntax(text: str) -> None:
    with pytest.raises(InvalidConfigError, match=r"expected METRIC\[\{tag:value\}\] STAT OP CHANGE"):
        parse_rule(text)
