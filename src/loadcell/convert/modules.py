"""Which k6 modules and jslib helpers the converter knows, and what each imported name becomes."""

from __future__ import annotations

import sys
from dataclasses import dataclass

from loadcell.convert.report import Unsupported

# k6 module -> the names it exports that have a loadcell counterpart.
K6_NAMES: dict[str, set[str]] = {
    "k6": {"check", "group", "sleep", "fail"},
    "k6/metrics": {"Counter", "Gauge", "Rate", "Trend"},
    "k6/data": {"SharedArray"},
}
DEFAULT_IMPORTS = {"k6/http": "http", "k6/execution": "exec", "k6/encoding": "encoding"}
ENCODING = {"b64encode", "b64decode"}
JSLIB_UTILS = {"randomIntBetween", "randomItem", "uuidv4"}
_TAKEN = {"loadcell", "faker"}  # packages that converted scripts import


@dataclass(frozen=True)
class Binding:
    """An imported JavaScript name: the module kind it came from and the member it names."""

    # "k6", "k6/metrics", "k6/data", "http", "exec", "faker", "summary", "utils", "local", "unsupported"
    kind: str
    member: str = ""


def classify(source: str) -> str:
    """The kind of module an import's source names, or raise Unsupported for an unknown one."""
    if source in K6_NAMES or source in DEFAULT_IMPORTS:
        return source
    if source.startswith(("./", "../")) and source.endswith(".js"):
        return "local"
    if "faker" in source:
        return "faker"
    if "k6-summary" in source:
        return "summary"
    if "k6-utils" in source:
        return "utils"
    raise Unsupported(f"import of module {source!r} (no loadcell counterpart)")


def bind(kind: str, source: str, imported: str | None, is_default: bool) -> Binding:
    """The binding for one imported name (`imported` is None for a default or namespace import)."""
    if kind in DEFAULT_IMPORTS and (is_default or imported is None):
        return Binding(DEFAULT_IMPORTS[kind])
    if kind == "k6/encoding" and imported in ENCODING:
        return Binding("encoding", imported)
    if kind in K6_NAMES and imported in K6_NAMES[kind]:
        return Binding(kind, imported)
    if kind == "faker" and imported in ("faker", "fakerEN", "fakerEN_US"):
        return Binding("faker")
    if kind == "summary" and imported == "textSummary":
        return Binding("summary", imported)
    if kind == "utils" and imported in JSLIB_UTILS:
        return Binding("utils", imported)
    if kind == "local":
        return Binding("local", imported or "")
    what = "default export" if imported is None else f"{imported!r}"
    raise Unsupported(f"{what} of {source!r} (no loadcell counterpart)")


def local_module(source: str) -> str:
    """'./lib/helpers.js' -> 'lib.helpers': the import path of the converted helper beside the script."""
    if source.startswith("../"):
        raise Unsupported(
            f"import of {source!r} from outside the script's folder (move it beside the script)"
        )
    *folders, stem = source.removeprefix("./").removesuffix(".js").split("/")
    return ".".join([*folders, module_stem(stem)])


def module_stem(stem: str) -> str:
    """An importable name that shadows nothing: 'http-utils' -> 'http_utils', 'logging' -> 'logging_script'.

    loadcell puts a script's folder first on sys.path, so a converted `json.py` would hide the stdlib's.
    """
    stem = stem.replace("-", "_").replace(".", "_")
    return f"{stem}_script" if stem in sys.stdlib_module_names or stem in _TAKEN else stem
