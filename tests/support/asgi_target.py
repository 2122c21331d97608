"""An HTTPS target served by hypercorn (HTTP/2 and HTTP/1.1 over ALPN) for the TLS tests.

Every response is JSON naming the protocol the server spoke and the client's port, so a test sees
which requests shared a connection. `--client-ca` requires a client certificate signed by that CA.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import socket
import ssl
from typing import Any

import hypercorn.asyncio
import hypercorn.config
import uvloop


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    body = json.dumps({"http_version": scope["http_version"], "port": scope["client"][1]}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def serve(cert: str, key: str, client_ca: str | None) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    config = hypercorn.config.Config()
    config.bind = [f"fd://{sock.fileno()}"]
    config.certfile, config.keyfile = cert, key
    config.alpn_protocols = ["h2", "http/1.1"]
    config.errorlog = None
    if client_ca:
        config.ca_certs = client_ca
        config.verify_mode = ssl.CERT_REQUIRED
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    ready = f"target listening on https://127.0.0.1:{sock.getsockname()[1]}"
    loop.call_soon(lambda: print(ready, flush=True))
    await hypercorn.asyncio.serve(app, config, shutdown_trigger=stop.wait)  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--client-ca", help="require client certificates signed by this CA")
    args = parser.parse_args()
    uvloop.run(serve(args.cert, args.key, args.client_ca))


if __name__ == "__main__":
    main()
