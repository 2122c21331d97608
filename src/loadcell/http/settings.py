"""What a VU's HTTP client follows, handed to it when it is made (the run's options, resolved)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from loadcell.http.ratelimit import RateLimiter
from loadcell.http.request import DEFAULT_FIELDS, HeadFields
from loadcell.http.tls import TLSSettings


@dataclass(frozen=True, slots=True)
class ClientSettings:
    max_redirects: int = 10
    discard_response_bodies: bool = False  # k6's discardResponseBodies
    limiter: RateLimiter | None = None  # k6's rps, this process's share
    tls: TLSSettings = field(default_factory=TLSSettings)  # the process's shared contexts
    fields: HeadFields = DEFAULT_FIELDS  # sent with every request (k6's userAgent; request.default_fields)
    # A request that got no response: (method, url, error), for the run's "Request Failed" log.
    report_error: Callable[[str, str, str], None] = lambda method, url, error: None
