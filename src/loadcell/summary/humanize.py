"""k6's number, duration and byte formatting (internal/js/summary.js), for identical summaries."""

from __future__ import annotations

import math

_UNIT_COEF = {"s": ("s", 0.001), "ms": ("ms", 1.0), "us": ("µs", 1000.0)}


def _js_number(value: float) -> str:
    """JavaScript's Number#toString for the values the summary prints."""
    if value == int(value) and abs(value) < 1e21:
        return str(int(value))
    text = repr(float(value))
    return text


def to_fixed_no_trailing_zeros(value: float, precision: int) -> str:
    return _js_number(float(f"{value:.{precision}f}"))


def to_fixed_no_trailing_zeros_trunc(value: float, precision: int) -> str:
    mult = 10**precision
    return to_fixed_no_trailing_zeros(math.trunc(mult * value) / mult, precision)


def humanize_generic_duration(ms: float) -> str:
    if ms == 0:
        return "0s"
    if ms < 0.001:
        return f"{math.trunc(ms * 1_000_000)}ns"
    if ms < 1:
        return to_fixed_no_trailing_zeros_trunc(ms * 1000, 2) + "µs"
    if ms < 1000:
        return to_fixed_no_trailing_zeros_trunc(ms, 2) + "ms"
    fixed = to_fixed_no_trailing_zeros_trunc((ms % 60000) / 1000, 0 if ms > 60000 else 2) + "s"
    rem = math.trunc(ms / 60000)
    if rem < 1:
        return fixed
    fixed = f"{rem % 60}m{fixed}"
    rem = math.trunc(rem / 60)
    if rem < 1:
        return fixed
    return f"{rem}h{fixed}"


def humanize_duration(ms: float, time_unit: str | None) -> str:
    if time_unit in _UNIT_COEF:
        unit, coef = _UNIT_COEF[time_unit]
        return f"{ms * coef:.2f}{unit}"
    return humanize_generic_duration(ms)


def humanize_bytes(num: float) -> str:
    units = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"]
    if num < 10:
        return f"{_js_number(num)} B"
    exp = math.floor(math.log(num) / math.log(1000))
    value = math.floor((num / 1000**exp) * 10 + 0.5) / 10
    return f"{value:.{1 if value < 10 else 0}f} {units[exp]}"


def humanize_value(value: float, mtype: str, contains: str, time_unit: str | None) -> str:
    if mtype == "rate":
        if math.isnan(value):  # JavaScript's NaN.toFixed(2): k6's checks_failed with no checks
            return "NaN%"
        return f"{math.trunc(value * 100 * 100) / 100:.2f}%"
    if contains == "data":
        return humanize_bytes(value)
    if contains == "time":
        return humanize_duration(value, time_unit)
    return to_fixed_no_trailing_zeros(value, 6)
