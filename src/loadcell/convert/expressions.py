"""JavaScript expressions as Python expressions: values, operators, k6 calls, JS built-ins.

Each emitter returns (source, precedence) so that parentheses are written only where Python needs
them. Plain objects become dicts (`obj.key` -> `obj["key"]`); responses keep attribute access.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from tree_sitter import Node

from loadcell.convert.context import Context, snake
from loadcell.convert.faker import faker_call
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
HTTP_VERBS = {"get", "head", "post", "put", "patch", "del", "options", "request", "batch"}
_RESPONSE_ATTRS = {
    "status": "status", "body": "text", "headers": "headers", "timings": "timings", "error": "error",
    "error_code": "error_code", "url": "url", "proto": "proto",
}  # fmt: skip
_PARAMS = {
    "headers": "headers", "tags": "tags", "redirects": "redirects", "responseType": "response_type",
    "timeout": "timeout", "responseCallback": "expected_statuses",
}  # fmt: skip
_MATH = {
    "floor": "math.floor", "ceil": "math.ceil", "sqrt": "math.sqrt", "log": "math.log", "exp": "math.exp",
    "trunc": "math.trunc", "pow": "math.pow", "abs": "abs", "min": "min", "max": "max",
}  # fmt: skip
_STR_METHODS = {
    "startsWith": "startswith", "endsWith": "endswith", "toLowerCase": "lower", "toUpperCase": "upper",
    "trim": "strip", "trimStart": "lstrip", "trimEnd": "rstrip",
}  # fmt: skip
_CONSOLE = {"log": "info", "info": "info", "debug": "debug", "warn": "warning", "error": "error"}
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
_GLOBALS = {"Math", "JSON", "console", "Object", "Date", "Array", "Number", "String", "Promise"}


def unescape(seq: str) -> str:
    """One JavaScript escape sequence (from tree-sitter's escape_sequence node) as its character."""
    body = seq[1:]
    if body.startswith("u{"):
        return chr(int(body[2:-1], 16))
    if body[:1] in "ux" and len(body) > 1:
        return chr(int(body[1:], 16))
    if body[:1] in ("\n", "\r"):
        return ""  # a line continuation
    return _ESCAPES.get(body, body)


def string_value(node: Node) -> str:
    """The value of a 'string' literal node."""
    parts = []
    for child in node.named_children:
        parts.append(unescape(text(child)) if child.type == "escape_sequence" else text(child))
    return "".join(parts)


def number_value(source: str) -> float:
    return float(ast.literal_eval(source.replace("_", "")))


def _content(s: str, quote: str, triple: bool, braces: bool) -> str:
    """Characters of a Python literal delimited by `quote` (three of them when triple)."""
    out = []
    for i, ch in enumerate(s):
        if ch == "\\":
            out.append("\\\\")
        elif ch == "\n" and triple:
            out.append(ch)
        elif ch == quote and (not triple or i == len(s) - 1 or s[i + 1] == quote):
            out.append("\\" + quote)
        elif ch in "{}" and braces:
            out.append(ch * 2)
        elif not ch.isprintable():
            out.append(repr(ch)[1:-1])
        else:
            out.append(ch)
    return "".join(out)


def py_string(value: str) -> str:
    """A string literal; triple-quoted when the JavaScript text spans lines (template literals)."""
    if "\n" not in value:
        return repr(value)  # ruff's formatter then prefers double quotes
    return '"""' + _content(value, '"', True, False) + '"""'


def fstring(parts: list[tuple[bool, str]]) -> str:
    """Literal and expression parts as an f-string (or a plain string when there is no expression)."""
    if not any(is_expr for is_expr, _ in parts):
        return py_string("".join(s for _, s in parts))
    exprs = [s for is_expr, s in parts if is_expr]
    if any("\\" in e for e in exprs):  # not allowed in an f-string's expressions before Python 3.12
        return " + ".join(f"str({s})" if is_expr else py_string(s) for is_expr, s in parts)
    triple = any("\n" in s for is_expr, s in parts if not is_expr)
    quote = '"' if triple or not any('"' in e for e in exprs) else "'"
    if not triple and any(quote in e for e in exprs):
        return " + ".join(f"str({s})" if is_expr else py_string(s) for is_expr, s in parts)
    out = []
    for is_expr, s in parts:
        if is_expr:
            out.append("{" + (f"({s})" if s.startswith("{") or _top_level_colon(s) else s) + "}")
        else:
            out.append(_content(s, quote, triple, True))
    delim = quote * 3 if triple else quote
    return f"f{delim}{''.join(out)}{delim}"


class Expressions(Context):
    """The expression half of the converter (statements.py builds on it)."""

    in_options: bool = False
    function_def: Callable[..., list[str]]  # statements.py: a def for a function value

    def x(self, node: Node, prec: int = LAMBDA) -> str:
        """The Python source of a JavaScript expression, parenthesized if it binds looser than `prec`."""
        code, own = self.ex(node)
        return f"({code})" if own < prec else code

    def ex(self, node: Node) -> tuple[str, int]:
        kind = node.type
        handler = getattr(self, f"e_{kind}", None)
        if handler is None:
            raise Unsupported(_describe(node))
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
                raise Unsupported(_describe(child))
        return "{" + ", ".join(items) + "}", ATOM

    def key(self, node: Node) -> str:
        if node.type in ("property_identifier", "number"):
            return repr(text(node)) if node.type != "number" else text(node)
        if node.type == "string":
            return repr(string_value(node))
        if node.type == "computed_property_name":
            return self.x(named(node)[0])
        raise Unsupported(_describe(node))

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
        if node.type == "member_expression" and not _optional(node):
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
        if _optional(node):
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
        if _optional(node):
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

    # calls -------------------------------------------------------------------------------------
    def e_call_expression(self, node: Node) -> tuple[str, int]:
        fn, args_node = field(node, "function"), field(node, "arguments")
        if _optional(node):
            raise Unsupported("optional call (?.())")
        if args_node.type != "arguments":
            raise Unsupported(f"tagged template {text(fn)}`...`")
        args = named(args_node)
        path = self.chain(fn)
        if path and len(path) == 1:
            return self.call_name(path[0], args)
        if path and self.is_module(path[0]):
            return self.call_module(path, args)
        if fn.type == "member_expression":
            return self.call_method(field(fn, "object"), text(field(fn, "property")), args)
        raise Unsupported(f"call of {text(fn)!r}")

    def args(self, args: list[Node]) -> str:
        return ", ".join(
            f"*{self.x(named(a)[0], OR)}" if a.type == "spread_element" else self.x(a) for a in args
        )

    def call_name(self, js: str, args: list[Node]) -> tuple[str, int]:
        binding = self.bindings.get(js)
        member = binding.member if binding else ""
        if binding and binding.kind == "k6":
            self.loadcell(member)
            if member == "sleep":
                return f"await sleep({self.args(args)})", AWAIT
            if member == "check":
                return self.check(args), ATOM
            if member == "group":
                raise Unsupported("group() whose value is used in an expression")
            return f"{member}({self.args(args)})", ATOM
        if binding and binding.kind == "summary":
            self.need("from loadcell.summary.text import render_summary")
            if len(args) > 1:
                self.note("textSummary()'s options (indent, colours) are not followed by render_summary()")
            return f"render_summary({self.x(args[0])})", ATOM
        if binding and binding.kind == "utils":
            return self.call_utils(member, args), ATOM
        if binding and binding.kind == "encoding":
            return self.base64(member, args), ATOM
        simple = {
            "parseInt": "int",
            "parseFloat": "float",
            "String": "str",
            "Number": "float",
            "Boolean": "bool",
        }
        if js in simple and js not in self.bindings:
            return f"{simple[js]}({self.x(args[0])})", ATOM
        if js == "encodeURIComponent":
            self.need("from urllib.parse import quote")
            return f'quote(str({self.x(args[0])}), safe="!\'()*-._~")', ATOM
        if js == "open" and js not in self.bindings:
            return self.open_file(args), ATOM
        if js in ("eval", "require", "Function"):
            raise Unsupported(f"{js}()")
        call = f"{self.name(js)}({self.args(args)})"
        if js in self.async_names:
            return f"await {call}", AWAIT
        return call, ATOM

    def call_utils(self, member: str, args: list[Node]) -> str:
        if member == "randomIntBetween":
            self.need("import random")
            return f"random.randint({self.args(args)})"
        if member == "randomItem":
            self.need("import random")
            return f"random.choice({self.args(args)})"
        self.need("import uuid")
        return "str(uuid.uuid4())"

    def base64(self, name: str, args: list[Node]) -> str:
        """k6/encoding: 'std', 'rawstd', 'url' and 'rawurl' alphabets; b64decode(..., 's') gives a string."""
        variant = string_value(args[1]) if len(args) > 1 and args[1].type == "string" else "std"
        if (len(args) > 1 and args[1].type != "string") or variant not in ("std", "rawstd", "url", "rawurl"):
            raise Unsupported(f"{name}() with encoding {text(args[1])}")
        self.need("import base64")
        fn = "urlsafe_b64" if "url" in variant else "b64"
        value = self.x(args[0], ATOM)
        if name == "b64encode":
            encoded = f"base64.{fn}encode({value}.encode()).decode()"
            return f'{encoded}.rstrip("=")' if variant.startswith("raw") else encoded
        padded = f'{value} + "=" * (-len({value}) % 4)' if variant.startswith("raw") else value
        as_text = len(args) > 2 and args[2].type == "string" and string_value(args[2]) == "s"
        return f"base64.{fn}decode({padded}){'.decode()' if as_text else ''}"

    def open_file(self, args: list[Node]) -> str:
        if not args or args[0].type != "string":
            raise Unsupported("open() of a path that is not a string literal")
        self.need("from pathlib import Path")
        path = string_value(args[0]).removeprefix("./")
        binary = len(args) > 1 and args[1].type == "string" and "b" in string_value(args[1])
        return f"(Path(__file__).parent / {path!r}).{'read_bytes' if binary else 'read_text'}()"

    def check(self, args: list[Node]) -> str:
        subject = self.x(args[0])
        is_resp = self.is_response(args[0])
        if len(args) < 2 or args[1].type != "object":
            return f"check({self.args(args)})"
        entries = []
        for pair in named(args[1]):
            if pair.type != "pair":
                raise Unsupported(f"check entry {text(pair)!r}")
            value = field(pair, "value")
            if value.type in ("arrow_function", "function_expression"):
                fn = self.as_function(value, responses=is_resp)
            else:
                fn = self.x(value)
            entries.append(f"{self.key(field(pair, 'key'))}: {fn}")
        rest = [self.x(a) for a in args[2:]]
        return f"check({', '.join([subject, '{' + ', '.join(entries) + '}', *rest])})"

    def call_module(self, path: list[str], args: list[Node]) -> tuple[str, int]:
        root, rest = path[0], path[1:]
        binding = self.bindings.get(root)
        kind = binding.kind if binding else root
        if kind == "http":
            return self.http_call(rest, args)
        if kind == "encoding" and len(rest) == 1 and rest[0] in ("b64encode", "b64decode"):
            return self.base64(rest[0], args), ATOM
        if binding is not None and binding.kind == "unsupported":
            raise Unsupported(f"{'.'.join(path)}() from module {binding.member!r}")
        if kind == "faker":
            self.preamble.add("fake")
            self.need("from faker import Faker")
            return faker_call(rest, args, self.x), ATOM
        if kind == "exec" and rest[0] == "test" and rest[1] in ("abort", "fail"):
            name = "abort" if rest[1] == "abort" else "mark_failed"
            self.loadcell(name)
            return f"{name}({self.args(args)})", ATOM
        if kind == "console" and len(rest) == 1 and rest[0] in _CONSOLE:
            self.preamble.add("log")
            if len(args) == 1:
                return f"log.{_CONSOLE[rest[0]]}({self.x(args[0])})", ATOM
            fmt = " ".join(["%s"] * len(args))
            return f"log.{_CONSOLE[rest[0]]}({fmt!r}, {self.args(args)})", ATOM
        if kind == "JSON" and rest == ["stringify"]:
            self.need("import json")
            if len(args) >= 3:
                return f"json.dumps({self.x(args[0])}, indent={self.x(args[2])})", ATOM
            return f'json.dumps({self.x(args[0])}, separators=(",", ":"))', ATOM
        if kind == "JSON" and rest == ["parse"]:
            self.need("import json")
            return f"json.loads({self.x(args[0])})", ATOM
        if kind == "Math":
            return self.call_math(rest[0], args)
        if kind == "Date" and rest == ["now"]:
            self.need("import time")
            return "int(time.time() * 1000)", ATOM
        if kind == "Object" and rest[0] in ("keys", "values", "entries") and len(args) == 1:
            suffix = {"keys": "", "values": ".values()", "entries": ".items()"}[rest[0]]
            return f"list({self.x(args[0], ATOM)}{suffix})", ATOM
        if kind == "Object" and rest == ["assign"]:
            return f"{self.x(args[0], ATOM)}.update({self.args(args[1:])})", ATOM
        if kind == "Array" and rest == ["isArray"]:
            return f"isinstance({self.x(args[0])}, list)", ATOM
        raise Unsupported(f"{'.'.join(path)}()")

    def call_math(self, name: str, args: list[Node]) -> tuple[str, int]:
        if name == "random":
            self.need("import random")
            return "random.random()", ATOM
        if name == "round":
            self.need("import math")
            return f"math.floor({self.x(args[0], ADD)} + 0.5)", ATOM
        if name not in _MATH:
            raise Unsupported(f"Math.{name}()")
        if _MATH[name].startswith("math."):
            self.need("import math")
        return f"{_MATH[name]}({self.args(args)})", ATOM

    def http_call(self, rest: list[str], args: list[Node]) -> tuple[str, int]:
        method = rest[0] if len(rest) == 1 else ""
        if method == "expectedStatuses":
            self.loadcell("expected_statuses")
            return f"expected_statuses({self.args(args)})", ATOM
        if method == "setResponseCallback":
            raise Unsupported(
                "http.setResponseCallback() (set vu.http.expected = expected_statuses(...) per VU)"
            )
        if method not in HTTP_VERBS:
            raise Unsupported(f"http.{'.'.join(rest)}()")
        if not self.scope.is_async:
            raise Unsupported(f"http.{method}() at module level (k6's init context makes no requests)")
        client = self.client()
        if method == "batch":
            return f"await {client}.batch({self.batch(args[0])})", AWAIT
        positional = 2 if method == "request" else 1
        out = [self.x(a) for a in args[:positional]]
        has_body = method not in ("get", "head")
        body = args[positional] if has_body and len(args) > positional else None
        params_at = positional + int(has_body)
        params = args[params_at] if len(args) > params_at else None
        if body is not None and body.type not in ("null", "undefined"):
            out.append(self.request_body(body))
        if params is not None:
            out.extend(self.params(params))
        verb = "delete" if method == "del" else method
        return f"await {client}.{verb}({', '.join(out)})", AWAIT

    def request_body(self, node: Node) -> str:
        """JSON.stringify(x) as a body becomes json=x (which also sets Content-Type)."""
        if node.type == "call_expression" and self.chain(field(node, "function")) == ["JSON", "stringify"]:
            args = named(field(node, "arguments"))
            if len(args) == 1:
                return f"json={self.x(args[0])}"
        return f"body={self.x(node)}"

    def params(self, node: Node) -> list[str]:
        if node.type in ("null", "undefined"):
            return []
        if node.type == "identifier" or (
            node.type == "call_expression" and field(node, "function").type == "identifier"
        ):
            return [f"**{self.x(node, ATOM)}"]
        if node.type != "object":
            raise Unsupported("http params that are not an object literal, a variable or a function's result")
        return [f"**{v}" if k is None else f"{k}={v}" for k, v in self.param_items(node)]

    def param_items(self, node: Node) -> list[tuple[str | None, str]]:
        """k6 request params as loadcell keyword arguments (None: a ** spread)."""
        out: list[tuple[str | None, str]] = []
        for child in named(node):
            if child.type == "spread_element":
                out.append((None, self.x(named(child)[0], OR)))
                continue
            value: Node | None = None
            if child.type == "shorthand_property_identifier":
                key = text(child)
            elif child.type == "pair":
                key, value = text(field(child, "key")).strip("'\""), field(child, "value")
            else:
                raise Unsupported(_describe(child))
            if key not in _PARAMS:
                raise Unsupported(f"http params key {key!r}")
            if value is None:
                code = self.name(key)
            else:
                code = self.timeout(value) if key == "timeout" else self.x(value)
            out.append((_PARAMS[key], code))
        return out

    def params_dict(self, node: Node) -> str:
        items = [f"**{v}" if k is None else f"{k!r}: {v}" for k, v in self.param_items(node)]
        return "{" + ", ".join(items) + "}"

    def timeout(self, node: Node) -> str:
        """k6's number is milliseconds; loadcell's number is seconds. Strings ('5s') pass through."""
        if node.type == "number":
            return repr(number_value(text(node)) / 1000)
        if node.type in ("string", "template_string"):
            return self.x(node)
        raise Unsupported("http timeout given by an expression (write milliseconds or a duration string)")

    def batch(self, node: Node) -> str:
        if node.type != "array":
            raise Unsupported("http.batch() of requests that are not an array literal")
        items = []
        for req in named(node):
            if req.type == "array":
                parts = named(req)
                values = [self.x(p) for p in parts[:3]]
                if len(parts) > 3:
                    values.append(
                        self.params_dict(parts[3]) if parts[3].type == "object" else self.x(parts[3])
                    )
                items.append(f"({', '.join(values)},)" if len(values) == 1 else f"({', '.join(values)})")
            elif req.type == "object":
                entries = []
                for pair in named(req):
                    key = text(field(pair, "key")).strip("'\"") if pair.type == "pair" else ""
                    if key == "params" and field(pair, "value").type == "object":
                        items_ = self.param_items(field(pair, "value"))
                        entries += [f"**{v}" if k is None else f"{k!r}: {v}" for k, v in items_]
                    elif key in ("method", "url", "body"):
                        entries.append(f"{key!r}: {self.x(field(pair, 'value'))}")
                    else:
                        raise Unsupported(f"http.batch() request key {text(pair)!r}")
                items.append("{" + ", ".join(entries) + "}")
            else:
                items.append(self.x(req))
        return f"[{', '.join(items)}]"

    def call_method(self, obj: Node, method: str, args: list[Node]) -> tuple[str, int]:
        """Methods called on values: JavaScript string and array methods, a response's json(), metrics."""
        o = self.x(obj, ATOM)
        a = [self.x(arg) for arg in args if arg.type != "spread_element"]
        if len(a) != len(args):
            raise Unsupported(f".{method}(...spread)")
        if method in ("add", "json", "seed"):
            return f"{o}.{method}({', '.join(a)})", ATOM
        if method in _STR_METHODS:
            return f"{o}.{_STR_METHODS[method]}({', '.join(a)})", ATOM
        if method == "push":
            return (f"{o}.append({a[0]})" if len(a) == 1 else f"{o}.extend([{', '.join(a)}])"), ATOM
        if method == "includes" or method == "hasOwnProperty":
            return f"{self.x(args[0], BOR)} in {self.x(obj, BOR)}", CMP
        if method == "join":
            sep = a[0] if a else "','"
            return f"{sep}.join(map(str, {o}))", ATOM
        if method == "split":
            return (f"list({o})" if a == ["''"] else f"{o}.split({', '.join(a)})"), ATOM
        if method in ("slice", "substring"):
            start, end = [*a, "", ""][:2]
            return f"{o}[{'' if start == '0' else start}:{end}]", ATOM
        if method in ("replace", "replaceAll"):
            if args[0].type == "regex":
                raise Unsupported(f".{method}() with a regular expression")
            return f"{o}.replace({a[0]}, {a[1]}{', 1' if method == 'replace' else ''})", ATOM
        if method == "toString":
            return f"str({self.x(obj)})", ATOM
        if method == "toFixed":
            return f"format({self.x(obj)}, '.{text(args[0]) if args else '0'}f')", ATOM
        if method == "concat":
            return f"{self.x(obj, ADD)} + {' + '.join(self.x(arg, ADD + 1) for arg in args)}", ADD
        if method == "toISOString" and self.is_date(obj):
            if obj.type == "new_expression":
                self.need("from datetime import UTC, datetime")
                return 'datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")', ATOM
            return f"{o}.isoformat()", ATOM
        if method == "getTime" and obj.type == "new_expression" and self.is_date(obj):
            self.need("import time")
            return "int(time.time() * 1000)", ATOM
        if method in ("map", "filter", "find", "some", "every"):
            return self.comprehension(obj, method, args), ATOM
        if obj.type == "identifier" and self.bindings.get(text(obj), None) is not None:
            binding = self.bindings[text(obj)]
            if binding.kind == "local" and not binding.member:  # import * as lib from './lib.js'
                call = f"{text(obj)}.{snake(method)}({', '.join(a)})"
                return (
                    (f"await {call}", AWAIT) if f"{text(obj)}.{method}" in self.async_names else (call, ATOM)
                )
        raise Unsupported(f"method .{method}()")

    def is_date(self, node: Node) -> bool:
        if node.type == "new_expression":
            return (
                text(field(node, "constructor")) == "Date" and not named(maybe(node, "arguments") or node)[1:]
            )
        path = self.chain(field(node, "function")) if node.type == "call_expression" else None
        return bool(path and len(path) == 3 and self.bindings.get(path[0]) and path[1] == "date")

    def comprehension(self, obj: Node, method: str, args: list[Node]) -> str:
        params, result = self.callback(args[0])
        if result is None:
            fn = self.as_function(args[0])
            result = f"{fn}({', '.join(params)})"
        source = self.x(obj, OR)
        target = params[0] if params else "_"
        loop = f"for {target} in {source}"
        if len(params) == 2:
            loop = f"for {params[1]}, {params[0]} in enumerate({source})"
        if method == "map":
            return f"[{result} {loop}]"
        if method == "filter":
            return f"[{target} {loop} if {result}]"
        if method == "find":
            return f"next(({target} {loop} if {result}), None)"
        return f"{'any' if method == 'some' else 'all'}({result} {loop})"

    def e_new_expression(self, node: Node) -> tuple[str, int]:
        ctor = text(field(node, "constructor"))
        args_node = maybe(node, "arguments")
        args = named(args_node) if args_node is not None else []
        binding = self.bindings.get(ctor)
        if binding and binding.kind == "k6/metrics":
            self.loadcell(binding.member)
            extra = [", is_time=True"] if len(args) > 1 and args[1].type == "true" else [""]
            return f"{binding.member}({self.x(args[0])}{extra[0]})", ATOM
        if binding and binding.kind == "k6/data":
            return self.shared_array(args), ATOM
        if ctor == "Error" and ctor not in self.bindings:
            return f"RuntimeError({self.args(args)})", ATOM
        raise Unsupported(f"new {ctor}()")

    def shared_array(self, args: list[Node]) -> str:
        """k6's SharedArray: the loader's value, built once at import (read-only, shared by the VUs)."""
        result = self.callback(args[1])[1]
        if result is not None:
            return result
        name = f"_load_{snake(string_value(args[0])) if args[0].type == 'string' else 'data'}"
        self.hoisted.extend(self.function_def(name, args[1]))
        return f"{name}()"


def _top_level_colon(code: str) -> bool:
    """A ':' outside brackets would end an f-string's expression (a lambda, a dict); slices are fine."""
    depth = 0
    for ch in code:
        depth += ch in "([{"
        depth -= ch in ")]}"
        if ch == ":" and depth == 0:
            return True
    return False


def _optional(node: Node) -> bool:
    return any(c.type == "optional_chain" for c in node.children)


def _describe(node: Node) -> str:
    """A readable name for a construct outside the subset."""
    names = {
        "regex": "regular expression literal", "class": "class", "class_declaration": "class",
        "this": "`this`", "sequence_expression": "comma operator", "generator_function": "generator function",
        "yield_expression": "yield", "method_definition": "method in an object literal",
    }  # fmt: skip
    return names.get(node.type, node.type.replace("_", " "))
