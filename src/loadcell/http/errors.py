"""k6's error codes for requests that never got a response (lib/netext/httpext/error_codes.go)."""

from __future__ import annotations

import socket
import ssl

DEFAULT = 1000
NON_TCP_NETWORK = 1010
INVALID_URL = 1020
REQUEST_TIMEOUT = 1050
DNS = 1100
TCP = 1200
TCP_BROKEN_PIPE = 1201
TCP_DIAL = 1210
TCP_DIAL_TIMEOUT = 1211
TCP_DIAL_REFUSED = 1212
TCP_RESET = 1220
TLS = 1300
TLS_UNKNOWN_AUTHORITY = 1310
TLS_HOSTNAME_MISMATCH = 1311
HTTP_PARSE = 1000
TOO_MANY_REDIRECTS = 1000


class RequestError(Exception):
    """A request failed without an HTTP response; carries k6's code for the error_code tag."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def classify(exc: BaseException, connecting: bool) -> RequestError:
    if isinstance(exc, RequestError):
        return exc
    if isinstance(exc, ssl.SSLCertVerificationError):
        if "hostname" in str(exc).lower():
            return RequestError(TLS_HOSTNAME_MISMATCH, f"tls: {exc}")
        return RequestError(TLS_UNKNOWN_AUTHORITY, f"x509: {exc}")
    if isinstance(exc, ssl.SSLError):
        return RequestError(TLS, f"tls: {exc}")
    if isinstance(exc, ConnectionRefusedError):
        return RequestError(TCP_DIAL_REFUSED, f"dial: connection refused ({exc})")
    if isinstance(exc, ConnectionResetError):
        return RequestError(TCP_RESET, f"read: connection reset by peer ({exc})")
    if isinstance(exc, BrokenPipeError):
        return RequestError(TCP_BROKEN_PIPE, f"write: broken pipe ({exc})")
    if isinstance(exc, TimeoutError):
        code = TCP_DIAL_TIMEOUT if connecting else REQUEST_TIMEOUT
        return RequestError(code, "request timeout")
    if isinstance(exc, socket.gaierror):
        return RequestError(DNS, f"lookup: {exc}")
    if isinstance(exc, OSError):
        return RequestError(TCP_DIAL if connecting else TCP, f"{'dial' if connecting else 'net'}: {exc}")
    return RequestError(DEFAULT, f"{type(exc).__name__}: {exc}")
