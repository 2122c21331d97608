"""Fault injection: latency, random 5xx errors and a throttle that answers 429.

Real APIs are slow, flaky and rate limited; a stand-in that is none of these hides the client
behaviour a load test is meant to exercise (retries, Retry-After, timeouts). All three faults
are applied by one pure ASGI middleware so their cost is a few microseconds per request.

Duration grammar (``--latency``, ``--index-lag``): a number with an optional unit
``us``, ``ms``, ``s`` or ``m``; a bare number means seconds (``20ms``, ``1.5s``, ``2``).

Latency grammar (``--latency``), one of:

- ``20ms``        every response waits exactly 20 ms
- ``5ms..50ms``   uniform between 5 ms and 50 ms
- ``20ms±5ms``    normal with mean 20 ms and standard deviation 5 ms, clipped at 0
  (``20ms+-5ms`` is the ASCII spelling)
"""

from __future__ import annotations

import asyncio
import math
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import msgspec

if TYPE_CHECKING:  # annotations only: the CLI imports this module without the standin extra
    from starlette.types import ASGIApp, Receive, Scope, Send

_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(us|µs|ms|s|m)?\s*$")
_UNIT_SECONDS = {"us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, None: 1.0}
INJECTED_STATUSES = (500, 502, 503, 504)


def parse_duration(text: str) -> float:
    """Parse ``20ms`` / ``1.5s`` / ``2`` into seconds; raise ValueError on anything else."""
    match = _DURATION_RE.match(text)
    if not match:
        raise ValueError(f"invalid duration {text!r} (expected e.g. 20ms, 1.5s, 2)")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


@dataclass(frozen=True)
class Latency:
    """A latency distribution in seconds; ``a``/``b`` mean value/0, low/high or mean/stddev."""

    kind: Literal["fixed", "uniform", "normal"]
    a: float
    b: float = 0.0

    @classmethod
    def parse(cls, text: str) -> Latency:
        """Parse the ``--latency`` grammar described in the module docstring."""
        if ".." in text:
            low, high = (parse_duration(part) for part in text.split("..", 1))
            if high < low:
                raise ValueError(f"latency range {text!r} has high < low")
            return cls("uniform", low, high)
        for sep in ("±", "+-"):
            if sep in text:
                mean, spread = (parse_duration(part) for part in text.split(sep, 1))
                return cls("normal", mean, spread)
        return cls("fixed", parse_duration(text))

    def sample(self, rng: random.Random) -> float:
        """Draw one delay in seconds (never negative)."""
        if self.kind == "uniform":
            return rng.uniform(self.a, self.b)
        if self.kind == "normal":
            return max(0.0, rng.gauss(self.a, self.b))
        return self.a

    def describe(self) -> str:
        """Human-readable form for logs and the health endpoint."""
        if self.kind == "uniform":
            return f"uniform {self.a * 1e3:g}ms..{self.b * 1e3:g}ms"
        if self.kind == "normal":
            return f"normal {self.a * 1e3:g}ms±{self.b * 1e3:g}ms"
        return f"fixed {self.a * 1e3:g}ms"


class TokenBucket:
    """Classic token bucket: ``rate`` tokens per second, holding at most ``burst`` tokens.

    Not thread-safe on purpose: it is only touched from the event loop thread.
    """

    def __init__(self, rate: float, burst: float | None = None, clock: Callable[[], float] = time.monotonic):
        if rate <= 0:
            raise ValueError("throttle rate must be > 0")
        self.rate = rate
        self.burst = max(1.0, burst if burst is not None else rate)
        self._clock = clock
        self._tokens = self.burst
        self._stamp = clock()

    def try_acquire(self) -> float:
        """Take a token and return 0.0, or return the seconds until a token will be available."""
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return 0.0
        return (1.0 - self._tokens) / self.rate


def _json_error(status: int, message: str, headers: list[tuple[bytes, bytes]] | None = None):
    body = msgspec.json.encode({"message": message, "errors": [{"msg": message}]})
    head = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    return status, head + (headers or []), body


class FaultMiddleware:
    """Throttle first (a gateway rejects before work), then delay, then maybe fail with a 5xx.

    Paths under ``exempt_prefix`` (the stand-in's own health endpoint) are never faulted.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        latency: Latency | None = None,
        error_rate: float = 0.0,
        throttle: TokenBucket | None = None,
        rng: random.Random | None = None,
        exempt_prefix: str = "/__standin",
    ):
        self.app = app
        self.latency = latency
        self.error_rate = error_rate
        self.throttle = throttle
        self.rng = rng or random.Random()
        self.exempt_prefix = exempt_prefix
        self.stats = {"throttled": 0, "errors": 0}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.exempt_prefix):
            await self.app(scope, receive, send)
            return
        if self.throttle is not None:
            wait = self.throttle.try_acquire()
            if wait > 0:
                self.stats["throttled"] += 1
                retry_after = str(max(1, math.ceil(wait))).encode()
                await _send(send, *_json_error(429, "Too Many Requests", [(b"retry-after", retry_after)]))
                return
        if self.latency is not None:
            delay = self.latency.sample(self.rng)
            if delay > 0:
                await asyncio.sleep(delay)
        if self.error_rate > 0 and self.rng.random() < self.error_rate:
            self.stats["errors"] += 1
            status = self.rng.choice(INJECTED_STATUSES)
            await _send(
                send, *_json_error(status, f"Injected fault ({status}) from the stand-in --error-rate")
            )
            return
        await self.app(scope, receive, send)


async def _send(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
