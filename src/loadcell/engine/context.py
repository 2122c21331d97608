"""Per-process run state shared by VUs: the sample buffer, tag sets, env and error bookkeeping."""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from loadcell.config.resolve import tls_settings
from loadcell.http.ratelimit import RateLimiter
from loadcell.http.request import DEFAULT_FIELDS, HeadFields, default_fields
from loadcell.http.settings import ClientSettings
from loadcell.http.tls import TLSSettings
from loadcell.metrics.buffer import SampleBuffer
from loadcell.metrics.custom import allow_declarations
from loadcell.metrics.tags import TagPairs, TagSets

if TYPE_CHECKING:
    from loadcell.config.resolve import TestOptions
    from loadcell.engine.scheduler import Scheduler

log = logging.getLogger("loadcell")
_REQUEST_ERROR_KINDS = 20  # "Request Failed" kinds logged before the log goes quiet


@dataclass
class RunContext:
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    test_tags: TagPairs = ()
    tls: TLSSettings = field(default_factory=TLSSettings)
    max_redirects: int = 10
    discard_response_bodies: bool = False
    min_iteration_duration: float = 0.0
    loop_tick: float = 0.0  # clock time of the last periodic task's turn (the loop is not starved)
    limiter: RateLimiter | None = None
    head_fields: HeadFields = DEFAULT_FIELDS  # sent with every request (k6's userAgent)
    buffer: SampleBuffer = field(default_factory=SampleBuffer)
    tagsets: TagSets = field(default_factory=TagSets)
    errors: Counter[str] = field(default_factory=Counter)
    _running: bool = False
    abort_reason: BaseException | None = None
    failed_mark: str = ""
    log_errors: bool = True  # workers only count; the coordinator logs each distinct error once
    request_errors: set[str] = field(default_factory=set)  # kinds of failed request already logged
    options: TestOptions | None = None  # the resolved options (k6/execution's test.options)
    scheduler: Scheduler | None = None  # this process's scenarios (k6/execution's instance, scenario)

    def configure(self, options: TestOptions, share: float = 1.0) -> None:
        """Take the test-wide options VUs follow; `share` is this process's part of the load
        (its execution segment), which divides the `rps` cap."""
        self.options = options
        self.test_tags = tuple(sorted(options.tags.items()))
        self.tls = tls_settings(options)
        self.tls.contexts()  # once per process, before any VU dials (each load costs ~50 ms)
        self.max_redirects = options.maxRedirects
        self.discard_response_bodies = options.discardResponseBodies
        self.min_iteration_duration = options.minIterationDuration
        self.limiter = RateLimiter(options.rps * share) if options.rps and share > 0 else None
        self.head_fields = default_fields(options.userAgent)

    @property
    def running(self) -> bool:
        """True once the init phase is over: metrics may no longer be declared."""
        return self._running

    @running.setter
    def running(self, value: bool) -> None:
        self._running = value
        if _current is self:
            allow_declarations(not value)

    def client_settings(self) -> ClientSettings:
        """What a VU's HTTP client made now follows."""
        return ClientSettings(
            max_redirects=self.max_redirects,
            discard_response_bodies=self.discard_response_bodies,
            limiter=self.limiter,
            tls=self.tls,
            fields=self.head_fields,
            report_error=self.record_request_error,
        )

    def record_iteration_error(self, exc: BaseException, scenario: str) -> None:
        """Log an iteration exception the first time it is seen; count every occurrence."""
        key = describe_exception(exc)
        self.errors[key] += 1
        if self.errors[key] == 1 and self.log_errors:
            log_first_error(key)

    def record_request_error(self, method: str, url: str, error: str) -> None:
        """k6 logs "Request Failed" for every failed request; once per kind is enough to see it
        (http_req_failed and the error_code tag count every one). The kind leaves out the query,
        and the kinds logged are capped, so a run against a dead host does not flood the log."""
        key = f"{method} {url.partition('?')[0]}: {error}"
        if key in self.request_errors or len(self.request_errors) > _REQUEST_ERROR_KINDS:
            return
        self.request_errors.add(key)
        if len(self.request_errors) > _REQUEST_ERROR_KINDS:
            log.warning("Request Failed: more than %d kinds; no more are logged", _REQUEST_ERROR_KINDS)
        else:
            log.warning("Request Failed (logged once per kind): %s", key)

    def merge_errors(self, counts: dict[str, int]) -> None:
        """Add a worker's new error counts, logging the kinds not seen before."""
        for key, count in counts.items():
            if key not in self.errors:
                log_first_error(key)
            self.errors[key] += count


# Frames of loadcell itself, the standard library and installed packages are not the script's.
_NOT_SCRIPT = tuple(
    os.path.join(os.path.abspath(d), "")
    for d in (os.path.dirname(os.path.dirname(__file__)), sys.prefix, sys.base_prefix)
)


def describe_exception(exc: BaseException) -> str:
    """`Type: message at file.py:line`, the line of the script's own code nearest to where it was
    raised (k6 shows the JS line), not a line of loadcell's that rejected what the script passed."""
    frames = traceback.extract_tb(exc.__traceback__) if exc.__traceback__ else []
    outside = [f for f in frames if not os.path.abspath(f.filename).startswith(_NOT_SCRIPT)]
    nearest = outside or frames
    where = f" at {os.path.basename(nearest[-1].filename)}:{nearest[-1].lineno}" if nearest else ""
    return f"{type(exc).__name__}: {exc}{where}"


def log_first_error(key: str) -> None:
    log.error("iteration error (logged once, counted every time): %s", key)


_current: RunContext | None = None


def get_context() -> RunContext:
    ctx = _current
    if ctx is None:
        ctx = RunContext()
        set_context(ctx)
    return ctx


def set_context(ctx: RunContext) -> None:
    global _current
    _current = ctx
    allow_declarations(not ctx.running)
