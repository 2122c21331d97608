"""Response heads (sans-IO): the raw bytes are kept and split into fields only when asked.

httptools would call a Python method per header line; scanning the lowered head once for the few
fields the client must act on is several times cheaper on the hot path.
"""

from __future__ import annotations

# Bits of scan()'s result.
ENCODED = 2  # Content-Encoding present
COOKIES = 4  # Set-Cookie present


def scan(head: bytes) -> int:
    """The head facts the client must act on after every response, as bits.

    `find` rather than `in`: CPython's bytes.__contains__ first tries the needle as an int and
    builds (then drops) a TypeError, which costs more than the search itself.
    """
    lower = head.lower()
    flags = ENCODED if lower.find(b"\ncontent-encoding:") >= 0 else 0
    if lower.find(b"\nset-cookie:") >= 0:
        flags |= COOKIES
    return flags


def framed(head: bytes) -> bool:
    """Content-Length or Transfer-Encoding present; else the body ends at EOF (asked only then)."""
    lower = head.lower()
    return lower.find(b"\ncontent-length:") >= 0 or lower.find(b"\ntransfer-encoding:") >= 0


def http_version(head: bytes) -> str:
    """The protocol tag ("HTTP/1.1") from the status line; httptools' get_http_version() formats
    a string with str.format on every call."""
    return _PROTOS.get(head[5:8]) or head[: head.find(b" ")].decode("latin-1")


_PROTOS = {b"1.1": "HTTP/1.1", b"1.0": "HTTP/1.0"}


def fields(head: bytes) -> list[tuple[bytes, bytes]]:
    """(name, value) pairs of a head (status line excluded), in order, values stripped."""
    out = []
    for line in head.split(b"\r\n")[1:]:
        name, sep, value = line.partition(b":")
        if sep:
            out.append((name.strip(), value.strip()))
    return out


def field_values(head: bytes, name: bytes) -> list[bytes]:
    wanted = name.lower()
    return [v for k, v in fields(head) if k.lower() == wanted]
