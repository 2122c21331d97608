"""``loadcell standin albert``: the command-line face of the stand-in."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
from pydantic import ValidationError

from loadcell.cli.extras import needs_extra
from loadcell.standin.albert.config import DEFAULT_DB_PATH, StandinConfig
from loadcell.standin.albert.faults import Latency, parse_duration

_Callback = Callable[[click.Context, click.Parameter, str | None], str | None]


def _checked_by(parse: Callable[[str], object]) -> _Callback:
    """A click callback that refuses what ``parse`` refuses; the config parses the string again."""

    def check(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
        if value is not None:
            try:
                parse(value)
            except ValueError as exc:
                raise click.BadParameter(str(exc)) from None
        return value

    return check


_duration = _checked_by(parse_duration)
_latency = _checked_by(Latency.parse)


@click.command("albert")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=8091,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on (0 picks a free one; the ready line shows it).",
)
@click.option(
    "--db",
    "db_path",
    default=str(DEFAULT_DB_PATH),
    show_default=True,
    type=click.Path(dir_okay=False),
    help="SQLite file to keep data in (created if missing; WAL mode).",
)
@click.option("--memory", is_flag=True, help="Keep data in memory only; nothing survives a restart.")
@click.option(
    "--latency",
    callback=_latency,
    metavar="SPEC",
    help="Delay every response: '20ms' (fixed), '5ms..50ms' (uniform) or '20ms±5ms' / "
    "'20ms+-5ms' (normal: mean ± std-dev, clipped at 0). Units: us, ms, s, m; a bare number is seconds.",
)
@click.option(
    "--error-rate",
    default=0.0,
    show_default=True,
    type=click.FloatRange(0.0, 1.0),
    help="Fraction of requests answered with a random 500/502/503/504.",
)
@click.option(
    "--throttle",
    "throttle_rps",
    type=click.FloatRange(min=0.0, min_open=True),
    metavar="RPS",
    help="Token bucket of RPS requests/s (burst RPS); above it answer 429 with Retry-After.",
)
@click.option(
    "--index-lag",
    default="0",
    show_default=True,
    callback=_duration,
    metavar="DURATION",
    help="How long a created/updated entity stays invisible to /search endpoints (e.g. 2s).",
)
@click.option(
    "--token-ttl",
    default=3600,
    show_default=True,
    type=click.IntRange(min=1),
    metavar="SECONDS",
    help="Lifetime of tokens issued by POST /api/v3/login/oauth/token.",
)
@click.option("--seed", type=int, help="Random seed for latency and error injection (reproducible runs).")
@click.option("--access-log", is_flag=True, help="Log every request (slows the server under load).")
@click.option(
    "--tls",
    is_flag=True,
    help="Serve HTTPS, with HTTP/2 offered over ALPN as the real API does, on a certificate from a CA "
    "made at start-up; the ready line names the CA file for clients to trust.",
)
@click.option(
    "--tls-dir",
    default="data/standin-tls",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Where --tls writes ca.pem, server.pem and server.key.",
)
def albert_command(
    host: str,
    port: int,
    db_path: str,
    memory: bool,
    latency: str | None,
    error_rate: float,
    throttle_rps: float | None,
    index_lag: str,
    token_ttl: int,
    seed: int | None,
    access_log: bool,
    tls: bool,
    tls_dir: str,
) -> None:
    """Run a local stand-in for the Albert Invent API that the official SDK can talk to.

    Any bearer token is accepted; tokens from the client-credentials endpoint expire after
    --token-ttl. Reference data (user USR215409, location LOC37511, templates...) is seeded.
    """
    with needs_extra("standin"):
        from loadcell.standin.albert.server import serve

    try:
        config = StandinConfig.model_validate(
            {
                "host": host,
                "port": port,
                "db_path": Path(db_path),
                "memory": memory,
                "latency": latency,
                "error_rate": error_rate,
                "throttle_rps": throttle_rps,
                "index_lag": index_lag,
                "token_ttl": token_ttl,
                "seed": seed,
                "access_log": access_log,
                "tls_dir": Path(tls_dir) if tls else None,
            }
        )
    except ValidationError as exc:
        raise click.UsageError(str(exc)) from None
    try:
        serve(config)
    except OSError as exc:  # port taken, database path not writable, ...
        raise click.ClickException(str(exc)) from None
