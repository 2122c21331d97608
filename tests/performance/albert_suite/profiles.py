"""-e PROFILE=smoke|quick|load|stress|soak|spike: the executors and stages for each kind of test.

`quick` is a short constant load (VUS, DURATION) for CI and for trying a change.
"""

from __future__ import annotations

from typing import Any


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
        return {exec_name: {"executor": "ramping-vus", "startVUs": 0, "stages": stages, "exec": exec_name}}
    if profile == "stress":
        peak = peak or 100
        stages = [
            {"duration": "2m", "target": peak // 2},
            {"duration": "3m", "target": peak // 2},
            {"duration": "2m", "target": peak},
            {"duration": "3m", "target": peak},
            {"duration": "2m", "target": 0},
        ]
        return {exec_name: {"executor": "ramping-vus", "startVUs": 0, "stages": stages, "exec": exec_name}}
    if profile == "soak":
        return {
            exec_name: {"executor": "constant-vus", "vus": peak or 20, "duration": "1h", "exec": exec_name}
        }
    if profile == "spike":
        peak = peak or 100
        stages = [
            {"duration": "30s", "target": 5},
            {"duration": "10s", "target": peak},
            {"duration": "1m", "target": peak},
            {"duration": "10s", "target": 5},
            {"duration": "30s", "target": 5},
            {"duration": "10s", "target": 0},
        ]
        return {exec_name: {"executor": "ramping-vus", "startVUs": 0, "stages": stages, "exec": exec_name}}
    raise ValueError(f"PROFILE={profile!r} is not one of smoke, quick, load, stress, soak, spike")
