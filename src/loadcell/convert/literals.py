"""JavaScript literals read, and Python string literals written: escapes, quoting, f-strings."""

from __future__ import annotations

import ast

from tree_sitter import Node

from loadcell.convert.parse import text

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


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


def _top_level_colon(code: str) -> bool:
    """A ':' outside brackets would end an f-string's expression (a lambda, a dict); slices are fine."""
    depth = 0
    for ch in code:
        depth += ch in "([{"
        depth -= ch in ")]}"
        if ch == ":" and depth == 0:
            return True
    return False
