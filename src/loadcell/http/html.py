"""k6's res.html() Selection (goquery's API, the part scripts use) over selectolax's lexbor parser."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from selectolax.lexbor import LexborNode


def parse_html(text: str) -> Selection:
    """The whole document, as k6's parseHTML(text) and res.html() give it (the parser is imported
    on first use: most tests never parse HTML)."""
    from selectolax.lexbor import LexborHTMLParser

    return Selection([LexborHTMLParser(text).root])  # type: ignore[list-item]  # a document has a root


class Selection:
    """A list of elements, as goquery's Selection: methods apply to all of them (text()) or to the
    first (attr(), html()); each(fn) calls fn(index, element) with a one-element Selection."""

    __slots__ = ("nodes",)

    def __init__(self, nodes: list[LexborNode]) -> None:
        self.nodes = nodes

    # traversal ------------------------------------------------------------------------------------------
    def find(self, selector: str) -> Selection:
        seen: set[int] = set()
        found: list[LexborNode] = []
        for node in self.nodes:
            for match in node.css(selector):
                if match.mem_id not in seen:
                    seen.add(match.mem_id)
                    found.append(match)
        return Selection(found)

    def children(self, selector: str | None = None) -> Selection:
        kids = [child for node in self.nodes for child in node.iter()]
        return Selection(kids) if selector is None else Selection(kids).filter(selector)

    def parent(self) -> Selection:
        parents: dict[int, LexborNode] = {}
        for node in self.nodes:
            up = node.parent
            if up is not None:
                parents.setdefault(up.mem_id, up)
        return Selection(list(parents.values()))

    def filter(self, selector: str) -> Selection:
        """The elements that match `selector` themselves."""
        return Selection([n for n in self.nodes if self._matches(n, selector)])

    def is_(self, selector: str) -> bool:
        """goquery's Is (`is` is a Python keyword)."""
        return any(self._matches(n, selector) for n in self.nodes)

    @staticmethod
    def _matches(node: LexborNode, selector: str) -> bool:
        up = node.parent
        return up is not None and any(m.mem_id == node.mem_id for m in up.css(selector))

    def first(self) -> Selection:
        return Selection(self.nodes[:1])

    def last(self) -> Selection:
        return Selection(self.nodes[-1:])

    def eq(self, index: int) -> Selection:
        """The element at `index` (negative from the end); an empty selection past the end."""
        try:
            return Selection([self.nodes[index]])
        except IndexError:
            return Selection([])

    # content --------------------------------------------------------------------------------------------
    def text(self) -> str:
        return "".join(node.text(deep=True) for node in self.nodes)

    def html(self) -> str | None:
        """The first element's inner HTML; None for an empty selection (k6's undefined)."""
        return self.nodes[0].inner_html if self.nodes else None

    def attr(self, name: str, default: str | None = None) -> str | None:
        """The first element's attribute `name`; `default` when it or the element is missing."""
        if not self.nodes:
            return default
        value = self.nodes[0].attributes.get(name, default)
        return "" if value is None and name in self.nodes[0].attributes else value

    def val(self) -> str | None:
        """A form field's value: input's value, textarea's text, select's selected option."""
        if not self.nodes:
            return None
        node = self.nodes[0]
        if node.tag == "textarea":
            return node.text(deep=True)
        if node.tag == "select":
            chosen = node.css_first("option[selected]") or node.css_first("option")
            return None if chosen is None else chosen.attributes.get("value") or chosen.text(deep=True)
        return node.attributes.get("value")

    def size(self) -> int:
        return len(self.nodes)

    def __len__(self) -> int:
        return len(self.nodes)

    def __iter__(self) -> Iterator[Selection]:
        return (Selection([n]) for n in self.nodes)

    def each(self, fn: Callable[[int, Selection], Any]) -> Selection:
        for index, node in enumerate(self.nodes):
            fn(index, Selection([node]))
        return self

    def map(self, fn: Callable[[int, Selection], Any]) -> list[Any]:
        return [fn(index, Selection([node])) for index, node in enumerate(self.nodes)]

    def __repr__(self) -> str:
        return f"<Selection of {len(self.nodes)}: {', '.join(n.tag or '?' for n in self.nodes[:5])}>"
