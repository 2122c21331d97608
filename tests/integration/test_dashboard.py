"""`loadcell run --dashboard` in a real headless chromium with the network off: the page updates live,
logs no error, and once the run ends (kept up by --dashboard-linger) becomes the report on disk."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import threading
from pathlib import Path

from tests.conftest import LOADCELL, ROOT, Server, free_port, wait_for_port
from tests.support.browser import Browser

# Resolves with the request count's next value, when the server's next update lands.
NEXT_COUNT = """new Promise((resolve) => {
  const el = document.getElementById("reqs");
  new MutationObserver(() => resolve(el.textContent)).observe(el, {childList: true, subtree: true});
})"""
LINGERING = "the final report stays at"


class Output:
    """The run's output lines, read as they come; `lingering` is set once the linger has begun."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self.lingering = threading.Event()
        self.thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self.thread.start()

    def _read(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self.lines.append(line)
            if LINGERING in line:
                self.lingering.set()


def test_live_page_updates_then_becomes_the_report(tmp_path: Path, target: Server) -> None:
    port = free_port()
    run = subprocess.Popen(
        [
            *LOADCELL,
            "run",
            str(ROOT / "tests/support/report_script.py"),
            "-d",
            "60s",  # the test stops it once the page has shown what it must
            "-u",
            "2",
            "-w",
            "1",
            "-q",
            "-e",
            f"BASE_URL={target.url}",
            "--results",
            str(tmp_path / "results"),
            "--dashboard",
            "--dashboard-port",
            str(port),
            "--dashboard-linger",  # until a signal
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = Output(run)
    try:
        wait_for_port(port, run)
        asyncio.run(_watch(tmp_path, port, run, output))
        run.send_signal(signal.SIGINT)  # ends the linger
        run.wait(30)
    finally:
        if run.poll() is None:
            run.kill()
    output.thread.join(10)
    assert run.returncode == 105, "".join(output.lines)  # k6's code for a run stopped by a signal


async def _watch(tmp_path: Path, port: int, run: subprocess.Popen[str], output: Output) -> None:
    url = f"http://127.0.0.1:{port}/"
    async with Browser(tmp_path / "chrome") as browser:
        await browser.open(url)
        assert await browser.evaluate("document.getElementById('status').textContent") == "RUNNING"
        first = int(await browser.evaluate(NEXT_COUNT))
        second = int(await browser.evaluate(NEXT_COUNT))
        assert second > first > 0
        assert await browser.evaluate("document.querySelectorAll('#thresholds tr').length") == 5
        assert browser.errors == []

        reloaded = browser.event("Page.loadEventFired")
        run.send_signal(signal.SIGINT)  # stop the run: the report is written, the page reloads into it
        await asyncio.wait_for(reloaded, 60)
        assert await asyncio.to_thread(output.lingering.wait, 30)
        status = await browser.evaluate("document.getElementById('status').textContent")
        assert status == "FAILED (exit 105)"
        (folder,) = (tmp_path / "results").iterdir()
        served = await browser.evaluate("fetch('/').then((r) => r.text())")
        assert served == (folder / "report.html").read_text()
        assert browser.errors == []
        assert all(u.startswith(url) for u in browser.requested), browser.requested
