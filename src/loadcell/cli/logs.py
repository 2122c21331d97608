"""k6-style log lines on stderr (time=... level=... msg=...), with secrets masked."""

from __future__ import annotations

import logging
import sys
import time

from loadcell import masking

_BARE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._/@^+")
_GO_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}
_GO_ESCAPES |= {'"': '\\"', "\\": "\\\\"}


def go_quote(text: str) -> str:
    """Go's %q (strconv.Quote), which logrus' text format uses: escapes, and printable runes as is."""
    out = []
    for ch in text:
        if ch in _GO_ESCAPES:
            out.append(_GO_ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        elif ord(ch) < 0x80:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) < 0x10000:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    return '"' + "".join(out) + '"'


def logfmt_value(text: str) -> str:
    """A value as logrus writes it: bare when made only of safe characters, else Go-quoted."""
    return text if all(ch in _BARE for ch in text) else go_quote(text)


class K6Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + "Z"
        level = {"WARNING": "warning", "CRITICAL": "error"}.get(record.levelname, record.levelname.lower())
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + self.formatException(record.exc_info)
        secrets = masking.current()
        message = logfmt_value(secrets.mask(message))
        fields = "".join(
            f" {k}={logfmt_value(str(v))}" for k, v in getattr(record, "fields", {}).items()
        )  # logrus' fields
        fields = secrets.mask(fields)
        return f'time="{stamp}" level={level} msg={message}{fields}'


def setup_logging(verbose: bool) -> None:
    """k6's log lines on stderr, with this process's secrets (masking.configure) masked."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(K6Formatter())
    root = logging.getLogger("loadcell")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    root.propagate = False
