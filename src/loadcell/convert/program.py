"""A whole k6 script as a loadcell module: imports, options, VU functions, module state, async-ness.

Before emitting, the module is analysed once: which functions must be `async` (they make requests
or sleep, directly or through other functions), which module globals are mutated per VU (they move
to `vu.store`), which variables hold request params, and which functions are VU functions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial

from tree_sitter import Node

from loadcell.convert.calls import HTTP_VERBS
from loadcell.convert.context import FunctionScope, snake
from loadcell.convert.control import ControlFlow
from loadcell.convert.literals import string_value
from loadcell.convert.modules import Binding, bind, classify, local_module
from loadcell.convert.parse import field as child
from loadcell.convert.parse import line_of, maybe, named, text
from loadcell.convert.report import Flag, Unsupported, todo_block
from loadcell.convert.statements import comment, returns_of

_MUTATORS = {"push", "pop", "shift", "unshift", "splice", "set", "delete", "clear", "sort", "reverse"}
_FUNCTION_NODES = ("arrow_function", "function_expression", "function_declaration", "function")
_PY_NAMES = {"handleSummary": "handle_summary", "default": "default"}


@dataclass
class ModuleInfo:
    """What an importer needs to know about a converted helper module."""

    async_names: set[str] = field(default_factory=set)
    response_functions: set[str] = field(default_factory=set)


Helpers = Callable[[str], ModuleInfo]


def _literal(node: Node) -> bool:
    """A value that costs nothing to build again (setdefault builds it at every call)."""
    if node.type in ("array", "object"):
        return all(_literal(c.named_children[-1] if c.type == "pair" else c) for c in named(node))
    return node.type in ("number", "string", "true", "false", "null", "undefined")


def walk(node: Node) -> Iterator[Node]:
    yield node
    for c in node.named_children:
        yield from walk(c)


class Program(ControlFlow):
    def convert(self, root: Node, helpers: Helpers) -> tuple[str, ModuleInfo]:
        top = list(root.named_children)
        leading: list[str] = []  # the script's opening comment becomes the module docstring
        while (
            top
            and top[0].type == "comment"
            and (len(top) == 1 or top[1].start_point[0] > top[0].end_point[0])
        ):
            leading += [line.removeprefix("#").strip() for line in comment(top.pop(0))]
        import_lines = self.imports_of(top, helpers)
        functions = self.functions(root)
        self.exec_names = {
            string_value(child(p, "value"))
            for p in walk(root)
            if p.type == "pair"
            and text(child(p, "key")) in ("exec", "'exec'", '"exec"')
            and child(p, "value").type == "string"
        }
        for node in top:  # `export default main;` makes main a VU function
            value = maybe(node, "value") if node.type == "export_statement" else None
            if value is not None and value.type == "identifier":
                self.exec_names.add(text(value))
        self.find_async(functions)
        self.find_response_functions(functions)
        self.find_params_vars(root)
        self.find_state(top)
        body: list[str] = []
        for i, node in enumerate(top):
            if i and node.start_point[0] > top[i - 1].end_point[0] + 1:
                body.append("")
            body.extend(self.top_level(node, import_lines))
        exported = {n for n in functions if n in self.async_names}
        info = ModuleInfo(exported, set(self.response_functions) & set(functions))
        return self.assemble(leading, body), info

    # analysis ----------------------------------------------------------------------------------
    def imports_of(self, top: list[Node], helpers: Helpers) -> dict[int, list[str]]:
        out: dict[int, list[str]] = {}
        for node in top:
            if node.type != "import_statement":
                continue
            source = string_value(child(node, "source"))
            try:
                kind = classify(source)
                names = self.import_names(node)
                info = helpers(source) if kind == "local" else None
                lines = []
                for local, imported, is_default in names:
                    self.bindings[local] = bind(kind, source, imported, is_default)
                    if info is not None:
                        lines.append(self.local_import(info, local, imported, source))
                out[node.id] = lines
                self.report.converted += 1
            except Unsupported as exc:
                self.report.flags.append(Flag(self.path, line_of(node), exc.construct, True))
                out[node.id] = todo_block(exc.construct, text(node), "")
                for local, _, _ in self.import_names(node):  # their uses are flagged, naming the module
                    self.bindings.setdefault(local, Binding("unsupported", source))
        return out

    def import_names(self, node: Node) -> list[tuple[str, str | None, bool]]:
        """(local name, imported name or None, is a default import) for each name an import binds."""
        names: list[tuple[str, str | None, bool]] = []
        clause = next((c for c in node.named_children if c.type == "import_clause"), None)
        for part in named(clause) if clause is not None else []:
            if part.type == "identifier":
                names.append((text(part), None, True))
            elif part.type == "namespace_import":
                names.append((text(named(part)[0]), None, False))
            elif part.type == "named_imports":
                for spec in named(part):
                    imported = text(child(spec, "name"))
                    alias = maybe(spec, "alias")
                    names.append((text(alias) if alias is not None else imported, imported, False))
        return names

    def local_import(self, info: ModuleInfo, local: str, imported: str | None, source: str) -> str:
        module = local_module(source)
        if imported is None:
            self.async_names.update(f"{local}.{n}" for n in info.async_names)
            alias = f" as {local}" if module != local else ""
            return f"import {module}{alias}"
        if imported in info.async_names:
            self.async_names.add(local)
        if imported in info.response_functions:
            self.response_functions.add(local)
        alias = f" as {snake(local)}" if local != imported else ""
        return f"from {module} import {snake(imported)}{alias}"

    def functions(self, root: Node) -> dict[str, Node]:
        """Top-level functions by JavaScript name ('default' for the default export)."""
        out: dict[str, Node] = {}
        for node in root.named_children:
            decl = maybe(node, "declaration") if node.type == "export_statement" else node
            value = maybe(node, "value") if node.type == "export_statement" else None
            if value is not None and value.type in _FUNCTION_NODES:
                out["default"] = value
            if decl is None:
                continue
            if decl.type == "function_declaration":
                out[text(child(decl, "name"))] = decl
            elif decl.type in ("lexical_declaration", "variable_declaration"):
                for d in named(decl):
                    v = maybe(d, "value")
                    if v is not None and v.type in _FUNCTION_NODES and child(d, "name").type == "identifier":
                        out[text(child(d, "name"))] = v
        for node in walk(root):  # nested named functions share the analysis
            if node.type == "function_declaration" and text(child(node, "name")) not in out:
                out[text(child(node, "name"))] = node
        return out

    def call_path(self, node: Node) -> list[str] | None:
        return self.chain(child(node, "function")) if node.type == "call_expression" else None

    def makes_requests(self, node: Node) -> bool:
        for n in walk(node):
            path = self.call_path(n)
            if not path:
                continue
            binding = self.bindings.get(path[0])
            if binding is not None and binding.kind == "http" and len(path) == 2 and path[1] in HTTP_VERBS:
                return True
            if binding is not None and binding.kind == "k6" and binding.member == "sleep" and len(path) == 1:
                return True
            if ".".join(path) in self.async_names:
                return True
        return False

    def find_async(self, functions: dict[str, Node]) -> None:
        vu_functions = {"default", *self.exec_names}
        self.async_names.update(n for n in functions if n in vu_functions)
        changed = True
        while changed:
            changed = False
            for name, node in functions.items():
                if name not in self.async_names and name != "handleSummary" and self.makes_requests(node):
                    self.async_names.add(name)
                    changed = True

    def find_response_functions(self, functions: dict[str, Node]) -> None:
        for name, node in functions.items():
            body = child(node, "body")
            returned = (
                [named(r)[0] for r in returns_of(body) if named(r)]
                if body.type == "statement_block"
                else [body]
            )
            if returned and all(self.is_http(r, node) for r in returned):
                self.response_functions.add(name)

    def is_http(self, node: Node, fn: Node) -> bool:
        path = self.call_path(node)
        if path and len(path) == 2 and (b := self.bindings.get(path[0])) and b.kind == "http":
            return path[1] not in ("batch", "expectedStatuses")
        if node.type == "identifier":
            return any(
                d.type == "variable_declarator"
                and text(child(d, "name")) == text(node)
                and (value := maybe(d, "value")) is not None
                and self.is_http(value, fn)
                for d in walk(fn)
            )
        return False

    def find_params_vars(self, root: Node) -> None:
        for n in walk(root):
            path = self.call_path(n)
            if not path or len(path) != 2 or (b := self.bindings.get(path[0])) is None or b.kind != "http":
                continue
            index = {"get": 1, "head": 1, "request": 3}.get(path[1], 2)
            args = named(child(n, "arguments"))
            arg = args[index] if len(args) > index else None
            if arg is not None and arg.type == "call_expression":
                arg = child(arg, "function")
            if arg is not None and arg.type == "identifier":
                self.params_vars.add(text(arg))

    def find_state(self, top: list[Node]) -> None:
        """Module globals that functions change: k6 keeps them per VU, so they move to vu.store."""
        declared: dict[str, Node | None] = {}
        for node in top:
            decl = maybe(node, "declaration") if node.type == "export_statement" else node
            if decl is not None and decl.type in ("lexical_declaration", "variable_declaration"):
                for d in named(decl):
                    if child(d, "name").type == "identifier":
                        declared[text(child(d, "name"))] = maybe(d, "value")
        mutated: set[str] = set()
        for node in top:
            for n in walk(node):
                if n.type in _FUNCTION_NODES:
                    mutated |= self.mutations(n, set(declared))
        self.scope = FunctionScope()
        for name in sorted(mutated):
            value = declared[name]
            try:
                self.state_vars[name] = "None" if value is None else self.x(value)
                if value is not None and not _literal(value):
                    self.costly_state.add(name)
            except Unsupported:
                continue

    def mutations(self, fn: Node, names: set[str]) -> set[str]:
        out = set()
        for n in walk(fn):
            target = None
            if n.type in ("assignment_expression", "augmented_assignment_expression"):
                target = child(n, "left")
            elif n.type == "update_expression":
                target = child(n, "argument")
            elif n.type == "call_expression" and (fn := child(n, "function")).type == "member_expression":
                target = child(fn, "object") if text(child(fn, "property")) in _MUTATORS else None
            while target is not None and target.type in ("member_expression", "subscript_expression"):
                target = child(target, "object")
            if target is not None and target.type == "identifier" and text(target) in names:
                out.add(text(target))
        return out

    # emission ----------------------------------------------------------------------------------
    def top_level(self, node: Node, import_lines: dict[int, list[str]]) -> list[str]:
        self.scope = FunctionScope()
        if node.type == "comment":
            return comment(node)
        if node.type == "import_statement":
            self.local_imports.extend(line for line in import_lines[node.id] if not line.startswith("#"))
            return [line for line in import_lines[node.id] if line.startswith("#")]
        if node.type == "export_statement":
            value, decl = maybe(node, "value"), maybe(node, "declaration")
            if value is not None and value.type in _FUNCTION_NODES:
                return self.guard(node, lambda: self.top_function("default", value))
            if value is not None and value.type == "identifier" and text(value) in self.exec_names:
                self.report.converted += 1
                return [f"default = {snake(text(value))}"]
            if decl is None:
                if any(c.type == "export_clause" for c in node.named_children):
                    return []  # Python modules export every top-level name
                return self.statement(node)
            node = decl
        if node.type == "function_declaration":
            return self.guard(node, lambda: self.top_function(text(child(node, "name")), node))
        if node.type in ("lexical_declaration", "variable_declaration"):
            out: list[str] = []
            for d in named(node):
                out.extend(self.guard(d, partial(self.top_declarator, d)))
            return out
        return self.statement(node)

    def top_function(self, js: str, node: Node) -> list[str]:
        vu = js == "default" or js in self.exec_names
        name = _PY_NAMES.get(js, snake(js))
        return self.function_def(name, node, js_name=js, vu=vu, force_async=vu)

    def top_declarator(self, decl: Node) -> list[str]:
        name, value = child(decl, "name"), maybe(decl, "value")
        js = text(name)
        if value is not None and value.type in _FUNCTION_NODES:
            return self.top_function(js, value)
        if js in self.state_vars:
            return [
                f"# `{js}` is per-VU state in k6 (each VU has its own globals): it lives in",
                f"# vu.store[{js!r}], initialised to {self.state_vars[js]} where a function first uses it.",
            ]
        self.in_options = js == "options"
        try:
            return self.assign(name, value) if value is not None else [f"{self.x(name)} = None"]
        finally:
            self.in_options = False

    def assemble(self, leading: list[str], body: list[str]) -> str:
        std = sorted(
            (line for line in self.imports if not line.startswith(("from loadcell", "from faker"))),
            key=lambda line: (line.startswith("from"), line),
        )
        third = sorted(line for line in self.imports if line.startswith("from faker"))
        names = sorted(
            line.split(" import ")[1] for line in self.imports if line.startswith("from loadcell import")
        )
        first = [f"from loadcell import {', '.join(names)}"] if names else []
        first += sorted(line for line in self.imports if line.startswith("from loadcell."))
        if "log" in self.preamble:
            std = sorted({*std, "import logging"})
        local: dict[str, list[str]] = {}
        for line in self.local_imports:
            module, _, imported = line.removeprefix("from ").partition(" import ")
            local.setdefault(module if imported else line, []).extend([imported] if imported else [])
        local_lines = [f"from {m} import {', '.join(n)}" if n else m for m, n in local.items()]
        groups = [g for g in (std, third, first, local_lines) if g]
        origin = f"Converted from {self.path.rsplit('/', 1)[-1]} by `loadcell convert`."
        doc = "\n".join([*leading, "", origin] if leading else [origin]).replace("\\", "\\\\")
        head = ['"""' + doc.replace('"""', '\\"\\"\\"') + ("\n" if leading else "") + '"""', ""]
        for g in groups:
            head += [*g, ""]
        if "log" in self.preamble:
            head.append('log = logging.getLogger("loadcell.script")  # k6\'s console.* goes to the log')
        if "fake" in self.preamble:
            head.append("fake = Faker()")
        if self.preamble:
            head.append("")
        while body and not body[0].strip():
            body.pop(0)
        return "\n".join([*head, *body]).rstrip() + "\n"
