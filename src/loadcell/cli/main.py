"""`loadcell run|inspect|standin`: k6's flags, k6's exit codes."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from loadcell import _collector, masking
from loadcell._version import __version__
from loadcell.cli.logs import logfmt_value, setup_logging
from loadcell.cli.pipes import protect_stdout
from loadcell.cli.progress import ProgressDisplay
from loadcell.cli.reports import (
    compare_command,
    dashboard_options,
    dashboard_settings,
    report_command,
    results_option,
)
from loadcell.config.durations import parse_duration
from loadcell.config.resolve import parse_stage_flag
from loadcell.errors import ExitCode, FlagError, InvalidConfigError, LoadcellError

if TYPE_CHECKING:
    from loadcell.output.base import Output


def _kv(values: tuple[str, ...], flag: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InvalidConfigError(f"{flag} {item!r}: expected KEY=VALUE")
        out[key] = value
    return out


def _env_file() -> dict[str, str]:
    """Values from ./.env (secrets stay out of the repo and out of the command line)."""
    from dotenv import dotenv_values

    path = Path.cwd() / ".env"
    return {k: v for k, v in dotenv_values(path).items() if v is not None} if path.is_file() else {}


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="loadcell")
def cli() -> None:
    """loadcell: k6's load-testing model with Python scripts."""
    protect_stdout()


def _run_options(fn: Any) -> Any:
    decorators = [
        click.option(
            "-u", "--vus", type=int, envvar="K6_VUS", help="number of VUs (shortcut options, as k6)"
        ),
        click.option("-d", "--duration", envvar="K6_DURATION", help="test duration, e.g. 30s, 1m30s"),
        click.option(
            "-i", "--iterations", type=int, envvar="K6_ITERATIONS", help="total iterations shared by the VUs"
        ),
        click.option(
            "-s", "--stage", "stages", multiple=True, help="a ramping stage DURATION:TARGET (repeatable)"
        ),
        click.option("-e", "--env", "env", multiple=True, help="KEY=VALUE added to env (repeatable)"),
        click.option("--tag", "tags", multiple=True, help="test-wide tag KEY=VALUE (repeatable)"),
        click.option(
            "--summary-trend-stats",
            envvar="K6_SUMMARY_TREND_STATS",
            help="comma list, e.g. avg,min,med,max,p(90),p(95),p(99)",
        ),
        click.option(
            "--summary-time-unit",
            type=click.Choice(["s", "ms", "us"]),
            envvar="K6_SUMMARY_TIME_UNIT",
            help="fixed unit for times",
        ),
        click.option(
            "--no-thresholds", is_flag=True, envvar="K6_NO_THRESHOLDS", help="do not evaluate thresholds"
        ),
        click.option("--no-setup", is_flag=True, envvar="K6_NO_SETUP", help="skip setup()"),
        click.option("--no-teardown", is_flag=True, envvar="K6_NO_TEARDOWN", help="skip teardown()"),
        click.option(
            "--insecure-skip-tls-verify",
            is_flag=True,
            default=None,
            envvar="K6_INSECURE_SKIP_TLS_VERIFY",
            help="accept any TLS certificate",
        ),
        click.option(
            "--tls-ca-bundle",
            type=click.Path(dir_okay=False),
            envvar="LOADCELL_TLS_CA_BUNDLE",
            help="PEM file of the CAs to trust (a private CA); SSL_CERT_FILE works too",
        ),
        click.option(
            "--no-http2",
            is_flag=True,
            default=None,
            envvar="LOADCELL_NO_HTTP2",
            help="speak HTTP/1.1 even to servers that offer HTTP/2 (GODEBUG=http2client=0 also does)",
        ),
    ]
    for decorator in reversed(decorators):
        fn = decorator(fn)
    return fn


