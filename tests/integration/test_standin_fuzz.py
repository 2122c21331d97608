"""Malformed input to every route of the Albert stand-in, over one real keep-alive connection.

The real API answers bad input with 400 (413 past its size limits) and keeps the connection; the
stand-in must too, or a load test against it measures the stand-in's crashes instead of the client.
Routes are taken from the app itself, so a new route is fuzzed without touching this file; the
JSON keys of the generated bodies are the string constants of the route modules, so wrong types
reach the handlers' field checks instead of stopping at "unknown field".
"""

from __future__ import annotations

import ast
import base64
import http.client
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
import uvicorn
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from starlette.routing import Route

from loadcell.standin.albert import routes as routes_pkg
from loadcell.standin.albert.app import create_app
from loadcell.standin.albert.config import StandinConfig
from loadcell.standin.albert.http import MAX_BODY_BYTES, MAX_JSON_DEPTH
from tests.conftest import free_port
from tests.integration.standin_fixtures import StandinServer, running_standin

EXAMPLES = 400
TARGETS_PER_EXAMPLE = 4  # each generated request goes to this many neighbouring routes (methods of a path)
SEEDED_IDS = ["USR215409", "LOC37511", "UNI100", "DAC100", "ROL100", "WFL99", "INV1", "x", "0", "%E2%98%83"]
_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


def _routes() -> list[tuple[str, str]]:
    """(method, path template) of every route the app serves, the catch-all included."""
    app = create_app(StandinConfig(memory=True))
    out = []
    for route in app.routes:
        assert isinstance(route, Route)
        for method in sorted((route.methods or set()) - {"HEAD"}):
            out.append((method, route.path))
    return out


def _vocabulary() -> list[str]:
    """The identifier-like string constants of the route modules: the body and query keys they read."""
    words: set[str] = set()
    for path in Path(routes_pkg.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            value = node.value if isinstance(node, ast.Constant) else None
            if isinstance(value, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,30}", value):
                words.add(value)
    return sorted(words)


ROUTES = _routes()
WORDS = _vocabulary()
# The paging and sorting keys every list and search route reads (pagination.py): drawn as often as
# all the other words together, so each route meets them with wrong types.
PAGING = ["limit", "offset", "order", "orderBy", "searchAfter", "startKey", "sortBy", "text"]


def _key(seq: Any) -> str:
    return base64.b64encode(json.dumps({"seq": seq}).encode()).decode()


# Bodies and query values a careless or hostile client sends; each goes to every route.
DEEP = MAX_JSON_DEPTH * 4
NASTY_BODIES: list[bytes] = [
    b'"str"',
    b"5",
    b"null",
    b"[]",
    b"{}",
    b'{"order": 5}',
    b'{"order": 5, "sortBy": []}',
    b'{"limit": 1e999, "offset": -1e999}',
    b'{"limit": "NaN", "offset": 12345678901234567890123}',
    b'{"searchAfter": [1e999, {}]}',
    b'{"startKey": "' + _key(1e999).encode() + b'"}',
    b'{"data": "str"}',
    b'{"data": [5, "x", null, {"operation": 5, "attribute": []}]}',
    b'{"name": {"$ne": 1}, "id": [[]]}',
    b"[" * DEEP + b"]" * DEEP,
    b'{"a":' * DEEP + b"1" + b"}" * DEEP,
    b"[" * 200_000 + b"]" * 200_000,
    b"\xff\xfe not utf-8",
    b'{"name": "\\ud800"}',
    b"{",
]
NASTY_QUERIES: list[dict[str, str]] = [
    {"startKey": _key(1e999)},
    {"startKey": _key("x")},
    {"startKey": _key([1])},
    {"startKey": "!!not base64"},
    {"searchAfter": "[1e999, 1]"},
    {"searchAfter": '[{"a": 1}, []]'},
    {"searchAfter": "[" * 5000},
    {"limit": "1e999", "offset": "-1"},
    {"limit": "9" * 5000},
    {"order": "sideways", "orderBy": "5"},
]


def _objects(values: st.SearchStrategy[Any], max_size: int) -> st.SearchStrategy[dict[str, Any]]:
    """JSON objects keyed by the routes' words (pairs mapped to a dict: much cheaper to draw than
    st.dictionaries, which has to keep its keys unique)."""
    keys = st.sampled_from(WORDS) | st.sampled_from(PAGING)
    return st.lists(st.tuples(keys, values), max_size=max_size).map(dict)


_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(WORDS)
)
# Three levels at most (deep nesting is among the hand-picked bodies): a fourth of the cost of
# st.recursive per example, so more requests fit in the test's time.
_shallow = _scalars | st.lists(_scalars, max_size=3)
json_values = _shallow | _objects(_shallow, 4)
queries = _objects(
    st.text(max_size=10) | st.sampled_from(["1e999", "-1", "[]", "[1e999,1]", _key(1e999), "true", ""]), 3
)


