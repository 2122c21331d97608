"""JavaScript statements and functions as Python: blocks, declarations, defs, group() as `with`,
forEach as `for` (the control-flow statements are in control.py).

A statement outside the subset is kept as commented JavaScript under a `# TODO(convert)` line; the
statements around it are still converted.
"""

from __future__ import annotations

from collections.abc import Callable

from tree_sitter import Node

from loadcell.convert.calls import Calls
from loadcell.convert.context import FunctionScope, snake
from loadcell.convert.expressions import ATOM, OR
from loadcell.convert.modules import Binding
from loadcell.convert.parse import field, line_of, maybe, named, parse_js, text
from loadcell.convert.report import Flag, Unsupported, todo_block

FUNCTIONS = ("arrow_function", "function_expression", "function")
_UPDATE = {"++": "+= 1", "--": "-= 1"}


def with_pass(lines: list[str]) -> list[str]:
    """A body with no code (only comments, or nothing) gets a `pass`."""
    if all(not line.strip() or line.lstrip().startswith("#") for line in lines):
        return [*lines, "pass"]
    return lines


def indent(lines: list[str]) -> list[str]:
    return [f"    {line}" if line else line for line in lines]


def comment(node: Node) -> list[str]:
    body = text(node)
    if body.startswith("//"):
        return [f"# {body[2:].strip()}".rstrip()]
    inner = body[2:-2].strip("*\n ")
    return [f"# {line.strip().lstrip('*').strip()}".rstrip() for line in inner.splitlines()]


def returns_of(node: Node) -> list[Node]:
    """The return statements of a function body, not those of functions nested in it."""
    found = []
    for child in node.named_children:
        if child.type == "return_statement":
            found.append(child)
        elif child.type not in (*FUNCTIONS, "function_declaration"):
            found.extend(returns_of(child))
    return found


