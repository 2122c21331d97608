"""The core install is the load tool alone: the stand-in and the converter are extras."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

EXTRAS = ("starlette", "uvicorn", "hypercorn", "trustme", "tree_sitter", "tree_sitter_javascript", "ruff")


def _without_extras(code: str) -> subprocess.CompletedProcess[str]:
    """Run code in a fresh interpreter where importing any extra's package fails, as in a core install."""
    prelude = f"import sys\nfor name in {EXTRAS!r}:\n    sys.modules[name] = None\n"
    return subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_run_path_imports_no_extra() -> None:
    proc = _without_extras(
        """
        import loadcell, loadcell.cli.main, loadcell.engine.run, loadcell.output.registry
        loadcell.cli.main.cli.main(["run", "--help"], standalone_mode=False)
        loadcell.cli.main.cli.main(["standin", "albert", "--help"], standalone_mode=False)
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert "--vus" in proc.stdout and "--latency" in proc.stdout


@pytest.mark.parametrize(
    ("argv", "extra"),
    [(["standin", "albert", "--memory", "--port", "0"], "standin"), (["convert", "README.md"], "convert")],
)
def test_an_extras_command_names_the_pip_line(argv: list[str], extra: str) -> None:
    proc = _without_extras(
        f"import sys\nsys.argv = ['loadcell', *{argv!r}]\nfrom loadcell.cli.main import main\nmain()"
    )
    assert proc.returncode == 104, proc.stderr
    assert f"pip install 'loadcell[{extra}]'" in proc.stderr
    assert "Traceback" not in proc.stderr
