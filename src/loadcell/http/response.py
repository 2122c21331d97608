"""The response a script sees; headers, text and JSON are decoded only when asked for."""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import msgspec

from loadcell.http.cookies import response_cookies
from loadcell.http.head import field_values, fields

if TYPE_CHECKING:
    from loadcell.http.html import Selection


class Timings:
    """k6's res.timings in ms; also readable as a mapping (timings['duration'])."""

    __slots__ = ("blocked", "connecting", "duration", "receiving", "sending", "tls_handshaking", "waiting")

    def __init__(
        self,
        blocked: float,
        connecting: float,
        tls_handshaking: float,
        sending: float,
        waiting: float,
        receiving: float,
    ) -> None:
        self.blocked = blocked
        self.connecting = connecting
        self.tls_handshaking = tls_handshaking
        self.sending = sending
        self.waiting = waiting
        self.receiving = receiving
        self.duration = sending + waiting + receiving

    def __getitem__(self, key: str) -> float:
        value: float = getattr(self, key)
        return value

    def as_dict(self) -> dict[str, float]:
        return {k: getattr(self, k) for k in self.__slots__}

    def __repr__(self) -> str:
        return f"Timings({self.as_dict()})"


ZERO_TIMINGS = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)


def _canonical(name: str) -> str:
    """Go's CanonicalMIMEHeaderKey, as k6 presents header names."""
    return "-".join(p[:1].upper() + p[1:].lower() for p in name.split("-"))


class Response(msgspec.Struct, gc=False, eq=False):
    """One response, as k6's. A msgspec Struct: built in C, with no Python frame per request."""

    method: str
    url: str
    status: int
    proto: str
    raw_head: bytes
    body: bytes | None  # None with discardResponseBodies or response_type="none", as k6's null
    # ms: blocked, connecting, tls, sending, waiting, receiving; a Timings once asked for.
    _timings: Timings | tuple[float, ...] = ZERO_TIMINGS
    error: str = ""
    error_code: int = 0
    tls_version: str = ""  # k6's res.tls_version, e.g. "tls1.3"; "" on plain TCP
    tls_cipher_suite: str = ""  # Go's name, e.g. "TLS_AES_128_GCM_SHA256"
    _headers: dict[str, str] | None = None
    _json: Any = msgspec.UNSET

    @property
    def timings(self) -> Timings:
        """Built on first use: most scripts never look at a response's timings."""
        timings = self._timings
        if type(timings) is tuple:
            timings = self._timings = Timings(*timings)
        return timings  # type: ignore[return-value]  # a tuple became Timings just above

    @property
    def headers(self) -> dict[str, str]:
        if self._headers is None:
            headers: dict[str, str] = {}
            for raw_name, raw_value in fields(self.raw_head):
                name = _canonical(raw_name.decode("latin-1"))
                value = raw_value.decode("latin-1")
                headers[name] = f"{headers[name]}, {value}" if name in headers else value
            self._headers = headers
        return self._headers

    @property
    def text(self) -> str | None:
        body = self.body
        return None if body is None else body.decode("utf-8", errors="replace")

    def json(self, selector: str | None = None) -> Any:
        if self._json is msgspec.UNSET:
            if self.body is None:  # k6 throws here too
                raise ValueError(
                    "the response has no body to parse as JSON (discardResponseBodies or"
                    " response_type='none' drop it); ask for it with response_type='text'"
                )
            self._json = msgspec.json.decode(self.body) if self.body else None
        if selector is None:
            return self._json
        value = self._json
        for part in selector.split("."):
            value = value[int(part)] if isinstance(value, list) else value[part]
        return value

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 400

    @property
    def status_text(self) -> str:
        """k6's res.status_text: the status line after the protocol ("200 OK"); "" for no response."""
        line = self.raw_head.split(b"\r\n", 1)[0].decode("latin-1")
        return line.partition(" ")[2]

    @property
    def cookies(self) -> dict[str, list[dict[str, Any]]]:
        """k6's res.cookies: this response's Set-Cookie fields, by name (a redirect's are in the jar)."""
        return response_cookies(field_values(self.raw_head, b"set-cookie"))

    @property
    def remote_ip(self) -> str:
        """k6's res.remote_ip: the address the URL's host resolves to (loadcell's resolver's first)."""
        host = urlsplit(self.url).hostname or ""
        try:
            return str(socket.getaddrinfo(host, None)[0][4][0]) if host else ""
        except OSError:
            return ""

    @property
    def remote_port(self) -> int:
        """k6's res.remote_port: the URL's port (80 or 443 when it names none)."""
        parts = urlsplit(self.url)
        return parts.port or (443 if parts.scheme == "https" else 80)

    @property
    def request(self) -> dict[str, Any]:
        """k6's res.request, as far as the response knows it: the method and the URL of this hop."""
        return {"method": self.method, "url": self.url}

    def html(self, selector: str | None = None) -> Selection:
        """k6's res.html(): the body as a document to query with CSS selectors (selectolax)."""
        from loadcell.http.html import parse_html

        document = parse_html(self.text or "")
        return document if selector is None else document.find(selector)

    def __repr__(self) -> str:
        return f"<Response {self.method} {self.url} {self.status}{' ' + self.error if self.error else ''}>"
