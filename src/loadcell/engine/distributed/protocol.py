"""Coordinator <-> worker messages: typed dataclasses sent as length-prefixed pickles, over pipes
(local workers) or TCP (agents). Both sides run the same loadcell version, so the classes are the
wire format; a frame that unpickles to anything else is refused.

    coordinator -> worker   WorkerSpec, then Start (the start barrier), Stop at any time
    worker -> coordinator   Ready or Failed (after init), Report (every 100 ms), Abort, Done (last)

Over TCP every frame also carries an HMAC-SHA256 tag over the frame's sequence number and body,
under the key of its direction: both sides derive one key per direction in the handshake
(loadcell.engine.distributed.agents). The tag is checked before the body is unpickled, so nobody on
the path can inject, replay or reorder a message, nor reflect one back to the side that sent it.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import pickle
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from loadcell.metrics.buffer import MetricBatch

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


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class Start:
    """The start barrier: every worker is ready; setup()'s data, as JSON."""

    setup_json: str


@dataclass(frozen=True)
class _Ending:
    """An end with an exit code and the reason a user reads."""

    exit_code: int
    reason: str


class Stop(_Ending):
    """Coordinator -> worker: stop the test now (a signal, a threshold's abortOnFail, another abort)."""


class Failed(_Ending):
    """Worker -> coordinator: init failed (the script or its options); the run cannot start."""


class Abort(_Ending):
    """Worker -> coordinator: the script aborted the test (abort(), exec.test.abort())."""


@dataclass(frozen=True)
class Ready:
    """Worker -> coordinator: init is done; the VUs its segment may need."""

    max_vus: int


@dataclass(frozen=True)
class ScenarioStats:
    """One scenario's progress in one worker, or summed over all of them (see `total`)."""

    active: int
    initialized: int
    completed: int
    interrupted: int
    started: bool
    finished: bool

    @staticmethod
    def total(stats: Sequence[ScenarioStats], workers: int) -> ScenarioStats:
        """The fleet's progress: counts add up; finished once all `workers` have said so."""
        return ScenarioStats(
            active=sum(s.active for s in stats),
            initialized=sum(s.initialized for s in stats),
            completed=sum(s.completed for s in stats),
            interrupted=sum(s.interrupted for s in stats),
            started=any(s.started for s in stats),
            finished=len(stats) == workers and all(s.finished for s in stats),
        )


@dataclass(frozen=True)
class Report:
    """Worker -> coordinator, periodically: metrics since the last one, progress, new error counts."""

    batch: MetricBatch
    scenarios: dict[str, ScenarioStats]
    errors: dict[str, int] = field(default_factory=dict)
    initialized: int = 0
    failed_mark: str = ""  # set once fail() was called in this worker


@dataclass(frozen=True)
class Done:
    """Worker -> coordinator: the last report has been sent."""


ToWorker = WorkerSpec | Start | Stop
ToCoordinator = Ready | Failed | Report | Abort | Done
Message = ToWorker | ToCoordinator
_MESSAGES = (WorkerSpec, Start, Stop, Ready, Failed, Report, Abort, Done)


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

    def send(self, message: Message) -> None:
        if self.writer.is_closing():
            return
        body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        if self.keys is not None:
            body += self._tag(self.keys.send, self._sent, body)
            self._sent += 1
        self.writer.write(_HEADER.pack(len(body)) + body)

    async def read(self) -> Message | None:
        """The next message, or None at end of stream; ProtocolError if a frame fails its check or
        holds no message."""
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
        message = pickle.loads(body)
        if not isinstance(message, _MESSAGES):
            raise ProtocolError(f"not a message: {type(message).__name__}")
        return message
