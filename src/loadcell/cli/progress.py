"""Live progress: a redrawn block per scenario on a TTY, plain periodic lines otherwise."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.live import Live

    from loadcell.engine.run import TestRun

PLAIN_EVERY = 5.0


def _bar(fraction: float, width: int = 40) -> str:
    filled = round(max(0.0, min(1.0, fraction)) * width)
    return (
        "=" * max(filled - 1, 0)
        + (">" if 0 < filled < width else "=" if filled else "")
        + "-" * (width - filled)
    )


def fixed_duration(seconds: float) -> str:
    """k6's pb.GetFixedLengthDuration: 01.0s, 1m02.0s, 1h02m03.0s."""
    minutes, secs = divmod(max(seconds, 0.0), 60)
    hours, minutes = divmod(int(minutes), 60)
    if hours:
        return f"{hours}h{minutes:02d}m{secs:04.1f}s"
    if minutes:
        return f"{minutes}m{secs:04.1f}s"
    return f"{secs:04.1f}s"


def progress_lines(run: TestRun, final: bool) -> list[str]:
    sched = run.scheduler
    if sched is None:
        return []
    prog = sched.progress()
    vus_max = run.state.pool.initialized + (run.worker_pool.initialized if run.worker_pool else 0)
    elapsed = sched.elapsed()
    lines = [
        f"running ({fixed_duration(elapsed)}), {sched.active_vus}/{vus_max} VUs, "
        f"{sched.completed} complete and {sched.interrupted} interrupted iterations"
    ]
    width = max((len(n) for n in prog), default=7)
    cut_short = final and run.ctx.abort_reason is not None
    for name, p in prog.items():
        mark = "✓" if p.fraction >= 1.0 and final else "✗" if cut_short else " "
        lines.append(f"{name:<{width}} {mark} [{_bar(p.fraction)}] {p.text}")
    return lines


class ProgressDisplay:
    """Called once a second by the run and once at the end."""

    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet
        self.tty = sys.stdout.isatty()
        self.live: Live | None = None
        self.last_plain = 0.0

    def __call__(self, run: TestRun, final: bool) -> None:
        if self.quiet:
            return
        lines = progress_lines(run, final)
        if self.tty:
            from rich.console import Console  # only a terminal's live block needs rich (~40 ms to import)
            from rich.live import Live
            from rich.text import Text

            if self.live is None:
                self.live = Live(Text(""), console=Console(), refresh_per_second=4, transient=False)
                self.live.start()
            self.live.update(Text("\n".join(lines)))
            if final:
                self.live.stop()
                self.live = None
            return
        now = time.monotonic()
        if final or now - self.last_plain >= PLAIN_EVERY:
            self.last_plain = now
            print("\n".join(lines), flush=True)
