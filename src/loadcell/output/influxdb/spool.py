"""The points waiting for InfluxDB, oldest first, in chunks of up to batchPoints lines: in memory up to
bufferPoints, and beyond that the newest spilled to disk, so that an outage costs disk, not memory, and
never blocks the run. What is still here at stop stays on disk, ready to replay.
"""

from __future__ import annotations

import logging
import shutil
from collections import deque
from pathlib import Path

from loadcell.output.base import OutputStats
from loadcell.output.influxdb.config import InfluxSettings

log = logging.getLogger("loadcell")


class Chunk:
    """Up to batch_points lines, in memory (`data`) or spilled to a file (`path`)."""

    __slots__ = ("data", "db_retries", "n", "path", "unanswered")

    def __init__(self, data: bytes | None, n: int, path: Path | None = None) -> None:
        self.data = data
        self.n = n
        self.path = path
        self.db_retries = 0
        self.unanswered = False  # its body went out and no HTTP answer came back since: maybe stored


class OnceLog:
    """Logs each kind of error five times, then says it falls silent: an outage must not flood the log."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def __call__(self, key: str, message: str) -> None:
        seen = self._seen.get(key, 0)
        self._seen[key] = seen + 1
        if seen < 5:
            log.error("%s", message)
        elif seen == 5:
            log.error("%s (further messages like this are not shown)", message)


class Spool:
    """The sealed chunks (`queue`) and the open one that lines are appended to until it is sealed."""

    def __init__(self, settings: InfluxSettings, stats: OutputStats, spill_dir: Path, instance: int) -> None:
        self.settings = settings
        self.stats = stats
        self.spill_dir = spill_dir
        self.instance = instance  # several influxdb outputs in one run spill to distinct files
        self.log_once = OnceLog()
        self.queue: deque[Chunk] = deque()
        self._open: list[str] = []
        self._open_n = 0
        self._mem_points = 0  # open + in-memory queued + in-flight in-memory
        self._spilled_ever = 0
        self._spill_seq = 0

    def pending(self) -> int:
        """Points not yet sent: queued or in the open chunk."""
        return sum(c.n for c in self.queue) + self._open_n

    def append(self, lines: list[str]) -> None:
        n = len(lines)
        self.stats.produced += n
        self._open.extend(lines)
        self._open_n += n
        self._mem_points += n
        if self._open_n >= self.settings.batch_points or self._mem_points > self.settings.buffer_points:
            self.seal()

    def seal(self) -> None:
        """Close the open chunk; if memory is over the cap, it goes to disk (newest data spills first)."""
        if not self._open:
            return
        lines, n = self._open, self._open_n
        self._open, self._open_n = [], 0
        data = ("\n".join(lines) + "\n").encode()
        if self._mem_points > self.settings.buffer_points:
            self._mem_points -= n
            self._spill(data, n)
        else:
            self.queue.append(Chunk(data, n))

    def _spill(self, data: bytes, n: int) -> None:
        last = self.queue[-1] if self.queue else None
        try:
            if last is not None and last.path is not None and last.n + n <= self.settings.batch_points:
                with last.path.open("ab") as fh:
                    fh.write(data)
                last.n += n
            else:
                self.queue.append(Chunk(None, n, self._new_file(data)))
                if self._spilled_ever == 0:
                    log.warning(
                        "influxdb output: %d points buffered in memory (the cap, bufferPoints); spilling"
                        " the newest to %s until InfluxDB catches up",
                        self.settings.buffer_points,
                        self.spill_dir,
                    )
            self._spilled_ever += n
        except OSError as exc:
            self.stats.drop(n, f"spill to disk failed: {exc.strerror or exc}")
            self.log_once("spill", f"influxdb output: could not spill {n} points to {self.spill_dir}: {exc}")

    def _new_file(self, data: bytes) -> Path:
        self.spill_dir.mkdir(parents=True, exist_ok=True)
        self._spill_seq += 1
        path = self.spill_dir / f"{self.instance:02d}-{self._spill_seq:08d}.lp"
        path.write_bytes(data)
        return path

    def split(self, chunk: Chunk, data: bytes) -> list[Chunk]:
        """A chunk InfluxDB found too large (413) as two halves, in memory."""
        lines = data.decode().splitlines()
        half = len(lines) // 2
        parts = [lines[:half], lines[half:]]
        self.release(chunk)
        out = []
        for part in parts:
            piece = Chunk(("\n".join(part) + "\n").encode(), len(part))
            self._mem_points += piece.n
            out.append(piece)
        return out

    def release(self, chunk: Chunk) -> None:
        """A chunk is done with (delivered or dropped): its memory or file goes."""
        if chunk.path is not None:
            chunk.path.unlink(missing_ok=True)
            chunk.path = None
        elif chunk.data is not None:
            self._mem_points -= chunk.n
        chunk.data = None

    def leave(self) -> tuple[int, int]:
        """After the last send, what is left goes to disk (an empty spill folder goes away). Returns its
        points as (undelivered, sent but never answered: InfluxDB may have stored these)."""
        self.seal()
        left = list(self.queue)
        self.queue.clear()
        if not left:
            if self.spill_dir.is_dir() and not any(self.spill_dir.iterdir()):
                shutil.rmtree(self.spill_dir, ignore_errors=True)
            return 0, 0
        for chunk in left:
            if chunk.path is None and chunk.data is not None:
                self._mem_points -= chunk.n
                data, chunk.data = chunk.data, None
                try:
                    self._new_file(data)
                except OSError as exc:
                    log.error("influxdb output: could not save undelivered points: %s", exc)
        return sum(c.n for c in left if not c.unanswered), sum(c.n for c in left if c.unanswered)
