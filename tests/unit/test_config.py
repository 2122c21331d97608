"""Options: durations, k6's shortcut -> default scenario rules, conflicts and validation messages."""

from __future__ import annotations

import pytest

from loadcell.config.durations import format_duration, parse_duration
from loadcell.config.resolve import resolve
from loadcell.errors import InvalidConfigError


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1m30s", 90.0), ("500ms", 0.5), ("2h", 7200.0), ("1.5s", 1.5), (250, 0.25), ("10us", 1e-5)],
)
def test_parse_duration(text: str | int, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


def test_bad_duration_says_how_to_write_one() -> None:
    with pytest.raises(ValueError, match=r"e\.g\. '30s'"):
        parse_duration("30 seconds")


@pytest.mark.parametrize(("seconds", "text"), [(33, "33s"), (600, "10m0s"), (603, "10m3s"), (3661, "1h1m1s")])
def test_format_duration_like_go(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


def test_shortcuts_map_to_default_scenario() -> None:
    assert resolve({"iterations": 10, "vus": 2}, {}).scenarios["default"].executor == "shared-iterations"
    assert resolve({"duration": "5s", "vus": 3}, {}).scenarios["default"].executor == "constant-vus"
    ramp = resolve({"stages": [{"duration": "1s", "target": 5}]}, {}).scenarios["default"]
    assert ramp.executor == "ramping-vus" and ramp.startVUs == 1
    assert resolve({}, {}).scenarios["default"].executor == "per-vu-iterations"


def test_cli_shortcut_replaces_script_scenarios() -> None:
    script = {"scenarios": {"a": {"executor": "constant-vus", "duration": "10s"}}}
    resolved = resolve(script, {"iterations": 4})
    assert list(resolved.scenarios) == ["default"]
    assert resolved.scenarios["default"].iterations == 4


@pytest.mark.parametrize(
    "options",
    [
        {"iterations": 1, "stages": [{"duration": "1s", "target": 1}]},
        {"duration": "1s", "scenarios": {"a": {"executor": "constant-vus", "duration": "1s"}}},
    ],
)
def test_conflicting_shortcuts_are_errors(options: dict) -> None:
    with pytest.raises(InvalidConfigError, match="simultaneously is not allowed"):
        resolve(options, {})


def test_unknown_executor_names_key_and_value() -> None:
    with pytest.raises(InvalidConfigError) as err:
        resolve({"scenarios": {"crud": {"executor": "constant-vuz", "vus": 1}}}, {})
    assert "scenario 'crud'" in str(err.value) and "'constant-vuz'" in str(err.value)
    assert "constant-vus" in str(err.value)


def test_unknown_scenario_key_is_rejected_with_its_value() -> None:
    with pytest.raises(InvalidConfigError) as err:
        resolve({"scenarios": {"s": {"executor": "constant-vus", "duration": "1s", "vuz": 3}}}, {})
    assert "'vuz'" in str(err.value) and "3" in str(err.value)


def test_k6_validation_rules() -> None:
    with pytest.raises(InvalidConfigError, match="can't be less than"):
        resolve({"scenarios": {"s": {"executor": "shared-iterations", "vus": 5, "iterations": 2}}}, {})
    with pytest.raises(InvalidConfigError, match="maxVUs can't be less than preAllocatedVUs"):
        resolve(
            {
                "scenarios": {
                    "s": {
                        "executor": "constant-arrival-rate",
                        "rate": 1,
                        "duration": "1s",
                        "preAllocatedVUs": 3,
                        "maxVUs": 1,
                    }
                }
            },
            {},
        )
    with pytest.raises(InvalidConfigError, match="only numbers, latin letters"):
        resolve({"scenarios": {"bad name": {"executor": "constant-vus", "duration": "1s"}}}, {})
    cfg = resolve(
        {
            "scenarios": {
                "s": {"executor": "constant-arrival-rate", "rate": 1, "duration": "1s", "preAllocatedVUs": 3}
            }
        },
        {},
    ).scenarios["s"]
    assert cfg.maxVUs == 3 and cfg.timeUnit == 1.0 and cfg.gracefulStop == 30.0


def test_k6_options_spelled_at_their_defaults_are_accepted_without_a_warning() -> None:
    defaults = {"throw": False, "noConnectionReuse": False, "batch": 20, "batchPerHost": 6, "hosts": {}}
    resolved = resolve({"iterations": 1, **defaults}, {})
    assert resolved.warnings == []


@pytest.mark.parametrize(
    ("key", "value"), [("throw", True), ("batchPerHost", 2), ("hosts", {"a.test": "127.0.0.1"})]
)
def test_k6_options_that_would_change_the_test_are_refused(key: str, value: object) -> None:
    with pytest.raises(InvalidConfigError, match=f"'{key}'.*not supported"):
        resolve({"iterations": 1, key: value}, {})


def _scenario(**fields: object) -> dict:
    return {"scenarios": {"s": {"executor": "constant-vus", "duration": "2s", **fields}}}


def _arrivals(**fields: object) -> dict:
    base = {"executor": "constant-arrival-rate", "rate": 1, "duration": "2s", "preAllocatedVUs": 1}
    return {"scenarios": {"s": {**base, **fields}}}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"duration": "9" * 400 + "s"}, "option 'duration' = '9999"),
        ({"duration": "99999999999h"}, "out of range"),
        (_scenario(gracefulStop={}), "option 'gracefulStop' = {}: invalid duration"),
        (_scenario(gracefulStop=[1]), "option 'gracefulStop' = [1]"),
        ({"scenarios": {"s": {"executor": {}, "duration": "2s"}}}, "option 'executor' = {} must be a string"),
        ({"scenarios": {"s": {"duration": "2s"}}}, "scenario 's' doesn't have a specified executor type"),
        ({"vus": 10**4300, "duration": "2s"}, "option 'vus' = <an int of more than 4300 digits>"),
        (_scenario(startTime=10**4300), "option 'startTime'"),
        (_arrivals(timeUnit=float("nan")), "option 'timeUnit' = nan"),
        ({"vus": False, "duration": "2s"}, "option 'vus' = False: expected an integer, got the boolean"),
        ({"vus": 1.5, "duration": "2s"}, "option 'vus' = 1.5: expected an integer"),
        ({"vus": 2**63, "duration": "2s"}, "must fit in 64 bits"),
        ({"setupTimeout": -1}, "setupTimeout must be positive"),
        ({"teardownTimeout": "0s"}, "teardownTimeout must be positive"),
        ({"noSetup": "false"}, "option 'noSetup' = 'false': expected true or false"),
        ({"insecureSkipTLSVerify": 1}, "option 'insecureSkipTLSVerify'"),
        ({"scenarios": {"a\n": {"executor": "constant-vus", "duration": "2s"}}}, "scenario 'a\\n'"),
        (
            {"scenarios": {7: {"executor": "constant-vus", "duration": "2s"}}},
            "option 'scenarios.7.[key]' = 7",
        ),
        (
            {"stages": [{"duration": "10s", "target": 10**12}]},
            "target for stage 1 exceeds max limit of 100000000",
        ),
        (_scenario(vus=10**9), "the number of VUs exceeds max limit of 100000000"),
        (
            {"stages": [{"duration": "2s", "target": 1}, {"duration": "-1s", "target": 2}]},
            "stage 2 can't be negative",
        ),
        (_arrivals(preAllocatedVUs=10**12), "maxVUs exceeds max limit of 100000000"),
        ({"summaryTrendStats": ["p(N)"]}, "summaryTrendStats: 'p(N)' is not a valid stat"),
    ],
)
def test_hostile_values_are_refused_naming_the_key(options: dict, message: str) -> None:
    """Each of these crashed (a traceback), hung or was accepted before; now each is a 104."""
    with pytest.raises(InvalidConfigError) as err:
        resolve(options, {})
    assert message in str(err.value)
    assert err.value.exit_code == 104


