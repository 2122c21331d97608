"""JavaScript expressions as Python expressions: literals, names, members, operators, functions as values.

Each emitter returns (source, precedence) so that parentheses are written only where Python needs
them. Plain objects become dicts (`obj.key` -> `obj["key"]`); responses keep attribute access.
"""

from __future__ import annotations

from collections.abc import Callable

from tree_sitter import Node

from loadcell.convert.context import Context, snake
from loadcell.convert.literals import fstring, py_string, string_value, unescape
from loadcell.convert.modules import Binding
from loadcell.convert.parse import field, maybe, named, text
from loadcell.convert.report import Unsupported

LAMBDA, TERNARY, OR, AND, NOT, CMP, BOR, BXOR, BAND, SHIFT, ADD, MUL, UNARY, POW, AWAIT, ATOM = range(16)
_BINARY = {
    "||": ("or", OR), "&&": ("and", AND), "|": ("|", BOR), "^": ("^", BXOR), "&": ("&", BAND),
    "===": ("==", CMP), "==": ("==", CMP), "!==": ("!=", CMP), "!=": ("!=", CMP), "<": ("<", CMP),
    ">": (">", CMP), "<=": ("<=", CMP), ">=": (">=", CMP), "in": ("in", CMP), "<<": ("<<", SHIFT),
    ">>": (">>", SHIFT), "+": ("+", ADD), "-": ("-", ADD), "*": ("*", MUL), "/": ("/", MUL),
    "%": ("%", MUL), "**": ("**", POW),
}  # fmt: skip
_RESPONSE_ATTRS = {
    "status": "status", "body": "text", "headers": "headers", "timings": "timings", "error": "error",
    "error_code": "error_code", "url": "url", "proto": "proto",
}  # fmt: skip
_GLOBALS = {"Math", "JSON", "console", "Object", "Date", "Array", "Number", "String", "Promise"}


