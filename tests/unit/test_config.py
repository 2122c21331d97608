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
