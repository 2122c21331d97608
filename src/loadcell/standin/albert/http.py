"""Request/response plumbing shared by every route: errors, JSON, query parsing, audit stamps.

Albert answers errors as JSON with an ``errors`` list (the SDK reads ``errors``, then
``message``), so every failure here goes through ``ApiError`` and one handler.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from loadcell.standin.albert.config import StandinConfig
from loadcell.standin.albert.kinds import USER, Doc, Kind
from loadcell.standin.albert.store import Store


class ApiError(Exception):
    """An HTTP error answered as ``{"message": ..., "errors": [{"msg": ...}]}``."""

    def __init__(self, status: int, msg: str, headers: dict[str, str] | None = None):
        super().__init__(msg)
        self.status = status
        self.msg = msg
        self.headers = headers


MAX_BODY_BYTES = 6 * 1024 * 1024  # the payload limit of a synchronous AWS Lambda invocation
MAX_JSON_DEPTH = 64  # far deeper than any Albert document


def body_too_large() -> ApiError:
    return ApiError(413, f"Request body larger than {MAX_BODY_BYTES} bytes")


def too_deep() -> ApiError:
    return ApiError(413, f"Request body nested deeper than {MAX_JSON_DEPTH} levels")


def check_depth(raw: bytes, value: Any) -> None:
    """413 when decoded JSON nests deeper than MAX_JSON_DEPTH (a body with fewer brackets cannot)."""
    if not isinstance(value, dict | list) or raw.count(b"[") + raw.count(b"{") <= MAX_JSON_DEPTH:
        return
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise too_deep()
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))


def bad_request(msg: str) -> ApiError:
    return ApiError(400, msg)


def error_body(msg: str) -> dict[str, Any]:
    return {"message": msg, "errors": [{"msg": msg}]}


class JSON(Response):
    """A JSON response encoded with msgspec (several times faster than the stdlib encoder)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return msgspec.json.encode(content)


def no_content() -> Response:
    return Response(status_code=204)


async def read_json(request: Request) -> Any:
    """The decoded JSON body; 400 when it is missing or malformed, 413 when nested too deep."""
    body = await request.body()
    if not body:
        raise bad_request("Request body is required")
    try:
        value = msgspec.json.decode(body)
    except msgspec.DecodeError as exc:
        raise bad_request(f"Invalid JSON body: {exc}") from None
    except RecursionError:
        raise too_deep() from None
    check_depth(body, value)
    return value


async def read_object(request: Request) -> dict[str, Any]:
    body = await read_json(request)
    if not isinstance(body, dict):
        raise bad_request("Request body must be a JSON object")
    return body


def qlist(request: Request, name: str) -> list[str]:
    """All values of a repeated query key (``?id=A&id=B``), blanks dropped."""
    return [v for v in request.query_params.getlist(name) if v != ""]


def qstr(request: Request, name: str) -> str | None:
    value = request.query_params.get(name)
    return value if value not in (None, "") else None


def qbool(request: Request, name: str, default: bool = False) -> bool:
    value = request.query_params.get(name)
    if value is None or value == "":
        return default
    return value.lower() in ("true", "1", "yes")


def body_list(body: dict[str, Any], name: str) -> list[Any]:
    """A JSON-body filter that may be a scalar or a list; None and blanks dropped."""
    value = body.get(name)
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    return [v for v in values if v not in (None, "")]


def iso_now(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def with_prefix(prefix: str, raw: str) -> str:
    """IDs arrive with or without their prefix (search IDs drop it); normalise to the full form."""
    upper = raw.strip().upper()
    return upper if upper.startswith(prefix) else prefix + upper


@dataclass
class Context:
    """What every handler needs: the store, the settings and who the caller is."""

    store: Store
    config: StandinConfig

    def now(self) -> float:
        return self.store.clock()

    def audit(self) -> dict[str, Any]:
        """A ``Created``/``Updated`` audit object for the calling user."""
        user = self.store.get(USER, self.config.user_id)
        name = user.doc.get("name") if user else None
        return {"by": self.config.user_id, "byName": name, "at": iso_now(self.now())}

    def stamp_new(self, doc: Doc) -> Doc:
        audit = self.audit()
        doc["status"] = doc.get("status") or "active"
        doc["Created"] = audit
        doc["Updated"] = audit
        return doc

    def stamp_update(self, doc: Doc) -> Doc:
        doc["Updated"] = self.audit()
        return doc

    def get_or_404(self, kind: Kind, entity_id: str) -> Doc:
        record = self.store.get(kind, entity_id)
        if record is None:
            raise ApiError(404, f"{kind.label} {entity_id} not found")
        return record.doc

    def link(self, kind: Kind, value: Any, *, field: str = "name") -> dict[str, Any]:
        """Resolve ``{"id": ...}`` to ``{"id", "name"}`` from the store; 400 if the ID does not exist."""
        entity_id = value.get("id") if isinstance(value, dict) else value
        if not isinstance(entity_id, str) or not entity_id:
            raise bad_request(f"{kind.label} id is required")
        record = self.store.get(
            kind, entity_id if entity_id.startswith(kind.prefix) else kind.prefix + entity_id
        )
        if record is None:
            raise bad_request(f"{kind.label} {entity_id} does not exist")
        return {"id": record.id, "name": record.doc.get(field)}


def ctx(request: Request) -> Context:
    return request.app.state.ctx
