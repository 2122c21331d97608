"""URL parsing cached per URL string: a load test requests the same few URLs millions of times."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from loadcell.http.errors import go_quote

_CACHE_LIMIT = 50_000
# Go's url.Parse refuses a control byte anywhere (Python's urlsplit would silently drop CR, LF, TAB).
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Bytes a path keeps as written (Go's validEncoded for encodePath); anything else re-escapes it.
_PATH_AS_IS = re.compile(r"[A-Za-z0-9\-_.~!$&'()*+,;=:@\[\]%/]*")
# Bytes Go's escape(path, encodePath) leaves alone.
_PATH_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~$&+,/:;=@")
_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


@dataclass(slots=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # path + query, as sent on the request line
    host_header: str
    url: str  # the URL as k6 tags it (credentials removed)
    key: tuple[str, str, int]
    heads: dict[str, bytes] = field(default_factory=dict)  # pre-encoded heads for bare requests

    @property
    def tls(self) -> bool:
        return self.scheme == "https"


class InvalidURLError(ValueError):
    """k6 error code 1020."""


_cache: dict[str, Target] = {}


def escape_path(url: str, path: str) -> str:
    """The path as Go's client sends it (url.URL.EscapedPath): kept as written when it is validly
    escaped, else decoded and re-escaped (`/a b` -> `/a%20b`), so no space or quote reaches the
    request line. A `%` not followed by two hex digits is an invalid URL, as in Go."""
    bad = _ESCAPE.search(path)
    if bad:
        escape = path[bad.start() : bad.start() + 3]
        raise InvalidURLError(f"invalid URL: parse {go_quote(url)}: invalid URL escape {go_quote(escape)}")
    if _PATH_AS_IS.fullmatch(path):
        return path
    raw = bytearray()
    pieces = path.split("%")
    raw += pieces[0].encode("utf-8", "surrogatepass")
    for piece in pieces[1:]:
        raw.append(int(piece[:2], 16))
        raw += piece[2:].encode("utf-8", "surrogatepass")
    return "".join(chr(b) if b in _PATH_SAFE else f"%{b:02X}" for b in raw)


def parse_target(url: str) -> Target:
    target = _cache.get(url)
    if target is not None:
        return target
    if _CONTROL.search(url):
        problem = "net/url: invalid control character in URL"
        raise InvalidURLError(f"invalid URL: parse {go_quote(url)}: {problem}")
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # an unclosed IPv6 bracket, ...
        raise InvalidURLError(f"invalid URL {url!r}: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise InvalidURLError(f"invalid URL {url!r}: only absolute http:// and https:// URLs are supported")
    default_port = 443 if scheme == "https" else 80
    try:
        port = parts.port or default_port
    except ValueError:
        raise InvalidURLError(f"invalid URL {url!r}: bad port") from None
    host = parts.hostname
    host_header = host if port == default_port else f"{host}:{port}"
    if ":" in host and not host.startswith("["):
        host_header = f"[{host}]" if port == default_port else f"[{host}]:{port}"
    escaped = escape_path(url, parts.path)
    path = escaped or "/"
    if parts.query:  # sent as written, as Go does
        path += "?" + parts.query
    netloc = parts.netloc.rpartition("@")[2]
    clean = f"{scheme}://{netloc}{escaped}" + (f"?{parts.query}" if parts.query else "")
    target = Target(scheme, host, port, path, host_header, clean, (scheme, host, port))
    if len(_cache) >= _CACHE_LIMIT:
        _cache.clear()
    _cache[url] = target
    return target


def forget_heads() -> None:
    """Drop the pre-encoded heads (they embed default headers that have just changed)."""
    for target in _cache.values():
        target.heads.clear()


def with_params(url: str, params: Mapping[str, Any] | list[tuple[str, Any]] | None) -> str:
    if not params:
        return url
    sep = "&" if "?" in url else "?"
    return url + sep + urlencode(params, doseq=True)
