"""CPU per HTTP/2 request on the client side, in memory: no socket, no TLS, no event-loop turns.

Two figures, each the best of three timed passes over recorded server bytes:
  * `h2 alone`: the `h2` package's calls a client makes for one GET (send_headers, data_to_send,
    receive_data, acknowledge_received_data), with the package's default configuration (and the
    Huffman memo that importing loadcell's protocol puts into hpack);
  * `loadcell`: loadcell's HTTP/2 protocol (`loadcell.http.h2.H2Connection`: open_stream, then
    data_received up to the settled stream), which drives the same package.
The server's replies are made once by an `h2` server (nginx's response fields: status, server,
date, content-type, content-length; an 11-byte body) and replayed to a fresh client, so only the
client's work is timed.

    taskset -c 1 .venv/bin/python bench/h2_client.py [-n 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Callable

import h2.config
import h2.connection
import h2.events

from loadcell.http.h2 import H2Connection
from loadcell.http.url import parse_target

BODY = b'{"ok":true}'
RESPONSE = [
    (b":status", b"200"),
    (b"server", b"nginx/1.22.1"),
    (b"date", b"Mon, 07 Dec 2026 20:00:00 GMT"),
    (b"content-type", b"application/json"),
    (b"content-length", b"%d" % len(BODY)),
]
REQUEST = [
    (b":method", b"GET"),
    (b":scheme", b"https"),
    (b":authority", b"127.0.0.1:8443"),
    (b":path", b"/api/ping"),
    (b"user-agent", b"loadcell"),
]


class Server:
    """An h2 server answering every request with RESPONSE and BODY."""

    def __init__(self) -> None:
        self.conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
        self.conn.initiate_connection()

    def answer(self, data: bytes) -> bytes:
        for event in self.conn.receive_data(data):
            if isinstance(event, h2.events.RequestReceived):
                self.conn.send_headers(event.stream_id, RESPONSE)
                self.conn.send_data(event.stream_id, BODY, end_stream=True)
            elif isinstance(event, h2.events.DataReceived):
                self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
        return self.conn.data_to_send()


class Wire(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[bytes] = []

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.sent.append(bytes(data))

    def take(self) -> bytes:
        data = b"".join(self.sent)
        self.sent.clear()
        return data

    def close(self) -> None:
        pass


class Replies:
    """The server's answers, request by request: made by a live Server and recorded, or replayed."""

    def __init__(self, recorded: list[bytes] | None) -> None:
        self.server = Server() if recorded is None else None
        self.recorded: list[bytes] = [] if recorded is None else recorded

    def answer(self, i: int, data: bytes) -> bytes:
        if self.server is None:
            return self.recorded[i]
        out = self.server.answer(data)
        self.recorded.append(out)
        return out


def bare_h2(n: int, recorded: list[bytes] | None) -> tuple[list[bytes], float]:
    """h2's own calls for n GETs; records the server's replies when `recorded` is None."""
    client = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    client.initiate_connection()
    replies = Replies(recorded)
    client.receive_data(replies.answer(0, client.data_to_send()))
    start = time.perf_counter()
    for i in range(1, n + 1):
        stream_id = client.get_next_available_stream_id()
        client.send_headers(stream_id, REQUEST, end_stream=True)
        for event in client.receive_data(replies.answer(i, client.data_to_send())):
            if isinstance(event, h2.events.DataReceived):
                client.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
    return replies.recorded, time.perf_counter() - start


def loadcell_h2(
    n: int, recorded: list[bytes] | None, loop: asyncio.AbstractEventLoop
) -> tuple[list[bytes], float]:
    """loadcell's protocol for n GETs; records the server's replies when `recorded` is None."""
    conn = H2Connection(loop, "tls1.3", "TLS_AES_128_GCM_SHA256")
    wire = Wire()
    conn.connection_made(wire)
    replies = Replies(recorded)
    target = parse_target("https://127.0.0.1:8443/api/ping")
    fields = [("User-Agent", "loadcell")]
    conn.data_received(replies.answer(0, wire.take()))
    start = time.perf_counter()
    for i in range(1, n + 1):
        stream = conn.open_stream("GET", target, "127.0.0.1:8443", fields, None, True, 60.0)
        conn.data_received(replies.answer(i, wire.take()))
        if stream.status != 200 or not stream.waiter.done():
            raise SystemExit(f"request {i} did not settle: status {stream.status}")
        conn.take_bytes()
    return replies.recorded, time.perf_counter() - start


def best(run: Callable[[list[bytes] | None], tuple[list[bytes], float]], n: int) -> float:
    replies, _ = run(None)
    return min(run(replies)[1] for _ in range(3)) / n * 1e6


async def main(n: int) -> None:
    loop = asyncio.get_running_loop()
    print(f"h2 alone:  {best(lambda r: bare_h2(n, r), n):6.1f} us per request (client side)")
    print(f"loadcell:  {best(lambda r: loadcell_h2(n, r, loop), n):6.1f} us per request (client side)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=20000, help="requests per timed pass (default 20000)")
    asyncio.run(main(parser.parse_args().n))
