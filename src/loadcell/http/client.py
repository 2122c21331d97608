"""The VU-facing client: k6's http.* calls, with timings, tags and metrics recorded per request.

The hot path (a bare GET on a kept-alive connection) does one dict lookup for the target, one
for the idle connection, one write, one await and one ledger call (http/_ledger.c: the timings,
the tag set, the sample row and the Response, in C); everything else is cached.
"""

from __future__ import annotations

import asyncio
import copy
import math
import zlib
from collections.abc import Awaitable, Coroutine, Iterable, Mapping
from typing import Any
from urllib.parse import urljoin

from loadcell.config.durations import parse_duration
from loadcell.http import expected as _expected
from loadcell.http._wire import Ledger
from loadcell.http.arrivals import STAMP_INTERVAL
from loadcell.http.connection import HttpConnection, open_connection
from loadcell.http.cookies import CookieJar, ReplacingJar, request_cookie_header
from loadcell.http.errors import DEFAULT, INVALID_URL, REQUEST_TIMEOUT, TCP_RESET, RequestError, classify
from loadcell.http.expected import ExpectedStatuses, expected_statuses, set_response_callback
from loadcell.http.h2 import PROTO as H2_PROTO
from loadcell.http.h2 import H2Connection, Unprocessed
from loadcell.http.h2 import body_of as h2_body
from loadcell.http.head import COOKIES, ENCODED, field_values
from loadcell.http.params import is_k6_params, k6_params_kwargs
from loadcell.http.request import build_head, encode_body, head_error, header_fields
from loadcell.http.response import Response
from loadcell.http.settings import ClientSettings
from loadcell.http.tagged import TaggedURL
from loadcell.http.timeouts import TimeoutSweeper
from loadcell.http.url import InvalidURLError, Target, parse_target, with_params
from loadcell.http.url import _cache as _targets
from loadcell.metrics import registry as R
from loadcell.metrics.clock import now
from loadcell.metrics.handle import MetricsHandle

__all__ = ["ExpectedStatuses", "HttpClient", "expected_statuses", "set_response_callback"]

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_RESPONSE_TYPES = frozenset({"text", "binary", "none"})  # k6's responseType ("none" keeps no body)
_NAN = math.nan
_UNSET: Any = object()
DEFAULT_TIMEOUT = 60.0


async def _ready(response: Response) -> Response:
    """An already known response, awaitable like an exchange."""
    return response


def _decode(body: bytes, encoding: bytes) -> bytes:
    if encoding == b"gzip" or encoding == b"x-gzip":
        return zlib.decompress(body, 16 + zlib.MAX_WBITS)
    if encoding == b"deflate":
        try:
            return zlib.decompress(body)
        except zlib.error:
            return zlib.decompress(body, -zlib.MAX_WBITS)
    return body


