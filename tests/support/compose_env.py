"""docker compose's variable interpolation, for checking docker-compose.yml without Docker.

Compose replaces ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error} and ${VAR:+alt}
in every string of the file with values from the shell and .env, and $$ with a literal $; an unmet
:? or ? stops it with the error. This does the same on the parsed YAML.
"""

from __future__ import annotations

import re
from typing import Any

_REF = re.compile(r"\$\$|\$\{(\w+)(?:(:?[-?+])([^}]*))?\}|\$(\w+)")


class MissingVariable(ValueError):
    """A ${VAR:?message} or ${VAR?message} whose variable is unset (or, with the colon, empty)."""


def _one(text: str, env: dict[str, str]) -> str:
    def sub(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1) or match.group(4)
        op, arg = match.group(2), match.group(3) or ""
        value = env.get(name)
        present = value is not None and (value != "" or not (op or "").startswith(":"))
        if op in (":-", "-"):
            return value if present else _one(arg, env)
        if op in (":?", "?"):
            if not present:
                raise MissingVariable(f"{name}: {arg}")
            return value or ""
        if op in (":+", "+"):
            return _one(arg, env) if present else ""
        return value or ""

    return _REF.sub(sub, text)


def interpolate(doc: Any, env: dict[str, str]) -> Any:
    """The document with every string interpolated; mapping keys are left as they are, as compose does."""
    if isinstance(doc, dict):
        return {k: interpolate(v, env) for k, v in doc.items()}
    if isinstance(doc, list):
        return [interpolate(v, env) for v in doc]
    return _one(doc, env) if isinstance(doc, str) else doc
