"""Response heads (sans-IO): the raw bytes are kept and split into fields only when asked.

httptools would call a Python method per header line; scanning the lowered head once for the few
fields the client must act on is several times cheaper on the hot path.
"""

from __future__ import annotations

# Bits of scan()'s result.
ENCODED = 2  # Content-Encoding present
COOKIES = 4  # Set-Cookie present


def scan(head: bytes) -> int:
    """The head facts the client must act on after every response, as bits."""
    lower = head.lower()
    flags = ENCODED if b"\ncontent-encoding:" in lower else 0
    if b"\nset-cookie:" in lower:
        flags |= COOKIES
    return flags


def framed(head: bytes) -> bool:
    """Content-Length or Transfer-Encoding present; else the body ends at EOF (asked only then)."""
    lower = head.lower()
    return b"\ncontent-length:" in lower or b"\ntransfer-encoding:" in lower


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
