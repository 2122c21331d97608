"""A per-VU cookie jar with the domain and path rules browsers and k6 apply."""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie

from loadcell.http.url import Target


class CookieJar:
    __slots__ = ("cookies",)

    def __init__(self) -> None:
        # (domain, host_only) -> name -> (value, path)
        self.cookies: dict[tuple[str, bool], dict[str, tuple[str, str]]] = {}

    def clear(self) -> None:
        self.cookies.clear()

    def store(self, target: Target, set_cookie_values: list[bytes]) -> None:
        for raw in set_cookie_values:
            jar = SimpleCookie()
            try:
                jar.load(raw.decode("latin-1"))
            except CookieError:
                continue
            for name, morsel in jar.items():
                domain = (morsel["domain"] or "").lstrip(".").lower()
                host_only = not domain
                domain = domain or target.host.lower()
                path = morsel["path"] or "/"
                bucket = self.cookies.setdefault((domain, host_only), {})
                expired = morsel["max-age"] not in ("", None) and int(morsel["max-age"] or 0) <= 0
                if expired:
                    bucket.pop(name, None)
                else:
                    bucket[name] = (morsel.value, path)

    def header_for(self, target: Target) -> str | None:
        host = target.host.lower()
        pairs: list[str] = []
        for (domain, host_only), bucket in self.cookies.items():
            if host_only and host != domain:
                continue
            if not host_only and host != domain and not host.endswith("." + domain):
                continue
            path = target.path.split("?", 1)[0]
            pairs.extend(f"{n}={v}" for n, (v, p) in bucket.items() if path.startswith(p))
        return "; ".join(pairs) or None
