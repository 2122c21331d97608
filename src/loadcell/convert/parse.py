"""Parsing k6 JavaScript with tree-sitter's JavaScript grammar: a real ES2020+ parser, no regexes."""

from __future__ import annotations

import tree_sitter_javascript
from tree_sitter import Language, Node, Parser

from loadcell.convert.report import Unsupported
from loadcell.errors import ScriptError

_LANGUAGE = Language(tree_sitter_javascript.language())


def parse_js(source: str, name: str) -> Node:
    """The program node; a syntax error names its line and column (exit 107, as k6's)."""
    tree = Parser(_LANGUAGE).parse(source.encode())
    root = tree.root_node
    if root.has_error:
        bad = _first_error(root)
        line, col = bad.start_point
        raise ScriptError(
            f"{name}:{line + 1}:{col + 1}: JavaScript syntax error near {text(bad)[:40]!r};"
            " fix the script so that `k6 inspect` accepts it, then convert again"
        )
    return root


def _first_error(node: Node) -> Node:
    for child in node.children:
        if child.is_error or child.is_missing:
            return child
        if child.has_error:
            return _first_error(child)
    return node


def text(node: Node) -> str:
    return node.text.decode() if node.text is not None else ""


def named(node: Node) -> list[Node]:
    """The named children, comments left out (they are carried by the statement emitter)."""
    return [c for c in node.named_children if c.type != "comment"]


def field(node: Node, name: str) -> Node:
    """A child the grammar always gives (a call's function, a member's property...)."""
    found = node.child_by_field_name(name)
    if found is None:
        raise Unsupported(f"{node.type.replace('_', ' ')} without its {name}")
    return found


def maybe(node: Node, name: str) -> Node | None:
    """A child the grammar may leave out (a declaration's value, an else branch...)."""
    return node.child_by_field_name(name)


def line_of(node: Node) -> int:
    return node.start_point[0] + 1
