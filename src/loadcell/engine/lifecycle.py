"""setup() and teardown(), as k6 runs them: once each, outside the scenarios, on a VU of their own
(id 0, group ``::setup`` or ``::teardown``) under their own timeout. setup()'s data goes to every VU
and to teardown() as JSON; what either sends and receives counts in the test's data metrics."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from loadcell.engine.context import RunContext, describe_exception
from loadcell.engine.executors import ExecutionState
from loadcell.engine.iteration import call_script_fn
from loadcell.engine.script import Script
from loadcell.engine.vu import VU, current_vu
from loadcell.errors import ExitCode, LoadcellError, ScriptAbortedError, ScriptError
from loadcell.metrics import registry as R
from loadcell.metrics.clock import now

log = logging.getLogger("loadcell")


class LoadcellSetupTimeout(LoadcellError):
    exit_code = ExitCode.SETUP_TIMEOUT


class Lifecycle:
    """The script's setup() and teardown() for one run."""

    def __init__(self, ctx: RunContext, state: ExecutionState, script: Script) -> None:
        self.ctx = ctx
        self.state = state
        self.script = script
        self.setup_data: Any = None
        self._teardown_task: asyncio.Future[Any] | None = None
        self._teardown_cancelled = False

    async def _run(self, fn: Callable[..., Any], group: str, timeout: float, *args: Any) -> Any:
        vu = VU(0, self.ctx)
        vu.group = group
        token = current_vu.set(vu)  # the script API finds its VU here, as in an iteration
        try:
            return await asyncio.wait_for(call_script_fn(fn, *args), timeout)
        finally:
            t, tid = now(), vu.sample_tagset(None)
            self.ctx.buffer.sample(R.DATA_SENT.id, tid, t, float(vu.ledger.bytes_sent))
            self.ctx.buffer.sample(R.DATA_RECEIVED.id, tid, t, float(vu.ledger.bytes_received))
            vu.http.close()
            current_vu.reset(token)

    async def setup(self, timeout: float) -> None:
        """Runs setup() if the script has one; its failure is the run's (raised)."""
        if self.script.setup is None:
            return
        try:
            data = await self._run(self.script.setup, "::setup", timeout)
        except ScriptAbortedError:
            raise
        except TimeoutError:
            raise LoadcellSetupTimeout(f"setup() execution timed out after {timeout:g}s") from None
        except Exception as exc:
            raise ScriptError(f"setup() failed: {describe_exception(exc)}") from exc
        try:
            self.state.setup_json = json.dumps(data)
        except TypeError as exc:
            raise ScriptError(f"setup() must return JSON-serialisable data: {exc}") from None
        self.setup_data = data

    async def teardown(self, timeout: float) -> int:
        """Runs teardown() if the script has one; its failure is logged and returned as an exit code."""
        if self.script.teardown is None:
            return ExitCode.OK
        if self._teardown_cancelled:
            log.warning("teardown() skipped: a second signal came before it started")
            return ExitCode.EXTERNAL_ABORT
        self._teardown_task = asyncio.ensure_future(
            self._run(self.script.teardown, "::teardown", timeout, json.loads(self.state.setup_json))
        )
        try:
            await self._teardown_task
        except asyncio.CancelledError:
            if not self._teardown_cancelled:
                raise
            log.warning("teardown() cancelled by a second signal")
            return ExitCode.EXTERNAL_ABORT
        except ScriptAbortedError as exc:
            log.error("teardown() aborted: %s", exc)
            return ExitCode.SCRIPT_ABORTED
        except TimeoutError:
            log.error("teardown() execution timed out after %gs", timeout)
            return ExitCode.TEARDOWN_TIMEOUT
        except Exception as exc:
            log.error("teardown() failed: %s", describe_exception(exc))
            return ExitCode.SCRIPT_EXCEPTION
        return ExitCode.OK

    def cancel_teardown(self) -> None:
        """A second signal: teardown() is skipped, or cancelled where it runs."""
        self._teardown_cancelled = True
        if self._teardown_task is not None:
            self._teardown_task.cancel()
