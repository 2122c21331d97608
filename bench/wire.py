"""The waiting time on the wire: what a perfect client would report, from a loopback packet capture.

A client stamps a response's first byte in user space, so a response that sits in the socket while
the client runs other code is reported late. tcpdump stamps each packet as it crosses the loopback
device; the gap between a request's packet and its response's first packet is the server's delay as
the wire carried it. Comparing a tool's p50/p95 with these separates the server's spread from the
client's lateness. Standard library only, like run.py.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import signal
import statistics
import subprocess
from dataclasses import dataclass
from pathlib import Path

# `tcpdump -nn -q -tt` lines: "1764170000.123456789 IP 127.0.0.1.40000 > 127.0.0.1.18080: tcp 86"
_LINE = re.compile(rb"^(\d+\.\d+) IP [\d.]+\.(\d+) > [\d.]+\.(\d+): tcp (\d+)")


@dataclass
class WireStats:
    p50_ms: float
    p95_ms: float
    requests: int
    dropped: int  # packets the kernel dropped from the capture (0 unless the capture fell behind)


class Capture:
    """tcpdump on `lo` for one TCP port, pinned to `core`; headers only (96 bytes a packet)."""

    def __init__(self, port: int, path: Path, core: int) -> None:
        self.port = port
        self.path = path
        self.core = core
        self.proc: subprocess.Popen[bytes] | None = None
        self.dropped = 0

    @staticmethod
    def available() -> bool:
        return shutil.which("tcpdump") is not None

    def start(self) -> None:
        cmd = ["taskset", "-c", str(self.core), "tcpdump", "-i", "lo", "-nn", "-s", "96", "-B", "65536"]
        cmd += ["--time-stamp-precision=nano", "-w", str(self.path), f"tcp port {self.port}"]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        assert self.proc.stderr is not None
        line = self.proc.stderr.readline()  # "listening on lo, ..." once the capture is armed
        if b"listening on" not in line:
            self.proc.wait(5)
            raise RuntimeError(f"tcpdump did not start: {line.decode(errors='replace').strip()}")

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            _, err = self.proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
        match = re.search(rb"(\d+) packets? dropped by kernel", err)
        self.dropped = int(match.group(1)) if match else 0
        self.proc = None

    def packets(self) -> list[tuple[float, int, int]]:
        """(time, source port, destination port) of each captured packet that carries payload (bare
        ACKs carry no request, response or handshake bytes)."""
        read = subprocess.run(
            ["tcpdump", "-r", str(self.path), "-nn", "-q", "-tt", "--time-stamp-precision=nano"],
            capture_output=True,
            check=False,
        )
        found = []
        for line in read.stdout.splitlines():
            m = _LINE.match(line)
            if m is not None and m.group(4) != b"0":
                found.append((float(m.group(1)), int(m.group(2)), int(m.group(3))))
        return found

    def waiting(self, t0: float, t1: float) -> WireStats | None:
        """Request-to-first-response-byte gaps (ms) of the requests sent in [t0, t1] (wall clock)."""
        gaps = waiting_gaps(self.packets(), self.port, t0, t1)
        with contextlib.suppress(OSError):
            self.path.unlink()
        if not gaps:
            return None
        gaps.sort()
        return WireStats(
            statistics.median(gaps), gaps[min(len(gaps) - 1, int(0.95 * len(gaps)))], len(gaps), self.dropped
        )


def waiting_gaps(packets: list[tuple[float, int, int]], port: int, t0: float, t1: float) -> list[float]:
    """Per connection: the last request packet's time, then the first response packet after it."""
    sent: dict[int, float] = {}
    gaps = []
    for t, src, dst in packets:
        if dst == port:
            sent[src] = t
        elif src == port:
            start = sent.pop(dst, None)
            if start is not None and t0 <= start <= t1:
                gaps.append((t - start) * 1000.0)
    return gaps
