"""The entity kinds the stand-in stores, and how each one is named, searched and parented.

Keeping this in one table means the store can derive its index columns (name, search tokens,
parent) from any document without each route remembering to do it on every write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

Doc = dict[str, Any]


def dig(doc: Doc, path: str) -> Any:
    """Read a dotted path (``Company.name``) from a document; anything missing reads as None."""
    node: Any = doc
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            return None
    return node


def texts(*paths: str) -> Callable[[Doc], Iterable[str]]:
    """Build a text extractor that yields the scalar values found at the given dotted paths."""

    def extract(doc: Doc) -> Iterable[str]:
        for path in paths:
            value = dig(doc, path)
            if isinstance(value, str | int | float) and not isinstance(value, bool):
                yield str(value)

    return extract


def _no_text(_doc: Doc) -> Iterable[str]:
    return ()


def _no_facets(_doc: Doc) -> Iterable[tuple[str, str]]:
    return ()


@dataclass(frozen=True)
class Kind:
    """One stored entity kind: its ID prefix and the fields that feed the index columns."""

    name: str
    prefix: str
    label: str
    name_path: str | None = "name"
    text: Callable[[Doc], Iterable[str]] = field(default=_no_text)
    parent_path: str | None = None
    prefix_search: bool = False  # type-ahead search: a query token may match a token's start
    facets: Callable[[Doc], Iterable[tuple[str, str]]] = field(default=_no_facets)

    def name_of(self, doc: Doc) -> str | None:
        value = dig(doc, self.name_path) if self.name_path else None
        return value if isinstance(value, str) else None

    def parent_of(self, doc: Doc) -> str | None:
        value = dig(doc, self.parent_path) if self.parent_path else None
        return value if isinstance(value, str) else None


def _inventory_text(doc: Doc) -> Iterable[str]:
    yield from texts("name", "alias", "description", "albertId")(doc)
    albert_id = doc.get("albertId") or ""
    if albert_id.startswith("INV"):
        yield albert_id[3:]  # search IDs travel without the INV prefix


def _inventory_facets(doc: Doc) -> Iterable[tuple[str, str]]:
    """Search facets of an inventory item: (facet parameter, value) pairs."""
    yield "category", doc.get("category") or ""
    yield "manufacturer", dig(doc, "Company.name") or ""
    yield "createdBy", dig(doc, "Created.byName") or ""
    for tag in doc.get("Tags") or []:
        yield "tags", tag.get("name") or ""


def _project_text(doc: Doc) -> Iterable[str]:
    yield from texts("description", "prefix", "albertId")(doc)
    albert_id = doc.get("albertId") or ""
    if albert_id.startswith("PRO"):
        yield albert_id[3:]


INVENTORY = Kind(
    "inventory",
    "INV",
    "Inventory item",
    text=_inventory_text,
    parent_path="parentId",
    facets=_inventory_facets,
)
LOT = Kind(
    "lot",
    "LOT",
    "Lot",
    name_path="manufacturerLotNumber",
    text=texts(
        "manufacturerLotNumber", "parentName", "lotNumber", "barcodeId", "externalBarcodeId", "albertId"
    ),
    parent_path="parentId",
)
PROJECT = Kind("project", "PRO", "Project", name_path="description", text=_project_text)
TASK = Kind("task", "TAS", "Task", text=texts("name", "albertId"), parent_path="parentId")
USER = Kind("user", "USR", "User", text=texts("name", "email"), prefix_search=True)
LOCATION = Kind("location", "LOC", "Location", text=texts("name"))
STORAGE_LOCATION = Kind("storagelocation", "STL", "Storage location", parent_path="Location.id")
COMPANY = Kind("company", "COM", "Company")
TAG = Kind("tag", "TAG", "Tag")
NOTE = Kind("note", "NOT", "Note", name_path=None, text=texts("note"), parent_path="parentId")
NOTEBOOK = Kind("notebook", "NTB", "Notebook", text=texts("name"), parent_path="parentId")
WORKSHEET = Kind(
    "worksheet",
    "WKS",
    "Worksheet",
    name_path="projectName",
    text=texts("projectName"),
    parent_path="projectId",
)
PROPERTY_DATA = Kind(
    "propertydata",
    "PTD",
    "Property data",
    name_path="result.name",
    text=texts("result.name", "result.value", "dataTemplateName", "inventoryName"),
    parent_path="parentId",
    prefix_search=True,
)
DATA_TEMPLATE = Kind(
    "datatemplate", "DAT", "Data template", text=texts("name", "description"), prefix_search=True
)
PARAMETER_GROUP = Kind(
    "parametergroup", "PRG", "Parameter group", text=texts("name", "description"), prefix_search=True
)
PARAMETER = Kind("parameter", "PRM", "Parameter", text=texts("name"))
DATA_COLUMN = Kind("datacolumn", "DAC", "Data column", text=texts("name"), prefix_search=True)
UNIT = Kind("unit", "UNI", "Unit", text=texts("name", "symbol"))
WORKFLOW = Kind("workflow", "WFL", "Workflow", text=texts("name"), prefix_search=True)
ROLE = Kind("role", "ROL", "Role")

ALL_KINDS = (
    INVENTORY,
    LOT,
    PROJECT,
    TASK,
    USER,
    LOCATION,
    STORAGE_LOCATION,
    COMPANY,
    TAG,
    NOTE,
    NOTEBOOK,
    WORKSHEET,
    PROPERTY_DATA,
    DATA_TEMPLATE,
    PARAMETER_GROUP,
    PARAMETER,
    DATA_COLUMN,
    UNIT,
    WORKFLOW,
    ROLE,
)