class KeepAliveClient:
    """One HTTP/1.1 connection, reused for every request; counts what a fuzz run must not see."""

    def __init__(self, server: StandinServer) -> None:
        self.server = server
        self.conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        self.statuses: Counter[int] = Counter()
        self.failures: list[str] = []  # 5xx answers, and requests after which the connection was gone
        self.reconnects = 0
        self.last = ""

    def send(self, method: str, path: str, body: bytes | None, query: dict[str, str] | None = None) -> int:
        url = f"{path}?{urlencode(query)}" if query else path
        headers = {"Authorization": f"Bearer {self.server.token}", "Content-Type": "application/json"}
        what = f"{method} {url[:120]} body={body[:60] if body else body!r}"
        try:
            self.conn.request(method, url, body=body, headers=headers)
            response = self.conn.getresponse()
            response.read()
        except (http.client.HTTPException, OSError) as exc:
            # The server closed the connection after the previous answer: blame that one, resend this.
            self.failures.append(f"{self.last}: the connection was gone after it ({type(exc).__name__})")
            self._reconnect()
            self.conn.request(method, url, body=body, headers=headers)
            response = self.conn.getresponse()
            response.read()
        self.last = what
        self.statuses[response.status] += 1
        if response.status >= 500:
            self.failures.append(f"{what}: {response.status}")
        if response.will_close:
            self.failures.append(f"{what}: {response.status} closed the connection")
            self._reconnect()
        return response.status

    def reset(self) -> None:
        """Counters to zero, on a fresh connection."""
        self._reconnect()
        self.statuses.clear()
        self.failures.clear()
        self.reconnects = 0

    def _reconnect(self) -> None:
        self.reconnects += 1
        self.conn.close()
        self.conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)

    def healthy(self) -> bool:
        self.conn.request("GET", "/__standin/health")
        response = self.conn.getresponse()
        response.read()
        return response.status == 200 and not response.will_close

    def report(self) -> str:
        total = sum(self.statuses.values())
        fives = sum(n for status, n in self.statuses.items() if status >= 500)
        return (
            f"{total} requests, {fives} answered >= 500, {self.reconnects} connections lost;"
            f" statuses {dict(sorted(self.statuses.items()))}"
        )


def _fill(path: str, value: str) -> str:
    return _PARAM.sub(lambda _: quote(value, safe="%"), path)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeepAliveClient]:
    with running_standin(log_dir=tmp_path_factory.mktemp("standin-fuzz")) as server:
        fuzz = KeepAliveClient(server)
        yield fuzz
        fuzz.conn.close()


def test_every_route_answers_hand_picked_nasties_with_4xx_on_one_connection(client: KeepAliveClient) -> None:
    for method, path in ROUTES:
        for body in NASTY_BODIES:
            client.send(method, _fill(path, SEEDED_IDS[0]), body)
        for query in NASTY_QUERIES:
            client.send(method, _fill(path, SEEDED_IDS[1]), None, query)
    print("hand-picked:", client.report())
    assert not client.failures, f"{client.report()}\n" + "\n".join(client.failures[:40])
    assert client.healthy()


def test_every_route_answers_generated_wrong_types_with_4xx_on_one_connection(
    client: KeepAliveClient,
) -> None:
    client.reset()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # every example is counted: no shrinking
        suppress_health_check=list(HealthCheck),
    )
    @given(
        first=st.integers(0, len(ROUTES) - 1),
        param=st.sampled_from(SEEDED_IDS),
        body=json_values | _objects(json_values, 6),
        query=queries,
    )
    def probe(first: int, param: str, body: Any, query: dict[str, str]) -> None:
        raw = json.dumps(body).encode()
        for i in range(first, first + TARGETS_PER_EXAMPLE):
            method, path = ROUTES[i % len(ROUTES)]
            client.send(method, _fill(path, param), raw, query)

    probe()
    print("generated:", client.report())
    assert not client.failures, f"{client.report()}\n" + "\n".join(client.failures[:40])
    assert client.healthy()


def test_a_body_past_the_size_limit_is_refused_before_it_is_read(client: KeepAliveClient) -> None:
    """The server answers 413 from the headers alone: the client has not sent a byte of the body."""
    conn = http.client.HTTPConnection("127.0.0.1", client.server.port, timeout=10)
    try:
        conn.putrequest("POST", "/api/v3/lots")
        conn.putheader("Authorization", f"Bearer {client.server.token}")
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Content-Length", str(10 * 2**20))
        conn.endheaders()
        response = conn.getresponse()
        assert response.status == 413
        assert str(MAX_BODY_BYTES) in json.loads(response.read())["errors"][0]["msg"]
    finally:
        conn.close()
    # Chunked bodies carry no length: they are counted as they arrive and cut off at the limit.
    chunked = http.client.HTTPConnection("127.0.0.1", client.server.port, timeout=30)
    try:
        piece = b" " * 2**20
        chunks = iter([piece] * (MAX_BODY_BYTES // len(piece) + 2))
        chunked.request(
            "POST",
            "/api/v3/lots",
            body=chunks,
            headers={"Authorization": f"Bearer {client.server.token}", "Content-Type": "application/json"},
            encode_chunked=True,
        )
        response = chunked.getresponse()
        assert response.status == 413
        response.read()
    finally:
        chunked.close()
    # A 10 MB body sent whole is answered 413 too, and the connection stays usable afterwards.
    assert client.send("POST", "/api/v3/lots", b" " * (10 * 2**20)) == 413
    assert client.healthy()


def test_an_unexpected_handler_error_is_an_answered_500_that_keeps_the_connection(tmp_path: Path) -> None:
    """The stand-in's own app with one extra route that fails as a handler bug would, under uvicorn."""

    async def broken(_request: Any) -> Any:
        raise RuntimeError("a bug")

    app = create_app(StandinConfig(memory=True))
    app.router.routes.insert(0, Route("/__standin/broken", broken))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:  # set once uvicorn listens
            assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/__standin/broken")
        response = conn.getresponse()
        assert response.status == 500
        assert json.loads(response.read())["errors"][0]["msg"] == "Internal error: RuntimeError"
        conn.request("GET", "/__standin/health")  # the same connection
        assert conn.getresponse().status == 200
        conn.close()
    finally:
        server.should_exit = True
        thread.join(10)
