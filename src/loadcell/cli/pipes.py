"""stdout that survives its reader going away (`loadcell run ... | head`).

Without this the first write after the reader exits raises BrokenPipeError, which ends the run before
the summary export and the results folder are written. k6 keeps going; so do we: once the pipe breaks,
stdout is pointed at /dev/null and the run, its files and its exit code are unchanged.
"""

from __future__ import annotations

import io
import os
import sys
from typing import TextIO


class PipeSafeStdout(io.TextIOBase):
    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._to_devnull()
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._to_devnull()

    def _to_devnull(self) -> None:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, self._stream.fileno())
        os.close(devnull)

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]  # TextIOBase declares it an attribute; read-only here
        return self._stream.encoding

    def reconfigure(self, **kw: bool) -> None:
        self._stream.reconfigure(**kw)  # type: ignore[attr-defined]  # sys.stdout is a TextIOWrapper; TextIO omits it


def protect_stdout() -> None:
    if not isinstance(sys.stdout, PipeSafeStdout) and sys.stdout is not None:
        sys.stdout = PipeSafeStdout(sys.stdout)
