"""Optional parts of loadcell: the core install is the load tool alone.

`loadcell standin` needs `loadcell[standin]` (Starlette, uvicorn, Hypercorn, trustme) and
`loadcell convert` needs `loadcell[convert]` (tree-sitter, ruff). Their commands import those
packages inside ``needs_extra`` so a core install answers with the pip line instead of a traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click


@contextmanager
def needs_extra(extra: str) -> Iterator[None]:
    """Turn a missing third-party module imported in this block into the command that installs it."""
    try:
        yield
    except ModuleNotFoundError as exc:
        if not exc.name or exc.name.partition(".")[0] == "loadcell":
            raise  # a broken checkout, not a missing extra
        raise click.ClickException(
            f"this command needs the {exc.name!r} package: pip install 'loadcell[{extra}]'"
        ) from None
