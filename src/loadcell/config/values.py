"""k6's JSON value types for option values a Python script writes, and their rendering in messages.

k6 reads options as JSON into Go types: an int64 takes no boolean, no fraction and nothing past
64 bits; a bool takes only true or false. A Python script can write more (ints of any size, nan,
tuples), so each value is checked against the type k6 would have decoded it into.
"""

from __future__ import annotations

from typing import Any

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
MAX_VUS = 100_000_000  # k6's maxConcurrentVUs: more VUs than this are refused before any planning


def show(value: Any, limit: int = 120) -> str:
    """repr() for a message: short, and safe for ints too long to print (Python refuses 4,300+ digits)."""
    try:
        text = repr(value)
    except ValueError:
        return "<an int of more than 4300 digits>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def as_int64(value: Any) -> int:
    """An integer as k6 decodes one (null.Int): a whole number or a numeric string, within int64."""
    if isinstance(value, bool):
        raise ValueError(f"expected an integer, got the boolean {value}")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"expected an integer, got {show(value)}")
        value = int(value)
    elif isinstance(value, str):
        try:
            value = int(value.strip(), 10)
        except ValueError:
            raise ValueError(f"expected an integer, got {show(value)}") from None
    elif not isinstance(value, int):
        raise ValueError(f"expected an integer, got {type(value).__name__} {show(value)}")
    if not INT64_MIN <= value <= INT64_MAX:
        raise ValueError(f"{show(value, 40)} is out of range: an integer must fit in 64 bits")
    return value


def as_bool(value: Any) -> bool:
    """True or False only: k6 refuses "false" (which Python's bool() would take as true)."""
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {type(value).__name__} {show(value)}")
    return value
