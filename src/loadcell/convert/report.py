"""What a conversion did: statements converted, parts flagged for review, parts left untranslated.

Every flagged part is visible in the output as a `# TODO(convert): <construct>` line; an
untranslatable statement is kept below its TODO line as commented JavaScript, never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


class Unsupported(Exception):
    """A construct outside the supported subset; `construct` names it in the TODO line."""

    def __init__(self, construct: str) -> None:
        super().__init__(construct)
        self.construct = construct


@dataclass
class Flag:
    path: str
    line: int
    construct: str
    unsupported: bool  # True: commented out; False: converted, with a note to review


@dataclass
class Report:
    converted: int = 0
    flags: list[Flag] = field(default_factory=list)
    files: list[tuple[Path, Path]] = field(default_factory=list)  # (JavaScript, Python)

    @property
    def unsupported(self) -> int:
        return sum(1 for f in self.flags if f.unsupported)

    @property
    def flagged(self) -> int:
        return len(self.flags)

    def summary(self) -> str:
        lines = [f"{js} -> {py}" for js, py in self.files]
        lines += [
            f"  {f.path}:{f.line}: TODO(convert): {f.construct}"
            + (" (kept as a comment)" if f.unsupported else " (converted; review it)")
            for f in self.flags
        ]
        counts = f"flagged: {self.flagged}, unsupported: {self.unsupported}"
        lines.append(f"converted: {self.converted} statements, {counts}")
        return "\n".join(lines)


def todo_block(construct: str, source: str, indent: str) -> list[str]:
    """The TODO line, then the JavaScript it stands for, commented out line by line."""
    out = [f"{indent}# TODO(convert): {construct}"]
    out += [f"{indent}# {line}".rstrip() for line in source.splitlines()]
    return out
