"""Failed requests get k6's code and k6 1.x's short message: the message is the `error` tag."""

from __future__ import annotations

import socket

import pytest

from loadcell.http.errors import classify


@pytest.mark.parametrize(
    ("exc", "connecting", "code", "message"),
    [
        (ConnectionRefusedError(111, "Connect call failed"), True, 1212, "dial: connection refused"),
        (socket.gaierror(socket.EAI_NONAME, "Name or service not known"), True, 1101, "lookup: no such host"),
        (ConnectionResetError(104, "reset"), False, 1220, "read: connection reset by peer"),
        (BrokenPipeError(32, "Broken pipe"), False, 1201, "write: broken pipe"),
        (TimeoutError(), False, 1050, "request timeout"),
        (TimeoutError(), True, 1211, "request timeout"),
    ],
)  # fmt: skip
def test_codes_and_messages_are_k6s(exc: BaseException, connecting: bool, code: int, message: str) -> None:
    error = classify(exc, connecting)
    assert (error.code, str(error)) == (code, message)
