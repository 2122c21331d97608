"""The end of a test, as k6 ends it: the summary data is built once (masked), handle_summary() may
replace the printed summary and write files of its own, the export is saved, and a file that cannot
be written is logged without costing the summary or the exit code."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import traceback
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loadcell import masking
from loadcell.config.resolve import TestOptions
from loadcell.metrics.engine import MetricsEngine
from loadcell.output.base import OutputStats
from loadcell.summary.data import build_summary_data, scope_summaries, threshold_stats
from loadcell.summary.export import go_numbers
from loadcell.summary.legacy import render_legacy
from loadcell.summary.text import render_summary

log = logging.getLogger("loadcell")

HANDLE_SUMMARY_TIMEOUT = 120.0


@dataclass(frozen=True)
class Summary:
    """What every end-of-test artefact is made from."""

    data: dict[str, Any]  # k6's summary data, as handle_summary() and the export see it
    record: dict[str, Any]  # `data` plus loadcell's own results: iteration errors, threshold stats
    text: str  # the summary as printed (compact, full or legacy)


def build_summary(
    engine: MetricsEngine,
    options: TestOptions,
    elapsed: float,
    *,
    mode: str,
    setup_data: Any,
    errors: Mapping[str, int],
    extra: dict[str, Any],
) -> Summary:
    """Everything at the end (the printed summary, the export, handle_summary(), the results folder)
    is made from this data: masked once here, a secret in an error or in setup()'s data stays out."""
    secrets = masking.current()
    trend_stats = options.summaryTrendStats
    data = secrets.mask_data(
        build_summary_data(
            engine,
            elapsed,
            trend_stats,
            options.summaryTimeUnit,
            setup_data,
            extra,
        )
    )
    observed = threshold_stats(engine, trend_stats)
    # What loadcell's own results (report, JUnit verdicts) add to k6's data: the iteration errors,
    # and the stats thresholds name outside summaryTrendStats.
    record = {
        **data,
        **secrets.mask_data({"iteration_errors": dict(errors), "threshold_stats": observed}),
    }
    if mode == "legacy":
        text = render_legacy(data)
    else:
        text = render_summary(
            data,
            full=mode == "full",
            check_order=[name for _, name in engine.checks],
            threshold_stats=observed,
            scopes=scope_summaries(engine, elapsed, trend_stats),
        )
    return Summary(data, record, text)


async def handle_summary(
    handler: Callable[[dict[str, Any]], Awaitable[Any]], data: dict[str, Any]
) -> dict[str, Any] | None:
    """Runs the script's handle_summary() (`handler` calls it the way the engine calls script
    functions): its files, or None when it failed (logged, as k6 does, and the default summary is
    printed instead)."""
    try:
        produced = await asyncio.wait_for(handler(go_numbers(data)), HANDLE_SUMMARY_TIMEOUT)
    except Exception as exc:
        log.error(
            "handle_summary() failed, printing the default summary instead: %s",
            "".join(traceback.format_exception(exc)).rstrip(),
        )
        return None
    return produced or {}


def save_files(produced: Mapping[str, Any], export: dict[str, Any], export_path: str | None) -> list[str]:
    """Writes handle_summary()'s files and the --summary-export; returns the texts meant for stdout.

    Files come before any printing: a closed stdout (`| head`) must not cost the export or the
    results folder."""
    to_print: list[str] = []
    for target, content in produced.items():
        text = content if isinstance(content, str) else json.dumps(content, indent=2)
        if target == "stdout":
            to_print.append(text)
        elif target == "stderr":
            sys.stderr.write(text if text.endswith("\n") else text + "\n")
        else:
            save_file(target, text)
    if export_path:
        save_file(export_path, json.dumps(export, indent=4))
    return to_print


def save_file(target: str, text: str) -> None:
    """One end-of-test file; a failure is logged, as k6 logs "failed to handle the end-of-test
    summary", and costs neither the summary nor the exit code."""
    try:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        Path(target).write_text(text)
    except OSError as exc:
        log.error("failed to handle the end-of-test summary: could not save %r: %s", target, exc)


def print_texts(texts: Iterable[str], printer: Callable[[str], None]) -> None:
    """Prints the summary; a reader that went away (`| head`) gets the rest nowhere, quietly."""
    try:
        for text in texts:
            printer(text)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def log_output_stats(stats: Mapping[str, OutputStats]) -> None:
    """One line per output after the summary: what it produced, delivered and lost."""
    for name, st in stats.items():
        line = f"output {name}: {st.produced} points produced, {st.delivered} delivered, {st.dropped} dropped"
        if st.reasons:
            line += " (" + ", ".join(f"{k}: {v}" for k, v in st.reasons.items()) + ")"
        if st.unknown:
            line += f", {st.unknown} unknown (sent, never answered: possibly stored)"
        (log.error if st.dropped or st.unknown else log.info)(line)
