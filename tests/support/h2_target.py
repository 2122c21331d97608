"""A bare HTTP/2 server on the h2 package, for what a framework does not let a test do: reset a
stream, send GOAWAY, hold back its flow-control window.

Paths: `/` answers 200; `/reset` resets the stream with CANCEL; `/goaway` answers, then sends
GOAWAY (NO_ERROR) naming that stream as the last; `/calm` sends GOAWAY (ENHANCE_YOUR_CALM) without
answering; `/malformed` answers with a connection-specific field HTTP/2 forbids (RFC 9113 8.2.2);
`POST /size` answers with the number of body bytes received (its window is the protocol's
default 65,535 bytes, so a larger body needs the client to respect flow control).
"""

from __future__ import annotations

import argparse
import asyncio

import uvloop
from h2.config import H2Configuration
from h2.connection import H2Connection
from h2.errors import ErrorCodes
from h2.events import DataReceived, RequestReceived, StreamEnded

from tests.support.target import listen_until_stopped, tls_context


class Server(asyncio.Protocol):
    def __init__(self) -> None:
        self.conn = H2Connection(
            H2Configuration(
                client_side=False,
                header_encoding="utf-8",
                validate_outbound_headers=False,  # so /malformed can send what HTTP/2 forbids
                normalize_outbound_headers=False,
            )
        )
        self.transport: asyncio.Transport | None = None
        self.paths: dict[int, str] = {}
        self.sizes: dict[int, int] = {}

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.conn.initiate_connection()
        self.flush()

    def flush(self) -> None:
        if self.transport is not None:
            self.transport.write(self.conn.data_to_send())

    def data_received(self, data: bytes) -> None:
        for event in self.conn.receive_data(data):
            if isinstance(event, RequestReceived):
                self.paths[event.stream_id] = dict(event.headers)[":path"]
                self.sizes[event.stream_id] = 0
            elif isinstance(event, DataReceived):
                self.sizes[event.stream_id] += len(event.data)
                self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, StreamEnded):
                self.answer(event.stream_id)
        self.flush()

    def answer(self, stream_id: int) -> None:
        path = self.paths.pop(stream_id)
        if path == "/reset":
            self.conn.reset_stream(stream_id, ErrorCodes.CANCEL)
            return
        if path == "/calm":
            self.conn.close_connection(ErrorCodes.ENHANCE_YOUR_CALM, last_stream_id=0)
            return
        body = str(self.sizes.pop(stream_id)).encode() if path == "/size" else b'{"ok": true}'
        headers = [
            (":status", "200"),
            ("content-type", "application/json"),
            ("content-length", str(len(body))),
        ]
        if path == "/malformed":
            headers.append(("connection", "close"))
        self.conn.send_headers(stream_id, headers)
        self.conn.send_data(stream_id, body, end_stream=True)
        if path == "/goaway":
            self.conn.close_connection(ErrorCodes.NO_ERROR, last_stream_id=stream_id)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    args = parser.parse_args()
    uvloop.run(listen_until_stopped(Server, "127.0.0.1", 0, tls_context(args.cert, args.key, ["h2"])))


if __name__ == "__main__":
    main()
