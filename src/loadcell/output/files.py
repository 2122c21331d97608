"""Result files: plain or gzip by extension, parent folders created; "-" is stdout.

A file that cannot be opened is refused before any load; one that fails later (a full disk) costs
the points written from then on, counted as dropped, never the run.
"""

from __future__ import annotations

import gzip
import io
import logging
import os
import sys
from pathlib import Path
from typing import IO

from loadcell.errors import ResultPathError
from loadcell.output.base import OutputStats

log = logging.getLogger("loadcell")


def unwritable(path: str, what: str, exc: OSError) -> ResultPathError:
    return ResultPathError(f"{what}: cannot write {path!r} ({exc.strerror or exc}); choose a writable path")


def open_text(path: str, what: str) -> IO[str]:
    """The file opened for writing; ResultPathError, naming `what` asked for it, if it cannot be."""
    if path in ("", "-"):  # k6: json=- (or json alone) streams to stdout
        sys.stdout.flush()
        return io.TextIOWrapper(os.fdopen(os.dup(sys.stdout.fileno()), "wb"), encoding="utf-8", newline="")
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.suffix == ".gz":
            # Level 6 (Go's default, as k6 uses) costs a third of level 9's CPU for nearly the same size.
            return gzip.open(target, "wt", encoding="utf-8", newline="", compresslevel=6)
        return target.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise unwritable(path, what, exc) from None


def require_writable(path: str, what: str) -> None:
    """Refuse, before any load, a path written only at the end (the summary export): opened for
    appending, so an existing file keeps its content, and removed again if this made it."""
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        existed = target.exists()
        with target.open("a"):
            pass
        if not existed:
            target.unlink()
    except OSError as exc:
        raise unwritable(path, what, exc) from None


class PointFile:
    """A result file written batch by batch, each flushed whole: what reached the file is delivered;
    from the first failed write on (a full disk, a closed pipe) every point is dropped, with why."""

    def __init__(self, path: str, what: str, stats: OutputStats) -> None:
        self.file = open_text(path, what)
        self.what = what
        self.stats = stats
        self.error: str | None = None

    def write(self, text: str, points: int) -> None:
        stats = self.stats
        stats.produced += points
        if self.error is None:
            try:
                self.file.write(text)
                self.file.flush()
            except OSError as exc:
                self.error = f"write failed: {exc.strerror or exc}"
                log.error("%s: %s; the points from here on are dropped", self.what, self.error)
            else:
                stats.delivered += points
                return
        stats.drop(points, self.error)

    def close(self) -> None:
        try:
            self.file.close()
        except OSError:  # what could not be flushed was counted as dropped already
            if self.error is None:
                raise
