"""Layering script options under CLI flags, and k6's shortcut -> `default` scenario rules."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Any

from pydantic import ConfigDict, Field, ValidationError, model_validator

from loadcell.config.durations import parse_duration
from loadcell.config.options import (
    Bool,
    Duration,
    Int64,
    K6Model,
    ScenarioConfig,
    Stage,
    _explain,
    parse_scenario,
)
from loadcell.config.values import show
from loadcell.errors import FlagError, InvalidConfigError
from loadcell.http.tls import TLSSettings, parse_settings
from loadcell.metrics.sinks import is_valid_trend_stat

log = logging.getLogger("loadcell")

DEFAULT_TREND_STATS = ["avg", "min", "med", "max", "p(90)", "p(95)"]
_SHORTCUTS = ("duration", "iterations", "stages")


class TestOptions(K6Model):
    """Top-level options. Unknown keys are kept and warned about, as k6 tolerates them."""

    model_config = ConfigDict(extra="allow")
    vus: Int64 | None = Field(default=None, ge=0)
    duration: Duration | None = None
    iterations: Int64 | None = Field(default=None, ge=0)
    stages: list[Stage] | None = None
    scenarios: dict[str, Any] | None = None
    thresholds: dict[str, Any] = Field(default_factory=dict)
    summaryTrendStats: list[str] = Field(default_factory=lambda: list(DEFAULT_TREND_STATS))
    summaryTimeUnit: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    setupTimeout: Duration = 60.0
    teardownTimeout: Duration = 60.0
    insecureSkipTLSVerify: Bool = False
    # k6's TLS options, checked by loadcell.http.tls.parse_settings; tlsCABundle and noHTTP2 are loadcell's.
    # Typed as k6 decodes them, so that only strings reach the checks there.
    tlsVersion: str | dict[str, str] | None = None
    tlsCipherSuites: list[str] | None = None
    tlsAuth: list[dict[str, Any]] | None = None
    tlsCABundle: str | None = None
    noHTTP2: Bool = False
    noSetup: Bool = False
    noTeardown: Bool = False
    maxRedirects: Int64 = Field(default=10, ge=0)
    userAgent: str | None = None  # None: loadcell's own; "" sends no User-Agent
    rps: Int64 | None = Field(default=None, ge=0)  # requests per second for the whole test; 0 = no cap
    minIterationDuration: Duration = 0.0
    discardResponseBodies: Bool = False

    @model_validator(mode="after")
    def _positive_timeouts(self) -> TestOptions:
        for key in ("setupTimeout", "teardownTimeout"):
            if getattr(self, key) <= 0:
                raise ValueError(f"{key} must be positive")
        return self


# k6 options that change what a test does and that loadcell does not implement yet: a script that
# sets one would silently test something else, so it is refused, unless it is set to what k6 does
# by default (scripts ported from k6 often spell the defaults out). Unknown keys, such as k6 Cloud's
# `ext`, only get a warning.
UNSUPPORTED_K6_OPTIONS = frozenset(
    {
        "batch",
        "batchPerHost",
        "blacklistIPs",
        "blockHostnames",
        "dns",
        "hosts",
        "httpDebug",
        "localIPs",
        "noConnectionReuse",
        "noCookiesReset",
        "noVUConnectionReuse",
        "systemTags",
        "throw",
    }
)

_K6_DEFAULTS: dict[str, Any] = {
    "batch": 20,
    "batchPerHost": 6,
    "dns": {"ttl": "5m", "select": "random", "policy": "preferIPv4"},
}


def _changes_behaviour(key: str, value: Any) -> bool:
    """False for a k6 option left at k6's default (off, empty or the documented value)."""
    return value not in (None, False, "", [], {}) and value != _K6_DEFAULTS.get(key)


@dataclass
class Resolved:
    options: TestOptions
    scenarios: dict[str, ScenarioConfig]
    warnings: list[str] = field(default_factory=list)


def _conflicts(layer: dict[str, Any], where: str) -> None:
    pairs = [
        ("iterations", "stages"),
        ("iterations", "scenarios"),
        ("duration", "stages"),
        ("duration", "scenarios"),
        ("stages", "scenarios"),
    ]
    for a, b in pairs:
        if layer.get(a) not in (None, [], {}) and layer.get(b) not in (None, [], {}):
            raise InvalidConfigError(
                f"{where}: using `{a}` and `{b}` options simultaneously is not allowed; keep one of them"
            )


