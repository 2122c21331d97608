"""k6's "Request Failed" log: one line per kind of failure, never a flood."""

from __future__ import annotations

import logging

import pytest

from loadcell.engine.context import RunContext


def test_failures_are_logged_once_per_kind_without_the_query_and_the_kinds_are_capped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ctx = RunContext()
    with caplog.at_level(logging.WARNING, logger="loadcell"):
        for i in range(100):  # one kind: the query differs on every request
            ctx.record_request_error("GET", f"http://127.0.0.1:9/search?q={i}", "dial: connection refused")
        for i in range(100):  # a hundred kinds
            ctx.record_request_error("GET", f"http://127.0.0.1:9/item/{i}", "dial: connection refused")
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0].endswith("once per kind): GET http://127.0.0.1:9/search: dial: connection refused")
    assert len(lines) == 21 and "no more are logged" in lines[-1]
