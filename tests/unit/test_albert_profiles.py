"""The suite's PROFILE table (VUS sets the peak, DURATION the length) and its per-run token."""

from __future__ import annotations

import pytest

from loadcell.config.durations import parse_duration
from tests.performance.albert_suite.config import run_prefix
from tests.performance.albert_suite.profiles import profile_scenarios


def length(scenario: dict) -> float:
    if "stages" in scenario:
        return sum(parse_duration(s["duration"]) for s in scenario["stages"])
    return parse_duration(scenario["duration"])


@pytest.mark.parametrize("profile", ["quick", "load", "stress", "soak", "spike"])
def test_duration_sets_the_length_and_vus_the_peak(profile: str) -> None:
    (scenario,) = profile_scenarios(profile, "j", vus=3, duration="20s").values()
    assert length(scenario) == pytest.approx(20, abs=0.01)
    targets = [s["target"] for s in scenario.get("stages", [])] or [scenario["vus"]]
    assert max(targets) == 3


def test_a_spike_rises_above_its_calm_even_with_few_vus() -> None:
    (scenario,) = profile_scenarios("spike", "j", vus=3).values()
    targets = [s["target"] for s in scenario["stages"]]
    assert targets[0] < targets[1] == 3 and targets[3] < 3


def test_without_overrides_the_profiles_keep_their_lengths() -> None:
    assert length(profile_scenarios("soak", "j")["j"]) == 3600
    assert length(profile_scenarios("load", "j")["j"]) == 420


def test_every_run_gets_its_own_token_whatever_the_seed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two runs with one SEED (a replay beside a live run) must not delete each other's data."""
    monkeypatch.delenv("ALBERT_RUN_TAG", raising=False)
    tokens = {run_prefix() for _ in range(20)}
    assert len(tokens) == 20 and all(t.startswith("lcperf") and t.isalnum() for t in tokens)
    monkeypatch.setenv("ALBERT_RUN_TAG", "fixed1")
    assert run_prefix() == "lcperffixed1"
