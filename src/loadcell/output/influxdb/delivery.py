"""Delivery to InfluxDB, which differs from k6's on purpose: k6 writes each flush once and forgets it on
failure. Here the output only formats lines into the spool, and a background task posts its chunks every
push interval, oldest first, with up to `concurrentWrites` requests in flight. A refused connection, a
timeout, a 5xx or a 429 is retried with exponential backoff; a 4xx is reported with InfluxDB's message and
counted as dropped (a partial write drops only `dropped=N`). At stop the spool is flushed within a bounded
wait; what is left stays on disk and is counted as dropped, except points whose last write was sent and
never answered (a timeout): InfluxDB may have stored them, so they are counted as unknown. Retrying such a
write is safe: InfluxDB 1.x overwrites a point with an identical one (same measurement, tags and timestamp).

Before the load, a write of zero points checks the credentials and the write permission: a 401 or 403
stops the run with exit code 104 instead of dropping every point.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import math
import re
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import TYPE_CHECKING

from loadcell.errors import InvalidConfigError
from loadcell.output.influxdb.config import PRECISIONS
from loadcell.output.influxdb.spool import Chunk, Spool

if TYPE_CHECKING:
    import aiohttp

log = logging.getLogger("loadcell")

SLOW_FLUSH_MESSAGE = (
    "The flush operation took higher than the expected set push interval. If you see this message multiple"
    " times then the setup or configuration need to be adjusted to achieve a sustainable rate."
)
HURRY_GRACE = 1.0  # after a second Ctrl-C: seconds left to deliver before the rest is spilled
_RETRY, _DONE = "retry", "done"
_DROPPED_RE = re.compile(r"dropped=(\d+)")


async def _on_chunk_sent(
    _session: aiohttp.ClientSession, trace: SimpleNamespace, _params: aiohttp.TraceRequestChunkSentParams
) -> None:
    """aiohttp trace hook: body bytes of a write have left for the socket."""
    if isinstance(trace.trace_request_ctx, Chunk):
        trace.trace_request_ctx.unanswered = True


def is_v2(version: str) -> bool:
    """An X-Influxdb-Version of InfluxDB 2.x ("v2.7.1" or "2.7.1")."""
    return version.lstrip("v").startswith("2.")


def _reason(status: int, message: str) -> str:
    """A short, stable key for a rejection (the full message goes to the log)."""
    for needle in (
        "field type conflict",
        "max-values-per-tag limit exceeded",
        "max-series-per-database limit exceeded",
        "unable to parse",
        "points beyond retention policy",
        "database not found",
        "authorization failed",
        "unable to parse authentication credentials",
        "Request Entity Too Large",
    ):
        if needle.lower() in message.lower():
            return f"InfluxDB {status}: {needle}"
    return f"InfluxDB {status}: {_shorten(message)}"


class Delivery:
    """The writer task and its state: what is queued lives in the spool, what became of each point in
    `stats`. `window`, in aggregated mode, gives the lines of the interval that closes at each tick."""

    def __init__(self, spool: Spool, window: Callable[[], list[str]] | None) -> None:
        self.spool = spool
        s = self.settings = spool.settings
        self.stats = spool.stats
        self.spill_dir = spool.spill_dir
        self.window = window
        self._stopping = False
        self._deadline = math.inf
        self._wake = asyncio.Event()
        self._hurried = asyncio.Event()
        self._stop_started = math.inf
        self._backoff = 0.0
        self._failing: str | None = None  # the last retryable error while InfluxDB is unreachable
        self._db_lock = asyncio.Lock()
        self._db_created_at = -math.inf
        self._write_params = {
            "consistency": s.consistency,
            "db": s.db,
            "precision": PRECISIONS[s.precision][0],
            "rp": s.retention,
        }
        self._version = ""  # X-Influxdb-Version of the last answer

    async def start(self) -> None:
        """Open the session, check the write permission, start the writer."""
        import aiohttp

        s = self.settings
        headers = {"User-Agent": "loadcell", "Content-Type": "text/plain; charset=utf-8"}
        if s.username:
            token = base64.b64encode(f"{s.username}:{s.password}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        connector = aiohttp.TCPConnector(limit=s.concurrent_writes + 1, ssl=not s.insecure)
        trace = aiohttp.TraceConfig()
        trace.on_request_chunk_sent.append(_on_chunk_sent)
        self._session = aiohttp.ClientSession(
            connector=connector,
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=s.timeout),
            trace_configs=[trace],
        )
        try:
            await self._preflight()
        except BaseException:
            await self._session.close()
            raise
        self._task = asyncio.get_running_loop().create_task(self._writer(), name="influxdb-writer")

    async def stop(self) -> None:
        s = self.settings
        self._stopping = True
        self._stop_started = time.monotonic()
        self._deadline = self._stop_started + (HURRY_GRACE if self._hurried.is_set() else s.stop_timeout)
        try:
            self._close_window()
            self.spool.seal()
            self._wake.set()
            if self._failing is not None and not self._hurried.is_set():
                log.warning(
                    "influxdb output: waiting up to %gs to deliver %d points (%s); press Ctrl+C again to"
                    " keep them in %s and exit",
                    s.stop_timeout,
                    self.spool.pending(),
                    _shorten(self._failing),
                    self.spill_dir,
                )
            await self._wait_for_writer()
        except Exception as exc:  # the writer must not take the run (or the accounting) down
            log.error("influxdb output: the writer failed: %s: %s", type(exc).__name__, exc)
        finally:
            await self._session.close()
            self._leave_undelivered()

    def hurry(self) -> None:
        self._hurried.set()
        self._deadline = min(self._deadline, time.monotonic() + HURRY_GRACE)
        self._wake.set()

    async def _wait_for_writer(self) -> None:
        """Until the writer is done or the deadline (which hurry() may bring in) has passed."""
        hurried = asyncio.ensure_future(self._hurried.wait())
        try:
            while not self._task.done():
                left = self._deadline + 1.0 - time.monotonic()  # a send in flight gets 1 s more
                if left <= 0:
                    self._task.cancel()
                    await asyncio.gather(self._task, return_exceptions=True)
                    return
                waits = {self._task} if hurried.done() else {self._task, hurried}
                await asyncio.wait(waits, timeout=left, return_when=asyncio.FIRST_COMPLETED)
        finally:
            hurried.cancel()

    def _close_window(self) -> None:
        if self.window is not None:
            lines = self.window()
            if lines:
                self.spool.append(lines)

    # writing ---------------------------------------------------------------------------------------------
    async def _writer(self) -> None:
        """The background task; a bug in it must not silently stop delivery, so it restarts its loop."""
        while True:
            try:
                await self._write_loop()
                return
            except Exception:
                log.exception("influxdb output: the writer failed; restarting it in 1s")
                await asyncio.sleep(1.0)

    async def _write_loop(self) -> None:
        """Tick every push interval (close the window, seal the open chunk) and keep the queue moving."""
        s = self.settings
        loop_time = time.monotonic
        next_tick = loop_time() + s.push_interval
        retry_at = 0.0
        while True:
            now = loop_time()
            if self._stopping:
                self.spool.seal()
            elif now >= next_tick:
                next_tick = max(next_tick + s.push_interval, now)
                self._close_window()
                self.spool.seal()
            if self._stopping and (not self.spool.queue or now >= self._deadline):
                return
            if self.spool.queue and now >= retry_at:
                if await self._send_wave():
                    self._backoff = min(s.retry_max, self._backoff * 2 if self._backoff else 0.25)
                    retry_at = loop_time() + self._backoff
                else:
                    retry_at = 0.0
                continue
            wake_at = min(
                retry_at if self.spool.queue else next_tick, self._deadline if self._stopping else next_tick
            )
            delay = wake_at - loop_time()
            if delay > 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=delay)
                if self._stopping:
                    retry_at = min(retry_at, loop_time())

    async def _preflight(self) -> None:
        """Create the database, then write zero points: InfluxDB checks the credentials and the write
        permission before it looks at the body, so a 401 or 403 shows now, before any load, and stops
        the run (k6 would drop every point and exit 0). An unreachable or slow InfluxDB is left to the
        writer's retries, as an outage during the run is."""
        s = self.settings
        try:
            status, body = await asyncio.wait_for(self._write_nothing(), min(s.timeout, 5.0))
        except Exception as exc:
            log.warning("influxdb output: could not check the write permission (%s)", _describe(exc))
            return
        if status not in (401, 403):
            return
        message = _influx_message(body) or f"HTTP {status}"
        who = f"user {s.username!r}" if s.username else "no user (the --out URL has no credentials)"
        if status == 401:
            fix = (
                "set the right user and password in the --out URL (http://USER:PASSWORD@host:8086/DB) or in"
                " K6_INFLUXDB_USERNAME and K6_INFLUXDB_PASSWORD"
            )
        else:
            grant = f'GRANT WRITE ON "{s.db}" TO "{s.username}"'
            fix = f"give the user write access ({grant}) or use one that has it"
        raise InvalidConfigError(
            f"--out influxdb: InfluxDB at {s.addr} refused a write to database {s.db!r} by {who}:"
            f" {status} {message}{self._v2_hint()}; {fix}"
        )

    async def _write_nothing(self) -> tuple[int, str]:
        """CREATE DATABASE (a 403 there, for a user who is not an admin, is fine), then a write of zero
        points: its status and body."""
        s = self.settings
        await self._create_database()
        async with self._session.post(
            f"{s.addr}/write", params=self._write_params, data=b"", proxy=s.proxy or None
        ) as resp:
            self._note_version(resp)
            return resp.status, await resp.text()

    def _note_version(self, resp: aiohttp.ClientResponse) -> None:
        self._version = resp.headers.get("X-Influxdb-Version", self._version)

    def _v2_hint(self) -> str:
        if not is_v2(self._version):
            return ""
        return (
            f" (this is InfluxDB {self._version}: it needs its v1 compatibility API with a DBRP mapping"
            " and v1 credentials)"
        )

    async def _create_database(self) -> bool:
        db = self.settings.db
        name = db if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", db) else '"' + db.replace('"', '\\"') + '"'
        url = f"{self.settings.addr}/query"
        try:
            async with self._session.post(
                url,
                params={"db": "", "params": "{}", "q": f"CREATE DATABASE {name}"},
                proxy=self.settings.proxy or None,
                timeout=_short_timeout(5.0),
            ) as resp:
                self._note_version(resp)
                text = await resp.text()
                if resp.status >= 300:
                    log.debug("influxdb output: couldn't create database (most likely harmless): %s", text)
                    return False
                return True
        except Exception as exc:
            log.debug("influxdb output: couldn't create database (most likely harmless): %s", exc)
            return False

    async def _send_wave(self) -> bool:
        """Send the oldest chunks, up to concurrentWrites at once; True if any must be retried."""
        wave = [
            self.spool.queue.popleft()
            for _ in range(min(self.settings.concurrent_writes, len(self.spool.queue)))
        ]
        outcomes: list[str | list[Chunk] | None] = [None] * len(wave)

        async def send(i: int, chunk: Chunk) -> None:
            outcomes[i] = await self._send(chunk)

        try:
            await asyncio.gather(*(send(i, c) for i, c in enumerate(wave)))
        finally:
            # Whatever did not go through goes back to the front, in order (also on cancellation).
            back: list[Chunk] = []
            for chunk, outcome in zip(wave, outcomes, strict=True):
                if outcome is None or outcome == _RETRY:
                    back.append(chunk)
                elif isinstance(outcome, list):
                    back.extend(outcome)
            for chunk in reversed(back):
                self.spool.queue.appendleft(chunk)
        if any(o == _RETRY for o in outcomes):
            return True
        if self._failing is not None:
            log.info(
                "influxdb output: InfluxDB is reachable again; delivering the %d buffered points in order",
                self.spool.pending(),
            )
            self._failing = None
            self._backoff = 0.0
        return False

    async def _send(self, chunk: Chunk) -> str | list[Chunk]:
        """POST one chunk: _DONE (delivered or dropped), _RETRY, or a list of smaller chunks (413)."""
        s = self.settings
        data = chunk.data
        if data is None:
            assert chunk.path is not None
            try:
                data = await asyncio.to_thread(chunk.path.read_bytes)
            except OSError as exc:
                self.stats.drop(chunk.n, f"spill file unreadable: {exc.strerror or exc}")
                return _DONE
        started = time.monotonic()
        try:
            async with self._session.post(
                f"{s.addr}/write",
                params=self._write_params,
                data=data,
                proxy=s.proxy or None,
                trace_request_ctx=chunk,
            ) as resp:
                chunk.unanswered = False
                self._note_version(resp)
                status = resp.status
                body = await resp.text()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            error = _describe(exc)
            if chunk.unanswered:
                error += "; sent but not answered: InfluxDB may have stored it, and a retry is safe"
            return self._retryable(chunk, error)
        took = time.monotonic() - started
        if status in (200, 204):
            self._delivered(chunk)
            if took > s.push_interval:
                log.warning("%s t=%.3fs", SLOW_FLUSH_MESSAGE, took)
            return _DONE
        message = _influx_message(body) or f"HTTP {status}"
        if status == 413 and chunk.n > 1:
            return self.spool.split(chunk, data)
        if status == 404 and "database not found" in message and chunk.db_retries < 3:
            # InfluxDB was unreachable when the run started, so CREATE DATABASE never happened.
            chunk.db_retries += 1
            async with self._db_lock:  # one CREATE for all the writes that just failed
                if time.monotonic() - self._db_created_at > 1.0 and await self._create_database():
                    self._db_created_at = time.monotonic()
            return self._retryable(chunk, message)
        if status == 429 or status >= 500:
            return self._retryable(chunk, f"{status} {message}")
        # 4xx: InfluxDB will not take these points however often we ask.
        dropped = chunk.n
        match = _DROPPED_RE.search(message)
        if "partial write" in message:
            parse_failures = message.count("unable to parse")
            dropped = min(chunk.n, max(int(match.group(1)) if match else 0, parse_failures))
            if dropped == 0 and not match:
                dropped = chunk.n
        hint = self._v2_hint() if status in (401, 403) else ""
        self.spool.log_once(
            _reason(status, message),
            f"Couldn't write stats: InfluxDB answered {status}: {message}{hint};"
            f" {dropped} of {chunk.n} points dropped",
        )
        self.stats.drop(dropped, _reason(status, message))
        self.stats.delivered += chunk.n - dropped
        self.spool.release(chunk)
        return _DONE

    def _retryable(self, chunk: Chunk, error: str) -> str:
        if self._failing is None:
            log.warning(
                "influxdb output: write failed (%s); keeping the points and retrying with backoff", error
            )
        self._failing = error
        return _RETRY

    def _delivered(self, chunk: Chunk) -> None:
        self.stats.delivered += chunk.n
        self.spool.release(chunk)

    def _leave_undelivered(self) -> None:
        """After the bounded flush: persist what is left, count it dropped, say where it is."""
        n, unknown = self.spool.leave()
        if not n + unknown:
            return
        why = self._failing or ("second signal" if self._hurried.is_set() else "stop timeout")
        if n:
            self.stats.drop(n, f"undelivered at stop ({_shorten(why)})")
        self.stats.unknown += unknown
        wire = self._write_params["precision"]
        log.error(
            "influxdb output: %d points could not be delivered within %.3gs (%s), %d of them"
            " unknown/possibly stored (sent, never answered); they are kept in %s as line protocol"
            " (precision=%s). Replay (safe for points InfluxDB already has: identical points"
            " overwrite): for f in %s/*.lp; do curl -sS -XPOST '%s/write?db=%s&precision=%s'"
            " --data-binary @$f; done",
            n + unknown,
            time.monotonic() - self._stop_started,
            why,
            unknown,
            self.spill_dir,
            wire,
            self.spill_dir,
            self.settings.addr,
            self.settings.db,
            wire,
        )


def _shorten(text: str, width: int = 80) -> str:
    """A reason short enough to be a summary key, cut at a word, never mid-word."""
    return text if len(text) <= width else text[:width].rsplit(" ", 1)[0] + " …"


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _short_timeout(seconds: float) -> aiohttp.ClientTimeout:
    import aiohttp

    return aiohttp.ClientTimeout(total=seconds)


def _influx_message(body: str) -> str:
    try:
        doc = json.loads(body)
    except ValueError:
        return body.strip()[:500]
    if isinstance(doc, dict) and "error" in doc:
        return str(doc["error"])
    return body.strip()[:500]
