"""Types of the C extension (_wire.c: the connection's response side; _outbox.c: corked writes;
_ledger.c and _checks.c: what a finished exchange, a check and an iteration write into the sample
buffer; _module.c: the arrival stamps' look and the contract's constants, see
loadcell.http.contract)."""

import asyncio
import sys
from collections.abc import Callable, Mapping
from typing import Any, final

from typing_extensions import disjoint_base

from loadcell.http.contract import LedgerHandle
from loadcell.http.response import Response

# The contract's constants (_wire.h).
ENCODED: int
COOKIES: int
HTTP_FIELDS: int
HTTP_TAGSET_COL: int
HTTP_TIME_COL: int
HTTP_FAILED_COL: int
GEN_FIELDS: int
ITER_FIELDS: int
HTTP_KEY_FIELDS: int
HTTP_KEY_EXTRA: int
CHECK_KEY_FIELDS: int
ERROR_STATUS: int
ERROR_CODE_BASE: int

def http_key(
    group: str,
    method: str,
    url: str,
    status: int,
    proto: str,
    expected: str,
    tags: Mapping[str, str] | None,
    tls_version: str,
    /,
) -> tuple[object, ...]: ...
def check_key(group: str, name: str, tags: Mapping[str, str] | None, /) -> tuple[object, ...]: ...

# Typed as an asyncio.Protocol, which it implements (connection_made, data_received); at run time
# its only base is object.
@disjoint_base
class Connection(asyncio.Protocol):
    waiter: asyncio.Future[None] | None
    head: bytes
    body: list[bytes]
    version: str
    tls_version: str
    tls_cipher: str
    arrivals: Any
    outbox: Outbox | None
    transport: asyncio.Transport | None
    @property
    def t_sent(self) -> float: ...  # stamped at the write
    t_first: float
    t_done: float
    deadline: float
    bytes_in: int
    bytes_out: int
    status: int
    flags: int  # head.ENCODED | head.COOKIES
    fd: int
    closed: bool
    @property
    def headers_done(self) -> bool: ...
    keep_alive: bool
    @property
    def keep_body(self) -> bool: ...  # of the request in flight (send's keep_body)
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None: ...
    def send(
        self, data: bytes, head_request: bool = False, keep_body: bool = True, timeout: float = ..., /
    ) -> asyncio.Future[None]: ...
    def _finish(self) -> bool: ...

@final
class Outbox:
    def __init__(self, loop: asyncio.AbstractEventLoop, after: Callable[[], None] | None = None) -> None: ...
    def pending(self) -> int: ...
    def __call__(self, *args: Any, **kwargs: Any) -> None: ...  # the flush (call_soon); no arguments

@final
class Ledger:
    bytes_sent: int
    bytes_received: int
    def __init__(self, handle: LedgerHandle, response: type[Response], checks_metric: int) -> None: ...
    def settle(
        self,
        conn: Connection,
        idle: list[Any],
        method: str,
        url: str,
        tags: Mapping[str, str] | None,
        expected: Any,
        t_start: float,
        t_conn: float,
        connect_s: float,
        tls_s: float,
        /,
    ) -> Response: ...
    def record(
        self,
        method: str,
        url: str,
        tags: Mapping[str, str] | None,
        expected: Any,
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
        /,
    ) -> Response: ...
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
        /,
    ) -> tuple[float, float, float, float, float, float]: ...
    def checks(self, value: Any, checks: Mapping[str, Any], tags: Mapping[str, str] | None, /) -> bool: ...
    def iteration(self, tagset: int, start: float, completed: bool, /) -> float: ...

if sys.platform == "linux":
    def stamp(epoll_fd: int, conns: dict[int, Connection], /) -> float: ...
