"""@faker-js/faker calls as Python Faker calls, for the common providers; any other is flagged.

Covered: name, email, company, lorem, number, uuid, date and word. JavaScript dates come back as
Python datetimes, so a following `.toISOString()` becomes `.isoformat()` (see expressions).
"""

from __future__ import annotations

from collections.abc import Callable

from tree_sitter import Node

from loadcell.convert.parse import field, named, text
from loadcell.convert.report import Unsupported

# faker.<module>.<method>() with no arguments that matter -> fake.<method>()
_PLAIN = {
    ("person", "fullName"): "name",
    ("name", "fullName"): "name",
    ("name", "findName"): "name",
    ("person", "firstName"): "first_name",
    ("name", "firstName"): "first_name",
    ("person", "lastName"): "last_name",
    ("name", "lastName"): "last_name",
    ("internet", "email"): "email",
    ("internet", "exampleEmail"): "email",
    ("company", "name"): "company",
    ("company", "companyName"): "company",
    ("lorem", "word"): "word",
    ("lorem", "paragraph"): "paragraph",
    ("lorem", "text"): "text",
    ("lorem", "slug"): "slug",
    ("string", "uuid"): "uuid4",
    ("datatype", "uuid"): "uuid4",
    ("date", "past"): "past_datetime",
    ("date", "recent"): "past_datetime",
    ("date", "future"): "future_datetime",
    ("date", "soon"): "future_datetime",
    ("date", "anytime"): "date_time",
    ("date", "birthdate"): "date_of_birth",
}
_WORD = {"noun", "verb", "adjective", "adverb", "sample", "interjection", "preposition", "conjunction"}
# faker.<module>.<method>(count) -> joined list of fake.<method>(count)
_JOINED = {("lorem", "words"): ("words", " "), ("lorem", "sentences"): ("sentences", " ")}
_JOINED.update({("lorem", "paragraphs"): ("paragraphs", "\\n"), ("word", "words"): ("words", " ")})

Emit = Callable[[Node], str]


def _options(node: Node, emit: Emit) -> dict[str, str]:
    """An options object literal's entries as Python expressions (faker-js passes {min, max, ...})."""
    if node.type != "object":
        raise Unsupported(f"faker options {text(node)!r} that are not an object literal")
    out = {}
    for pair in named(node):
        if pair.type != "pair":
            raise Unsupported(f"faker option {text(pair)!r}")
        out[text(field(pair, "key")).strip("'\"")] = emit(field(pair, "value"))
    return out


def _number(method: str, args: list[Node], emit: Emit) -> str:
    if not args:
        return "fake.random_int(0, 9007199254740991)" if method == "int" else "fake.pyfloat()"
    if args[0].type != "object":
        return (
            f"fake.random_int(0, {emit(args[0])})"
            if method == "int"
            else f"fake.pyfloat(max_value={emit(args[0])})"
        )
    opts = _options(args[0], emit)
    if method == "int":
        return f"fake.random_int({opts.get('min', '0')}, {opts.get('max', '9007199254740991')})"
    kw = [f"min_value={opts['min']}"] if "min" in opts else []
    kw += [f"max_value={opts['max']}"] if "max" in opts else []
    digits = opts.get("fractionDigits") or opts.get("precision")
    kw += [f"right_digits={digits}"] if digits else []
    return f"fake.pyfloat({', '.join(kw)})"


def faker_call(path: list[str], args: list[Node], emit: Emit) -> str:
    """`faker.person.fullName()` with path ['person', 'fullName'] -> 'fake.name()'."""
    key = tuple(path)
    if key == ("seed",):
        return f"fake.seed_instance({emit(args[0])})"
    if len(path) != 2:
        raise Unsupported(f"faker call faker.{'.'.join(path)}()")
    if key in _PLAIN:
        return f"fake.{_PLAIN[key]}()"
    if key in _JOINED:
        method, sep = _JOINED[key]
        count = emit(args[0]) if args else "3"
        return f'"{sep}".join(fake.{method}({count}))'
    if key == ("lorem", "sentence"):
        return f"fake.sentence({emit(args[0])})" if args and args[0].type == "number" else "fake.sentence()"
    if path[0] == "word" and path[1] in _WORD:
        return "fake.word()"
    if (path[0] == "number" and path[1] in ("int", "float")) or key == ("datatype", "number"):
        return _number("int" if path[1] == "number" else path[1], args, emit)
    raise Unsupported(f"faker provider faker.{'.'.join(path)}() (no Python Faker mapping)")
