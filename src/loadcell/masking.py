"""Secret values, masked in everything loadcell writes.

One list per process, built from the environment it runs with (the process environment, .env and the
-e values): the values of variables whose names say they are credentials (ALBERT_TOKEN,
ALBERT_CLIENT_SECRET, LOADCELL_AGENT_TOKEN, K6_INFLUXDB_PASSWORD, ...), of the variables the user
marks (`--secret NAME`, or LOADCELL_SECRETS=NAME,NAME), and passwords written into URLs. It is applied
where text leaves the process, so no writer can forget it: log lines (cli.logs), the summary data every
end-of-test file and the report are made from (engine.run), and tag sets as the coordinator interns
them, which is all that JSON, CSV, InfluxDB and the results database write per sample (metrics.engine).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from loadcell.metrics.tags import TagPairs

MARK_ENV = "LOADCELL_SECRETS"  # comma-separated names of further variables whose values are secret
MASK = "***"
_HINTS = ("TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL")  # anywhere in a part of the name
# Shorter values of variables found by name are left alone: masking every "true" or "1234" would
# garble ordinary text. A variable the user marks is masked whatever its length.
_MIN_FOUND = 6


def _looks_secret(name: str) -> bool:
    """ALBERT_TOKEN, ALBERT_CLIENT_SECRET, K6_INFLUXDB_PASSWORD, DB_PASS, API_KEY, APIKEY: by the parts
    of the name, so KEYBOARD_LAYOUT, MONKEYPATCH or PWD (the working directory) do not count."""
    for part in name.upper().split("_"):
        if part == "PASS" or part.endswith("KEY") or any(hint in part for hint in _HINTS):
            return True
    return False


def secret_values(env: Mapping[str, str], marked: Iterable[str] = ()) -> list[str]:
    """The values to mask, longest first (so a secret containing another is masked whole)."""
    names = {n.strip() for n in env.get(MARK_ENV, "").split(",") if n.strip()} | set(marked)
    found: set[str] = set()
    for name, value in env.items():
        if not value or name == MARK_ENV:
            continue
        if name in names or (len(value) >= _MIN_FOUND and _looks_secret(name)):
            found.add(value)
        if "://" in value and "@" in value:  # https://user:password@host/...
            try:
                password = urlsplit(value).password
            except ValueError:
                password = None
            if password:
                found.add(password)
    return sorted(found, key=len, reverse=True)


class Secrets:
    """Masks a fixed list of values in text, in nested data (keys and values) and in tag pairs."""

    __slots__ = ("values",)

    def __init__(self, values: Iterable[str] = ()) -> None:
        self.values = list(values)

    def mask(self, text: str) -> str:
        for value in self.values:
            if value in text:
                text = text.replace(value, MASK)
        return text

    def mask_data(self, data: Any) -> Any:
        if not self.values:
            return data
        if isinstance(data, str):
            return self.mask(data)
        if isinstance(data, dict):
            return {self.mask_data(k): self.mask_data(v) for k, v in data.items()}
        if isinstance(data, list | tuple):
            return type(data)(self.mask_data(v) for v in data)
        return data

    def mask_pairs(self, pairs: TagPairs) -> TagPairs:
        if not self.values:
            return pairs
        return tuple((key, self.mask(value)) for key, value in pairs)


_current = Secrets()


def configure(env: Mapping[str, str], marked: Iterable[str] = ()) -> Secrets:
    """Set this process's secrets from the environment it runs with; returns them."""
    global _current
    _current = Secrets(secret_values(env, marked))
    return _current


def current() -> Secrets:
    return _current
