"""Cookie jars with the domain and path rules browsers and k6 apply, and k6's jar API
(http.cookie_jar(), CookieJar(): set, cookies_for_url, delete, clear)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping
from http.cookies import CookieError, Morsel, SimpleCookie
from typing import Any

from loadcell.http.url import InvalidURLError, Target, parse_target

# (value, secure, expires: a time.time() reading, 0 = a session cookie), by (name, path): Go's jar
# (k6's) tells cookies apart by domain, path and name.
_Entry = tuple[str, bool, float]


def _morsels(set_cookie_values: list[bytes]) -> Iterator[tuple[str, Morsel[str]]]:
    """The cookies of Set-Cookie fields; a field that does not parse is skipped, as browsers do."""
    for raw in set_cookie_values:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(raw.decode("latin-1"))
        except CookieError:
            continue
        yield from jar.items()


def _default_path(path: str) -> str:
    """RFC 6265 5.1.4 (Go's cookiejar defaultPath): the URL path's directory."""
    path = path.split("?", 1)[0]
    if not path.startswith("/"):
        return "/"
    cut = path.rfind("/")
    return "/" if cut <= 0 else path[:cut]


def _expires(max_age: str | int | None, expires: str | None) -> float | None:
    """The clock time a cookie ends (0: at the session's end); None when it is already gone."""
    if max_age not in ("", None):
        seconds = int(max_age)
        return None if seconds <= 0 else time.time() + seconds
    if expires:
        from email.utils import parsedate_to_datetime  # rare: most cookies name no Expires

        try:
            when = parsedate_to_datetime(expires).timestamp()
        except (TypeError, ValueError):
            return 0.0
        return None if when <= time.time() else when
    return 0.0


def _target(url: str | Target) -> Target:
    if isinstance(url, Target):
        return url
    try:
        return parse_target(url)
    except InvalidURLError as exc:
        raise ValueError(f"cookie jar: {exc}") from None


class CookieJar:
    """k6's http.CookieJar. One per VU is cleared between iterations; scripts may make their own and
    pass it as `jar=` to a request (its cookies are then sent and stored there, not in the VU's)."""

    __slots__ = ("cookies",)

    def __init__(self) -> None:
        # (domain, host_only) -> (name, path) -> (value, secure, expires)
        self.cookies: dict[tuple[str, bool], dict[tuple[str, str], _Entry]] = {}

    # what the client does ----------------------------------------------------------------------------
    def store(self, target: Target, set_cookie_values: list[bytes]) -> None:
        for name, morsel in _morsels(set_cookie_values):
            self._put(
                target,
                name,
                morsel.value,
                morsel["domain"],
                morsel["path"],
                bool(morsel["secure"]),
                morsel["max-age"],
                morsel["expires"],
            )

    def header_for(self, target: Target) -> str | None:
        pairs = [f"{name}={value}" for name, value in self._matching(target)]
        return "; ".join(pairs) or None

    # k6's jar API ---------------------------------------------------------------------------------------
    def set(self, url: str, name: str, value: str, options: Mapping[str, Any] | None = None) -> None:
        """k6's jar.set(url, name, value, {domain, path, expires, max_age, secure, http_only}).
        A domain the URL's host is not within drops the cookie silently, as k6 (Go's jar) does."""
        opts = dict(options or {})
        unknown = set(opts) - {"domain", "path", "expires", "max_age", "secure", "http_only"}
        if unknown:
            raise ValueError(
                f"jar.set(): unknown option(s) {sorted(unknown)}; use domain, path, expires, max_age,"
                " secure or http_only"
            )
        self._put(
            _target(url),
            name,
            str(value),
            opts.get("domain") or "",
            opts.get("path") or "",
            bool(opts.get("secure")),
            opts.get("max_age"),
            opts.get("expires"),
        )

    def cookies_for_url(self, url: str) -> dict[str, list[str]]:
        """k6's jar.cookiesForURL(url): name -> values of the cookies a request to `url` would send."""
        found: dict[str, list[str]] = {}
        for name, value in self._matching(_target(url)):
            found.setdefault(name, []).append(value)
        return found

    def delete(self, url: str, name: str) -> None:
        """k6's jar.delete(url, name): as k6 expires the cookie through Go's jar, only the one stored
        for the URL's host under the URL's default path (its directory) goes; one set with another
        path (jar.set's path option, a Path attribute) stays, in k6 as here."""
        target = _target(url)
        host, path = target.host.lower(), _default_path(target.path)
        for host_only in (True, False):
            bucket = self.cookies.get((host, host_only))
            if bucket is not None:
                bucket.pop((name, path), None)

    def clear(self, url: str | None = None) -> None:
        """k6's jar.clear(url): delete(url, name) for each cookie a request to `url` would send
        (with delete's path rule); with no URL, every cookie."""
        if url is None:
            self.cookies.clear()
            return
        for name in self.cookies_for_url(url):
            self.delete(url, name)

    # rules ----------------------------------------------------------------------------------------------
    def _put(
        self,
        target: Target,
        name: str,
        value: str,
        domain: str,
        path: str,
        secure: bool,
        max_age: str | int | None,
        expires: str | None,
    ) -> None:
        host = target.host.lower()
        domain = (domain or "").lstrip(".").lower()
        host_only = not domain
        if domain and host != domain and not host.endswith("." + domain):
            return  # a cookie for another site (RFC 6265 5.3 step 6)
        domain = domain or host
        path = path if path and path.startswith("/") else _default_path(target.path)
        ends = _expires(max_age, expires)
        bucket = self.cookies.setdefault((domain, host_only), {})
        if ends is None:
            bucket.pop((name, path), None)
        else:
            bucket[(name, path)] = (value, secure, ends)

    def _buckets(self, target: Target) -> Iterable[tuple[tuple[str, bool], dict[tuple[str, str], _Entry]]]:
        host = target.host.lower()
        for key, bucket in list(self.cookies.items()):
            domain, host_only = key
            if host == domain or (not host_only and host.endswith("." + domain)):
                yield key, bucket

    def _matching(self, target: Target) -> list[tuple[str, str]]:
        """(name, value) of the cookies a request to `target` sends, longest path first (RFC 6265
        5.4, Go's order)."""
        path = target.path.split("?", 1)[0]
        clock = 0.0
        found: list[tuple[int, str, str]] = []
        for _, bucket in self._buckets(target):
            for key, (value, secure, ends) in list(bucket.items()):
                if ends:
                    clock = clock or time.time()
                    if ends <= clock:
                        del bucket[key]
                        continue
                name, cookie_path = key
                if secure and not target.tls:
                    continue
                if path == cookie_path or (
                    path.startswith(cookie_path)
                    and (cookie_path.endswith("/") or path[len(cookie_path)] == "/")
                ):
                    found.append((-len(cookie_path), name, value))
        found.sort(key=lambda item: item[0])  # stable: paths of one length keep their order
        return [(name, value) for _, name, value in found]


class ReplacingJar:
    """A jar seen without some names: request cookies with `replace: True` stand in for the jar's
    cookies of the same name (k6's SetRequestCookies); what responses set still goes to the jar."""

    __slots__ = ("jar", "names")

    def __init__(self, jar: CookieJar, names: frozenset[str]) -> None:
        self.jar = jar
        self.names = names

    @property
    def cookies(self) -> dict[tuple[str, bool], dict[tuple[str, str], _Entry]]:
        return self.jar.cookies

    def store(self, target: Target, set_cookie_values: list[bytes]) -> None:
        self.jar.store(target, set_cookie_values)

    def header_for(self, target: Target) -> str | None:
        pairs = [f"{n}={v}" for n, v in self.jar._matching(target) if n not in self.names]
        return "; ".join(pairs) or None

    def clear(self) -> None:
        self.jar.clear()


def request_cookie_header(cookies: Mapping[str, Any]) -> tuple[str, frozenset[str]]:
    """k6's params.cookies ({name: value} or {name: {value, replace}}) as a Cookie field, and the
    names that replace the jar's."""
    pairs: list[str] = []
    replacing: set[str] = set()
    for name, spec in cookies.items():
        if isinstance(spec, Mapping):
            value = spec.get("value", "")
            if spec.get("replace"):
                replacing.add(name)
        else:
            value = spec
        pairs.append(f"{name}={value}")
    return "; ".join(pairs), frozenset(replacing)


# Go's zero time.Time in Unix milliseconds: k6's `expires` of a cookie that names no Expires.
_GO_ZERO_TIME_MS = -6795364578871


def response_cookies(set_cookie_values: list[bytes]) -> dict[str, list[dict[str, Any]]]:
    """k6's res.cookies: name -> [{name, value, domain, path, http_only, secure, max_age, expires}],
    k6's keys and values (domain "" when the field names none, expires in Unix ms)."""
    from email.utils import parsedate_to_datetime  # only when a script reads res.cookies

    found: dict[str, list[dict[str, Any]]] = {}
    for name, morsel in _morsels(set_cookie_values):
        max_age, expires = morsel["max-age"], morsel["expires"]
        try:
            expires_ms = (
                int(parsedate_to_datetime(expires).timestamp() * 1000) if expires else _GO_ZERO_TIME_MS
            )
        except (TypeError, ValueError):
            expires_ms = _GO_ZERO_TIME_MS
        found.setdefault(name, []).append(
            {
                "name": name,
                "value": morsel.value,
                "domain": morsel["domain"] or "",
                "path": morsel["path"] or "",
                "http_only": bool(morsel["httponly"]),
                "secure": bool(morsel["secure"]),
                "max_age": int(max_age) if max_age not in ("", None) else 0,
                "expires": expires_ms,
            }
        )
    return found
