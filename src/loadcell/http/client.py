"""The VU-facing client: k6's http.* calls and their arguments, over the VU's exchanges
(loadcell.http.exchange), where timings, tags and metrics are recorded per request.

The commonest call, a bare GET of a known URL, costs one dict lookup for its target here.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Awaitable, Coroutine, Iterable, Mapping
from typing import Any

from loadcell.config.durations import parse_duration
from loadcell.http import expected as _expected
from loadcell.http.cookies import CookieJar, ReplacingJar, request_cookie_header
from loadcell.http.errors import DEFAULT, INVALID_URL, RequestError
from loadcell.http.exchange import Exchanges
from loadcell.http.expected import ExpectedStatuses, expected_statuses, set_response_callback
from loadcell.http.params import is_k6_params, k6_params_kwargs
from loadcell.http.request import encode_body, head_error
from loadcell.http.response import Response
from loadcell.http.settings import ClientSettings
from loadcell.http.tagged import TaggedURL
from loadcell.http.url import InvalidURLError, parse_target, with_params
from loadcell.http.url import _cache as _targets
from loadcell.metrics.handle import MetricsHandle

__all__ = ["ExpectedStatuses", "HttpClient", "expected_statuses", "set_response_callback"]

_RESPONSE_TYPES = frozenset({"text", "binary", "none"})  # k6's responseType ("none" keeps no body)
_UNSET: Any = object()
DEFAULT_TIMEOUT = 60.0


async def _ready(response: Response) -> Response:
    """An already known response, awaitable like an exchange."""
    return response


class HttpClient(Exchanges):
    """k6's http.* for one VU, over its exchanges (loadcell.http.exchange)."""

    def __init__(self, metrics: MetricsHandle, settings: ClientSettings) -> None:
        super().__init__(metrics, settings)
        self.timeout = DEFAULT_TIMEOUT
        self.max_redirects = settings.max_redirects
        self.keep_bodies = not settings.discard_response_bodies  # k6's discardResponseBodies
        self.limiter = settings.limiter  # k6's rps
        self.expected: ExpectedStatuses | None = _expected.DEFAULT_EXPECTED

    # k6's http.* verbs (a k6 params object may follow the URL, or the body, as in k6) -----------------
    def get(self, url: str, k6_params: Mapping[str, Any] | None = None, **kw: Any) -> Awaitable[Response]:
        target = None if kw or k6_params is not None or type(url) is not str else _targets.get(url)
        if target is None or self.limiter is not None:
            return self.request("GET", url, None, k6_params, **kw)
        # The commonest call of all, a bare GET of a known URL, skips request()'s argument handling.
        return self._exchange(
            "GET",
            target,
            None,
            None,
            None,
            None,
            self.timeout,
            self.expected,
            self.max_redirects,
            self.keep_bodies,
        )

    def head(self, url: str, k6_params: Mapping[str, Any] | None = None, **kw: Any) -> Awaitable[Response]:
        return self.request("HEAD", url, None, k6_params, **kw)

    def options(
        self, url: str, body: Any = None, k6_params: Mapping[str, Any] | None = None, **kw: Any
    ) -> Awaitable[Response]:
        return self.request("OPTIONS", url, body, k6_params, **kw)

    def delete(
        self, url: str, body: Any = None, k6_params: Mapping[str, Any] | None = None, **kw: Any
    ) -> Awaitable[Response]:
        return self.request("DELETE", url, body, k6_params, **kw)

    def post(
        self, url: str, body: Any = None, k6_params: Mapping[str, Any] | None = None, **kw: Any
    ) -> Awaitable[Response]:
        return self.request("POST", url, body, k6_params, **kw)

    def put(
        self, url: str, body: Any = None, k6_params: Mapping[str, Any] | None = None, **kw: Any
    ) -> Awaitable[Response]:
        return self.request("PUT", url, body, k6_params, **kw)

    def patch(
        self, url: str, body: Any = None, k6_params: Mapping[str, Any] | None = None, **kw: Any
    ) -> Awaitable[Response]:
        return self.request("PATCH", url, body, k6_params, **kw)

    async def batch(
        self, requests: Iterable[Any] | Mapping[str, Any]
    ) -> list[Response] | dict[str, Response]:
        """k6's http.batch(): requests run in parallel on separate connections. Each request is a URL,
        a (method, url, body, params) tuple or a {method, url, body, params} dict (params: a k6 params
        object); a dict of named requests gives a dict of responses under the same names."""
        if isinstance(requests, Mapping):
            names = list(requests)
            responses = await asyncio.gather(*(self._batch_call(requests[n]) for n in names))
            return dict(zip(names, responses, strict=True))
        return list(await asyncio.gather(*(self._batch_call(req) for req in requests)))

    def _batch_call(self, req: Any) -> Awaitable[Response]:
        """One of batch()'s requests, in any of k6's forms."""
        if isinstance(req, str):
            return self.request("GET", req)
        if isinstance(req, Mapping):
            spec = dict(req)  # k6's keys, and keyword arguments beside them
            if "url" not in spec:
                raise ValueError(
                    f"a batch request dict needs a 'url' (k6's {{method, url, body, params}}): {req!r}"
                )
            k6_params = spec.pop("params", None)
            return self.request(
                spec.pop("method", "GET"), spec.pop("url"), spec.pop("body", None), k6_params, **spec
            )
        method, url, *rest = req
        body = rest[0] if rest else None
        params = rest[1] if len(rest) > 1 else None
        if params and not is_k6_params(params):
            return self.request(method, url, body, **params)  # keyword arguments by name
        return self.request(method, url, body, params)

    # the request path ----------------------------------------------------------------------------
    def request(
        self,
        method: str,
        url: str,
        body: Any = None,
        k6_params: Mapping[str, Any] | None = None,
        *,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        data: Any = None,
        tags: Mapping[str, str] | None = None,
        timeout: float | str | None = None,
        redirects: int | None = None,
        expected_statuses: ExpectedStatuses | None = _UNSET,
        response_type: str | None = None,
        cookies: Mapping[str, Any] | None = None,
        jar: CookieJar | None = None,
    ) -> Awaitable[Response]:
        """k6's http.request(). Returns the exchange coroutine itself: no wrapper frame per request.

        `k6_params` is k6's params object, as it is; `params=` is the query string, unless all its
        keys are k6 params keys (then it is a params object too, see http/params.py)."""
        if params and is_k6_params(params):
            k6_params, params = (params if k6_params is None else {**params, **k6_params}), None
        if k6_params:
            given = {
                "headers": headers,
                "tags": tags,
                "timeout": timeout,
                "redirects": redirects,
                "response_type": response_type,
                "cookies": cookies,
                "jar": jar,
                "expected_statuses": None if expected_statuses is _UNSET else True,
            }
            kw = k6_params_kwargs(k6_params, given)
            headers = kw.get("headers", headers)
            tags = kw.get("tags", tags)
            timeout = kw.get("timeout", timeout)
            redirects = kw.get("redirects", redirects)
            response_type = kw.get("response_type", response_type)
            cookies = kw.get("cookies", cookies)
            jar = kw.get("jar", jar)
            expected_statuses = kw.get("expected_statuses", expected_statuses)
        if type(url) is TaggedURL and not (tags and "name" in tags):
            tags = {**(tags or {}), "name": url.name}
        client = self
        if cookies or jar is not None:
            client, headers = self._with_cookies(jar, cookies, headers)
        method = method.upper()
        if response_type is None:
            keep = self.keep_bodies
        elif response_type in _RESPONSE_TYPES:
            keep = response_type != "none"
        else:
            raise ValueError(f"response_type {response_type!r} is not valid; use 'text', 'binary' or 'none'")
        if isinstance(timeout, str):  # k6's form, "500ms"; a number is seconds
            timeout = parse_duration(timeout)
        expected = self.expected if expected_statuses is _UNSET else expected_statuses
        if expected is not None and not isinstance(expected, ExpectedStatuses):
            # A list or set of specs, or one spec (an int, a (min, max) pair, a range, a mapping).
            specs = expected if isinstance(expected, list | set | frozenset) else (expected,)
            expected = ExpectedStatuses(*specs)
        if params:
            url = with_params(url, params)
        target = _targets.get(url)
        if target is None:
            try:
                target = parse_target(url)
            except InvalidURLError as exc:
                return _ready(
                    self._record_error(method, url, tags, RequestError(INVALID_URL, str(exc)), expected)
                )
        problem = head_error(method, headers)
        if problem is not None:  # a failed request, as Go's client refuses it (k6's code 1000)
            return _ready(self._record_error(method, url, tags, RequestError(DEFAULT, problem), expected))
        if body is None and json is None and data is None:
            payload = content_type = None
        else:
            payload, content_type = encode_body(body, json, data)
        exchange = client._exchange(
            method,
            target,
            headers,
            payload,
            content_type,
            tags,
            self.timeout if timeout is None else timeout,
            expected,
            self.max_redirects if redirects is None else redirects,
            keep,
        )
        return exchange if self.limiter is None else self._limited(exchange)

    def _with_cookies(
        self, jar: CookieJar | None, cookies: Mapping[str, Any] | None, headers: Mapping[str, str] | None
    ) -> tuple[HttpClient, Mapping[str, str] | None]:
        """k6's params.jar and params.cookies: a view of this client that sends and stores the
        request's jar (its connections are this client's), and the request cookies as a Cookie field
        before the jar's, as k6 orders them."""
        client = copy.copy(self)
        client.cookies = jar if jar is not None else self.cookies
        if cookies:
            field, replacing = request_cookie_header(cookies)
            merged = dict(headers or {})
            own = next((k for k in merged if k.lower() == "cookie"), None)
            merged["Cookie"] = f"{merged.pop(own)}; {field}" if own else field
            headers = merged
            if replacing:
                client.cookies = ReplacingJar(client.cookies, replacing)  # type: ignore[assignment]  # a jar view
        return client, headers

    async def _limited(self, exchange: Coroutine[Any, Any, Response]) -> Response:
        """k6's rps paces calls, not redirect hops (Go's client follows those inside one call)."""
        try:
            await self.limiter.wait()  # type: ignore[union-attr]  # only called with a limiter
        except BaseException:
            exchange.close()
            raise
        return await exchange
