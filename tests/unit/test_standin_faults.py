"""Fault-injection building blocks of the Albert stand-in: durations, latency grammar, token bucket."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from pydantic import ValidationError

from loadcell.standin.albert.config import StandinConfig
from loadcell.standin.albert.faults import Latency, TokenBucket, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("20ms", 0.02),
        ("1.5s", 1.5),
        ("2", 2.0),
        ("500us", 0.0005),
        ("1m", 60.0),
        (" 3 ms ", 0.003),
        (".5s", 0.5),
    ],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "fast", "-1s", "10 parsecs", "1h"])
def test_parse_duration_rejects_garbage(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_latency_grammar() -> None:
    assert Latency.parse("20ms") == Latency("fixed", 0.02)
    assert Latency.parse("5ms..50ms") == Latency("uniform", 0.005, 0.05)
    assert Latency.parse("20ms±5ms") == Latency("normal", 0.02, 0.005)
    assert Latency.parse("20ms+-5ms") == Latency("normal", 0.02, 0.005)
    with pytest.raises(ValueError):
        Latency.parse("50ms..5ms")
    with pytest.raises(ValueError):
        Latency.parse("soon")


def test_latency_samples_stay_in_their_distribution() -> None:
    rng = random.Random(1)
    uniform = [Latency("uniform", 0.005, 0.05).sample(rng) for _ in range(2000)]
    assert min(uniform) >= 0.005 and max(uniform) <= 0.05
    normal = [Latency("normal", 0.02, 0.005).sample(rng) for _ in range(5000)]
    assert min(normal) >= 0.0
    assert sum(normal) / len(normal) == pytest.approx(0.02, abs=0.001)
    assert Latency("fixed", 0.02).sample(rng) == 0.02


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_allows_a_burst_then_refills_at_the_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(5, clock=clock)
    assert [bucket.try_acquire() for _ in range(5)] == [0.0] * 5
    wait = bucket.try_acquire()
    assert wait == pytest.approx(0.2)  # one token per 1/5 s
    clock.now += 0.2
    assert bucket.try_acquire() == 0.0
    assert bucket.try_acquire() > 0
    clock.now += 10  # an idle bucket refills only up to its burst
    assert [bucket.try_acquire() for _ in range(6)].count(0.0) == 5


def test_token_bucket_below_one_rps_still_allows_one_request() -> None:
    clock = FakeClock()
    bucket = TokenBucket(0.5, clock=clock)
    assert bucket.try_acquire() == 0.0
    assert bucket.try_acquire() == pytest.approx(2.0)
    with pytest.raises(ValueError):
        TokenBucket(0)


def test_config_parses_cli_strings() -> None:
    config = StandinConfig(latency="5ms..50ms", index_lag="2s", error_rate=0.01, throttle_rps=50, memory=True)
    assert config.latency == Latency("uniform", 0.005, 0.05)
    assert config.index_lag == 2.0
    assert config.database is None
    assert StandinConfig(latency="0").latency is None
    assert StandinConfig(db_path=Path("x.sqlite3")).database == "x.sqlite3"
    for bad in (
        {"error_rate": 1.5},
        {"throttle_rps": 0},
        {"port": 70000},
        {"latency": "slow"},
        {"token_ttl": 0},
    ):
        with pytest.raises(ValidationError):
            StandinConfig(**bad)
