"""Run the stand-in and announce the address once it listens: under uvicorn (uvloop + httptools)
for plain HTTP, under hypercorn for HTTPS, which offers HTTP/2 over ALPN as the real API does."""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
from pathlib import Path
from typing import Any

import uvicorn

from loadcell.standin.albert.app import create_app
from loadcell.standin.albert.config import StandinConfig

READY_LINE = "albert stand-in listening on {scheme}://{host}:{port}"


class _AnnouncingServer(uvicorn.Server):
    """A uvicorn server that prints one ready line after it starts accepting connections."""

    def __init__(self, config: uvicorn.Config, ready_line: str):
        super().__init__(config)
        self.ready_line = ready_line

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started and not self.should_exit:
            print(self.ready_line, flush=True)


def _bind(host: str, port: int) -> socket.socket:
    """Bind before starting so ``--port 0`` works and the real port can be announced."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def serve(config: StandinConfig) -> None:
    """Serve until SIGINT/SIGTERM, then finish in-flight requests and close the database."""
    sock = _bind(config.host, config.port)
    port = sock.getsockname()[1]
    app = create_app(config)
    if config.tls_dir is not None:
        _serve_tls(config, config.tls_dir, app, sock)
        return
    uv_config = uvicorn.Config(
        app,
        loop="uvloop",
        http="httptools",
        lifespan="on",
        access_log=config.access_log,
        log_level="info" if config.access_log else "warning",
        timeout_graceful_shutdown=5,
        backlog=2048,
    )
    server = _AnnouncingServer(uv_config, READY_LINE.format(scheme="http", host=config.host, port=port))
    # uvicorn re-raises the signal it caught once it has shut down; a no-op handler makes that
    # re-raise harmless, so the process exits 0 after a clean shutdown instead of dying mid-way.
    previous = {sig: signal.signal(sig, lambda *_: None) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.run(sockets=[sock])
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sock.close()
    if not server.started:
        sys.exit(1)


def _serve_tls(config: StandinConfig, tls_dir: Path, app: Any, sock: socket.socket) -> None:
    """HTTPS with HTTP/2 and HTTP/1.1 over ALPN, on a certificate from a CA made for this run."""
    import hypercorn.asyncio
    import hypercorn.config
    import uvloop

    from loadcell.standin.albert.tls import make_certificates

    certs = make_certificates(tls_dir, config.host)
    hc = hypercorn.config.Config()
    hc.bind = [f"fd://{sock.fileno()}"]
    hc.certfile, hc.keyfile = str(certs.cert), str(certs.key)
    hc.alpn_protocols = ["h2", "http/1.1"]
    hc.accesslog = "-" if config.access_log else None
    hc.errorlog = "-"
    hc.loglevel = "INFO" if config.access_log else "WARNING"
    hc.keep_alive_max_requests = 1_000_000  # a load test's connections live as long as its VUs
    hc.graceful_timeout = 5
    hc.backlog = 2048
    port = sock.getsockname()[1]
    ready = READY_LINE.format(scheme="https", host=config.host, port=port) + f" (CA: {certs.ca})"
    stop = asyncio.Event()

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        loop.call_soon(lambda: print(ready, flush=True))  # the socket listens before serve() runs
        await hypercorn.asyncio.serve(app, hc, shutdown_trigger=stop.wait)

    try:
        uvloop.run(main())
    finally:
        sock.close()
