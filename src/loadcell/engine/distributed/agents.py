"""Workers on other machines ("agents"): the coordinator listens, agents dial in over TCP.

The messages after the handshake are the length-prefixed pickles that local workers use
(`loadcell.engine.distributed.protocol`), and unpickling runs code, so nothing is unpickled before
both sides have proved they hold the shared token (LOADCELL_AGENT_TOKEN), and every later frame
carries an HMAC tag under the key of its direction, derived from the token, the direction and both
nonces (checked before unpickling; a frame one side sent is never valid as one the other side
sent). The proof is a mutual HMAC challenge on plain lines; the token itself never crosses the wire:

    agent        -> coordinator   LOADCELL/1 <agent nonce>
    coordinator  -> agent         <HMAC(token, "coordinator" + agent nonce)> <coordinator nonce>
    agent        -> coordinator   <HMAC(token, "agent" + coordinator nonce)>
    frame keys                    HMAC(token, "session coordinator->agent" + agent nonce + coordinator nonce)
                                  HMAC(token, "session agent->coordinator" + agent nonce + coordinator nonce)

The channel is authenticated, not encrypted. Agents are sent only the `-e` values (never the token);
each agent reads its own environment and .env for the rest. Keep the port inside a private network
(the manifests in deploy/k8s use a ClusterIP service).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets

from loadcell.engine.distributed.protocol import Keys
from loadcell.errors import ExitCode, InvalidConfigError, LoadcellError

log = logging.getLogger("loadcell")
MAGIC = b"LOADCELL/1"
HANDSHAKE_TIMEOUT = 10.0
_LINE_LIMIT = 256
TOKEN_ENV = "LOADCELL_AGENT_TOKEN"

Stream = tuple[asyncio.StreamReader, asyncio.StreamWriter, Keys]  # reader, writer, this side's frame keys


class AgentError(LoadcellError):
    """Agents did not arrive, or the coordinator could not be reached or proven."""

    exit_code = ExitCode.INVALID_CONFIG


class AgentsStopped(LoadcellError):
    """Ctrl-C or SIGTERM while the coordinator waited for its agents."""

    exit_code = ExitCode.EXTERNAL_ABORT


def _mac(token: str, role: bytes, nonce: bytes) -> bytes:
    return hmac.new(token.encode(), role + nonce, hashlib.sha256).hexdigest().encode()


def _frame_keys(token: str, agent_nonce: bytes, coordinator_nonce: bytes, *, coordinator: bool) -> Keys:
    """One key per direction, so a frame reflected back to the side that sent it fails its check."""
    nonces = agent_nonce + coordinator_nonce
    down, up = (
        hmac.new(token.encode(), b"session " + label + nonces, hashlib.sha256).digest()
        for label in (b"coordinator->agent", b"agent->coordinator")
    )
    return Keys(send=down, receive=up) if coordinator else Keys(send=up, receive=down)


def require_token(env: dict[str, str]) -> str:
    token = env.get(TOKEN_ENV, "")
    if len(token) < 16:
        raise InvalidConfigError(
            f"{TOKEN_ENV} must hold a shared secret of at least 16 characters for coordinator and agents"
            " (set it in the environment or .env on both sides, e.g. from a Kubernetes Secret)"
        )
    return token


def parse_address(text: str, what: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InvalidConfigError(f"{what} {text!r}: expected HOST:PORT, e.g. 0.0.0.0:6565")
    return host.strip("[]"), int(port)


async def _line(reader: asyncio.StreamReader) -> bytes:
    try:
        line = await asyncio.wait_for(reader.readline(), HANDSHAKE_TIMEOUT)
    except ValueError:  # longer than the reader's buffer limit
        raise ConnectionError("handshake: line too long") from None
    if not line.endswith(b"\n") or len(line) > _LINE_LIMIT:
        raise ConnectionError("handshake: no line")
    return line.strip()


class AgentListener:
    """Accepts `count` proven agents on host:port, in arrival order."""

    def __init__(self, host: str, port: int, token: str, timeout: float) -> None:
        self.host, self.port, self.token, self.timeout = host, port, token, timeout
        self._arrived: asyncio.Queue[Stream] = asyncio.Queue()
        self._server: asyncio.Server | None = None
        self._full = False

    async def _on_connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        try:
            magic, _, agent_nonce = (await _line(reader)).partition(b" ")
            if magic != MAGIC or not agent_nonce:
                raise ConnectionError("not a loadcell agent")
            nonce = secrets.token_hex(16).encode()
            writer.write(_mac(self.token, b"coordinator", agent_nonce) + b" " + nonce + b"\n")
            await writer.drain()
            if not hmac.compare_digest(await _line(reader), _mac(self.token, b"agent", nonce)):
                raise ConnectionError("wrong token")
        except (TimeoutError, OSError, ConnectionError) as exc:
            log.warning("refused a connection from %s: %s", peer, exc or type(exc).__name__)
            writer.close()
            return
        if self._full:
            log.warning("refused agent %s: all agents of this run have arrived", peer)
            writer.close()
            return
        log.info("agent connected from %s", peer)
        await self._arrived.put(
            (reader, writer, _frame_keys(self.token, agent_nonce, nonce, coordinator=True))
        )

    async def accept(self, count: int, stop: asyncio.Event) -> list[Stream]:
        """`count` proven agents; AgentError after the timeout, AgentsStopped if `stop` is set first."""
        loop = asyncio.get_running_loop()
        waiting = loop.create_task(self._accept(count))
        stopper = loop.create_task(stop.wait())
        try:
            await asyncio.wait({waiting, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopper.cancel()
        if not waiting.done():
            waiting.cancel()
            raise AgentsStopped("stopped while waiting for agents")
        return waiting.result()

    async def _accept(self, count: int) -> list[Stream]:
        try:
            self._server = await asyncio.start_server(self._on_connect, self.host, self.port)
        except OSError as exc:
            raise AgentError(f"cannot listen for agents on {self.host}:{self.port}: {exc}") from None
        log.info("waiting for %d agent(s) on %s:%d", count, self.host, self.port)
        streams: list[Stream] = []
        loop = asyncio.get_running_loop()
        timeout = self.timeout
        deadline = loop.time() + timeout
        try:
            while len(streams) < count:
                streams.append(await asyncio.wait_for(self._arrived.get(), max(0.0, deadline - loop.time())))
        except BaseException as exc:
            for _, writer, _ in streams:
                writer.close()
            if isinstance(exc, TimeoutError):
                raise AgentError(
                    f"{len(streams)} of {count} agent(s) connected within {timeout:.0f} s (start them with"
                    f" `loadcell agent --coordinator HOST:{self.port}` and the same {TOKEN_ENV})"
                ) from None
            raise
        finally:
            self._full = True  # late agents are refused
            self._server.close()
        return streams


async def connect(host: str, port: int, token: str, timeout: float) -> Stream:
    """Dial the coordinator (retrying while it is not up yet) and prove both sides hold the token."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        try:
            reader, writer = await asyncio.open_connection(host, port)
            break
        except OSError as exc:
            if loop.time() >= deadline:
                message = f"coordinator {host}:{port} unreachable for {timeout:.0f} s: {exc}"
                raise AgentError(message) from None
            await asyncio.sleep(1.0)
    try:
        nonce = secrets.token_hex(16).encode()
        writer.write(MAGIC + b" " + nonce + b"\n")
        proof, _, coordinator_nonce = (await _line(reader)).partition(b" ")
        if not hmac.compare_digest(proof, _mac(token, b"coordinator", nonce)):
            raise ConnectionError("the coordinator does not hold the same token")
        writer.write(_mac(token, b"agent", coordinator_nonce) + b"\n")
        await writer.drain()
    except (TimeoutError, OSError, ConnectionError) as exc:
        writer.close()
        raise AgentError(f"handshake with coordinator {host}:{port} failed: {exc or 'timeout'}") from None
    return reader, writer, _frame_keys(token, nonce, coordinator_nonce, coordinator=False)
