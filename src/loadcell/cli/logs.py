"""k6-style log lines on stderr (time=... level=... msg=...), with secrets masked."""

from __future__ import annotations

import logging
import sys
import time

from loadcell import masking


class K6Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + "Z"
        level = {"WARNING": "warning", "CRITICAL": "error"}.get(record.levelname, record.levelname.lower())
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + self.formatException(record.exc_info)
        secrets = masking.current()
        message = secrets.mask(message).replace('"', '\\"')
        fields = "".join(f" {k}={v}" for k, v in getattr(record, "fields", {}).items())  # logrus' fields
        fields = secrets.mask(fields)
        return f'time="{stamp}" level={level} msg="{message}"{fields}'


def setup_logging(verbose: bool) -> None:
    """k6's log lines on stderr, with this process's secrets (masking.configure) masked."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(K6Formatter())
    root = logging.getLogger("loadcell")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    root.propagate = False
