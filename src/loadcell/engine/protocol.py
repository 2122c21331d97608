"""Parent <-> worker messages: length-prefixed pickles over pipes (both ends are this program)."""

from __future__ import annotations

import asyncio
import pickle
import struct
from dataclasses import dataclass, field
from typing import Any

_HEADER = struct.Struct("!I")


@dataclass
class WorkerSpec:
    """Everything a worker needs to run its execution segment of the test."""

    index: int
    script: str
    cli_options: dict[str, Any]
    env: dict[str, str]
    segment: str
    sequence: str
    first_vu_id: int
    keep_raw: bool


@dataclass
class ScenarioStats:
    active: int
    initialized: int
    completed: int
    interrupted: int
    started: bool
    finished: bool


@dataclass
class Report:
    """A worker's periodic message: metrics since the last one, progress, and new error counts."""

    batch: Any
    scenarios: dict[str, ScenarioStats]
    errors: dict[str, int] = field(default_factory=dict)
    initialized: int = 0
    failed_mark: str = ""  # set once fail() was called in this worker


def encode(message: object) -> bytes:
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(body)) + body


async def read_message(reader: asyncio.StreamReader) -> Any:
    """The next message, or None at end of stream."""
    try:
        header = await reader.readexactly(_HEADER.size)
        (size,) = _HEADER.unpack(header)
        return pickle.loads(await reader.readexactly(size))
    except asyncio.IncompleteReadError:
        return None