def test_a_huge_stage_target_is_refused_before_any_planning() -> None:
    """k6's words; the ramp's per-VU steps (1.2 GB for 10**12 VUs) are never computed."""
    stages = [{"duration": "10s", "target": 10**12}, {"duration": "10s", "target": 5}]
    with pytest.raises(InvalidConfigError) as err:
        resolve({"scenarios": {"r": {"executor": "ramping-vus", "stages": stages}}}, {})
    assert "target for stage 1 exceeds max limit of 100000000" in str(err.value)
    assert "target for stage 2" not in str(err.value)


def test_null_means_unset_as_in_k6() -> None:
    """k6 reads a JSON null as 'not set': the default applies (k6 1.1.0 accepts gracefulStop: null)."""
    cfg = resolve(_scenario(gracefulStop=None, vus=None), {"tags": {"a": "b"}}).scenarios["s"]
    assert cfg.gracefulStop == 30.0 and cfg.vus == 1
    assert resolve({"setupTimeout": None, "iterations": 1}, {}).options.setupTimeout == 60.0


def test_k6_number_forms_are_accepted() -> None:
    """As k6's null.Int: a numeric string and a whole float are integers."""
    assert resolve({"vus": "2", "duration": "2s"}, {}).scenarios["default"].vus == 2
    assert resolve({"vus": 2.0, "duration": "2s"}, {}).scenarios["default"].vus == 2


def test_derived_durations_keep_their_exact_value() -> None:
    """A shortcut's duration reaches the default scenario unchanged, however small (1e-05 s once failed)."""
    resolved = resolve({"iterations": 1, "duration": 1500.5}, {})
    assert resolved.scenarios["default"].maxDuration == pytest.approx(1.5005)


def test_cli_tags_over_script_tags_that_are_not_a_mapping() -> None:
    with pytest.raises(InvalidConfigError, match="option 'tags'"):
        resolve({"tags": ["a"], "iterations": 1}, {"tags": {"k": "v"}})
