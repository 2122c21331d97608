"""The influxdb output's settings: defaults < K6_INFLUXDB_* < LOADCELL_INFLUXDB_* < the --out URL.

k6's names and meanings, plus loadcell's own (mode, buffering, timeouts, retries, the testid tag).
"""

from __future__ import annotations

import re
from typing import Any, Literal
from urllib.parse import parse_qs, unquote, urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from loadcell.config.durations import parse_duration
from loadcell.errors import InvalidConfigError

# Env suffix -> setting. k6's names are read as K6_INFLUXDB_* and LOADCELL_INFLUXDB_* (the latter wins).
_K6_ENV = {
    "ADDR": "addr",
    "PROXY": "proxy",
    "USERNAME": "username",
    "PASSWORD": "password",
    "INSECURE": "insecure",
    "PAYLOAD_SIZE": "payload_size",
    "PUSH_INTERVAL": "push_interval",
    "CONCURRENT_WRITES": "concurrent_writes",
    "DB": "db",
    "PRECISION": "precision",
    "RETENTION": "retention",
    "CONSISTENCY": "consistency",
    "TAGS_AS_FIELDS": "tags_as_fields",
}
# loadcell-only settings, LOADCELL_INFLUXDB_* only.
_OWN_ENV = {
    "MODE": "mode",
    "BUFFER_POINTS": "buffer_points",
    "BATCH_POINTS": "batch_points",
    "STOP_TIMEOUT": "stop_timeout",
    "TIMEOUT": "timeout",
    "RETRY_MAX": "retry_max",
    "TESTID_TAG": "testid_tag",
}
# URL query parameter -> setting (k6's first, then loadcell's).
_QUERY = {
    "insecure": "insecure",
    "payload_size": "payload_size",
    "precision": "precision",
    "retention": "retention",
    "consistency": "consistency",
    "pushInterval": "push_interval",
    "concurrentWrites": "concurrent_writes",
    "tagsAsFields": "tags_as_fields",
    "mode": "mode",
    "bufferPoints": "buffer_points",
    "batchPoints": "batch_points",
    "stopTimeout": "stop_timeout",
    "timeout": "timeout",
    "retryMax": "retry_max",
    "testidTag": "testid_tag",
}
# Accepted precisions -> (the value sent as ?precision=, nanoseconds per unit).
PRECISIONS: dict[str, tuple[str, int]] = {
    "": ("ns", 1),
    "n": ("ns", 1),
    "ns": ("ns", 1),
    "u": ("u", 1_000),
    "us": ("u", 1_000),
    "µs": ("u", 1_000),
    "ms": ("ms", 1_000_000),
    "s": ("s", 1_000_000_000),
    "m": ("m", 60_000_000_000),
    "h": ("h", 3_600_000_000_000),
}
_FIELD_TYPES = ("string", "int", "float", "bool")
# Go's strconv.ParseBool spellings.
TRUE = {"1", "t", "T", "TRUE", "true", "True"}
FALSE = {"0", "f", "F", "FALSE", "false", "False"}


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValueError(f"must be true or false, not {value!r}")


