"""Opening result files: plain or gzip by extension, parent folders created."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import IO


def open_text(path: str) -> IO[str]:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.suffix == ".gz":
        return gzip.open(target, "wt", encoding="utf-8", newline="")
    return target.open("w", encoding="utf-8", newline="")
