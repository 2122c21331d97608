"""Albert's PATCH dialect: ``{"data": [{operation, attribute, oldValue?, newValue?}]}``.

It is not RFC 6902: ``attribute`` is a wire field name (``name``, ``class``), a custom field
(``Metadata.<field>``) or a special name a resource understands (``tagId``, ``companyId``...).
Every resource applies it through ``apply_patch`` with its own plain fields and handlers, and
the bulk list form (``[{"id", "data"}]``) goes through ``parse_bulk``/``bulk_response``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import Response

from loadcell.standin.albert.http import JSON, ApiError, bad_request, no_content

OPERATIONS = frozenset({"add", "update", "delete"})
MAX_BULK_ITEMS = 300


@dataclass
class Datum:
    """One PATCH operation; ``raw`` keeps resource-specific extras (``id``, ``colId``, ``blockId``)."""

    operation: str
    attribute: str
    new_value: Any = None
    old_value: Any = None
    has_new: bool = False
    raw: dict[str, Any] = field(default_factory=dict)

    def require_new(self) -> Any:
        if not self.has_new:
            raise bad_request(f"newValue is required to {self.operation} {self.attribute}")
        return self.new_value


Handler = Callable[[dict[str, Any], Datum], None]


def parse_data(data: Any) -> list[Datum]:
    """Validate a ``data`` array into Datum objects; 400 on any malformed entry."""
    if not isinstance(data, list) or not data:
        raise bad_request("PATCH body needs a non-empty 'data' array")
    parsed = []
    for entry in data:
        if not isinstance(entry, dict):
            raise bad_request("each PATCH datum must be an object")
        operation, attribute = entry.get("operation"), entry.get("attribute")
        if operation not in OPERATIONS:
            raise bad_request(f"operation must be one of add, update, delete (got {operation!r})")
        if not isinstance(attribute, str) or not attribute:
            raise bad_request("attribute is required")
        parsed.append(
            Datum(
                operation=operation,
                attribute=attribute,
                new_value=entry.get("newValue"),
                old_value=entry.get("oldValue"),
                has_new="newValue" in entry,
                raw=entry,
            )
        )
    return parsed


def parse_body(body: Any) -> list[Datum]:
    """The single-resource form ``{"data": [...]}``."""
    if not isinstance(body, dict):
        raise bad_request("PATCH body must be an object with a 'data' array")
    return parse_data(body.get("data"))


def parse_bulk(body: Any, *, max_items: int = MAX_BULK_ITEMS) -> list[tuple[Any, Any]]:
    """The bulk form ``[{"id", "data"}]`` as raw (id, data) pairs; each is validated per item later."""
    if not isinstance(body, list) or not body:
        raise bad_request("bulk PATCH body must be a non-empty array of {id, data}")
    if len(body) > max_items:
        raise bad_request(f"at most {max_items} items per bulk PATCH (got {len(body)})")
    pairs = []
    for entry in body:
        if not isinstance(entry, dict):
            raise bad_request("each bulk PATCH entry must be an object")
        pairs.append((entry.get("id"), entry.get("data")))
    return pairs


def set_metadata(doc: dict[str, Any], key: str, datum: Datum) -> None:
    """``Metadata.<key>``: scalars are stored as-is, lists of IDs become entity links."""
    metadata = doc.get("Metadata")
    if not isinstance(metadata, dict):
        metadata = doc["Metadata"] = {}
    if datum.operation == "delete":
        metadata.pop(key, None)
        return
    value = datum.require_new()
    if isinstance(value, list):
        value = [v if isinstance(v, dict) else {"id": v} for v in value]
    metadata[key] = value


def apply_patch(
    doc: dict[str, Any],
    data: list[Datum],
    *,
    fields: Collection[str] = (),
    handlers: Mapping[str, Handler] | None = None,
    metadata: bool = True,
    non_deletable: Collection[str] = (),
    coerce: Mapping[str, Callable[[Any], Any]] | None = None,
) -> None:
    """Apply every datum to ``doc`` in order; 400 for an attribute the resource cannot change.

    ``fields`` are plain top-level attributes; ``coerce`` converts incoming values (for example
    locations send latitude as a string); ``handlers`` take over special attributes.
    """
    handlers = handlers or {}
    coerce = coerce or {}
    for datum in data:
        attribute = datum.attribute
        if attribute in handlers:
            handlers[attribute](doc, datum)
        elif metadata and attribute.startswith("Metadata."):
            set_metadata(doc, attribute.split(".", 1)[1], datum)
        elif attribute in fields:
            if datum.operation == "delete":
                if attribute in non_deletable:
                    raise bad_request(f"{attribute} cannot be deleted")
                doc.pop(attribute, None)
            else:
                value = datum.require_new()
                if attribute in coerce:
                    try:
                        value = coerce[attribute](value)
                    except (TypeError, ValueError):
                        raise bad_request(f"invalid value for {attribute}: {value!r}") from None
                doc[attribute] = value
        else:
            raise bad_request(f"attribute {attribute!r} cannot be patched on this resource")


def bulk_response(done: list[str], failed: list[dict[str, Any]], *, done_key: str) -> Response:
    """204 when every item applied, 206 with ``FailedItems`` on partial success, 400 when all failed."""
    if not failed:
        return no_content()
    if not done:
        raise ApiError(400, "; ".join(str(f["errors"][0]["msg"]) for f in failed[:5]))
    return JSON({done_key: [{"id": i} for i in done], "FailedItems": failed}, status_code=206)


def failure(item_id: Any, msg: str) -> dict[str, Any]:
    return {"id": item_id, "errors": [{"msg": msg}]}
