"""Coordinator <-> worker frames: typed messages round-trip, a tag is checked before anything is
unpickled, and a frame holding anything but a message is refused."""

from __future__ import annotations

import asyncio
import pickle
import struct

import pytest

from loadcell.engine.distributed.protocol import (
    Channel,
    Keys,
    Message,
    ProtocolError,
    Ready,
    ScenarioStats,
    Stop,
)


class _Pipe:
    """A writer that feeds what is written straight into a reader."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self.reader = reader

    def write(self, data: bytes) -> None:
        self.reader.feed_data(data)

    def is_closing(self) -> bool:
        return False


def _pair(keys: tuple[Keys, Keys] | None = None) -> tuple[Channel, Channel]:
    """Two channels, the first one's writes arriving at the second."""
    reader = asyncio.StreamReader()
    sender = Channel(asyncio.StreamReader(), _Pipe(reader), keys[0] if keys else None)
    return sender, Channel(reader, _Pipe(asyncio.StreamReader()), keys[1] if keys else None)


@pytest.mark.parametrize("keys", [None, (Keys(b"a", b"b"), Keys(b"b", b"a"))])
def test_messages_round_trip(keys: tuple[Keys, Keys] | None) -> None:
    async def go() -> list[Message | None]:
        sender, receiver = _pair(keys)
        sender.send(Ready(3))
        sender.send(Stop(105, "stopped"))
        return [await receiver.read(), await receiver.read()]

    assert asyncio.run(go()) == [Ready(3), Stop(105, "stopped")]


def test_a_frame_that_is_not_a_message_is_refused() -> None:
    async def go() -> None:
        reader = asyncio.StreamReader()
        body = pickle.dumps(("ready", 3))  # the untyped form
        reader.feed_data(struct.pack("!I", len(body)) + body)
        await Channel(reader, _Pipe(asyncio.StreamReader())).read()

    with pytest.raises(ProtocolError, match="not a message: tuple"):
        asyncio.run(go())


def test_a_frame_under_the_wrong_key_is_refused() -> None:
    async def go() -> None:
        sender, receiver = _pair((Keys(b"a", b"b"), Keys(b"b", b"c")))
        sender.send(Ready(1))
        await receiver.read()

    with pytest.raises(ProtocolError, match="integrity check"):
        asyncio.run(go())


def test_progress_totals_finish_only_when_every_worker_has() -> None:
    one = ScenarioStats(active=2, initialized=3, completed=5, interrupted=1, started=True, finished=True)
    two = ScenarioStats(active=1, initialized=1, completed=4, interrupted=0, started=False, finished=False)
    total = ScenarioStats.total([one, two], workers=2)
    assert (total.active, total.initialized, total.completed, total.interrupted) == (3, 4, 9, 1)
    assert total.started and not total.finished
    assert ScenarioStats.total([one], workers=2).finished is False
    assert ScenarioStats.total([one, one], workers=2).finished is True
