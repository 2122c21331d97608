"""Coordinator <-> worker messages: length-prefixed pickles, over pipes (local workers) or TCP (agents).

Over TCP every frame also carries an HMAC-SHA256 tag over the frame's sequence number and body, under
the key of its direction: both sides derive one key per direction in the handshake
(loadcell.engine.agents). The tag is checked before the body is unpickled, so nobody on the path can
inject, replay or reorder a message, nor reflect one back to the side that sent it.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import pickle
import struct
from dataclasses import dataclass, field
from typing import Any, Protocol

_HEADER = struct.Struct("!I")
_SEQ = struct.Struct("!Q")
_TAG = hashlib.sha256().digest_size


class ProtocolError(ConnectionError):
    """A frame failed its integrity check: the connection is dropped, nothing is unpickled."""


class Writer(Protocol):
    def write(self, data: bytes) -> None: ...

    def is_closing(self) -> bool: ...


@dataclass(frozen=True)
class Keys:
    """A channel's two HMAC keys: one tags what this side sends, the other checks what it reads."""

    send: bytes
    receive: bytes


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


class Channel:
    """One side of a coordinator <-> worker connection."""

    def __init__(self, reader: asyncio.StreamReader, writer: Writer, keys: Keys | None = None) -> None:
        self.reader = reader
        self.writer = writer
        self.keys = keys
        self._sent = self._received = 0

    @staticmethod
    def _tag(key: bytes, seq: int, body: bytes) -> bytes:
        return hmac.new(key, _SEQ.pack(seq) + body, hashlib.sha256).digest()

    def send(self, *message: object) -> None:
        if self.writer.is_closing():
            return
        body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        if self.keys is not None:
            body += self._tag(self.keys.send, self._sent, body)
            self._sent += 1
        self.writer.write(_HEADER.pack(len(body)) + body)

    async def read(self) -> Any:
        """The next message, or None at end of stream; ProtocolError if a frame fails its check."""
        try:
            (size,) = _HEADER.unpack(await self.reader.readexactly(_HEADER.size))
            body = await self.reader.readexactly(size)
        except asyncio.IncompleteReadError:
            return None
        if self.keys is not None:
            body, tag = body[:-_TAG], body[-_TAG:]
            if size < _TAG or not hmac.compare_digest(
                tag, self._tag(self.keys.receive, self._received, body)
            ):
                raise ProtocolError("a message failed its integrity check")
            self._received += 1
        return pickle.loads(body)
