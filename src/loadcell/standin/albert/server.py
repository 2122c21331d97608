"""Run the stand-in under uvicorn (uvloop + httptools) and announce the address once it listens."""

from __future__ import annotations

import signal
import socket
import sys

import uvicorn

from loadcell.standin.albert.app import create_app
from loadcell.standin.albert.config import StandinConfig

READY_LINE = "albert stand-in listening on http://{host}:{port}"


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
    server = _AnnouncingServer(uv_config, READY_LINE.format(host=config.host, port=port))
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