class HttpClient:
    """One per VU: its own keep-alive connections and cookie jar, as in k6. Its samples go into the
    VU's metrics handle, through the Ledger it makes for it (which also writes the VU's checks and
    iterations)."""

    def __init__(self, metrics: MetricsHandle, settings: ClientSettings) -> None:
        self.metrics = metrics
        self.ledger = Ledger(metrics, Response, R.CHECKS.id)
        self.report_error = settings.report_error
        self.loop = asyncio.get_event_loop()
        self.sweeper = TimeoutSweeper.for_loop(self.loop)
        self.inflight = self.sweeper.inflight  # requests in flight, for the timeout sweep
        self.arrivals = self.sweeper.arrivals
        self.outbox = self.sweeper.outbox
        self.idle: dict[tuple[str, str, int], list[HttpConnection]] = {}
        self.cookies = CookieJar()
        self.timeout = DEFAULT_TIMEOUT
        self.max_redirects = settings.max_redirects
        self.keep_bodies = not settings.discard_response_bodies  # k6's discardResponseBodies
        self.limiter = settings.limiter  # k6's rps
        self.expected: ExpectedStatuses | None = _expected.DEFAULT_EXPECTED
        self.tls = settings.tls  # the process's shared contexts (loadcell.http.tls)
        self.h2: dict[tuple[str, str, int], H2Connection] = {}  # one HTTP/2 connection per host
        self.dialing: dict[tuple[str, str, int], asyncio.Future[Any]] = {}  # TLS dials under way

    # k6's http.* verbs (a k6 params object may follow the URL, or the body, as in k6) -----------------
    def get(self, url: str, k6_params: Mapping[str, Any] | None = None, **kw: Any):
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

    def head(self, url: str, k6_params: Mapping[str, Any] | None = None, **kw: Any):
        return self.request("HEAD", url, None, k6_params, **kw)

    def options(self, url: str, body: Any = None, k6_params: Mapping[str, Any] | None = None, **kw: Any):
        return self.request("OPTIONS", url, body, k6_params, **kw)

    def delete(self, url: str, body: Any = None, k6_params: Mapping[str, Any] | None = None, **kw: Any):
        return self.request("DELETE", url, body, k6_params, **kw)

    def post(self, url: str, body: Any = None, k6_params: Mapping[str, Any] | None = None, **kw: Any):
        return self.request("POST", url, body, k6_params, **kw)

    def put(self, url: str, body: Any = None, k6_params: Mapping[str, Any] | None = None, **kw: Any):
        return self.request("PUT", url, body, k6_params, **kw)

    def patch(self, url: str, body: Any = None, k6_params: Mapping[str, Any] | None = None, **kw: Any):
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
        params: Mapping[str, Any] | list | None = None,
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
            tags = {**(tags or {}), "name": url.name}  # type: ignore[attr-defined]
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
                client.cookies = ReplacingJar(client.cookies, replacing)  # type: ignore[assignment]
        return client, headers

    async def _limited(self, exchange: Coroutine[Any, Any, Response]) -> Response:
        """k6's rps paces calls, not redirect hops (Go's client follows those inside one call)."""
        try:
            await self.limiter.wait()  # type: ignore[union-attr]
        except BaseException:
            exchange.close()
            raise
        return await exchange

    async def _redirect(
        self,
        response: Response,
        method: str,
        target: Target,
        headers: Mapping[str, str] | None,
        payload: bytes | None,
        content_type: str | None,
        tags: Mapping[str, str] | None,
        timeout: float,
        expected: ExpectedStatuses | None,
        hops: int,
        keep: bool,
    ) -> Response:
        """Follow one redirect hop (each hop is its own request sample, as in k6)."""
        location = response.headers.get("Location")
        if not location:
            return response
        try:
            target = parse_target(urljoin(target.url, location))
        except InvalidURLError:
            return response
        if response.status == 303 or (response.status in (301, 302) and method == "POST"):
            method, payload, content_type = "GET", None, None
        # Go's client (k6's) names the page it comes from on each hop, unless HTTPS goes to HTTP.
        if not (response.url.startswith("https:") and not target.tls):
            headers = {**(headers or {}), "Referer": response.url}
        return await self._exchange(
            method, target, headers, payload, content_type, tags, timeout, expected, hops - 1, keep
        )

    async def _exchange(
        self,
        method: str,
        target: Target,
        headers: Mapping[str, str] | None,
        payload: bytes | None,
        content_type: str | None,
        tags: Mapping[str, str] | None,
        timeout: float,
        expected: ExpectedStatuses | None,
        hops: int,
        keep: bool,
        retried: bool = False,
    ) -> Response:
        cookie = self.cookies.header_for(target) if self.cookies.cookies else None
        t_start = t_conn = now()
        connect_s = tls_s = 0.0
        idle = self.idle.get(target.key)
        conn = None
        while idle:
            conn = idle.pop()
            if not conn.closed:
                break
            conn = None
        if conn is None:  # blocked = 0 for a kept-alive connection: nothing was waited for
            h2 = self.h2.get(target.key) if target.tls else None
            if h2 is None or h2.closed:
                try:
                    dialled, connect_s, tls_s = await asyncio.wait_for(self._dial(target), timeout)
                except asyncio.CancelledError:
                    raise
                except BaseException as exc:
                    return self._record_error(method, target.url, tags, classify(exc, True), expected)
                t_conn = now()
                if type(dialled) is H2Connection:
                    h2 = dialled
                else:
                    conn = dialled
            if h2 is not None:
                return await self._exchange_h2(
                    h2, method, target, headers, payload, content_type, cookie, tags, timeout, expected,
                    hops, keep, (t_start, t_conn, connect_s, tls_s), retried,
                )  # fmt: skip
            if conn.transport.is_closing():  # type: ignore[union-attr]  # hung up between dial and write
                conn.close()
                error = RequestError(TCP_RESET, "write: connection reset by peer")
                return self._record_error(method, target.url, tags, error, expected)
            if not target.tls:
                conn.watch_arrivals(self.arrivals)
            conn.outbox = self.outbox
            if idle is None:  # concurrent first requests share one list
                idle = self.idle.setdefault(target.key, [])
        if headers is None and payload is None and cookie is None:
            wire = target.heads.get(method)
            if wire is None:
                wire = target.heads[method] = build_head(method, target, None, None, None, None)
        else:
            head = build_head(
                method, target, headers, len(payload) if payload is not None else None, content_type, cookie
            )
            wire = head + payload if payload else head
        waiter = conn.send(wire, method == "HEAD", keep, timeout)  # written at the end of this loop pass
        arrivals = self.arrivals
        if arrivals.conns and t_conn - arrivals.last > STAMP_INTERVAL:
            arrivals.stamp()  # first bytes that landed while this loop ran VU code
        inflight = self.inflight
        inflight.add(conn)
        if self.sweeper.task is None:
            self.sweeper.start()
        try:
            await waiter
        except asyncio.CancelledError:
            conn.close()
            raise
        except BaseException as exc:
            conn.close()
            self.ledger.bytes_sent += conn.bytes_out
            self.ledger.bytes_received += conn.bytes_in
            stamps = (t_start, t_conn, connect_s, tls_s)
            return self._failed(
                method, target, tags, expected, exc, stamps, conn.t_sent, conn.t_first, conn.deadline
            )
        finally:
            inflight.discard(conn)
        response = self.ledger.settle(
            conn, idle, method, target.url, tags, expected, t_start, t_conn, connect_s, tls_s
        )
        flags = conn.flags
        if flags:
            self._absorb(response, flags, target)
        if hops > 0 and response.status in _REDIRECTS:
            return await self._redirect(
                response, method, target, headers, payload, content_type, tags, timeout, expected, hops, keep
            )
        return response

    async def _dial(self, target: Target) -> tuple[HttpConnection | H2Connection, float, float]:
        """A new connection. A VU's requests to one TLS host while it is being dialled wait for that
        dial: if the server speaks HTTP/2 they share the connection (k6's batch multiplexes)."""
        key = target.key
        if not target.tls:
            return await open_connection(self.loop, key, None, target.host, self.sweeper.dials)
        dialing = self.dialing.get(key)
        if dialing is not None:
            shared = await asyncio.shield(dialing)
            if shared is not None and not shared.closed:
                return shared, 0.0, 0.0
        future: asyncio.Future[H2Connection | None] = self.loop.create_future()
        self.dialing[key] = future
        h2 = None
        try:
            ctx = self.tls.context_for(target.host)
            dialled = await open_connection(self.loop, key, ctx, target.host, self.sweeper.dials)
            if type(dialled[0]) is H2Connection:
                h2 = dialled[0]
                current = self.h2.get(key)
                if current is None or current.closed:
                    self.h2[key] = h2
            return dialled
        finally:
            if self.dialing.get(key) is future:
                del self.dialing[key]
            future.set_result(h2)

    async def _exchange_h2(
        self,
        conn: H2Connection,
        method: str,
        target: Target,
        headers: Mapping[str, str] | None,
        payload: bytes | None,
        content_type: str | None,
        cookie: str | None,
        tags: Mapping[str, str] | None,
        timeout: float,
        expected: ExpectedStatuses | None,
        hops: int,
        keep: bool,
        stamps: tuple[float, float, float, float],
        retried: bool = False,
    ) -> Response:
        """One request as an HTTP/2 stream; its sample goes through the same Ledger as HTTP/1.1's."""
        host, fields = header_fields(target, headers, content_type, cookie)
        try:
            stream = conn.open_stream(method, target, host, fields, payload, keep, timeout)
        except RequestError as exc:  # a header value HTTP/2 cannot carry
            return self._record_error(method, target.url, tags, exc, expected)
        inflight = self.inflight
        inflight.add(stream)
        if self.sweeper.task is None:
            self.sweeper.start()
        try:
            if stream.data:
                await conn.drain(stream)
            await stream.waiter
        except asyncio.CancelledError:
            conn.cancel(stream, RequestError(REQUEST_TIMEOUT, "request cancelled"))
            raise
        except BaseException as exc:
            if type(exc) is Unprocessed and not retried:
                # Refused before the server processed it: once more, on a new connection (as Go does).
                return await self._exchange(
                    method, target, headers, payload, content_type, tags, timeout, expected, hops, keep, True
                )
            sent, received = conn.take_bytes()
            self.ledger.bytes_sent += sent
            self.ledger.bytes_received += received
            return self._failed(
                method, target, tags, expected, exc, stamps, stream.t_sent, stream.t_first, stream.deadline
            )
        finally:
            inflight.discard(stream)
        sent, received = conn.take_bytes()
        response = self.ledger.record(
            method, target.url, tags, expected, stream.status, H2_PROTO, conn.tls_version, conn.tls_cipher,
            stream.head, h2_body(stream), *stamps, stream.t_sent, stream.t_first or stream.t_done,
            stream.t_done, sent, received,
        )  # fmt: skip
        if stream.flags:
            self._absorb(response, stream.flags, target)
        if hops > 0 and response.status in _REDIRECTS:
            return await self._redirect(
                response, method, target, headers, payload, content_type, tags, timeout, expected, hops, keep
            )
        return response

    def _failed(
        self,
        method: str,
        target: Target,
        tags: Mapping[str, str] | None,
        expected: ExpectedStatuses | None,
        exc: BaseException,
        stamps: tuple[float, float, float, float],
        t_sent: float,
        t_first: float,
        deadline: float,
    ) -> Response:
        """A request that was sent and got no response: its time counts, up to the deadline for a
        timeout (as in k6)."""
        t_end = min(now(), deadline)
        t_sent = min(t_sent or t_end, t_end)  # never written: all of it was sending
        t_first = min(t_first or t_end, t_end)  # bytes may land after the deadline
        return self._record_error(
            method, target.url, tags, classify(exc, False), expected, (*stamps, t_sent, t_first, t_end)
        )

    def _absorb(self, response: Response, flags: int, target: Target) -> None:
        """What a response asks of the client: a body to decompress, cookies to keep."""
        head = response.raw_head
        if flags & ENCODED and response.body:
            body = response.body
            for encoding in field_values(head, b"content-encoding"):
                body = _decode(body, encoding.lower())
            response.body = body
        if flags & COOKIES:
            self.cookies.store(target, field_values(head, b"set-cookie"))

    def _record_error(
        self,
        method: str,
        url: str,
        tags: Mapping[str, str] | None,
        err: RequestError,
        expected: ExpectedStatuses | None,
        stamps: tuple[float, float, float, float, float, float, float] | None = None,
    ) -> Response:
        """A request with no response still counts: status 0, k6's error_code, the time it took
        (zero when it never got to send). `stamps`: t_start, t_conn, connect_s, tls_s, t_sent,
        t_first, t_end, timed by the Ledger as a response is."""
        failed, ok_tag = (_NAN, "") if expected is None else (1.0, "false")
        tid = self.metrics.http_tagset(method, url, 0, "", ok_tag, err.code, tags, error=str(err))
        if stamps is None:
            t = now()
            stamps = (t, t, 0.0, 0.0, t, t, t)
        timings = self.ledger.failed(tid, failed, *stamps)
        self.report_error(method, url, str(err))
        return Response(method, url, 0, "", b"", b"", timings, error=str(err), error_code=err.code)

    def reset(self) -> None:
        """Between iterations k6 clears the cookie jar (connections stay open)."""
        if self.cookies.cookies:
            self.cookies.clear()

    def close(self) -> None:
        for bucket in self.idle.values():
            for conn in bucket:
                conn.close()
        self.idle.clear()
        for h2 in self.h2.values():
            h2.close()
        self.h2.clear()
