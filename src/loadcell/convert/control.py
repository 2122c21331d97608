"""Control flow as Python: if/else, counting loops as range(), other loops as while, switch as
if/elif, try, throw, break and continue.
"""

from __future__ import annotations

from tree_sitter import Node

from loadcell.convert.context import snake
from loadcell.convert.expressions import BOR, OR
from loadcell.convert.parse import field, maybe, named, text
from loadcell.convert.report import Unsupported
from loadcell.convert.statements import FUNCTIONS, Statements, indent


class ControlFlow(Statements):
    """The control-flow statements (program.py builds on it)."""

    def s_if_statement(self, node: Node) -> list[str]:
        out = [f"if {self.x(field(node, 'condition'))}:", *self.block(field(node, "consequence"))]
        alt = maybe(node, "alternative")
        while alt is not None:
            inner = named(alt)[0]
            if inner.type == "if_statement":
                out += [
                    f"elif {self.x(field(inner, 'condition'))}:",
                    *self.block(field(inner, "consequence")),
                ]
                alt = maybe(inner, "alternative")
            else:
                out += ["else:", *self.block(inner)]
                alt = None
        return out

    def s_for_statement(self, node: Node) -> list[str]:
        init, cond, step = (maybe(node, k) for k in ("initializer", "condition", "increment"))
        body = field(node, "body")
        ranged = self.range_loop(init, cond, step, body)
        if ranged is not None:
            return [ranged, *self.block(body)]
        if _contains(body, "continue_statement"):
            raise Unsupported("for loop with `continue` that is not a simple counting loop")
        out = self.s(init) if init is not None and init.type != "empty_statement" else []
        test = self.x(cond) if cond is not None and cond.type != "empty_statement" else "True"
        inner = self.body(body.named_children if body.type == "statement_block" else [body])
        if step is not None:
            inner += self.expression_statement(step)
        return [*out, f"while {test}:", *indent(inner)]

    def range_loop(self, init: Node | None, cond: Node | None, step: Node | None, body: Node) -> str | None:
        """for (let i = a; i < b; i++) -> for i in range(a, b), when the body leaves i alone."""
        if not (init and cond and step) or init.type != "lexical_declaration" or len(named(init)) != 1:
            return None
        decl = named(init)[0]
        var = text(field(decl, "name"))
        if _assigns(body, var):
            return None
        ok_step = (
            step.type == "update_expression" and text(field(step, "argument")) == var and "++" in text(step)
        )
        ok_step = ok_step or text(step).replace(" ", "") == f"{var}+=1"
        if cond.type != "binary_expression" or text(field(cond, "left")) != var or not ok_step:
            return None
        op = text(field(cond, "operator"))
        if op not in ("<", "<="):
            return None
        start, end = self.x(field(decl, "value")), self.x(field(cond, "right"), BOR)
        if op == "<=":
            end = f"{end} + 1"
        bounds = end if start == "0" else f"{start}, {end}"
        return f"for {snake(var)} in range({bounds}):"

    def s_for_in_statement(self, node: Node) -> list[str]:
        left, right, body = field(node, "left"), field(node, "right"), field(node, "body")
        op = text(field(node, "operator"))
        source = self.x(right, OR)
        if left.type == "identifier":
            target = self.name(text(left))
            if op == "of" and right.type == "identifier" and text(right) in self.scope.response_lists:
                self.scope.responses.add(text(left))
        elif left.type == "array_pattern" and all(p.type == "identifier" for p in named(left)):
            target = ", ".join(self.name(text(p)) for p in named(left))
        else:
            raise Unsupported(f"for loop target {text(left)!r}")
        return [f"for {target} in {source}:", *self.block(body)]

    def s_while_statement(self, node: Node) -> list[str]:
        return [f"while {self.x(field(node, 'condition'))}:", *self.block(field(node, "body"))]

    def s_do_statement(self, node: Node) -> list[str]:
        body = field(node, "body")
        if _contains(body, "continue_statement"):
            raise Unsupported("do...while with `continue`")
        cond = self.x(field(node, "condition"), 4)
        return ["while True:", *self.block(body), f"    if not {cond}:", "        break"]

    def s_switch_statement(self, node: Node) -> list[str]:
        value_node = named(field(node, "value"))[0]
        subject, out = self.x(value_node, BOR), []
        if value_node.type not in ("identifier", "member_expression"):
            tmp = self.fresh("switch")
            out.append(f"{tmp} = {self.x(value_node)}")
            subject = tmp
        pending: list[str] = []
        first = True
        for case in named(field(node, "body")):
            value = maybe(case, "value")
            stmts = [c for c in case.named_children if c is not value]
            if value is not None:
                pending.append(f"{subject} == {self.x(value, BOR)}")
            if not [s for s in stmts if s.type != "comment"]:
                continue
            last = [s for s in stmts if s.type != "comment"][-1]
            if last.type not in (
                "break_statement",
                "return_statement",
                "throw_statement",
                "continue_statement",
            ):
                raise Unsupported("switch case that falls through")
            if last.type == "break_statement":
                stmts = [s for s in stmts if s is not last]
            if _contains_shallow_break(stmts):
                raise Unsupported("break inside a switch case before its end")
            if value is None and not pending:
                out += ["else:" if not first else "if True:", *indent(self.body(stmts))]
            else:
                out += [f"{'if' if first else 'elif'} {' or '.join(pending)}:", *indent(self.body(stmts))]
            pending, first = [], False
        return out

    def s_try_statement(self, node: Node) -> list[str]:
        out = ["try:", *self.block(field(node, "body"))]
        handler, final = maybe(node, "handler"), maybe(node, "finalizer")
        if handler is not None:
            param = maybe(handler, "parameter")
            name = f" as {self.name(text(param))}" if param is not None else ""
            out += [f"except Exception{name}:", *self.block(field(handler, "body"))]
        if final is not None:
            out += ["finally:", *self.block(field(final, "body"))]
        return out

    def s_throw_statement(self, node: Node) -> list[str]:
        value = named(node)[0]
        if value.type == "new_expression":
            return [f"raise {self.x(value)}"]
        return [f"raise RuntimeError({self.x(value)})"]

    def s_break_statement(self, node: Node) -> list[str]:
        if named(node):
            raise Unsupported("labelled break")
        return ["break"]

    def s_continue_statement(self, node: Node) -> list[str]:
        if named(node):
            raise Unsupported("labelled continue")
        return ["continue"]


def _contains(node: Node, kind: str) -> bool:
    """Whether `kind` occurs in `node` outside nested loops and functions."""
    for child in node.named_children:
        if child.type == kind:
            return True
        if child.type in (
            *FUNCTIONS,
            "for_statement",
            "for_in_statement",
            "while_statement",
            "do_statement",
        ):
            continue
        if _contains(child, kind):
            return True
    return False


def _assigns(node: Node, var: str) -> bool:
    """Whether `var` is assigned, or incremented, anywhere in `node`."""
    for child in node.named_children:
        if child.type in ("assignment_expression", "augmented_assignment_expression", "update_expression"):
            target = maybe(child, "left") or maybe(child, "argument")
            if target is not None and text(target) == var:
                return True
        if _assigns(child, var):
            return True
    return False


def _contains_shallow_break(stmts: list[Node]) -> bool:
    return any(s.type == "break_statement" or _contains(s, "break_statement") for s in stmts)
