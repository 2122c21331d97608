"""The live dashboard's `run` options, and `loadcell report` and `loadcell compare`."""

from __future__ import annotations

import math
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from loadcell.config.durations import parse_duration
from loadcell.errors import ExitCode, InvalidConfigError

if TYPE_CHECKING:  # aiohttp is imported only for a run with --dashboard
    from loadcell.report.dashboard import DashboardSettings


def results_option(help_text: str) -> Callable[[Any], Any]:
    """The results folder option (`--results`, LOADCELL_RESULTS), shared by `run` and `compare`."""
    return click.option(
        "--results",
        "results_dir",
        default="results",
        envvar="LOADCELL_RESULTS",
        show_default=True,
        help=help_text,
    )


def dashboard_options(fn: Any) -> Any:
    """k6's web-dashboard settings, flags first, K6_WEB_DASHBOARD* variables honoured."""
    decorators = [
        click.option(
            "--dashboard",
            is_flag=True,
            envvar="K6_WEB_DASHBOARD",
            help="serve the run live in a browser (k6's web dashboard)",
        ),
        click.option(
            "--dashboard-host",
            default="127.0.0.1",
            envvar="K6_WEB_DASHBOARD_HOST",
            show_default=True,
            help="address the dashboard listens on (loopback unless you say otherwise)",
        ),
        click.option(
            "--dashboard-port",
            type=int,
            default=5665,
            envvar="K6_WEB_DASHBOARD_PORT",
            show_default=True,
            help="0 for any free port; -1 for no server (only --dashboard-export)",
        ),
        click.option(
            "--dashboard-period",
            default="1s",
            envvar="K6_WEB_DASHBOARD_PERIOD",
            show_default=True,
            help="how often the page updates",
        ),
        click.option(
            "--dashboard-open", is_flag=True, envvar="K6_WEB_DASHBOARD_OPEN", help="open it in the browser"
        ),
        click.option(
            "--dashboard-export",
            type=click.Path(dir_okay=False),
            envvar="K6_WEB_DASHBOARD_EXPORT",
            help="also copy the final report.html here",
        ),
        click.option(
            "--dashboard-linger",
            is_flag=False,
            flag_value="forever",
            default=None,
            help="keep serving the final report after the run: for DURATION, or until Ctrl-C without one",
        ),
    ]
    for decorator in reversed(decorators):
        fn = decorator(fn)
    return fn


def _duration(value: str, flag: str) -> float:
    try:
        seconds = parse_duration(value)
    except ValueError as exc:
        raise InvalidConfigError(f"{flag} {value!r}: {exc}") from None
    return float(seconds)


def dashboard_settings(kw: dict[str, Any], no_results: bool) -> DashboardSettings | None:
    if not kw.get("dashboard"):
        return None
    from loadcell.report.dashboard import DashboardSettings

    if no_results:
        raise InvalidConfigError(
            "--dashboard draws from the run's results folder: drop --no-results (or the dashboard)"
        )
    period = _duration(kw["dashboard_period"], "--dashboard-period")
    if period <= 0:
        raise InvalidConfigError(f"--dashboard-period {kw['dashboard_period']!r}: must be above 0, e.g. 1s")
    linger_text = kw.get("dashboard_linger")
    linger = 0.0
    if linger_text == "forever":
        linger = math.inf
    elif linger_text:
        linger = _duration(linger_text, "--dashboard-linger")
    return DashboardSettings(
        host=kw["dashboard_host"],
        port=kw["dashboard_port"],
        period=period,
        linger=linger,
        export=kw.get("dashboard_export"),
        open_browser=bool(kw.get("dashboard_open")),
    )


def _finished_run(folder: Path) -> tuple[sqlite3.Connection, dict[str, str]]:
    from loadcell.report.recorder import SCHEMA

    db_path = folder / "metrics.sqlite"
    if not db_path.is_file():
        raise InvalidConfigError(f"{folder}: not a results folder (no metrics.sqlite)")
    db = sqlite3.connect(db_path)
    db.executescript(SCHEMA)  # folders from before a table existed get it empty
    meta = dict(db.execute("SELECT key, value FROM run").fetchall())
    if "summary" not in meta:
        db.close()
        raise InvalidConfigError(
            f"{folder}: the run did not finish (no summary), so it has no verdicts to report"
        )
    return db, meta


@click.command("report")
@click.argument("results_dir", type=click.Path(file_okay=False, exists=True))
@click.option(
    "--junit", type=click.Path(dir_okay=False), help="also write JUnit XML (thresholds, checks) here"
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="write the HTML here  [default: RESULTS_DIR/report.html]",
)
def report_command(results_dir: str, junit: str | None, output: str | None) -> None:
    """Regenerate a results folder's report.html (and JUnit XML) from its metrics.sqlite."""
    import json

    from loadcell.report.html import render_report
    from loadcell.report.junit import write_junit

    folder = Path(results_dir)
    db, meta = _finished_run(folder)
    try:
        data, exit_code = json.loads(meta["summary"]), int(meta.get("exit_code", "0"))
        target = Path(output) if output else folder / "report.html"
        target.write_text(render_report(db, data, exit_code))
    finally:
        db.close()
    click.echo(f"report: {target}")
    if junit:
        write_junit(junit, data, meta, exit_code)
        click.echo(f"junit: {junit}")


@click.command("compare")
@click.argument("baseline")
@click.argument("run_dir", type=click.Path(file_okay=False, exists=True))
@click.option(
    "--fail-on",
    "fail_on",
    multiple=True,
    help='a regression rule, e.g. "http_req_duration p(95) > +10%" (repeatable); any that holds exits 99',
)
@click.option("--html", type=click.Path(dir_okay=False), help="write a comparison page here")
@results_option("where BASELINE latest-passing is looked for")
def compare_command(
    baseline: str, run_dir: str, fail_on: tuple[str, ...], html: str | None, results_dir: str
) -> None:
    """Compare RUN_DIR with BASELINE (a results folder or latest-passing): a regression table, a CI gate."""
    from loadcell.report.compare import compare, latest_passing, load_run, parse_rule, render_text
    from loadcell.report.html import render_compare

    rules = [parse_rule(text) for text in fail_on]
    run = load_run(run_dir)
    base_dir = latest_passing(results_dir, run) if baseline == "latest-passing" else Path(baseline)
    result = compare(load_run(base_dir), run, rules)
    click.echo(render_text(result))
    if html:
        Path(html).parent.mkdir(parents=True, exist_ok=True)
        Path(html).write_text(render_compare(result))
        click.echo(f"comparison page: {html}")
    sys.exit(ExitCode.THRESHOLDS_FAILED if result.failed else ExitCode.OK)
