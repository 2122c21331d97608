"""Request heads as bytes (sans-IO): built once per (method, URL) when nothing varies."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

import msgspec

from loadcell.http.url import Target, forget_heads

USER_AGENT = "loadcell/0.1.0"
# Only a User-Agent, as k6 sends: no Accept-Encoding unless the script asks for compressed bodies
# (they are decoded either way).
_DEFAULTS: tuple[tuple[str, str], ...] = (("User-Agent", USER_AGENT),)
_json_encode = msgspec.json.Encoder().encode


def set_user_agent(user_agent: str | None) -> None:
    """k6's `userAgent` option, test-wide: None keeps loadcell's, "" sends none."""
    global _DEFAULTS
    agent = USER_AGENT if user_agent is None else user_agent
    defaults = (("User-Agent", agent),) if agent else ()
    if defaults != _DEFAULTS:
        _DEFAULTS = defaults
        forget_heads()  # heads cached per URL carry the old agent


def encode_body(body: Any, json: Any, data: Any) -> tuple[bytes | None, str | None]:
    """Body bytes and the Content-Type they imply (None when the caller must choose)."""
    if json is not None:
        return _json_encode(json), "application/json"
    if data is not None:
        if isinstance(data, Mapping | list):
            return urlencode(data, doseq=True).encode(), "application/x-www-form-urlencoded"
        body = data
    if body is None:
        return None, None
    if isinstance(body, bytes | bytearray | memoryview):
        return bytes(body), None
    if isinstance(body, str):
        return body.encode(), None
    if isinstance(body, Mapping):
        return urlencode(body, doseq=True).encode(), "application/x-www-form-urlencoded"
    raise TypeError(f"unsupported body type {type(body).__name__}: pass bytes, str, json= or data=")


def header_fields(
    target: Target,
    headers: Mapping[str, str] | Iterable[tuple[str, str]] | None,
    content_type: str | None,
    cookie: str | None,
) -> tuple[str, list[tuple[str, str]]]:
    """The request's host and header fields: k6's defaults, then the script's, then the jar's cookies
    (one field per name, the script's spelling kept). HTTP/1.1 and HTTP/2 both send these."""
    merged: dict[str, tuple[str, str]] = {k.lower(): (k, v) for k, v in _DEFAULTS}
    if content_type:
        merged["content-type"] = ("Content-Type", content_type)
    if headers:
        items = headers.items() if isinstance(headers, Mapping) else headers
        for name, value in items:
            merged[name.lower()] = (name, str(value))
    if cookie:
        existing = merged.get("cookie")
        merged["cookie"] = ("Cookie", f"{existing[1]}; {cookie}" if existing else cookie)
    host = merged.pop("host", ("Host", target.host_header))[1]
    return host, list(merged.values())


def build_head(
    method: str,
    target: Target,
    headers: Mapping[str, str] | Iterable[tuple[str, str]] | None,
    body_len: int | None,
    content_type: str | None,
    cookie: str | None,
) -> bytes:
    host, fields = header_fields(target, headers, content_type, cookie)
    lines = [f"{method} {target.path} HTTP/1.1", f"Host: {host}"]
    lines.extend(f"{name}: {value}" for name, value in fields)
    if body_len is not None and not any(name.lower() == "content-length" for name, _ in fields):
        lines.append(f"Content-Length: {body_len}")
    lines.append("\r\n")
    return "\r\n".join(lines).encode("latin-1")