def resolve(script_options: dict[str, Any], cli: dict[str, Any]) -> Resolved:
    """Merge script options (low) and CLI/env overrides (high) and derive the scenarios."""
    if not isinstance(script_options, dict):
        raise InvalidConfigError(f"`options` must be a dict, got {type(script_options).__name__}")
    _conflicts(script_options, "script options")
    _conflicts(cli, "command-line options")
    merged = dict(script_options)
    if any(cli.get(k) is not None for k in _SHORTCUTS):
        # A higher layer that sets a shortcut replaces the lower layer's execution config (k6 rule).
        for key in (*_SHORTCUTS, "scenarios"):
            merged.pop(key, None)
    for key, value in cli.items():
        if value is None:
            continue
        if key == "tags":
            script_tags = merged.get("tags") or {}
            # Script tags that are not a mapping stay, so validation names them.
            merged["tags"] = {**script_tags, **value} if isinstance(script_tags, dict) else script_tags
        else:
            merged[key] = value
    try:
        options = TestOptions.model_validate(merged)
    except ValidationError as exc:
        raise _explain("options", exc) from None
    extra = options.model_extra or {}
    unsupported = sorted(k for k in UNSUPPORTED_K6_OPTIONS & extra.keys() if _changes_behaviour(k, extra[k]))
    if unsupported:
        raise InvalidConfigError(
            f"k6 option(s) {', '.join(map(repr, unsupported))} are not supported by loadcell yet; "
            "remove them from `options` (the test would run without them)"
        )
    warnings = [f"unknown option {k!r} is ignored" for k in extra if k not in UNSUPPORTED_K6_OPTIONS]
    for stat in options.summaryTrendStats:
        if not is_valid_trend_stat(stat):
            raise InvalidConfigError(
                f"summaryTrendStats: {show(stat)} is not a valid stat; use avg, min, med, max, count or p(N)"
            )
    if options.summaryTimeUnit not in (None, "", "s", "ms", "us"):
        raise InvalidConfigError(
            f"summaryTimeUnit {show(options.summaryTimeUnit)} is not valid; use s, ms or us"
        )
    tls_settings(options)  # a wrong TLS option stops the run here, before any load
    scenarios = derive_scenarios(options, warnings)
    return Resolved(options, scenarios, warnings)


def tls_settings(options: TestOptions) -> TLSSettings:
    """The test's TLS settings. HTTP/2 is offered unless `noHTTP2` (or `--no-http2`) is set, or Go's
    own switch GODEBUG=http2client=0 is, which is how a k6 user turns it off."""
    http2 = not options.noHTTP2 and "http2client=0" not in os.environ.get("GODEBUG", "")
    ca_bundle = options.tlsCABundle or os.environ.get("LOADCELL_TLS_CA_BUNDLE") or None
    return parse_settings(options.model_dump(), ca_bundle, http2)


def _exact(seconds: float) -> str:
    """A parsed duration as a string that parses back to it (Go's nanosecond resolution)."""
    return f"{seconds * 1e9:.0f}ns"


def derive_scenarios(options: TestOptions, warnings: list[str]) -> dict[str, ScenarioConfig]:
    vus = options.vus
    if options.iterations is not None:
        raw: dict[str, Any] = {"executor": "shared-iterations", "iterations": options.iterations}
        raw["vus"] = vus if vus is not None else 1
        if options.duration is not None:
            raw["maxDuration"] = _exact(options.duration)
        return {"default": parse_scenario("default", raw)}
    if options.duration is not None:
        if options.duration <= 0:
            raise InvalidConfigError(
                "`duration` option should be more than 0, for infinite duration use the externally-controlled"
                " executor (not supported by loadcell)"
            )
        raw = {
            "executor": "constant-vus",
            "vus": vus if vus is not None else 1,
            "duration": _exact(options.duration),
        }
        return {"default": parse_scenario("default", raw)}
    if options.stages:
        raw = {
            "executor": "ramping-vus",
            "startVUs": vus if vus is not None else 1,
            "stages": [{"duration": _exact(s.duration), "target": s.target} for s in options.stages],
        }
        return {"default": parse_scenario("default", raw)}
    if options.scenarios:
        return {name: parse_scenario(name, raw) for name, raw in options.scenarios.items()}
    if vus not in (None, 1):
        warnings.append(
            f"`vus={vus}` option will be ignored, it only works in conjunction with `iterations`, `duration`,"
            " or `stages`"
        )
    return {"default": parse_scenario("default", {"executor": "per-vu-iterations"})}


def parse_stage_flag(text: str) -> dict[str, Any]:
    """`-s 30s:10` -> {'duration': '30s', 'target': 10}."""
    duration, sep, target = text.partition(":")
    try:
        parse_duration(duration)
        return {"duration": duration, "target": int(target) if sep else 0}
    except ValueError as exc:
        raise FlagError(f"--stage {text!r}: {exc}; use DURATION:TARGET, e.g. 30s:10") from None
