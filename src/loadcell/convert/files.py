"""Converting files and folders: helpers imported by a script are converted beside it, output is
checked by Python's compiler and formatted by ruff's formatter."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from loadcell.convert.modules import local_module, module_stem
from loadcell.convert.parse import parse_js
from loadcell.convert.program import Helpers, ModuleInfo, Program
from loadcell.convert.report import Report
from loadcell.errors import InvalidConfigError, ScriptError

_SKIP_DIRS = {"node_modules", ".git"}


def ruff_format(paths: list[Path]) -> None:
    """Format the written files with the installed ruff, in one call (its defaults, no project config)."""
    if not paths:
        return
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--isolated", "--quiet", *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise ScriptError(f"ruff could not format the converted scripts: {proc.stderr.strip()}")


def convert_source(source: str, name: str, report: Report, helper: Helpers) -> tuple[str, ModuleInfo]:
    """One script as Python source (not yet formatted), checked by Python's own compiler."""
    code, info = Program(path=name, report=report).convert(parse_js(source, name), helper)
    try:
        compile(code, name, "exec")
    except SyntaxError as exc:
        raise ScriptError(
            f"converting {name} produced invalid Python at line {exc.lineno} ({exc.msg}); please report"
            f" the JavaScript that caused it:\n{code}"
        ) from exc
    return code, info


def python_name(js: Path) -> Path:
    """lib/http-helpers.js -> lib/http_helpers.py: an importable module name that shadows nothing."""
    return js.with_name(module_stem(js.stem) + ".py")


class Converter:
    def __init__(self) -> None:
        self.report = Report()
        self.done: dict[Path, ModuleInfo] = {}
        self.busy: set[Path] = set()

    def file(self, js: Path, py: Path) -> ModuleInfo:
        key = js.resolve()
        if key in self.done:
            return self.done[key]
        if key in self.busy:
            raise ScriptError(
                f"{js} imports itself through a cycle of local modules; loadcell cannot convert cycles"
            )
        self.busy.add(key)
        try:
            source = js.read_text()
        except OSError as exc:
            raise InvalidConfigError(f"cannot read {js}: {exc.strerror}; pass an existing .js file") from exc

        def helper(spec: str) -> ModuleInfo:
            module = local_module(spec)
            target = js.parent / spec
            if not target.is_file():
                raise ScriptError(f"{js}: imports {spec!r}, which does not exist beside it")
            return self.file(target, py.parent / (module.replace(".", "/") + ".py"))

        code, info = convert_source(source, str(js), self.report, helper)
        py.parent.mkdir(parents=True, exist_ok=True)
        py.write_text(code)
        self.report.files.append((js, py))
        self.busy.discard(key)
        self.done[key] = info
        return info

    def folder(self, src: Path, out: Path) -> None:
        """Every .js under src, keeping the layout; other files (data) are copied when out differs."""
        for path in sorted(src.rglob("*")):
            rel = path.relative_to(src)
            if _SKIP_DIRS & set(rel.parts) or not path.is_file():
                continue
            if path.suffix == ".js":
                self.file(path, python_name(out / rel))
            elif out.resolve() != src.resolve():
                (out / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, out / rel)


def convert_path(source: Path, output: Path | None) -> Report:
    """`loadcell convert SCRIPT.js [-o OUT.py]` or `loadcell convert DIR/ [-o OUTDIR/]`."""
    converter = Converter()
    if source.is_dir():
        converter.folder(source, output or source)
    elif source.suffix != ".js":
        raise InvalidConfigError(
            f"{source} is not a .js file; pass a k6 JavaScript script or a folder of them"
        )
    else:
        converter.file(source, output or python_name(source))
    ruff_format([py for _, py in converter.report.files])
    return converter.report
