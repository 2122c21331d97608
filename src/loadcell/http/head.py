"""Response heads (sans-IO): the raw bytes are kept and split into fields only when asked.

The C protocol notes, per response, only the two facts the client must act on (Content-Encoding,
Set-Cookie); the fields themselves are split here when a script or those two cases ask.
"""

from __future__ import annotations

from loadcell.http._wire import COOKIES, ENCODED

# Bits of a connection's `flags`, set by the C protocol (loadcell.http._wire) from the head.
__all__ = ["COOKIES", "ENCODED", "field_values", "fields"]


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
