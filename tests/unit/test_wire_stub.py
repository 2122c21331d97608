"""The C extension's type stub (_wire.pyi) against the built module: mypy's stubtest imports
loadcell.http._wire and compares every class, method, signature and member with the stub."""

from __future__ import annotations

import subprocess
import sys


def test_the_stub_matches_the_compiled_module() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "loadcell.http._wire"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
