"""k6's console: log, info, debug, warn and error lines in k6's format, tagged source=console.

print() writes to stdout, into the summary's stream; k6 scripts log through console, which goes to
stderr beside loadcell's own lines (debug only with -v, as k6's --verbose).
"""

from __future__ import annotations

import json
import logging
from typing import Any

_log = logging.getLogger("loadcell.console")
_FIELDS = {"fields": {"source": "console"}}


def _text(value: Any) -> str:
    """An argument as k6 prints it: objects and arrays as JSON, the rest as text."""
    if isinstance(value, dict | list | tuple):
        try:
            return json.dumps(value, separators=(",", ":"), default=str)
        except (TypeError, ValueError):
            return str(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Console:
    """`console.log("a", 1)` -> time="..." level=info msg="a 1" source=console."""

    __slots__ = ()

    def _emit(self, level: int, args: tuple[Any, ...]) -> None:
        if _log.isEnabledFor(level):
            _log.log(level, "%s", " ".join(_text(a) for a in args), extra=_FIELDS)

    def log(self, *args: Any) -> None:
        self._emit(logging.INFO, args)

    def info(self, *args: Any) -> None:
        self._emit(logging.INFO, args)

    def debug(self, *args: Any) -> None:
        self._emit(logging.DEBUG, args)

    def warn(self, *args: Any) -> None:
        self._emit(logging.WARNING, args)

    def error(self, *args: Any) -> None:
        self._emit(logging.ERROR, args)


console = Console()
