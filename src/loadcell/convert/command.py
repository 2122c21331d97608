"""The `loadcell convert` command."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import click

from loadcell.cli.extras import needs_extra
from loadcell.errors import ExitCode


@click.command("convert")
@click.argument("source", type=click.Path(exists=True))
@click.option("-o", "--output", type=click.Path(), help="the .py to write (a folder for a folder)")
@click.option("--allow-partial", is_flag=True, help="exit 0 even when parts are flagged TODO(convert)")
def convert_command(source: str, output: str | None, allow_partial: bool) -> None:
    """Convert a k6 JavaScript test (or a folder of them) to a loadcell Python script."""
    with needs_extra("convert"):
        importlib.import_module("ruff")  # the output is formatted with `python -m ruff`

        from loadcell.convert.files import convert_path

    report = convert_path(Path(source), Path(output) if output else None)
    click.echo(report.summary())
    if report.flagged and not allow_partial:
        click.echo(
            f"{report.flagged} part(s) need porting by hand: see the TODO(convert) lines in the output;"
            " pass --allow-partial to accept a partial conversion",
            err=True,
        )
        sys.exit(ExitCode.SCRIPT_EXCEPTION)
