"""Headless Debian chromium driven over the Chrome DevTools protocol (aiohttp's WebSocket client).

The network is off for anything but loopback: host names do not resolve and every other address
goes to a proxy that is not there. Console errors and uncaught exceptions are collected, and so
is every URL the page asked for, so a test can show the page fetched nothing from outside.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

import aiohttp
import pytest

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    "--proxy-server=http://127.0.0.1:9",  # nothing listens there: every non-loopback request fails
    "--window-size=1200,2600",
]


def chromium() -> str:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.fail("chromium is not installed: run .ci/run (apt-get install chromium) for the browser tests")
    return binary


class Browser:
    """One page of a fresh headless chromium with an empty profile."""

    def __init__(self, profile: Path) -> None:
        self.profile = profile
        self.errors: list[str] = []
        self.requested: list[str] = []
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._waiters: dict[str, list[asyncio.Future[dict[str, Any]]]] = {}

    async def __aenter__(self) -> Browser:
        self.proc = subprocess.Popen(
            [
                chromium(),
                *FLAGS,
                f"--user-data-dir={self.profile}",
                "--remote-debugging-port=0",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        endpoint = await asyncio.to_thread(self._devtools_line)
        port = endpoint.split("127.0.0.1:", 1)[1].split("/", 1)[0]
        self.http = aiohttp.ClientSession()
        async with self.http.get(f"http://127.0.0.1:{port}/json/list") as resp:
            targets = await resp.json(content_type=None)
        page = next(t for t in targets if t["type"] == "page")
        self.ws = await self.http.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0)
        self.reader = asyncio.create_task(self._read())
        for domain in ("Page", "Runtime", "Log", "Network"):
            await self.send(f"{domain}.enable")
        return self

    def _devtools_line(self) -> str:
        """chromium prints the DevTools address on stderr once it listens."""
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            if line.startswith("DevTools listening on ws://"):
                # Keep reading what it logs, so a full pipe never stalls it.
                threading.Thread(target=self.proc.stderr.read, daemon=True).start()
                return line.strip()
        raise RuntimeError(f"chromium exited ({self.proc.wait()}) without opening DevTools")

    async def __aexit__(self, *exc: object) -> None:
        self.reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.reader
        await self.ws.close()
        await self.http.close()
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()

    async def _read(self) -> None:
        async for msg in self.ws:
            data = json.loads(msg.data)
            if "id" in data:
                future = self._pending.pop(data["id"])
                if "error" in data:
                    future.set_exception(RuntimeError(f"CDP error: {data['error']}"))
                else:
                    future.set_result(data.get("result", {}))
                continue
            method, params = data.get("method", ""), data.get("params", {})
            self._record(method, params)
            for waiter in self._waiters.pop(method, []):
                if not waiter.done():
                    waiter.set_result(params)

    def _record(self, method: str, params: dict[str, Any]) -> None:
        if method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
            self.errors.append(" ".join(str(a.get("value", a.get("description"))) for a in params["args"]))
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            self.errors.append(details.get("exception", {}).get("description", details["text"]))
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            self.errors.append(params["entry"]["text"])
        elif method == "Network.requestWillBeSent":
            self.requested.append(params["request"]["url"])

    async def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        mid = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[mid] = future
        await self.ws.send_str(json.dumps({"id": mid, "method": method, "params": params or {}}))
        return await asyncio.wait_for(future, 30)

    def event(self, method: str) -> asyncio.Future[dict[str, Any]]:
        """A future for the next such event; ask for it before the action that causes it."""
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(method, []).append(future)
        return future

    async def open(self, url: str) -> None:
        loaded = self.event("Page.loadEventFired")
        await self.send("Page.navigate", {"url": url})
        await asyncio.wait_for(loaded, 30)

    async def evaluate(self, expression: str) -> Any:
        result = await self.send(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True}
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def screenshot(self, path: Path) -> None:
        shot = await self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
        path.write_bytes(base64.b64decode(shot["data"]))