def _cli_options(kw: dict[str, Any]) -> dict[str, Any]:
    opts: dict[str, Any] = {
        "vus": kw.get("vus"),
        "iterations": kw.get("iterations"),
        "tags": _kv(kw.get("tags") or (), "--tag") or None,
    }
    if kw.get("duration") is not None:
        try:
            parse_duration(kw["duration"])
        except ValueError as exc:
            raise FlagError(f"--duration: {exc}") from None
        opts["duration"] = kw["duration"]
    if kw.get("stages"):
        opts["stages"] = [parse_stage_flag(s) for s in kw["stages"]]
    if kw.get("summary_trend_stats"):
        opts["summaryTrendStats"] = [s.strip() for s in kw["summary_trend_stats"].split(",") if s.strip()]
    if kw.get("summary_time_unit"):
        opts["summaryTimeUnit"] = kw["summary_time_unit"]
    if kw.get("no_setup"):
        opts["noSetup"] = True
    if kw.get("no_teardown"):
        opts["noTeardown"] = True
    if kw.get("insecure_skip_tls_verify"):
        opts["insecureSkipTLSVerify"] = True
    if kw.get("tls_ca_bundle"):
        opts["tlsCABundle"] = kw["tls_ca_bundle"]
    if kw.get("no_http2"):
        opts["noHTTP2"] = True
    return {k: v for k, v in opts.items() if v is not None}


@cli.command()
@click.argument("script", type=click.Path(dir_okay=False))
@_run_options
@click.option(
    "-o",
    "--out",
    "outputs",
    multiple=True,
    envvar="K6_OUT",
    help="output NAME=ARG: json=f.json, csv=f.csv, influxdb=URL",
)
@click.option(
    "--summary-export",
    type=click.Path(dir_okay=False),
    envvar="K6_SUMMARY_EXPORT",
    help="write k6's summary JSON here",
)
@click.option("--summary-mode", type=click.Choice(["compact", "full", "legacy"]), default="compact")
@click.option(
    "--no-summary", is_flag=True, envvar="K6_NO_SUMMARY", help="do not print the end-of-test summary"
)
@click.option("-q", "--quiet", is_flag=True, help="no progress output")
@click.option("--no-color", is_flag=True, help="no colours (k6's flag; sets NO_COLOR for the live display)")
@results_option("folder for the run's results (summary, SQLite time series, HTML report)")
@click.option("--no-results", is_flag=True, help="do not write a results folder")
@click.option("-v", "--verbose", is_flag=True, help="debug logs")
@click.option(
    "--secret",
    "secrets",
    multiple=True,
    metavar="NAME",
    help="mask the value of environment variable NAME in everything written (repeatable; also"
    f" {masking.MARK_ENV}=NAME,NAME); credential variables (*TOKEN*, *SECRET*, *PASSWORD*...)"
    " are masked anyway",
)
@click.option(
    "-w",
    "--workers",
    type=click.IntRange(min=1),
    envvar="LOADCELL_WORKERS",
    default=None,
    show_default="the cores this process may use, fewer for a test too small to split",
    help="worker processes; the load is split between them by execution segments",
)
@click.option(
    "--agents",
    type=click.IntRange(min=0),
    default=0,
    help="run on this many `loadcell agent`s (other machines) instead of local workers",
)
@click.option(
    "--listen",
    default="127.0.0.1:6565",
    show_default=True,
    help="HOST:PORT where agents dial in (with --agents; token in LOADCELL_AGENT_TOKEN)",
)
@click.option(
    "--agents-timeout", type=float, default=300.0, show_default=True, help="seconds to wait for the agents"
)
@dashboard_options
def run(
    script: str,
    outputs: tuple[str, ...],
    summary_export: str | None,
    summary_mode: str,
    no_summary: bool,
    quiet: bool,
    verbose: bool,
    workers: int | None,
    agents: int,
    listen: str,
    agents_timeout: float,
    results_dir: str,
    no_results: bool,
    secrets: tuple[str, ...],
    **kw: Any,
) -> None:
    """Run a test script (k6 run)."""
    _collector.pause()  # until the loop starts: the imports and the script's own build what lasts
    from loadcell.engine.run import RunSettings, TestRun
    from loadcell.output.registry import create_output

    cli_env = _kv(kw.get("env") or (), "--env")
    env = {**_env_file(), **cli_env}
    if secrets:  # workers and agents learn the marked names with the environment they are sent
        marked = ",".join(
            filter(None, [os.environ.get(masking.MARK_ENV), env.get(masking.MARK_ENV), *secrets])
        )
        env[masking.MARK_ENV] = cli_env[masking.MARK_ENV] = marked
    masking.configure({**os.environ, **env})
    setup_logging(verbose)
    settings = RunSettings(
        script=script,
        cli_options=_cli_options(kw),
        env=env,
        cli_env=cli_env,
        summary_export=summary_export,
        no_summary=no_summary,
        no_thresholds=bool(kw.get("no_thresholds")),
        summary_mode=summary_mode,
        quiet=quiet,
        workers=workers or 0,
        agents=agents,
        listen=listen,
        agents_timeout=agents_timeout,
        results_dir=None if no_results else results_dir,
        dashboard=dashboard_settings(kw, no_results),
    )
    test = TestRun(settings)
    test.prepare()
    if kw.get("no_color"):
        os.environ["NO_COLOR"] = "1"
    test.progress_hook = ProgressDisplay(quiet)

    def make_outputs(run_: TestRun) -> list[Output]:
        engine = run_.engine
        assert engine is not None  # execute() calls this after prepare() has built the engine
        return [create_output(spec, engine.registry, engine.tagsets, run_.ctx.env) for spec in outputs]

    result = _run_loop(test.execute(make_outputs))
    # The results are written: a late Ctrl-C (the test's own ones were handled) must not turn the
    # exit code into Python's 130.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    sys.exit(result.exit_code)


