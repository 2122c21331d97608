"""Settings of the Albert stand-in, validated once so the server never sees a bad value."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from loadcell.standin.albert.faults import Latency, parse_duration

DEFAULT_DB_PATH = Path("data/standin/albert.sqlite3")
DEFAULT_USER_ID = "USR215409"


class StandinConfig(BaseModel):
    """Everything ``loadcell standin albert`` can be told; strings are parsed as the CLI gives them."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    host: str = "127.0.0.1"
    port: int = Field(default=8091, ge=0, le=65535)
    db_path: Path = DEFAULT_DB_PATH
    memory: bool = False
    latency: Latency | None = None
    error_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    throttle_rps: float | None = Field(default=None, gt=0)
    index_lag: float = Field(default=0.0, ge=0.0, description="seconds before writes show in /search")
    token_ttl: int = Field(default=3600, ge=1, description="seconds an issued OAuth token stays valid")
    seed: int | None = Field(default=None, description="random seed for latency and error injection")
    user_id: str = DEFAULT_USER_ID
    access_log: bool = False
    tls_dir: Path | None = Field(default=None, description="serve HTTPS + HTTP/2; certificates go here")

    @field_validator("latency", mode="before")
    @classmethod
    def _parse_latency(cls, value: object) -> object:
        if isinstance(value, str):
            return None if value.strip() in ("", "0", "none") else Latency.parse(value)
        return value

    @field_validator("index_lag", mode="before")
    @classmethod
    def _parse_index_lag(cls, value: object) -> object:
        return parse_duration(value) if isinstance(value, str) else value

    @property
    def database(self) -> str | None:
        """The SQLite file path, or None for an in-memory database."""
        return None if self.memory else str(self.db_path)
