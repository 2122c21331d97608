"""`loadcell run --dashboard`: the report's page, live, with server-sent updates (k6's web dashboard).

It runs on the coordinator's event loop and reads what the run already keeps: the results
recorder's SQLite seconds, its running histogram, the engine's totals, checks and the last
threshold evaluation. Nothing is computed for it on the per-request path; with no page open
it does nothing at all. Once the report is written, an open page reloads into it (with
`--dashboard-linger`) or keeps its last state and says how the run ended.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import shutil
import signal
import webbrowser
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from loadcell.errors import InvalidConfigError
from loadcell.metrics import registry as R
from loadcell.metrics.sinks import CounterSink
from loadcell.report.html import render_live
from loadcell.report.model import chart_rows

if TYPE_CHECKING:
    from loadcell.engine.run import TestRun

log = logging.getLogger("loadcell")

# Updates a slow page may fall behind by before it is dropped (it reconnects and starts afresh).
_BACKLOG = 30


@dataclass
class DashboardSettings:
    host: str = "127.0.0.1"
    port: int = 5665  # 0: any free port; -1: no server, only the export (as k6)
    period: float = 1.0  # seconds between updates
    linger: float = 0.0  # seconds to keep serving the final report; math.inf: until Ctrl-C
    export: str | None = None  # a copy of the final report.html goes here
    open_browser: bool = False


@dataclass(eq=False)
class _Client:
    since: int
    queue: asyncio.Queue[bytes | None] = field(default_factory=lambda: asyncio.Queue(_BACKLOG))


def _event(data: Any, name: str = "") -> bytes:
    head = f"event: {name}\n" if name else ""
    return f"{head}data: {json.dumps(data)}\n\n".encode()


class Dashboard:
    def __init__(self, settings: DashboardSettings, run: TestRun) -> None:
        self.settings = settings
        self.run = run
        self.clients: set[_Client] = set()
        self.final: str | None = None  # the report's HTML once the run has ended
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        s = self.settings
        if s.port < 0:
            return
        app = web.Application()
        app.router.add_get("/", self._page)
        app.router.add_get("/events", self._events)
        app.router.add_get("/report.html", self._report)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        try:
            await web.TCPSite(self.runner, s.host, s.port, shutdown_timeout=1.0).start()
        except OSError as exc:
            await self.runner.cleanup()
            raise InvalidConfigError(
                f"--dashboard-port {s.port}: cannot listen on {s.host}:{s.port} ({exc.strerror});"
                " pick a free port with --dashboard-port (K6_WEB_DASHBOARD_PORT), 0 for any"
            ) from None
        port = self.runner.addresses[0][1]
        host = f"[{s.host}]" if ":" in s.host else s.host
        self.url = f"http://{host}:{port}"
        if s.open_browser:
            webbrowser.open(self.url)

    # what the page shows -------------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        """The run's counters and verdicts now (threshold verdicts from the last evaluation)."""
        run = self.run
        engine = run.engine
        assert engine is not None
        reqs = engine.totals.get(R.HTTP_REQS.id)
        failures = run.threshold_failures
        failed = None if failures is None else {(g.key, th.source) for g, th in failures}
        thresholds = [
            {
                "metric": g.key,
                "source": th.source,
                "ok": None if failed is None else (g.key, th.source) not in failed,
                "observed": "",
            }
            for g in sorted(engine.thresholds, key=lambda g: g.key)
            for th in g.thresholds
        ]
        checks = [
            {"name": name, "group": group or "(root)", "passes": passes, "fails": fails}
            for (group, name), (passes, fails) in engine.checks.items()
        ]
        return {
            "elapsed": run.elapsed(),
            "reqs": int(reqs.total) if isinstance(reqs, CounterSink) else 0,
            "thresholds": thresholds,
            "checks": checks,
        }

    def tick(self) -> None:
        """Send every open page the seconds closed since its last update, and the counters."""
        if not self.clients or self.final is not None:
            return
        recorder = self.run.recorder
        assert recorder is not None
        common = {**self.state(), "histogram": recorder.histogram()}
        rows_by_since: dict[int, dict[str, Any]] = {}
        for client in list(self.clients):
            rows = rows_by_since.get(client.since)
            if rows is None:
                rows = rows_by_since[client.since] = chart_rows(recorder.db, client.since)
            client.since = rows["until"]
            try:
                client.queue.put_nowait(_event({**common, "rows": rows}))
            except asyncio.QueueFull:
                self._drop(client)

    def _drop(self, client: _Client) -> None:
        self.clients.discard(client)
        while not client.queue.empty():
            client.queue.get_nowait()
        client.queue.put_nowait(None)

    # HTTP --------------------------------------------------------------------------------------------------
    async def _page(self, request: web.Request) -> web.Response:
        if self.final is not None:
            return web.Response(text=self.final, content_type="text/html")
        recorder = self.run.recorder
        assert recorder is not None
        html = render_live(recorder.db, self.state(), recorder.histogram())
        return web.Response(text=html, content_type="text/html", headers={"Cache-Control": "no-store"})

    async def _report(self, request: web.Request) -> web.Response:
        if self.final is None:
            raise web.HTTPNotFound(text="the report is written when the run ends; / shows the run live")
        return web.Response(text=self.final, content_type="text/html")

    async def _events(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"}
        )
        await response.prepare(request)
        if self.final is not None:
            await response.write(_event({"reload": True}, "done"))
            return response
        try:
            since = int(request.query.get("since", "-1"))
        except ValueError:
            since = -1
        client = _Client(since)
        self.clients.add(client)
        try:
            while (message := await client.queue.get()) is not None:
                await response.write(message)
        except ConnectionResetError:
            pass  # the page went away
        finally:
            self.clients.discard(client)
        return response

    # the end of the run -----------------------------------------------------------------------------------
    async def finish(self, report: Path | None, status: str) -> None:
        """Export the report, tell open pages the run ended, linger if asked, stop serving."""
        if report is not None and self.settings.export:
            target = Path(self.settings.export)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(report, target)
        linger = self.settings.linger > 0 and self.runner is not None and report is not None
        if report is not None:
            self.final = report.read_text()
        for client in list(self.clients):
            while not client.queue.empty():  # the last updates are moot: the end is what counts
                client.queue.get_nowait()
            client.queue.put_nowait(_event({"reload": linger, "status": status}, "done"))
            client.queue.put_nowait(None)
        self.clients.clear()
        if linger:
            await self._linger()
        await self.stop()

    async def _linger(self) -> None:
        seconds = self.settings.linger
        until = "until Ctrl-C" if math.isinf(seconds) else f"for {seconds:g}s (Ctrl-C to stop)"
        log.info("web dashboard: the final report stays at %s %s", self.url, until)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), None if math.isinf(seconds) else seconds)

    async def stop(self) -> None:
        for client in list(self.clients):
            self._drop(client)
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None
