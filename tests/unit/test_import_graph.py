"""The layers' direction: HTTP and metrics are used by the engine and the CLI, never the reverse.

Read from the source with ast (nothing is imported), so an import inside a function or under
TYPE_CHECKING counts as much as one at the top, and relative imports are resolved.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "loadcell"
LOWER = ("http", "metrics")
UPPER = ("loadcell.engine", "loadcell.cli")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(source: str, module: str, is_package: bool = False) -> list[tuple[int, str]]:
    """(line, absolute name) of each import in `module`'s source: the module, and for a
    `from` import each name under it too (`from loadcell import engine` imports loadcell.engine)."""
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            name = node.module or ""
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                name = ".".join([*base, name] if name else base)
            found.append((node.lineno, name))
            found.extend((node.lineno, f"{name}.{alias.name}") for alias in node.names)
    return found


def reaches_up(name: str) -> bool:
    return any(name == upper or name.startswith(upper + ".") for upper in UPPER)


@pytest.mark.parametrize("layer", LOWER)
def test_http_and_metrics_import_neither_the_engine_nor_the_cli(layer: str) -> None:
    offences = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {name}"
        for path in sorted((PACKAGE / layer).rglob("*.py"))
        for line, name in imported(path.read_text(), module_name(path), path.name == "__init__.py")
        if reaches_up(name)
    ]
    assert offences == []


def test_every_form_of_import_is_seen() -> None:
    source = (
        "from ..engine import vu\n"
        "from .. import cli\n"
        "import loadcell.engine.run\n"
        "from loadcell import engine\n"
        "from . import client\n"
        "def late():\n    from loadcell.cli.main import main\n"
    )
    names = [name for _, name in imported(source, "loadcell.http.probe") if reaches_up(name)]
    assert names == [
        "loadcell.engine",
        "loadcell.engine.vu",
        "loadcell.cli",
        "loadcell.engine.run",
        "loadcell.engine",
        "loadcell.cli.main",
        "loadcell.cli.main.main",
    ]
