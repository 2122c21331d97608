"""`--fail-on` rules: what they accept, how they read, and the error for what they do not."""

from __future__ import annotations

import pytest

from loadcell.errors import InvalidConfigError
from loadcell.report.compare import parse_rule


def test_relative_and_absolute_rules() -> None:
    rule = parse_rule("http_req_duration p(95) > +10%")
    assert (rule.key, rule.stat, rule.op, rule.limit, rule.relative) == (
        ("http_req_duration", "", ""),
        "p(95)",
        ">",
        10.0,
        True,
    )
    rule = parse_rule(" http_req_duration{name:create} avg>=0.25s ")
    assert (rule.key, rule.stat, rule.op, rule.limit, rule.relative) == (
        ("http_req_duration", "name", "create"),
        "avg",
        ">=",
        250.0,
        False,
    )
    rule = parse_rule("http_req_duration{group:::api} med < -5%")
    assert rule.key == ("http_req_duration", "group", "::api") and rule.limit == -5.0
    assert parse_rule("http_req_failed rate > +0.01").limit == 0.01


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
