"""Loading a test script: a Python module exporting options, setup, default, teardown, handle_summary."""

from __future__ import annotations

import importlib.util
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from loadcell.engine import awaits
from loadcell.errors import InvalidConfigError, ScriptError


@dataclass
class Script:
    path: Path
    module: ModuleType
    options: dict[str, Any] = field(default_factory=dict)

    def function(self, name: str) -> Any:
        fn = getattr(self.module, name, None)
        return fn if callable(fn) else None

    @property
    def setup(self) -> Any:
        return self.function("setup")

    @property
    def teardown(self) -> Any:
        return self.function("teardown")

    @property
    def handle_summary(self) -> Any:
        return self.function("handle_summary")

    def exec_functions(self, names: set[str]) -> dict[str, Any]:
        """Resolve each scenario's `exec`; a missing one is a config error (exit 104)."""
        out = {}
        for name in sorted(names):
            fn = self.function(name)
            if fn is None:
                raise InvalidConfigError(
                    f"function {name!r} named by a scenario's `exec` (or the default scenario) is not"
                    " defined in"
                    f" {self.path.name}; define `async def {name}(vu): ...`"
                )
            out[name] = fn
        return out


def load_script(path: str | Path) -> Script:
    """Import the script as a module. An exception here is k6's init error (exit 107)."""
    script_path = Path(path).resolve()
    if not script_path.is_file():
        raise InvalidConfigError(f"script {str(path)!r} not found; pass the path of a .py test script")
    if script_path.suffix != ".py":
        raise InvalidConfigError(
            f"script {str(path)!r} is not a Python file; loadcell scripts are .py modules"
        )
    folder = str(script_path.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)  # scripts import their helpers from beside them, as k6 resolves ./lib.js
    module_name = f"loadcell_script_{script_path.stem}"
    spec = importlib.util.spec_from_file_location(module_name, script_path)
    if spec is None or spec.loader is None:
        raise InvalidConfigError(f"cannot import {script_path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    awaits.install()
    try:
        spec.loader.exec_module(module)
    except (SystemExit, KeyboardInterrupt):  # a Ctrl-C while the script imports is no script error
        raise
    except BaseException as exc:
        detail = "".join(traceback.format_exception(exc)).rstrip()
        raise ScriptError(f"error while importing {script_path.name}:\n{detail}") from exc
    options = getattr(module, "options", {}) or {}
    if not isinstance(options, dict):
        raise InvalidConfigError(
            f"`options` in {script_path.name} must be a dict, got {type(options).__name__}"
        )
    return Script(script_path, module, options)
