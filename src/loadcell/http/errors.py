"""k6's error codes for requests that never got a response (lib/netext/httpext/error_codes.go)."""

from __future__ import annotations

import socket
import ssl

DEFAULT = 1000
NON_TCP_NETWORK = 1010
INVALID_URL = 1020
REQUEST_TIMEOUT = 1050
DNS = 1100
DNS_NO_SUCH_HOST = 1101
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
    """k6's code and its short message (`dial: connection refused`, as k6 1.x puts in `error`): the
    message is a tag, so it must not carry Python's errno text, addresses or ports."""
    if isinstance(exc, RequestError):
        return exc
    if isinstance(exc, ssl.SSLCertVerificationError):
        if "hostname" in str(exc).lower() or "IP address mismatch" in str(exc):
            return RequestError(TLS_HOSTNAME_MISMATCH, "x509: certificate doesn't match hostname")
        return RequestError(TLS_UNKNOWN_AUTHORITY, "x509: unknown authority")
    if isinstance(exc, ssl.SSLError):
        return RequestError(TLS, f"tls: {(exc.reason or 'handshake failure').lower().replace('_', ' ')}")
    if isinstance(exc, ConnectionRefusedError):
        return RequestError(TCP_DIAL_REFUSED, "dial: connection refused")
    if isinstance(exc, ConnectionResetError):
        return RequestError(TCP_RESET, "read: connection reset by peer")
    if isinstance(exc, BrokenPipeError):
        return RequestError(TCP_BROKEN_PIPE, "write: broken pipe")
    if isinstance(exc, TimeoutError):
        code = TCP_DIAL_TIMEOUT if connecting else REQUEST_TIMEOUT
        return RequestError(code, "request timeout")
    if isinstance(exc, socket.gaierror):
        if exc.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)):
            return RequestError(DNS_NO_SUCH_HOST, "lookup: no such host")
        return RequestError(DNS, f"lookup: {(exc.strerror or 'failure').lower()}")
    if isinstance(exc, OSError):
        text = (exc.strerror or type(exc).__name__).lower()
        return RequestError(TCP_DIAL if connecting else TCP, f"{'dial' if connecting else 'read'}: {text}")
    return RequestError(DEFAULT, f"{type(exc).__name__}: {exc}")


_GO_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def go_quote(text: str) -> str:
    """Go's %q of a string, as its error messages quote names and URLs (`"X-A\\r\\n"`)."""
    out = []
    for ch in text:
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ch in _GO_ESCAPES:
            out.append(_GO_ESCAPES[ch])
        elif ch < " " or ch == "\x7f":
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'
