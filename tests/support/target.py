"""A small local HTTP target for the test suite: real sockets, uvloop + httptools, no framework.

Routes: / (JSON), POST /items, DELETE /items/<id>, /delay/<ms>, /status/<code>, /redirect/<n>,
/gzip, /chunked, /close (EOF-delimited body), /cookies/set?k=v, /cookies, /headers, and httpbin's
shapes under /bin/ (cookies, cookies/set, redirect/<n>, get, post, html, pi) for k6's examples.
`--delay-ms` adds a fixed delay to every response (to fail latency thresholds on purpose).
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import signal
import ssl
from collections.abc import Callable
from urllib.parse import parse_qsl, urlsplit

import httptools
import uvloop

BODY = json.dumps({"ok": True, "service": "target", "items": [1, 2, 3], "pad": "x" * 120}).encode()


class _Request:
    def __init__(self) -> None:
        self.url = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []


class TargetProtocol(asyncio.Protocol):
    delay_ms = 0.0
    counter = 0

    def __init__(self) -> None:
        self.parser = httptools.HttpRequestParser(self)
        self.req = _Request()
        self.transport: asyncio.Transport | None = None
        self.queue: asyncio.Queue | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.queue = asyncio.Queue()
        asyncio.get_event_loop().create_task(self._serve())

    def connection_lost(self, exc: Exception | None) -> None:
        if self.queue is not None:
            self.queue.put_nowait(None)

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self.transport.close()  # type: ignore[union-attr]

    def on_message_begin(self) -> None:
        self.req = _Request()

    def on_url(self, url: bytes) -> None:
        self.req.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self.req.headers.append((name, value))

    def on_body(self, body: bytes) -> None:
        self.req.body.append(body)

    def on_message_complete(self) -> None:
        self.queue.put_nowait((self.parser.get_method().decode(), self.req))  # type: ignore[union-attr]

    async def _serve(self) -> None:
        while True:
            item = await self.queue.get()  # type: ignore[union-attr]
            if item is None:
                return
            method, req = item
            if self.delay_ms:
                await asyncio.sleep(self.delay_ms / 1000)
            out = await self.handle(method, req)
            if method == "HEAD":
                out = out.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
            if self.transport is None or self.transport.is_closing():
                return
            self.transport.write(out)
            if b"Connection: close" in out[:300]:
                self.transport.close()
                return

    async def handle(self, method: str, req: _Request) -> bytes:
        parts = urlsplit(req.url.decode())
        path, query = parts.path, dict(parse_qsl(parts.query))
        segs = [s for s in path.split("/") if s]
        headers = {k.decode().lower(): v.decode() for k, v in req.headers}
        if path == "/" or path == "/ping":
            return _resp(200, BODY)
        if segs[:1] == ["items"] and method == "POST":
            TargetProtocol.counter += 1
            payload = json.loads(b"".join(req.body) or b"{}")
            return _resp(200, json.dumps({"id": TargetProtocol.counter, **payload}).encode())
        if segs[:1] == ["items"] and method == "DELETE":
            return _resp(200, b'{"deleted": true}')
        if segs[:1] == ["delay"] and len(segs) == 2:
            await asyncio.sleep(float(segs[1]) / 1000)
            return _resp(200, BODY)
        if segs[:1] == ["status"] and len(segs) == 2:
            return _resp(int(segs[1]), b'{"status": %s}' % segs[1].encode())
        if segs[:1] == ["redirect"] and len(segs) == 2:
            n = int(segs[1])
            target = "/" if n <= 1 else f"/redirect/{n - 1}"
            return _resp(302, b"", [("Location", target)])
        if path == "/gzip":
            return _resp(200, gzip.compress(BODY), [("Content-Encoding", "gzip")])
        if path == "/chunked":
            chunks = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in (BODY[:50], BODY[50:])) + b"0\r\n\r\n"
            return (
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                + chunks
            )
        if path == "/close":
            return b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\n\r\n" + BODY
        if path == "/cookies/set":
            return _resp(200, b"{}", [("Set-Cookie", f"{k}={v}; Path=/") for k, v in query.items()])
        if path == "/cookies":
            return _resp(200, json.dumps({"cookie": headers.get("cookie", "")}).encode())
        if path == "/headers":
            return _resp(200, json.dumps(headers).encode())
        if segs[:1] == ["bin"]:
            return _httpbin(method, segs[1:], query, headers, b"".join(req.body), parts.path)
        return _resp(404, b'{"error": "not found"}')


HTML = b"""<!DOCTYPE html><html><head><title>loadcell target</title></head><body>
<h1 class="title">Items</h1>
<ul id="items"><li class="item" data-id="1">one</li><li class="item" data-id="2">two</li>
<li class="item special" data-id="3">three</li></ul>
<form action="/bin/post" method="post"><input name="user" value="admin"><textarea name="note">hi</textarea>
<select name="size"><option value="s">S</option><option value="m" selected>M</option></select></form>
<a href="/bin/get?page=2">next</a></body></html>"""


def _httpbin(
    method: str, segs: list[str], query: dict[str, str], headers: dict[str, str], body: bytes, path: str
) -> bytes:
    """httpbin's shapes under /bin/, for k6's own examples: /cookies, /cookies/set, /redirect/<n>,
    /get, /post (form fields), /html, /pi."""
    if segs == ["cookies"]:
        jar = dict(parse_qsl(headers.get("cookie", "").replace("; ", "&")))
        return _resp(200, json.dumps({"cookies": jar}).encode())
    if segs == ["cookies", "set"]:
        cookies = [("Set-Cookie", f"{k}={v}; Path=/") for k, v in query.items()]
        return _resp(302, b"", [("Location", "/bin/cookies"), *cookies])
    if segs[:1] == ["redirect"] and len(segs) == 2:
        n = int(segs[1])
        return _resp(302, b"", [("Location", "/bin/get" if n <= 1 else f"/bin/redirect/{n - 1}")])
    if segs == ["get"]:
        return _resp(200, json.dumps({"args": query, "headers": headers, "path": path}).encode())
    if segs == ["post"] and method == "POST":
        fields: dict[str, list[str]] = {}
        for key, value in parse_qsl(body.decode()):
            fields.setdefault(key, []).append(value)
        form = {k: v[0] if len(v) == 1 else v for k, v in fields.items()}  # httpbin's shape
        return _resp(200, json.dumps({"form": form, "headers": headers}).encode())
    if segs == ["html"]:
        return _resp(200, HTML, content_type="text/html; charset=utf-8")
    if segs == ["pi"]:
        return _resp(200, b"3.14", content_type="text/plain")
    return _resp(404, b'{"error": "not found"}')


def _resp(
    status: int,
    body: bytes,
    extra: list[tuple[str, str]] | None = None,
    content_type: str = "application/json",
) -> bytes:
    reason = {200: "OK", 302: "Found", 404: "Not Found", 500: "Internal Server Error"}.get(status, "Status")
    head = [f"HTTP/1.1 {status} {reason}", f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
    head.extend(f"{k}: {v}" for k, v in extra or [])
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def tls_context(cert: str, key: str, alpn: list[str] | None = None) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    if alpn:
        context.set_alpn_protocols(alpn)
    return context


async def listen_until_stopped(
    factory: Callable[[], asyncio.BaseProtocol], host: str, port: int, context: ssl.SSLContext | None
) -> None:
    """Serve until SIGINT or SIGTERM, after printing the address the test fixtures wait for."""
    loop = asyncio.get_running_loop()
    server = await loop.create_server(factory, host, port, backlog=4096, ssl=context)
    scheme = "https" if context else "http"
    print(f"target listening on {scheme}://{host}:{server.sockets[0].getsockname()[1]}", flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.close()


async def serve(
    host: str, port: int, delay_ms: float, cert: str | None = None, key: str | None = None
) -> None:
    TargetProtocol.delay_ms = delay_ms
    await listen_until_stopped(TargetProtocol, host, port, tls_context(cert, key) if cert and key else None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--delay-ms", type=float, default=0.0)
    parser.add_argument("--tls-cert", help="PEM certificate: serve HTTPS")
    parser.add_argument("--tls-key", help="PEM private key for --tls-cert")
    args = parser.parse_args()
    uvloop.run(serve(args.host, args.port, args.delay_ms, args.tls_cert, args.tls_key))


if __name__ == "__main__":
    main()
