"""The Ledger's rules (loadcell.http._wire.Ledger: _ledger.c and _checks.c) in readable Python.

The C Ledger is what runs; this is what it means, line for line, and the differential test
(tests/unit/test_ledger_differential.py) holds the two to the same rows and Responses. A change
to a rule is made in both, and the test says when they part.

- A finished exchange is one request row: its tag set, its end time, its duration (sending +
  waiting + receiving), k6's six timings from the stamps, and http_req_failed (NaN without
  expected statuses).
- A status from 400 on is k6's error: error_code 1000 + status, error "HTTP <status>".
- Tag sets come from the handle's caches under http_key() and check_key(); a miss asks the handle.
- A check is one `checks` sample per predicate; a predicate that raises is a failed check, and
  raises.
- An iteration is one row: its duration and the bytes its requests moved, which then start again
  from zero.
"""

from __future__ import annotations

import inspect
import math
import struct
from collections.abc import Mapping
from typing import Any

from loadcell.http._wire import (
    CHECK_KEY_FIELDS,
    ERROR_CODE_BASE,
    ERROR_STATUS,
    GEN_FIELDS,
    HTTP_FIELDS,
    HTTP_KEY_FIELDS,
    ITER_FIELDS,
)
from loadcell.http.connection import HttpConnection
from loadcell.http.contract import LedgerHandle
from loadcell.http.expected import ExpectedStatuses
from loadcell.http.response import Response
from loadcell.metrics.clock import now

Timings = tuple[float, float, float, float, float, float]


def timings(
    t_start: float,
    t_conn: float,
    connect_s: float,
    tls_s: float,
    t_sent: float,
    t_first: float,
    t_done: float,
) -> Timings:
    """k6's timings in ms: blocked, connecting, tls_handshaking, sending, waiting, receiving."""
    return (
        (t_conn - t_start) * 1000.0,
        connect_s * 1000.0,
        tls_s * 1000.0,
        (t_sent - t_conn) * 1000.0,
        (t_first - t_sent) * 1000.0,
        (t_done - t_first) * 1000.0,
    )


def duration(timing: Timings) -> float:
    """http_req_duration: sending + waiting + receiving."""
    return timing[3] + timing[4] + timing[5]


def error_code(status: int) -> int:
    """k6's error code of a response: 1000 + status from 400 on, else none (0)."""
    return ERROR_CODE_BASE + status if status >= ERROR_STATUS else 0


def tags_key(tags: Mapping[str, str] | None) -> tuple[tuple[str, str], ...] | None:
    return tuple(tags.items()) if tags else None


def http_key(
    group: str,
    method: str,
    url: str,
    status: int,
    proto: str,
    expected: str,
    tags: Mapping[str, str] | None,
    tls_version: str,
) -> tuple[object, ...]:
    key = (group, method, url, status, proto, expected, tags_key(tags), tls_version)
    assert len(key) == HTTP_KEY_FIELDS
    return key


def check_key(group: str, name: str, tags: Mapping[str, str] | None) -> tuple[object, ...]:
    key = (group, name, tags_key(tags))
    assert len(key) == CHECK_KEY_FIELDS
    return key


def _append(rows: bytearray, row: list[float], fields: int) -> None:
    """One row of doubles at the end of the buffer's bytes."""
    rows.extend(struct.pack(f"{fields}d", *row))