def _run_loop(coro: Any) -> Any:
    import uvloop

    _collector.settle()
    return uvloop.run(coro)


@cli.command()
@click.argument("script", type=click.Path(dir_okay=False))
@_run_options
def inspect(script: str, **kw: Any) -> None:
    """Print the resolved options and scenarios, or the validation errors, without running."""
    from loadcell.engine.run import RunSettings, TestRun

    env = {**_env_file(), **_kv(kw.get("env") or (), "--env")}
    masking.configure({**os.environ, **env})
    setup_logging(False)
    test = TestRun(RunSettings(script=script, cli_options=_cli_options(kw), env=env))
    resolved = test.prepare()
    engine = test.engine
    assert engine is not None  # prepare() builds it
    out = {
        "options": resolved.options.model_dump(exclude={"scenarios"}, exclude_none=True),
        "scenarios": {name: cfg.model_dump() for name, cfg in resolved.scenarios.items()},
        "thresholds": {g.key: [t.source for t in g.thresholds] for g in engine.thresholds},
    }
    click.echo(json.dumps(out, indent=2, default=str))


@cli.command()
@click.option("--coordinator", required=True, help="HOST:PORT of `loadcell run --agents N --listen ...`")
@click.option(
    "--connect-timeout", type=float, default=300.0, show_default=True, help="seconds to keep dialling"
)
@click.option("-v", "--verbose", is_flag=True, help="debug logs")
def agent(coordinator: str, connect_timeout: float, verbose: bool) -> None:
    """Run one share of a distributed test: dial the coordinator, run the segment it assigns.

    The script must be at the same path as on the coordinator (e.g. the same ConfigMap mount);
    LOADCELL_AGENT_TOKEN must match the coordinator's.
    """
    from loadcell.engine.distributed.agents import parse_address, require_token
    from loadcell.engine.distributed.worker import agent as run_agent

    env = {**os.environ, **_env_file()}
    masking.configure(env)
    setup_logging(verbose)
    host, port = parse_address(coordinator, "--coordinator")
    token = require_token(env)
    sys.exit(_run_loop(run_agent(host, port, token, connect_timeout, env)))


@cli.group()
def standin() -> None:
    """Local stand-in servers for offline tests."""


def _mount_standins() -> None:
    from loadcell.standin.albert.cli import albert_command  # its server is imported on use

    standin.add_command(albert_command)


_mount_standins()
cli.add_command(report_command)
cli.add_command(compare_command)


def _mount_convert() -> None:
    from loadcell.convert.command import convert_command

    cli.add_command(convert_command)


_mount_convert()


def main() -> None:
    try:
        cli.main(standalone_mode=False)
    except LoadcellError as exc:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        message = masking.current().mask(str(exc))
        click.echo(f'time="{stamp}" level=error msg={logfmt_value(message)}', err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        sys.exit(ExitCode.EXTERNAL_ABORT)
    except click.UsageError as exc:  # an unknown flag or a flag's bad value (`-u abc`): 255, as k6
        exc.show()
        sys.exit(ExitCode.UNCODED)
    except click.ClickException as exc:
        exc.show()
        sys.exit(ExitCode.INVALID_CONFIG)


if __name__ == "__main__":
    main()