class Statements(Calls):
    loop_callback: bool = False  # emitting a forEach callback: `return` means `continue`

    def body(self, nodes: list[Node]) -> list[str]:
        return with_pass(self.statements(nodes))

    def statements(self, nodes: list[Node]) -> list[str]:
        out: list[str] = []
        for i, node in enumerate(nodes):
            if i and node.start_point[0] > nodes[i - 1].end_point[0] + 1:
                out.append("")  # the script's blank lines stay
            out.extend(self.statement(node))
        return out

    def block(self, node: Node) -> list[str]:
        """A statement used as a body (a { block } or a single statement), indented."""
        return indent(self.body(node.named_children if node.type == "statement_block" else [node]))

    def statement(self, node: Node) -> list[str]:
        if node.type == "comment":
            return comment(node)
        return self.guard(node, lambda: self.s(node))

    def guard(self, node: Node, emit: Callable[[], list[str]]) -> list[str]:
        """Run one statement's emitter; if it meets an unsupported construct, keep it as a TODO block."""
        saved_hoisted, self.hoisted = self.hoisted, []
        saved_notes, self.notes = self.notes, []
        converted, flags = self.report.converted, len(self.report.flags)
        imports, preamble = set(self.imports), set(self.preamble)
        try:
            lines = emit()
            self.report.flags += [Flag(self.path, line_of(node), note, False) for note in self.notes]
            lines = [f"# TODO(convert): {note}" for note in self.notes] + self.hoisted + lines
            self.report.converted += 1
        except Unsupported as exc:
            self.report.converted = converted
            del self.report.flags[flags:]
            self.imports, self.preamble = imports, preamble  # nothing of it is in the output
            self.report.flags.append(Flag(self.path, line_of(node), exc.construct, True))
            lines = todo_block(exc.construct, text(node), "")
        finally:
            self.hoisted, self.notes = saved_hoisted, saved_notes
        return lines

    def s(self, node: Node) -> list[str]:
        handler: Callable[[Node], list[str]] | None = getattr(self, f"s_{node.type}", None)
        if handler is None:
            raise Unsupported(node.type.replace("_", " "))
        return handler(node)

    def s_empty_statement(self, node: Node) -> list[str]:
        return []

    def s_statement_block(self, node: Node) -> list[str]:
        return self.body(node.named_children)

    # expressions as statements ---------------------------------------------------------------
    def s_expression_statement(self, node: Node) -> list[str]:
        return self.expression_statement(named(node)[0])

    def expression_statement(self, expr: Node) -> list[str]:
        if expr.type == "call_expression":
            fn, args = field(expr, "function"), named(field(expr, "arguments"))
            path = self.chain(fn)
            if path and len(path) == 1 and self.is_group(path[0]) and len(args) == 2:
                return self.group(args)
            binding = self.bindings.get(path[0]) if path else None
            if path and len(path) == 2 and path[1] == "setResponseCallback" and binding == Binding("http"):
                if not self.scope.has_vu:
                    raise Unsupported(
                        "http.setResponseCallback() outside a VU function (set vu.http.expected)"
                    )
                return [f"vu.http.expected = {self.x(args[0])}"]
            if fn.type == "member_expression" and text(field(fn, "property")) == "forEach":
                return self.for_each(field(fn, "object"), args[0])
        if expr.type == "assignment_expression":
            return self.assign(field(expr, "left"), field(expr, "right"))
        if expr.type == "augmented_assignment_expression":
            op = text(field(expr, "operator"))
            if op in ("??=", "||=", "&&=", ">>>="):
                raise Unsupported(f"the {op} operator")
            target, value = field(expr, "left"), field(expr, "right")
            return [f"{self.x(target)} {op} {self.x(value)}"]
        if expr.type == "update_expression":
            op = next(text(c) for c in expr.children if text(c) in _UPDATE)
            return [f"{self.x(field(expr, 'argument'))} {_UPDATE[op]}"]
        if expr.type == "unary_expression" and text(field(expr, "operator")) == "delete":
            return [f"del {self.x(field(expr, 'argument'))}"]
        return [self.x(expr)]

    def is_group(self, name: str) -> bool:
        binding = self.bindings.get(name)
        return binding is not None and binding.kind == "k6" and binding.member == "group"

    def group(self, args: list[Node], target: str | None = None) -> list[str]:
        """group(name, fn) as `with group(name):`; `target` takes what the callback returns at its end."""
        fn = args[1]
        self.loadcell("group")
        head = f"with group({self.x(args[0])}):"
        assign = f"{target} = " if target else ""
        if fn.type == "identifier":  # group('name', namedFunction)
            return [head, f"    {assign}{self.x(_call_of(fn))}"]
        if fn.type not in ("arrow_function", "function_expression"):
            raise Unsupported("group() with a callback that is neither a function nor a function's name")
        body = field(fn, "body")
        if body.type != "statement_block":
            return [head, f"    {assign}{self.x(body)}"]
        stmts = body.named_children
        returns = returns_of(body)
        tail = [s for s in stmts if s.type != "comment"][-1:]
        if returns and (len(returns) > 1 or returns[0] not in tail):
            raise Unsupported("return from inside a group() callback before its end")
        lines = self.statements([s for s in stmts if not returns or s is not returns[0]])
        value = named(returns[0])[0] if returns and named(returns[0]) else None
        if value is not None and (target or value.type in ("call_expression", "await_expression")):
            lines.append(f"{assign}{self.x(value)}")
        elif target:
            lines.append(f"{target} = None")
        return [head, *indent(with_pass(lines))]

    def for_each(self, obj: Node, fn: Node) -> list[str]:
        if fn.type not in ("arrow_function", "function_expression"):
            return [f"for _item in {self.x(obj, OR)}:", f"    {self.x(fn, ATOM)}(_item)"]
        params = [snake(p) for p in self.param_names(fn)]
        source = self.x(obj, OR)
        head = f"for {params[0] if params else '_'} in {source}:"
        if len(params) >= 2:
            head = f"for {params[1]}, {params[0]} in enumerate({source}):"
        body = field(fn, "body")
        saved, self.loop_callback = self.loop_callback, True
        try:
            lines = self.block(body) if body.type == "statement_block" else [f"    {self.x(body)}"]
        finally:
            self.loop_callback = saved
        return [head, *lines]

    def assign(self, target: Node, value: Node) -> list[str]:
        if target.type in ("object_pattern", "array_pattern"):
            return self.destructure(target, value)
        if target.type == "identifier":
            self.track(text(target), value)
        return [f"{self.x(target)} = {self.value(target, value)}"]

    def track(self, name: str, value: Node | None) -> None:
        """Remember which names hold responses, so `.body` and `.status` read the Response."""
        if value is None:
            return
        if value.type == "await_expression":
            value = named(value)[0]
        if self.is_response(value):
            self.scope.responses.add(name)
        elif (
            value.type == "call_expression" and (self.chain(field(value, "function")) or [""])[-1] == "batch"
        ):
            self.scope.response_lists.add(name)

    def value(self, target: Node, value: Node) -> str:
        if target.type == "identifier" and text(target) in self.params_vars and value.type == "object":
            return self.params_dict(value)
        return self.x(value)

    # declarations ------------------------------------------------------------------------------
    def s_lexical_declaration(self, node: Node) -> list[str]:
        out = []
        for decl in named(node):
            name, value = field(decl, "name"), maybe(decl, "value")
            if value is None:
                if name.type != "identifier":
                    raise Unsupported("destructuring without a value")
                out.append(f"{self.x(name)} = None")
                continue
            if name.type == "identifier" and value.type in FUNCTIONS:
                out.extend(self.function_def(snake(text(name)), value, js_name=text(name)))
                continue
            if name.type == "identifier" and value.type == "call_expression":
                path = self.chain(field(value, "function"))
                args = named(field(value, "arguments"))
                if path and len(path) == 1 and self.is_group(path[0]) and len(args) == 2:
                    out.extend(self.group(args, self.x(name)))
                    continue
            out.extend(self.assign(name, value))
        return out

    s_variable_declaration = s_lexical_declaration

    def destructure(self, pattern: Node, value: Node) -> list[str]:
        source, out = self.x(value), []
        if value.type != "identifier":
            tmp = self.fresh("value")
            out.append(f"{tmp} = {source}")
            source = tmp
        if pattern.type == "array_pattern":
            if any(p.type != "identifier" for p in named(pattern)):
                raise Unsupported("nested or defaulted array destructuring")
            if (
                value.type == "call_expression"
                and (self.chain(field(value, "function")) or [""])[-1] == "batch"
            ):
                self.scope.responses.update(text(p) for p in named(pattern))
            return [*out, f"{', '.join(self.x(p) for p in named(pattern))}, *_ = {source}"]
        return out + self.unpack(pattern, source)

    def unpack(self, pattern: Node, source: str) -> list[str]:
        """{ a, b: c } = source, one assignment per property."""
        out = []
        for prop in named(pattern):
            if prop.type == "shorthand_property_identifier_pattern":
                out.append(f"{self.name(text(prop))} = {source}[{text(prop)!r}]")
            elif prop.type == "pair_pattern" and field(prop, "value").type == "identifier":
                key = text(field(prop, "key")).strip("'\"")
                out.append(f"{self.x(field(prop, 'value'))} = {source}[{key!r}]")
            else:
                raise Unsupported(f"destructuring pattern {text(prop)!r}")
        return out

    def s_function_declaration(self, node: Node) -> list[str]:
        js = text(field(node, "name"))
        return self.function_def(snake(js), node, js_name=js)

    def function_def(
        self,
        name: str,
        node: Node,
        js_name: str = "",
        responses: bool = False,
        vu: bool = False,
        force_async: bool = False,
    ) -> list[str]:
        """A def (async when it makes requests or sleeps); a VU function takes `vu`."""
        outer = self.scope
        is_async = force_async or js_name in self.async_names
        scope = FunctionScope(
            has_vu=vu or outer.has_vu,
            is_async=is_async,
            data_param=outer.data_param,
            responses=set(outer.responses),
            response_lists=set(outer.response_lists),
            returns_params=js_name in self.params_vars,
        )
        js_params = maybe(node, "parameters") or maybe(node, "parameter")
        params: list[str] = []
        pre: list[str] = []
        param_nodes = (
            [] if js_params is None else [js_params] if js_params.type == "identifier" else named(js_params)
        )
        self.scope = scope
        saved_loop, self.loop_callback = self.loop_callback, False
        try:
            if vu:
                params = ["vu"]
                if param_nodes:
                    scope.data_param = text(param_nodes[0])
            else:
                for p in param_nodes:
                    params.append(self.parameter(p, pre))
                if responses:
                    scope.responses.update(text(p) for p in param_nodes if p.type == "identifier")
            body = field(node, "body")
            if body.type == "statement_block":
                lines = self.body(body.named_children)
            else:
                lines = [f"return {self.returned(body)}"]
            vu_name = "vu" if scope.has_vu else "exec_info.vu"
            state = []
            for n in scope.state:
                if n in self.costly_state:  # computed once per VU, not at every call
                    state += [
                        f"if {n!r} not in {vu_name}.store:",
                        f"    {vu_name}.store[{n!r}] = {self.state_vars[n]}",
                    ]
                else:
                    state.append(f"{vu_name}.store.setdefault({n!r}, {self.state_vars[n]})")
            if state and not outer.state:
                state.insert(0, "# k6 gives each VU its own module globals: per-VU state lives in vu.store")
        finally:
            self.scope = outer
            self.loop_callback = saved_loop
        for n in scope.state:
            if outer is not scope and n not in outer.state and (outer.has_vu or outer.is_async):
                outer.state.append(n)
        head = f"{'async ' if is_async else ''}def {name}({', '.join(params)}):"
        return [head, *indent([*state, *pre, *lines])]

    def parameter(self, node: Node, pre: list[str]) -> str:
        if node.type == "identifier":
            return self.name(text(node))
        if node.type == "assignment_pattern":
            return f"{self.name(text(field(node, 'left')))}={self.x(field(node, 'right'))}"
        if node.type == "rest_pattern":
            return f"*{self.name(text(named(node)[0]))}"
        if node.type == "object_pattern":
            arg = self.fresh("arg")
            pre.extend(self.unpack(node, arg))
            return arg
        raise Unsupported(f"parameter {text(node)!r}")

    def s_return_statement(self, node: Node) -> list[str]:
        if self.loop_callback:
            return ["continue"]
        value = named(node)
        return [f"return {self.returned(value[0])}" if value else "return"]

    def returned(self, node: Node) -> str:
        """A function that builds http params returns them with loadcell's names and units."""
        while node.type == "parenthesized_expression":
            node = named(node)[0]
        return self.params_dict(node) if self.scope.returns_params and node.type == "object" else self.x(node)


def _call_of(fn: Node) -> Node:
    """`name()` for a function's name: parsed, so that the call is emitted (and awaited) like any other."""
    return parse_js(f"{text(fn)}();", "callback").named_children[0].named_children[0]
