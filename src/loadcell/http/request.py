"""Request heads as bytes (sans-IO): built once per (method, URL) when nothing varies."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

import msgspec

from loadcell._version import __version__
from loadcell.errors import InvalidConfigError
from loadcell.http.errors import go_quote
from loadcell.http.url import Target, forget_heads

USER_AGENT = f"loadcell/{__version__}"
HeadFields = tuple[tuple[str, str], ...]
# Only a User-Agent, as k6 sends: no Accept-Encoding unless the script asks for compressed bodies
# (they are decoded either way).
DEFAULT_FIELDS: HeadFields = (("User-Agent", USER_AGENT),)
_DEFAULTS = DEFAULT_FIELDS  # the fields the heads cached per URL carry (use_default_fields)
_json_encode = msgspec.json.Encoder().encode
# Go's net/http (httpguts): a field name is an RFC 7230 token; a value has no control byte but HTAB.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_checked_names: set[str] = set()  # names seen valid: a script sends the same few on every request


def head_error(method: str, headers: Mapping[str, Any] | Iterable[tuple[str, Any]] | None) -> str | None:
    """Why Go's client would refuse to send this method and these headers, in its words, or None.

    Only what a script passes is checked (once per request that has any): a CR LF in a value would
    otherwise end the head and smuggle a second request onto the connection. The error names the
    field, never the value (it may be a credential), as Go's does.
    """
    if method not in _METHODS and not _TOKEN.fullmatch(method):
        return f"net/http: invalid method {go_quote(method)}"
    if not headers:
        return None
    items = headers.items() if type(headers) is dict or isinstance(headers, Mapping) else headers
    for name, value in items:
        if name not in _checked_names:
            if not isinstance(name, str) or not _TOKEN.fullmatch(name):
                return f"net/http: invalid header field name {go_quote(str(name))}"
            if len(_checked_names) < 10_000:
                _checked_names.add(name)
        text = value if isinstance(value, str) else str(value)
        if not text.isprintable() and _CONTROL.search(text):  # isprintable(): the fast common case
            return f"net/http: invalid header field value for {go_quote(name)}"
    return None


def default_fields(user_agent: str | None) -> HeadFields:
    """The fields every request carries, from k6's `userAgent` option: None keeps loadcell's, ""
    sends none. A control character is refused here, before the load: k6 would fail every request
    with it."""
    if user_agent and _CONTROL.search(user_agent):
        raise InvalidConfigError(
            f"userAgent {go_quote(user_agent)} contains a control character (CR, LF, NUL...), which"
            " would end the request head; remove it"
        )
    agent = USER_AGENT if user_agent is None else user_agent
    return (("User-Agent", agent),) if agent else ()


def use_default_fields(fields: HeadFields) -> None:
    """Send `fields` from now on (a client applies its settings' when it is made): the heads are
    cached per URL for the whole process, so new fields drop the cached heads."""
    global _DEFAULTS
    if fields != _DEFAULTS:
        _DEFAULTS = fields
        forget_heads()


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
    # UTF-8 as Go sends a string's bytes; a lone surrogate passes through rather than crash the VU.
    return "\r\n".join(lines).encode("utf-8", "surrogatepass")
