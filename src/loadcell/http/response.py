"""The response a script sees; headers, text and JSON are decoded only when asked for."""

from __future__ import annotations

from typing import Any

import msgspec

from loadcell.http.head import fields


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
        return getattr(self, key)

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
    body: bytes
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
        return timings  # type: ignore[return-value]

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
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self, selector: str | None = None) -> Any:
        if self._json is msgspec.UNSET:
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

    def __repr__(self) -> str:
        return f"<Response {self.method} {self.url} {self.status}{' ' + self.error if self.error else ''}>"