class Expressions(Context):
    """Expressions other than calls (calls.py builds on it). `ex` finds a node's emitter by its type."""

    in_options: bool = False
    function_def: Callable[..., list[str]]  # statements.py: a def for a function value

    def x(self, node: Node, prec: int = LAMBDA) -> str:
        """The Python source of a JavaScript expression, parenthesized if it binds looser than `prec`."""
        code, own = self.ex(node)
        return f"({code})" if own < prec else code

    def ex(self, node: Node) -> tuple[str, int]:
        kind = node.type
        handler: Callable[[Node], tuple[str, int]] | None = getattr(self, f"e_{kind}", None)
        if handler is None:
            raise Unsupported(describe(node))
        return handler(node)

    # literals --------------------------------------------------------------------------------
    def e_number(self, node: Node) -> tuple[str, int]:
        return text(node).replace("n", ""), ATOM

    def e_string(self, node: Node) -> tuple[str, int]:
        return py_string(string_value(node)), ATOM

    def e_template_string(self, node: Node) -> tuple[str, int]:
        parts: list[tuple[bool, str]] = []
        for child in node.named_children:
            if child.type == "template_substitution":
                parts.append((True, self.x(named(child)[0])))
            elif child.type == "escape_sequence":
                parts.append((False, unescape(text(child))))
            else:
                parts.append((False, text(child)))
        return fstring(parts), ATOM

    def e_true(self, node: Node) -> tuple[str, int]:
        return "True", ATOM

    def e_false(self, node: Node) -> tuple[str, int]:
        return "False", ATOM

    def e_null(self, node: Node) -> tuple[str, int]:
        return "None", ATOM

    def e_undefined(self, node: Node) -> tuple[str, int]:
        return "None", ATOM

    def e_parenthesized_expression(self, node: Node) -> tuple[str, int]:
        inner = named(node)
        if len(inner) != 1:
            raise Unsupported("comma operator")
        return self.ex(inner[0])

    def e_array(self, node: Node) -> tuple[str, int]:
        items = [
            f"*{self.x(named(c)[0], OR)}" if c.type == "spread_element" else self.x(c) for c in named(node)
        ]
        return f"[{', '.join(items)}]", ATOM

    def e_object(self, node: Node) -> tuple[str, int]:
        items = []
        for child in named(node):
            if child.type == "spread_element":
                items.append(f"**{self.x(named(child)[0], OR)}")
            elif child.type == "shorthand_property_identifier":
                items.append(f"{text(child)!r}: {self.name(text(child))}")
            elif child.type == "pair":
                key, value = field(child, "key"), field(child, "value")
                k = self.key(key)
                if self.in_options and k == "'exec'" and value.type == "string":
                    items.append(f"{k}: {snake(string_value(value))!r}")
                else:
                    items.append(f"{k}: {self.x(value)}")
            else:
                raise Unsupported(describe(child))
        return "{" + ", ".join(items) + "}", ATOM

    def key(self, node: Node) -> str:
        if node.type in ("property_identifier", "number"):
            return repr(text(node)) if node.type != "number" else text(node)
        if node.type == "string":
            return repr(string_value(node))
        if node.type == "computed_property_name":
            return self.x(named(node)[0])
        raise Unsupported(describe(node))

    # names -------------------------------------------------------------------------------------
    def e_identifier(self, node: Node) -> tuple[str, int]:
        return self.name(text(node)), ATOM

    def name(self, js: str) -> str:
        if js == "undefined":
            return "None"
        if js in ("NaN", "Infinity"):
            self.need("import math")
            return "math.nan" if js == "NaN" else "math.inf"
        if js in ("__VU", "__ITER"):
            return f"{self.vu_expr()}.{'id' if js == '__VU' else 'iteration'}"
        if js == "__ENV":
            self.loadcell("env")
            return "env"
        if js == self.scope.data_param:
            return "vu.data"
        binding = self.bindings.get(js)
        if binding is not None:
            if binding.kind in ("k6", "k6/metrics"):
                self.loadcell(binding.member)
                return binding.member
            if binding.kind == "unsupported":
                raise Unsupported(f"{js!r} from module {binding.member!r}")
            if binding.kind != "local":
                raise Unsupported(f"{js!r} used as a value")
        if js in self.state_vars:
            if js not in self.scope.state:
                self.scope.state.append(js)
            return f"{self.vu_expr()}.store[{js!r}]"
        return snake(js)

    def chain(self, node: Node) -> list[str] | None:
        """a.b.c as ['a', 'b', 'c'] when it is a plain chain of names."""
        if node.type == "identifier":
            return [text(node)]
        if node.type == "member_expression" and not optional(node):
            head = self.chain(field(node, "object"))
            return None if head is None else [*head, text(field(node, "property"))]
        return None

    def is_module(self, root: str) -> bool:
        """Whether a chain starts at a k6 module or a JavaScript global (not a script variable)."""
        binding = self.bindings.get(root)
        return (
            (binding is not None and binding.kind not in ("k6", "k6/metrics", "local"))
            or (root in _GLOBALS and root not in self.bindings)
            or root == "__ENV"
        )

    # members -----------------------------------------------------------------------------------
    def is_response(self, node: Node) -> bool:
        if node.type == "identifier":
            return text(node) in self.scope.responses
        if node.type == "parenthesized_expression":
            return self.is_response(named(node)[0])
        if node.type == "subscript_expression":
            obj = field(node, "object")
            return obj.type == "identifier" and text(obj) in self.scope.response_lists
        if node.type == "call_expression":
            fn = field(node, "function")
            path = self.chain(fn)
            if (
                path
                and len(path) == 2
                and self.bindings.get(path[0]) == Binding("http")
                and path[1] != "batch"
            ):
                return True
            return bool(path and len(path) == 1 and path[0] in self.response_functions)
        return False

    def e_member_expression(self, node: Node) -> tuple[str, int]:
        if optional(node):
            raise Unsupported("optional chaining (?.)")
        obj, prop = field(node, "object"), text(field(node, "property"))
        path = self.chain(node)
        if path and self.is_module(path[0]):
            return self.module_value(path), ATOM
        if prop == "length":
            return f"len({self.x(obj)})", ATOM
        if self.is_response(obj):
            if prop not in _RESPONSE_ATTRS:
                raise Unsupported(f"response property .{prop}")
            return f"{self.x(obj, ATOM)}.{_RESPONSE_ATTRS[prop]}", ATOM
        timings = obj.type == "member_expression" and text(field(obj, "property")) == "timings"
        if timings and self.is_response(field(obj, "object")):
            return f"{self.x(obj, ATOM)}.{prop}", ATOM
        return f"{self.x(obj, ATOM)}[{prop!r}]", ATOM

    def module_value(self, path: list[str]) -> str:
        """A property of a k6 module or JS global that is read, not called."""
        root, rest = path[0], path[1:]
        binding = self.bindings.get(root)
        if root == "__ENV":
            self.loadcell("env")
            return f"env.get({rest[0]!r})"
        if binding is not None and binding.kind == "exec":
            vu = self.vu_expr()
            mapped = {
                "vu.idInTest": f"{vu}.id",
                "vu.idInInstance": f"{vu}.id",
                "vu.iterationInScenario": f"{vu}.iteration",
                "vu.iterationInInstance": f"{vu}.iteration_in_instance",
                "scenario.name": f"{vu}.scenario_name",
            }.get(".".join(rest))
            if mapped is None:
                raise Unsupported(f"exec.{'.'.join(rest)}")
            if rest[1].endswith("InInstance"):
                self.note(f"exec.{'.'.join(rest)} is read test-wide (an instance is a worker process here)")
            return mapped
        if root == "Math" and rest in (["PI"], ["E"]):
            self.need("import math")
            return f"math.{rest[0].lower()}"
        raise Unsupported(f"{'.'.join(path)}")

    def e_subscript_expression(self, node: Node) -> tuple[str, int]:
        if optional(node):
            raise Unsupported("optional chaining (?.)")
        obj, index = field(node, "object"), field(node, "index")
        if obj.type == "identifier" and text(obj) == "__ENV":
            self.loadcell("env")
            return f"env.get({self.x(index)})", ATOM
        return f"{self.x(obj, ATOM)}[{self.x(index)}]", ATOM

    # operators ---------------------------------------------------------------------------------
    def e_unary_expression(self, node: Node) -> tuple[str, int]:
        op, arg = text(field(node, "operator")), field(node, "argument")
        if op == "!":
            return f"not {self.x(arg, NOT)}", NOT
        if op in ("-", "~"):
            return f"{op}{self.x(arg, UNARY)}", UNARY
        if op == "+":
            return f"float({self.x(arg)})", ATOM
        raise Unsupported(f"the {op} operator")

    def e_binary_expression(self, node: Node) -> tuple[str, int]:
        op = text(field(node, "operator"))
        left, right = field(node, "left"), field(node, "right")
        parts = self.concat_parts(node) if op == "+" else None
        if parts is not None:
            return fstring(parts), ATOM
        if op == "??":
            chain = self.chain(left) or []
            if len(chain) == 2 and chain[0] == "__ENV":
                self.loadcell("env")
                return f"env.get({chain[1]!r}, {self.x(right)})", ATOM
            a = self.x(left, OR)
            return f"{a} if {a} is not None else {self.x(right, TERNARY)}", TERNARY
        if op in ("===", "!==", "==", "!=") and {left.type, right.type} & {"null", "undefined"}:
            other = right if left.type in ("null", "undefined") else left
            return f"{self.x(other, BOR)} {'is' if op[0] == '=' else 'is not'} None", CMP
        if op not in _BINARY:
            raise Unsupported(f"the {op} operator")
        py, prec = _BINARY[op]
        if prec == CMP:
            return f"{self.x(left, BOR)} {py} {self.x(right, BOR)}", CMP
        if prec == POW:
            return f"{self.x(left, AWAIT)} ** {self.x(right, UNARY)}", POW
        return f"{self.x(left, prec)} {py} {self.x(right, prec + 1)}", prec

    def concat_parts(self, node: Node) -> list[tuple[bool, str]] | None:
        """`'a' + b + 'c'` as f-string parts, when the chain of + has a string literal in it."""
        chain: list[Node] = []

        def walk(n: Node) -> None:
            if n.type == "binary_expression" and text(field(n, "operator")) == "+":
                walk(field(n, "left"))
                chain.append(field(n, "right"))
            else:
                chain.append(n)

        walk(node)
        if not any(n.type in ("string", "template_string") for n in chain):
            return None
        parts: list[tuple[bool, str]] = []
        for n in chain:
            if n.type == "string":
                parts.append((False, string_value(n)))
            elif n.type == "template_string":
                for child in n.named_children:
                    if child.type == "template_substitution":
                        parts.append((True, self.x(named(child)[0])))
                    else:
                        parts.append(
                            (False, unescape(text(child)) if child.type == "escape_sequence" else text(child))
                        )
            else:
                parts.append((True, self.x(n)))
        return parts

    def e_ternary_expression(self, node: Node) -> tuple[str, int]:
        cond, yes, no = (field(node, k) for k in ("condition", "consequence", "alternative"))
        return f"{self.x(yes, OR)} if {self.x(cond, OR)} else {self.x(no, TERNARY)}", TERNARY

    def e_assignment_expression(self, node: Node) -> tuple[str, int]:
        raise Unsupported("assignment inside an expression")

    def e_update_expression(self, node: Node) -> tuple[str, int]:
        raise Unsupported("++/-- inside an expression")

    def e_await_expression(self, node: Node) -> tuple[str, int]:
        return self.ex(named(node)[0])  # k6 promises: the converted call is already awaited where needed

    # functions as values -----------------------------------------------------------------------
    def callback(self, node: Node, responses: bool = False) -> tuple[list[str], str | None]:
        """An arrow or function expression as (parameter names, its returned expression or None)."""
        params = self.param_names(node)
        body = field(node, "body")
        saved = set(self.scope.responses)
        if responses:
            self.scope.responses.update(p for p in params if p.isidentifier())
        try:
            if body.type != "statement_block":
                return [snake(p) for p in params], self.x(body)
            stmts = named(body)
            if len(stmts) == 1 and stmts[0].type == "return_statement" and named(stmts[0]):
                return [snake(p) for p in params], self.x(named(stmts[0])[0])
            return [snake(p) for p in params], None
        finally:
            self.scope.responses = saved

    def param_names(self, node: Node) -> list[str]:
        params = maybe(node, "parameters") or maybe(node, "parameter")
        if params is None:
            return []
        if params.type == "identifier":
            return [text(params)]
        out = []
        for p in named(params):
            if p.type != "identifier":
                raise Unsupported(f"callback parameter {text(p)!r}")
            out.append(text(p))
        return out

    def as_function(self, node: Node, responses: bool = False) -> str:
        """A function value: a lambda when it is one expression, else a def written before the statement."""
        params, result = self.callback(node, responses)
        if result is not None and "await " not in result:
            return f"lambda {', '.join(params) or '_'}: {result}"
        name = self.fresh("fn")
        self.hoisted.extend(self.function_def(name, node, responses=responses))
        if self.hoisted and self.hoisted[0].lstrip().startswith("async"):
            raise Unsupported("a callback that makes requests (inline it, or make it a named function)")
        return name

    def e_arrow_function(self, node: Node) -> tuple[str, int]:
        return self.as_function(node), LAMBDA

    e_function_expression = e_arrow_function


def optional(node: Node) -> bool:
    """Whether a member access or call is optional (`?.`), which the subset leaves out."""
    return any(c.type == "optional_chain" for c in node.children)


def describe(node: Node) -> str:
    """A readable name for a construct outside the subset."""
    names = {
        "regex": "regular expression literal", "class": "class", "class_declaration": "class",
        "this": "`this`", "sequence_expression": "comma operator", "generator_function": "generator function",
        "yield_expression": "yield", "method_definition": "method in an object literal",
    }  # fmt: skip
    return names.get(node.type, node.type.replace("_", " "))
