"""k6 duration strings ("1m30s", "500ms", "2h") and their Go-style rendering."""

from __future__ import annotations

import math
import re

from loadcell.config.values import show

_UNIT_SECONDS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "μs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
    "d": 86400.0,
}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h|d)")
# Go's time.Duration is an int64 of nanoseconds: k6 refuses a longer duration ("time: invalid duration").
MAX_SECONDS = (2**63 - 1) / 1e9
_HOW = "use a number with a unit, e.g. '30s', '1m30s', '500ms'"


def parse_duration(value: object) -> float:
    """Return seconds. Numbers are milliseconds, as in k6's JSON options; strings use Go's units."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"invalid duration {show(value)}: {_HOW}, or a number of milliseconds")
    if isinstance(value, int | float):
        try:
            return _in_range(float(value) / 1000.0, value)
        except OverflowError:  # an int too large for a float
            raise ValueError(f"invalid duration {show(value, 40)}: out of range") from None
    return _in_range(_parse_text(value), value)


def _in_range(seconds: float, value: object) -> float:
    if not math.isfinite(seconds) or abs(seconds) > MAX_SECONDS:
        raise ValueError(f"invalid duration {show(value, 40)}: out of range (at most about 292 years)")
    return seconds


def _parse_text(value: str) -> float:
    text = value.strip()
    if not text:
        raise ValueError("empty duration")
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text) / 1000.0
    sign = 1.0
    if text[0] in "+-":
        sign = -1.0 if text[0] == "-" else 1.0
        text = text[1:]
    pos = 0
    total = 0.0
    for match in _PART.finditer(text):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        pos = match.end()
    if pos != len(text) or pos == 0:
        raise ValueError(f"invalid duration {show(value)}: {_HOW}")
    return sign * total


def format_duration(seconds: float) -> str:
    """Render like Go's time.Duration.String(), which k6 prints in headers and progress lines."""
    if seconds == 0:
        return "0s"
    neg = seconds < 0
    seconds = abs(seconds)
    if seconds < 1:
        ms = seconds * 1000
        text = (
            f"{ms:.6f}".rstrip("0").rstrip(".") + "ms"
            if ms >= 1
            else f"{seconds * 1e6:.3f}".rstrip("0").rstrip(".") + "µs"
        )
        return ("-" if neg else "") + text
    hours, rem = divmod(seconds, 3600)
    minutes, secs = divmod(rem, 60)
    sec_text = f"{secs:.9f}".rstrip("0").rstrip(".") + "s"
    out = ""
    if hours >= 1:
        out = f"{int(hours)}h{int(minutes)}m{sec_text}"
    elif minutes >= 1:
        out = f"{int(minutes)}m{sec_text}"
    else:
        out = sec_text
    return ("-" if neg else "") + out
