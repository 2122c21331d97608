"""A VU's exchanges: its connections (kept-alive HTTP/1.1, one HTTP/2 connection per host), the
request path from the dial to the Response, redirects, and requests that get no response.

The hot path (a bare GET on a kept-alive connection) does one dict lookup for the idle
connection, one write, one await and one ledger call (http/_ledger.c: the timings, the tag set,
the sample row and the Response, in C); everything else is cached. k6's API over it is
loadcell.http.client.
"""

from __future__ import annotations

import asyncio
import math
import zlib
from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin

from loadcell.http._wire import Ledger
from loadcell.http.arrivals import STAMP_INTERVAL
from loadcell.http.connection import HttpConnection, open_connection
from loadcell.http.cookies import CookieJar
from loadcell.http.errors import REQUEST_TIMEOUT, TCP_RESET, RequestError, classify
from loadcell.http.expected import ExpectedStatuses
from loadcell.http.h2 import PROTO as H2_PROTO
from loadcell.http.h2 import H2Connection, Unprocessed
from loadcell.http.h2 import body_of as h2_body
from loadcell.http.head import COOKIES, ENCODED, field_values
from loadcell.http.request import build_head, header_fields, use_default_fields
from loadcell.http.response import Response
from loadcell.http.settings import ClientSettings
from loadcell.http.timeouts import TimeoutSweeper
from loadcell.http.url import InvalidURLError, Target, parse_target
from loadcell.metrics import registry as R
from loadcell.metrics.clock import now
from loadcell.metrics.handle import MetricsHandle

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_NAN = math.nan


def _decode(body: bytes, encoding: bytes) -> bytes:
    if encoding == b"gzip" or encoding == b"x-gzip":
        return zlib.decompress(body, 16 + zlib.MAX_WBITS)
    if encoding == b"deflate":
        try:
            return zlib.decompress(body)
        except zlib.error:
            return zlib.decompress(body, -zlib.MAX_WBITS)
    return body


class Exchanges:
    """One per VU: its own keep-alive connections and cookie jar, as in k6. Its samples go into the
    VU's metrics handle, through the Ledger it makes for it (which also writes the VU's checks and
    iterations)."""

    def __init__(self, metrics: MetricsHandle, settings: ClientSettings) -> None:
        use_default_fields(settings.fields)
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
        self.tls = settings.tls  # the process's shared contexts (loadcell.http.tls)
        self.h2: dict[tuple[str, str, int], H2Connection] = {}  # one HTTP/2 connection per host
        self.dialing: dict[tuple[str, str, int], asyncio.Future[Any]] = {}  # TLS dials under way

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
        conn: HttpConnection | None = None
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
                if isinstance(dialled, H2Connection):
                    h2 = dialled
                else:
                    conn = dialled
            if h2 is not None:
                return await self._exchange_h2(
                    h2, method, target, headers, payload, content_type, cookie, tags, timeout, expected,
                    hops, keep, (t_start, t_conn, connect_s, tls_s), retried,
                )  # fmt: skip
            assert conn is not None  # dialled: HTTP/1.1, or HTTP/2 went above
            transport = conn.transport
            if transport is None or transport.is_closing():  # hung up between dial and write
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
            conn,
            idle,  # type: ignore[arg-type]  # the list conn came from, or the one made for a new conn
            method, target.url, tags, expected, t_start, t_conn, connect_s, tls_s,
        )  # fmt: skip
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
