"""k6's http.url`...${id}` tagged template: a URL whose `name` tag keeps the placeholders, so one
name groups the requests of every id (and keeps the metrics' cardinality low)."""

from __future__ import annotations

from string import Formatter
from typing import Any


class TaggedURL(str):
    """A URL string that carries the k6 `name` tag it is requested under."""

    name: str


def url(template: str, *args: Any, **kwargs: Any) -> TaggedURL:
    """`url("http://host/posts/{}", post_id)` (or `{id}` with id=...): the URL, tagged with k6's name
    for http.url`http://host/posts/${post_id}`, which is `http://host/posts/${}`."""
    name = "".join(
        literal + ("${}" if field is not None else "") for literal, field, _, _ in Formatter().parse(template)
    )
    tagged = TaggedURL(template.format(*args, **kwargs))
    tagged.name = name
    return tagged