def _as_seconds(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return parse_duration(str(value))


class InfluxSettings(BaseModel):
    """The output's configuration: defaults < K6_INFLUXDB_* < LOADCELL_INFLUXDB_* < the --out URL."""

    model_config = ConfigDict(extra="forbid", validate_assignment=False)

    addr: str = "http://localhost:8086"
    db: str = "K6"
    username: str = ""
    password: str = Field(default="", repr=False)
    proxy: str = ""
    insecure: bool = False
    payload_size: int = 0  # UDP only in k6; accepted and ignored
    push_interval: float = 1.0  # seconds
    concurrent_writes: int = 4
    precision: str = ""
    retention: str = ""
    consistency: str = ""
    tags_as_fields: list[str] = Field(default_factory=lambda: ["vu", "iter", "url"])
    mode: Literal["raw", "aggregated"] = "raw"
    buffer_points: int = 200_000
    batch_points: int = 5_000
    stop_timeout: float = 30.0
    timeout: float = 10.0
    retry_max: float = 5.0
    testid_tag: bool = True

    @field_validator("insecure", "testid_tag", mode="before")
    @classmethod
    def _bool(cls, v: Any) -> bool:
        return _as_bool(v)

    @field_validator("push_interval", "stop_timeout", "timeout", "retry_max", mode="before")
    @classmethod
    def _duration(cls, v: Any) -> float:
        return _as_seconds(v)

    @field_validator("tags_as_fields", mode="before")
    @classmethod
    def _tags(cls, v: Any) -> list[str]:
        items = v.split(",") if isinstance(v, str) else list(v)
        return [str(item).strip() for item in items if str(item).strip()]

    @field_validator("precision")
    @classmethod
    def _precision(cls, v: str) -> str:
        if v not in PRECISIONS:
            raise ValueError(f"unknown precision {v!r}; use one of ns, u, ms, s, m, h")
        return v

    @field_validator("mode", mode="before")
    @classmethod
    def _mode(cls, v: Any) -> str:
        return str(v).strip().lower()

    @model_validator(mode="after")
    def _check(self) -> InfluxSettings:
        if self.addr.startswith("udp://"):
            raise ValueError("udp:// is not supported by loadcell's influxdb output; use http:// or https://")
        if not re.match(r"^https?://[^/]+$", self.addr):
            raise ValueError(f"addr {self.addr!r} must be http(s)://host[:port]")
        if self.concurrent_writes <= 0:
            raise ValueError("influxdb's ConcurrentWrites must be a positive number")
        for name in ("push_interval", "stop_timeout", "timeout"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        if self.buffer_points <= 0 or self.batch_points <= 0:
            raise ValueError("buffer_points and batch_points must be positive")
        if not self.db:
            self.db = "K6"
        self.field_kinds()  # validates the names and types
        return self

    def field_kinds(self) -> dict[str, str]:
        kinds: dict[str, str] = {}
        for entry in self.tags_as_fields:
            name, _, kind = entry.partition(":")
            kind = kind or "string"
            if name in kinds:
                raise ValueError(
                    f"a tag name ({name}) shows up more than once in InfluxDB field type configurations"
                )
            if kind not in _FIELD_TYPES:
                raise ValueError(f"an invalid type ({kind}) is specified for an InfluxDB field ({name})")
            kinds[name] = kind
        return kinds


def parse_settings(arg: str, env: dict[str, str]) -> InfluxSettings:
    """Merge defaults, env (K6_INFLUXDB_* then LOADCELL_INFLUXDB_*) and the --out URL; raise on bad input."""
    raw: dict[str, Any] = {}
    for prefix, table in (("K6_INFLUXDB_", _K6_ENV), ("LOADCELL_INFLUXDB_", {**_K6_ENV, **_OWN_ENV})):
        for suffix, key in table.items():
            value = env.get(prefix + suffix)
            if value is not None and value != "":
                raw[key] = value
    if arg:
        raw.update(_parse_url(arg))
    try:
        return InfluxSettings(**raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'config'}: {err['msg'].removeprefix('Value error, ')}"
            for err in exc.errors()
        )
        raise InvalidConfigError(f"--out influxdb={_redact_url(arg)}: {problems}") from None


def _parse_url(text: str) -> dict[str, Any]:
    parts = urlsplit(text)
    out: dict[str, Any] = {}
    if parts.scheme and parts.netloc:
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        port = f":{parts.port}" if parts.port else ""
        out["addr"] = f"{parts.scheme}://{host}{port}"
    elif text and not parts.scheme:
        raise InvalidConfigError(
            f"--out influxdb={text!r}: expected a URL like http://[user:pass@]host:8086/DB"
        )
    db = parts.path.lstrip("/")
    if db:
        out["db"] = unquote(db)
    if parts.username is not None:
        out["username"] = unquote(parts.username)
        out["password"] = unquote(parts.password or "")
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = [k for k in query if k not in _QUERY]
    if unknown:
        raise InvalidConfigError(
            f"--out influxdb={_redact_url(text)}: unknown query parameter: {', '.join(unknown)}"
            f" (known: {', '.join(_QUERY)})"
        )
    for key, values in query.items():
        setting = _QUERY[key]
        if setting == "tags_as_fields":
            out[setting] = [v for value in values for v in value.split(",")]
        elif key == "insecure" and values[0] == "":
            continue
        else:
            out[setting] = values[0]
    return out


def _redact_url(text: str) -> str:
    parts = urlsplit(text)
    if parts.password is None:
        return text
    return text.replace(f":{parts.password}@", ":***@", 1)
