"""A forgotten `await` (`sleep(1)`, `vu.http.get(url)` without it) is a counted iteration error
naming the script's line, not a RuntimeWarning lost on stderr while the iteration goes on wrong.

Python warns "coroutine ... was never awaited" when such a coroutine is dropped, which for a call
used as a statement is at once, with the script's line as the warning's location.
"""

from __future__ import annotations

import os
import re
import warnings
from typing import Any

from loadcell.engine.context import get_context
from loadcell.engine.vu import current_vu

_NEVER_AWAITED = re.compile(r"coroutine '([\w.<>]+)' was never awaited")
_REQUESTS = ("_exchange", "_limited", "_ready", "batch")
_show = warnings.showwarning


class ForgottenAwaitError(RuntimeError):
    """A coroutine of loadcell's or the script's was called and never awaited."""


def _describe(name: str, where: str) -> str:
    if name.endswith(_REQUESTS):
        what = "a request (vu.http.get/post/..., http.batch) was made without `await`"
    elif name.rsplit(".", 1)[-1] == "sleep":
        what = "sleep() was called without `await`"
    else:
        what = f"coroutine {name!r} was never awaited"
    return f"{what} at {where}: write `await` before the call, inside an `async def` function"


def _showwarning(
    message: Any, category: type[Warning], filename: str, lineno: int, *args: Any, **kw: Any
) -> None:
    match = _NEVER_AWAITED.search(str(message)) if issubclass(category, RuntimeWarning) else None
    if match is None:
        _show(message, category, filename, lineno, *args, **kw)
        return
    vu = current_vu.get(None)
    error = ForgottenAwaitError(_describe(match.group(1), f"{os.path.basename(filename)}:{lineno}"))
    get_context().record_iteration_error(error, vu.scenario_name if vu is not None else "")


def install() -> None:
    """Every occurrence is counted (not only the first per line), through the hook above."""
    warnings.filterwarnings("always", message=r"coroutine .* was never awaited", category=RuntimeWarning)
    warnings.showwarning = _showwarning
