"""-e PROFILE=smoke|quick|load|stress|soak|spike: the executors and stages for each kind of test.

`quick` is a short constant load (VUS, DURATION) for CI and for trying a change.
"""

from __future__ import annotations

from typing import Any

from loadcell.config.durations import parse_duration


def _fit(stages: list[dict[str, Any]], duration: str | None) -> list[dict[str, Any]]:
    """DURATION stretches or shrinks every stage in proportion, so the ramp keeps its shape."""
    if not duration:
        return stages
    factor = parse_duration(duration) / sum(parse_duration(s["duration"]) for s in stages)
    return [{**s, "duration": f"{round(parse_duration(s['duration']) * factor * 1000)}ms"} for s in stages]


def profile_scenarios(
    profile: str, exec_name: str = "default", vus: int | None = None, duration: str | None = None
) -> dict[str, Any]:
    """k6 scenario options for `exec_name` under a profile; VUS overrides the peak, DURATION the length."""
    peak = vus
    if profile == "smoke":
        return {
            exec_name: {"executor": "per-vu-iterations", "vus": vus or 1, "iterations": 1, "exec": exec_name}
        }
    if profile == "quick":
        return {
            exec_name: {
                "executor": "constant-vus",
                "vus": vus or 5,
                "duration": duration or "10s",
                "exec": exec_name,
            }
        }
    if profile == "load":
        peak = peak or 20
        stages = [
            {"duration": "1m", "target": peak},
            {"duration": "5m", "target": peak},
            {"duration": "1m", "target": 0},
        ]
        return _ramping(exec_name, _fit(stages, duration))
    if profile == "stress":
        peak = peak or 100
        stages = [
            {"duration": "2m", "target": peak // 2},
            {"duration": "3m", "target": peak // 2},
            {"duration": "2m", "target": peak},
            {"duration": "3m", "target": peak},
            {"duration": "2m", "target": 0},
        ]
        return _ramping(exec_name, _fit(stages, duration))
    if profile == "soak":
        return {
            exec_name: {
                "executor": "constant-vus",
                "vus": peak or 20,
                "duration": duration or "1h",
                "exec": exec_name,
            }
        }
    if profile == "spike":
        peak = peak or 100
        base = max(1, min(5, peak // 5))  # the calm before and after stays below the spike
        stages = [
            {"duration": "30s", "target": base},
            {"duration": "10s", "target": peak},
            {"duration": "1m", "target": peak},
            {"duration": "10s", "target": base},
            {"duration": "30s", "target": base},
            {"duration": "10s", "target": 0},
        ]
        return _ramping(exec_name, _fit(stages, duration))
    raise ValueError(f"PROFILE={profile!r} is not one of smoke, quick, load, stress, soak, spike")


def _ramping(exec_name: str, stages: list[dict[str, Any]]) -> dict[str, Any]:
    return {exec_name: {"executor": "ramping-vus", "startVUs": 0, "stages": stages, "exec": exec_name}}
