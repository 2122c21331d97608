"""k6-style log lines on stderr (time=... level=... msg=...), with secrets redacted."""

from __future__ import annotations

import logging
import os
import sys
import time

_SECRET_ENV_HINTS = ("TOKEN", "SECRET", "PASSWORD", "PASS", "KEY")


def secret_values(env: dict[str, str] | None = None) -> list[str]:
    """Values of env vars whose names look secret; never printed, whatever logs them."""
    source = os.environ if env is None else env
    return sorted(
        {v for k, v in source.items() if any(h in k.upper() for h in _SECRET_ENV_HINTS) and len(v) >= 6},
        key=len,
        reverse=True,
    )


def redact(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


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
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = secrets

    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + "Z"
        level = {"WARNING": "warning", "CRITICAL": "error"}.get(record.levelname, record.levelname.lower())
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + self.formatException(record.exc_info)
        message = logfmt_value(redact(message, self.secrets))
        fields = "".join(
            f" {k}={logfmt_value(str(v))}" for k, v in getattr(record, "fields", {}).items()
        )  # logrus' fields
        return f'time="{stamp}" level={level} msg={message}{fields}'


def setup_logging(verbose: bool, env: dict[str, str] | None = None) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(K6Formatter(secret_values(env)))
    root = logging.getLogger("loadcell")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    root.propagate = False