class ReferenceLedger:
    """The Ledger's methods, with the same arguments and the same effects on the handle."""

    def __init__(self, handle: LedgerHandle, checks_metric: int) -> None:
        self.handle = handle
        self.checks_metric = checks_metric
        self.bytes_sent = 0
        self.bytes_received = 0

    def settle(
        self,
        conn: HttpConnection,
        idle: list[HttpConnection],
        method: str,
        url: str,
        tags: Mapping[str, str] | None,
        expected: ExpectedStatuses | None,
        t_start: float,
        t_conn: float,
        connect_s: float,
        tls_s: float,
    ) -> Response:
        """An HTTP/1.1 exchange, read from its connection, which goes back to `idle` or is closed.
        What it left on the connection is read before the connection is handed on."""
        reusable = conn.keep_alive and not conn.closed
        body = b"".join(conn.body) if conn.keep_body else None
        facts = (conn.status, conn.version, conn.tls_version, conn.tls_cipher, conn.head, body)
        stamps = (t_start, t_conn, connect_s, tls_s, conn.t_sent, conn.t_first or conn.t_done, conn.t_done)
        sent, received = conn.bytes_out, conn.bytes_in
        conn.bytes_out = conn.bytes_in = 0
        if reusable:
            idle.append(conn)
        else:
            conn.close()
        return self.record(method, url, tags, expected, *facts, *stamps, sent, received)

    def record(
        self,
        method: str,
        url: str,
        tags: Mapping[str, str] | None,
        expected: ExpectedStatuses | None,
        status: int,
        proto: str,
        tls_version: str,
        tls_cipher: str,
        head: bytes,
        body: bytes | None,
        t_start: float,
        t_conn: float,
        connect_s: float,
        tls_s: float,
        t_sent: float,
        t_first: float,
        t_done: float,
        bytes_sent: int,
        bytes_received: int,
    ) -> Response:
        """An exchange handed over whole (HTTP/2's streams), or read from its connection by settle()."""
        self.bytes_sent += bytes_sent
        self.bytes_received += bytes_received
        timing = timings(t_start, t_conn, connect_s, tls_s, t_sent, t_first, t_done)
        if expected is None:
            failed, ok_tag = math.nan, ""
        else:
            hit = status in expected.codes
            failed, ok_tag = (0.0 if hit else 1.0), ("true" if hit else "false")
        code = error_code(status)
        handle = self.handle
        key = http_key(handle.group, method, url, status, proto, ok_tag, tags, tls_version)
        tid = handle.http_cache.get(key)
        if tid is None:
            tid = handle.http_tagset(method, url, status, proto, ok_tag, code, tags, tls_version)
        _append(handle.buffer.http, [tid, t_done, duration(timing), *timing, failed], HTTP_FIELDS)
        error = f"HTTP {status}" if code else ""
        return Response(method, url, status, proto, head, body, timing, error, code, tls_version, tls_cipher)

    def failed(
        self,
        tagset: int,
        failed: float,
        t_start: float,
        t_conn: float,
        connect_s: float,
        tls_s: float,
        t_sent: float,
        t_first: float,
        t_end: float,
    ) -> Timings:
        """A request that got no response: its row, timed from the stamps it has; row time now."""
        timing = timings(t_start, t_conn, connect_s, tls_s, t_sent, t_first, t_end)
        _append(self.handle.buffer.http, [tagset, now(), duration(timing), *timing, failed], HTTP_FIELDS)
        return timing

    def checks(self, value: Any, checks: Mapping[str, Any], tags: Mapping[str, str] | None) -> bool:
        """k6's check(): True when every predicate holds. (A predicate that changes a dict of
        checks ends them with Python's "changed during iteration" error, in C as here.)"""
        group = self.handle.group
        all_ok = True
        for name, predicate in checks.items():
            try:
                result = predicate(value) if callable(predicate) else predicate
                if inspect.isawaitable(result):
                    if hasattr(result, "close"):
                        result.close()
                    raise TypeError(f"check {name!r} returned an awaitable; checks must be plain functions")
                ok = bool(result)
            except Exception:
                self._check_row(group, name, tags, False)
                raise
            self._check_row(group, name, tags, ok)
            all_ok = all_ok and ok
        return all_ok

    def _check_row(self, group: str, name: str, tags: Mapping[str, str] | None, ok: bool) -> None:
        handle = self.handle
        tid = handle.check_cache.get(check_key(group, name, tags))
        if tid is None:
            tid = handle.check_tagset(name, tags)
        _append(handle.buffer.gen, [self.checks_metric, tid, now(), 1.0 if ok else 0.0], GEN_FIELDS)

    def iteration(self, tagset: int, start: float, completed: bool) -> float:
        """The iteration's row; the byte counts start again from zero."""
        end = now()
        row = [
            tagset,
            end,
            (end - start) * 1000.0,
            self.bytes_sent,
            self.bytes_received,
            1.0 if completed else 0.0,
        ]
        _append(self.handle.buffer.iters, [float(v) for v in row], ITER_FIELDS)
        self.bytes_sent = self.bytes_received = 0
        return end
