"""URL parsing cached per URL string: a load test requests the same few URLs millions of times."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

_CACHE_LIMIT = 50_000


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


def parse_target(url: str) -> Target:
    target = _cache.get(url)
    if target is not None:
        return target
    parts = urlsplit(url)
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
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    netloc = parts.netloc.rpartition("@")[2]
    clean = f"{scheme}://{netloc}{parts.path or ''}" + (f"?{parts.query}" if parts.query else "")
    target = Target(scheme, host, port, path, host_header, clean, (scheme, host, port))
    if len(_cache) >= _CACHE_LIMIT:
        _cache.clear()
    _cache[url] = target
    return target


def forget_heads() -> None:
    """Drop the pre-encoded heads (they embed default headers that have just changed)."""
    for target in _cache.values():
        target.heads.clear()


def with_params(url: str, params: dict | list | None) -> str:
    if not params:
        return url
    sep = "&" if "?" in url else "?"
    return url + sep + urlencode(params, doseq=True)
