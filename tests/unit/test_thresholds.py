"""k6's threshold grammar: parsing, validation messages and evaluation semantics."""

from __future__ import annotations

import re

import numpy as np
import pytest

from loadcell.errors import InvalidConfigError
from loadcell.metrics.registry import MetricType
from loadcell.metrics.sinks import CounterSink, RateSink, TrendSink
from loadcell.metrics.thresholds import evaluate, parse_metric_key, parse_thresholds

TYPES = {
    "http_req_duration": MetricType.TREND,
    "checks": MetricType.RATE,
    "http_reqs": MetricType.COUNTER,
    "vus": MetricType.GAUGE,
}


def test_submetric_key_with_group_colons() -> None:
    assert parse_metric_key("http_req_duration{group:::CREATE}") == (
        "http_req_duration",
        {"group": "::CREATE"},
    )
    assert parse_metric_key("http_reqs{scenario:a, status:'200'}") == (
        "http_reqs",
        {"scenario": "a", "status": "200"},
    )


@pytest.mark.parametrize(
    ("expr", "agg", "target"),
    [
        ("p(95)<250", "p(95)", 250.0),
        ("avg <= 1.5", "avg", 1.5),
        ("med===3", "med", 3.0),
        ("p(99.9) < 10", "p(99.9)", 10.0),
    ],
)
def test_trend_expressions_parse(expr: str, agg: str, target: float) -> None:
    (group,) = parse_thresholds({"http_req_duration": [expr]}, TYPES)
    th = group.thresholds[0]
    assert (th.aggregation, th.target) == (agg, target)


def test_wrong_aggregation_names_the_metric_type_and_supported_methods() -> None:
    with pytest.raises(InvalidConfigError) as err:
        parse_thresholds({"http_req_duration": ["count<10"]}, TYPES)
    msg = str(err.value)
    assert 'invalid threshold "count<10" applied on metric http_req_duration' in msg
    assert "unsupported aggregation method count on metric of type trend" in msg
    assert "avg, min, max, med, p" in msg


@pytest.mark.parametrize("bad", ["p(95)", "p(95)<abc", "rate>>1"])
def test_malformed_expressions_are_config_errors(bad: str) -> None:
    with pytest.raises(InvalidConfigError):
        parse_thresholds({"http_req_duration": [bad]}, TYPES)


def test_a_wrong_operator_is_named_as_k6_names_it_not_as_a_wrong_method() -> None:
    with pytest.raises(InvalidConfigError) as err:
        parse_thresholds({"http_req_duration": ["p(95) => 100"]}, TYPES)
    msg = str(err.value)
    assert 'failed parsing threshold expression\'s "p(95) => 100" left hand side' in msg
    assert "unsupported aggregation" not in msg and "'p(95)<250'" in msg


def test_unknown_metric_is_a_config_error_naming_it() -> None:
    with pytest.raises(InvalidConfigError, match="'nope' does not exist"):
        parse_thresholds({"nope": ["count>0"]}, TYPES)


def test_long_form_with_abort_on_fail() -> None:
    (group,) = parse_thresholds(
        {"http_req_duration": [{"threshold": "p(99)<10", "abortOnFail": True, "delayAbortEval": "10s"}]},
        TYPES,
    )
    th = group.thresholds[0]
    assert th.abort_on_fail and th.delay_abort_eval == 10.0


def test_evaluation_semantics() -> None:
    groups = parse_thresholds(
        {"http_reqs": ["count>=3", "rate<100"], "checks": ["rate>=1.0"], "http_req_duration": ["p(95)<250"]},
        TYPES,
    )
    reqs = CounterSink()
    reqs.total = 3
    assert evaluate(groups[0], reqs, elapsed=1.0, final=True) == []  # 3 requests at 3/s
    assert evaluate(groups[0], reqs, elapsed=0.01, final=True) == [groups[0].thresholds[1]]  # 300/s
    empty_rate = RateSink()
    assert evaluate(groups[1], empty_rate, elapsed=1.0, final=True) == []  # k6 skips empty rates
    rate = RateSink()
    rate.add_many(np.array([1.0, 1.0, 0.0]), np.zeros(3))
    assert len(evaluate(groups[1], rate, elapsed=1.0, final=True)) == 1
    slow = TrendSink()
    slow.add_many(np.full(100, 300.0), np.zeros(100))
    failed = evaluate(groups[2], slow, elapsed=1.0, final=True)
    assert failed and not failed[0].ok and failed[0].last_value == pytest.approx(300.0)


@pytest.mark.parametrize(
    ("expr", "reason"),
    [
        (
            "p(N)<250",
            "left hand side on metric http_req_duration; reason: malformed percentile value; reason:",
        ),
        ("p()<250", "malformed percentile value"),
        ("p(101)<250", "percentile must be between 0 and 100"),
        ("p(nan)<250", "percentile must be between 0 and 100"),
        ("avg<0x10", "right hand side on metric http_req_duration; reason: '0x10' is not a number"),
        ("avg<1_000", "'1_000' is not a number"),
        ("avg<1e400", "out of range"),
        ("", "malformed threshold expression"),
    ],
)
def test_k6_refuses_these_so_do_we(expr: str, reason: str) -> None:
    """p(N) passed validation and crashed the run after the whole load; k6 refuses it up front."""
    with pytest.raises(InvalidConfigError) as err:
        parse_thresholds({"http_req_duration": [expr]}, TYPES)
    assert reason in str(err.value)
    assert f'"{expr}"' in str(err.value)


@pytest.mark.parametrize(
    ("expr", "agg"), [("p(1e1)<5", "p(10)"), ("p( 99.9 )<5", "p(99.9)"), ("p(.5)<5", "p(0.5)")]
)
def test_percentiles_in_go_number_forms_become_stats_the_sink_computes(expr: str, agg: str) -> None:
    [group] = parse_thresholds({"http_req_duration": [expr]}, TYPES)
    assert group.thresholds[0].aggregation == agg
    sink = TrendSink()
    sink.add_many(np.array([1.0, 2.0, 3.0]), np.zeros(3))
    assert sink.stat(agg) > 0


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ({"threshold": "p(95)<250", "abortOnFail": "false"}, "invalid abortOnFail on 'http_req_duration'"),
        ({"threshold": "p(95)<250", "delayAbortEval": [1]}, "invalid delayAbortEval on 'http_req_duration'"),
        ({"threshold": "p(95)<250", "delayAbortEval": 10**4300}, "invalid delayAbortEval"),
        ({"threshold": 250}, "threshold (a string)"),
        (5, "invalid threshold 5 on 'http_req_duration'"),
        (None, "invalid threshold None on 'http_req_duration'"),
    ],
)
def test_wrongly_typed_entries_name_the_metric(entry: object, reason: str) -> None:
    with pytest.raises(InvalidConfigError, match=re.escape(reason)):
        parse_thresholds({"http_req_duration": [entry]}, TYPES)


def test_null_thresholds_and_null_abort_settings_are_unset() -> None:
    entry = {"threshold": "p(95)<250", "abortOnFail": None, "delayAbortEval": None}
    [group] = parse_thresholds({"checks": None, "http_req_duration": [entry]}, TYPES)
    assert group.key == "http_req_duration"
    assert group.thresholds[0].abort_on_fail is False and group.thresholds[0].delay_abort_eval == 0.0
