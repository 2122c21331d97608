"""The converter's state: imported names, Python imports to write, names, and the function being emitted."""

from __future__ import annotations

import builtins
import keyword
import re
from dataclasses import dataclass, field

from loadcell.convert.modules import Binding
from loadcell.convert.report import Report

# Names the converted module imports or defines itself; a JavaScript variable by one of these names
# is renamed with a trailing underscore.
_RESERVED = set(dir(builtins)) | {
    "json", "math", "random", "time", "uuid", "logging", "log", "env", "vu", "fake", "Path", "datetime",
    "UTC", "quote", "http", "check", "group", "sleep", "fail", "abort", "mark_failed", "exec_info",
    "expected_statuses", "Counter", "Gauge", "Rate", "Trend", "Faker", "render_summary", "default",
}  # fmt: skip
_KEEP = {"default", "setup", "teardown"}


def snake(name: str) -> str:
    """myTrend -> my_trend; BASE_URL stays; a Python keyword or reserved name gets a trailing '_'."""
    if not name.isupper():
        name = re.sub(r"(?<=[a-z0-9])([A-Z])|(?<=[A-Z])([A-Z])(?=[a-z])", r"_\1\2", name).lower()
    if keyword.iskeyword(name) or (name in _RESERVED and name not in _KEEP):
        name += "_"
    return name


@dataclass
class FunctionScope:
    """What the emitter knows about the function it is in."""

    has_vu: bool = False  # a VU function: `vu` is its parameter
    is_async: bool = False
    data_param: str | None = None  # default(data): the k6 name of setup()'s data, read as vu.data
    responses: set[str] = field(default_factory=set)  # names bound to a Response
    response_lists: set[str] = field(default_factory=set)  # names bound to http.batch()'s result
    state: list[str] = field(default_factory=list)  # per-VU module state this function touches
    returns_params: bool = False  # its returned object literals are http params


@dataclass
class Context:
    path: str
    report: Report
    bindings: dict[str, Binding] = field(default_factory=dict)
    imports: set[str] = field(default_factory=set)  # whole import lines
    preamble: set[str] = field(default_factory=set)  # module-level helpers: 'log', 'fake'
    async_names: set[str] = field(default_factory=set)  # JavaScript names of functions made async
    response_functions: set[str] = field(default_factory=set)  # functions returning a Response
    state_vars: dict[str, str] = field(default_factory=dict)  # per-VU module state: name -> initial value
    costly_state: set[str] = field(default_factory=set)  # state whose initial value is computed
    params_vars: set[str] = field(default_factory=set)  # variables and functions giving http params
    exec_names: set[str] = field(default_factory=set)  # functions named by a scenario's `exec`
    local_imports: list[str] = field(default_factory=list)  # import lines of converted helpers
    scope: FunctionScope = field(default_factory=FunctionScope)
    hoisted: list[str] = field(default_factory=list)  # defs to write before the current statement
    notes: list[str] = field(default_factory=list)  # converted, but to review: TODO lines for the statement
    counter: int = 0

    def need(self, line: str) -> None:
        self.imports.add(line)

    def loadcell(self, *names: str) -> None:
        for name in names:
            self.imports.add(f"from loadcell import {name}")

    def note(self, what: str) -> None:
        """Flag a part that is converted but does not mean exactly what it meant in k6."""
        self.notes.append(what)

    def vu_expr(self) -> str:
        """The current VU: the parameter in VU functions, exec_info.vu in helpers."""
        if self.scope.has_vu:
            return "vu"
        self.loadcell("exec_info")
        return "exec_info.vu"

    def client(self) -> str:
        if self.scope.has_vu:
            return "vu.http"
        self.loadcell("http")
        return "http"

    def fresh(self, stem: str) -> str:
        self.counter += 1
        return f"_{stem}_{self.counter}"
