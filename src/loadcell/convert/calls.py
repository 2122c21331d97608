"""Calls as Python: k6's functions and modules (http requests, check, sleep, exec, encoding, metrics,
SharedArray), the JavaScript built-ins the subset keeps (Math, JSON, console, Object, Date), and
methods called on values (strings, arrays, responses).
"""

from __future__ import annotations

from tree_sitter import Node

from loadcell.convert.context import snake
from loadcell.convert.expressions import ADD, ATOM, AWAIT, BOR, CMP, OR, Expressions, describe, optional
from loadcell.convert.faker import faker_call
from loadcell.convert.literals import number_value, string_value
from loadcell.convert.parse import field, maybe, named, text
from loadcell.convert.report import Unsupported

HTTP_VERBS = {"get", "head", "post", "put", "patch", "del", "options", "request", "batch"}
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


class Calls(Expressions):
    """Function, module and method calls (statements.py builds on it)."""

    def e_call_expression(self, node: Node) -> tuple[str, int]:
        fn, args_node = field(node, "function"), field(node, "arguments")
        if optional(node):
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
                raise Unsupported(describe(child))
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
