"""Errors that end a run, each carrying k6's process exit code so the CLI never guesses."""

from __future__ import annotations


class ExitCode:
    """k6's exit codes (errext/exitcodes/codes.go), kept numerically identical."""

    OK = 0
    THRESHOLDS_FAILED = 99
    SETUP_TIMEOUT = 100
    TEARDOWN_TIMEOUT = 101
    GENERIC_ENGINE = 103
    INVALID_CONFIG = 104
    EXTERNAL_ABORT = 105
    SCRIPT_EXCEPTION = 107
    SCRIPT_ABORTED = 108
    MARKED_AS_FAILED = 110
    UNCODED = 255  # k6's -1: an error with no code of its own, e.g. an output that cannot open its file


class LoadcellError(Exception):
    """Base for errors that map to an exit code."""

    exit_code: int = 1


class InvalidConfigError(LoadcellError):
    """An option, scenario or threshold is wrong; the message names the key, the value and the fix."""

    exit_code = ExitCode.INVALID_CONFIG


class FlagError(LoadcellError):
    """A command-line flag's value is wrong (`-s 10x:5`); k6 exits 255 for these, not 104."""

    exit_code = ExitCode.UNCODED


class ScriptError(LoadcellError):
    """The script failed at import time, in setup(), teardown() or handle_summary()."""

    exit_code = ExitCode.SCRIPT_EXCEPTION


class ScriptAbortedError(LoadcellError):
    """Raised by abort(): stops the whole test (k6's exec.test.abort())."""

    exit_code = ExitCode.SCRIPT_ABORTED


class ResultPathError(LoadcellError):
    """A result file or folder cannot be written: refused before any load, as k6 refuses an output
    file it cannot open."""

    exit_code = ExitCode.UNCODED
