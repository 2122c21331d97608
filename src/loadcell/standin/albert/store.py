"""SQLite persistence: every entity is one JSON document in one generic table.

Why one table: the stand-in needs the same four things for every kind (get by ID, list in
insertion order, full-text-ish search in creation order, soft delete), so a single table with a
few derived index columns keeps the code small. Kind-specific filters use SQLite's JSON1
functions on the document. One connection per server process, used only from the event loop
thread, so there is no locking to get wrong; a file database runs in WAL mode.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from loadcell.standin.albert.kinds import Doc, Kind

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entities (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    doc TEXT NOT NULL,
    status TEXT NOT NULL,
    name TEXT,
    tokens TEXT NOT NULL DEFAULT ' ',
    parent_id TEXT,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    searchable_at REAL NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE INDEX IF NOT EXISTS entities_kind_seq ON entities (kind, seq);
CREATE INDEX IF NOT EXISTS entities_kind_created ON entities (kind, created_ms, id);
CREATE INDEX IF NOT EXISTS entities_kind_parent ON entities (kind, parent_id);
CREATE INDEX IF NOT EXISTS entities_id ON entities (id);
CREATE TABLE IF NOT EXISTS facets (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    facet TEXT NOT NULL,
    value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS facets_by_entity ON facets (kind, id, facet);
CREATE TABLE IF NOT EXISTS counters (prefix TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

FACET_CACHE_SECONDS = 1.0
FACET_CACHE_SIZE = 512
FIRST_ID = 1000  # seeded reference data uses numbers below this, so allocated IDs never collide
_TOKEN_SPLIT = re.compile(r"[\W_]+", re.UNICODE)
_encode = msgspec.json.encode
_decode = msgspec.json.decode


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens: the stand-in's stand-in for a search engine's analyzer."""
    return [token for token in _TOKEN_SPLIT.split(text.lower()) if token]


@dataclass(frozen=True, slots=True)
class Cond:
    """A SQL condition on the ``entities`` row (columns, or ``doc`` through JSON1) with its params."""

    sql: str
    params: tuple[Any, ...] = ()


def json_in(path: str, values: Iterable[Any], *, nocase: bool = False) -> Cond:
    """``doc.path`` is one of ``values`` (case-insensitively for strings when ``nocase``)."""
    values = list(values)
    marks = ",".join("?" * len(values))
    expr = f"json_extract(doc, '$.{path}')"
    if nocase:
        return Cond(f"lower({expr}) IN ({marks})", tuple(str(v).lower() for v in values))
    return Cond(f"{expr} IN ({marks})", tuple(values))


def json_any_in(array_path: str, field: str, values: Iterable[Any], *, nocase: bool = True) -> Cond:
    """Some element of the array ``doc.array_path`` has ``element.field`` in ``values``."""
    values = [str(v).lower() if nocase else v for v in values]
    marks = ",".join("?" * len(values))
    inner = f"json_extract(j.value, '$.{field}')"
    inner = f"lower({inner})" if nocase else inner
    return Cond(
        f"EXISTS (SELECT 1 FROM json_each(doc, '$.{array_path}') j WHERE {inner} IN ({marks}))", tuple(values)
    )


def name_match(names: Sequence[str], *, exact: bool) -> Cond:
    """The ``name`` column equals (exact) or contains (not exact) any of ``names``, ignoring case."""
    names = [n.lower() for n in names]
    if exact:
        return Cond(f"lower(entities.name) IN ({','.join('?' * len(names))})", tuple(names))
    return Cond("(" + " OR ".join("instr(lower(entities.name), ?) > 0" for _ in names) + ")", tuple(names))


def column_in(column: str, values: Iterable[Any]) -> Cond:
    """A plain index column (``id``, ``parent_id``, ``status``) is one of ``values``."""
    values = list(values)
    return Cond(f"entities.{column} IN ({','.join('?' * len(values))})", tuple(values))


@dataclass(slots=True)
class Record:
    """One stored entity: its document plus the bookkeeping columns pagination needs."""

    id: str
    doc: Doc
    status: str
    created_ms: int
    seq: int


class Store:
    """The stand-in's database; see the module docstring for the design."""

    def __init__(self, path: str | None, *, index_lag: float = 0.0, clock: Callable[[], float] = time.time):
        if path is not None:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.index_lag = index_lag
        self.clock = clock
        self._db = sqlite3.connect(path or ":memory:", isolation_level=None, check_same_thread=False)
        if path is not None:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.executescript(_SCHEMA)
        self._closed = False
        self._depth = 0
        self._facet_cache: dict[tuple[Any, ...], tuple[float, dict[str, list[tuple[str, int]]]]] = {}
        row = self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM entities").fetchone()
        self._seq = int(row[0])

    def close(self) -> None:
        """Checkpoint and close; safe to call twice."""
        if not self._closed:
            self._closed = True
            if self.path is not None:
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes; nested use joins the outer transaction."""
        if self._depth == 0:
            self._db.execute("BEGIN IMMEDIATE")
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth -= 1
            if self._depth == 0:
                self._db.execute("ROLLBACK")
            raise
        self._depth -= 1
        if self._depth == 0:
            self._db.execute("COMMIT")

    # -- meta and IDs -------------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def allocate_id(self, prefix: str) -> str:
        """Next ID for a prefix (``INVA``, ``LOT``, ...): one counter per prefix, skipping any taken ID."""
        with self.transaction():
            while True:
                row = self._db.execute(
                    "INSERT INTO counters (prefix, value) VALUES (?, ?) "
                    "ON CONFLICT (prefix) DO UPDATE SET value = value + 1 RETURNING value",
                    (prefix, FIRST_ID),
                ).fetchone()
                candidate = f"{prefix}{row[0]}"
                if self._db.execute("SELECT 1 FROM entities WHERE id = ?", (candidate,)).fetchone() is None:
                    return candidate

    # -- writes -------------------------------------------------------------------------------

    def _index_columns(self, kind: Kind, doc: Doc) -> tuple[str | None, str, str | None]:
        words: set[str] = set()
        for text in kind.text(doc):
            words.update(tokenize(text))
        tokens = " " + " ".join(sorted(words)) + " "
        return kind.name_of(doc), tokens, kind.parent_of(doc)

    def insert(self, kind: Kind, doc: Doc, *, if_absent: bool = False) -> bool:
        """Store a new document keyed by its ``albertId``; returns False if it existed (``if_absent``)."""
        now = self.clock()
        name, tokens, parent = self._index_columns(kind, doc)
        self._seq += 1
        verb = "INSERT OR IGNORE" if if_absent else "INSERT"
        cursor = self._db.execute(
            f"{verb} INTO entities (kind, id, doc, status, name, tokens, parent_id, created_ms, updated_ms,"
            " searchable_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                kind.name,
                doc["albertId"],
                _encode(doc),
                doc.get("status") or "active",
                name,
                tokens,
                parent,
                int(now * 1000),
                int(now * 1000),
                now + self.index_lag,
                self._seq,
            ),
        )
        inserted = cursor.rowcount == 1
        if inserted:
            self._write_facets(kind, doc)
        return inserted

    def _write_facets(self, kind: Kind, doc: Doc) -> None:
        entity_id = doc["albertId"]
        self._db.execute("DELETE FROM facets WHERE kind = ? AND id = ?", (kind.name, entity_id))
        rows = [(kind.name, entity_id, facet, value) for facet, value in kind.facets(doc) if value]
        if rows:
            self._db.executemany("INSERT INTO facets (kind, id, facet, value) VALUES (?, ?, ?, ?)", rows)

    def save(self, kind: Kind, doc: Doc, *, reindex: bool = True) -> None:
        """Replace an existing document; an updated entity re-enters the search index after the lag.

        ``reindex=False`` is for bookkeeping writes (a parent's on-hand total) that a user did not
        make and that should not make the entity blink out of search results.
        """
        now = self.clock()
        name, tokens, parent = self._index_columns(kind, doc)
        searchable_at = "?" if reindex else "MIN(searchable_at, ?)"
        self._db.execute(
            "UPDATE entities SET doc = ?, status = ?, name = ?, tokens = ?, parent_id = ?, updated_ms = ?,"
            f" searchable_at = {searchable_at} WHERE kind = ? AND id = ?",
            (
                _encode(doc),
                doc.get("status") or "active",
                name,
                tokens,
                parent,
                int(now * 1000),
                now + self.index_lag,
                kind.name,
                doc["albertId"],
            ),
        )
        self._write_facets(kind, doc)

    # -- reads --------------------------------------------------------------------------------

    @staticmethod
    def _record(row: tuple[Any, ...]) -> Record:
        return Record(id=row[0], doc=_decode(row[1]), status=row[2], created_ms=row[3], seq=row[4])

    def get(self, kind: Kind, entity_id: str) -> Record | None:
        row = self._db.execute(
            "SELECT id, doc, status, created_ms, seq FROM entities WHERE kind = ? AND id = ?",
            (kind.name, entity_id),
        ).fetchone()
        return self._record(row) if row else None

    def get_many(self, kind: Kind, ids: Sequence[str]) -> list[Record]:
        """Records for the IDs that exist, in the order asked for."""
        if not ids:
            return []
        found: dict[str, Record] = {}
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            rows = self._db.execute(
                "SELECT id, doc, status, created_ms, seq FROM entities WHERE kind = ? AND id IN "
                f"({','.join('?' * len(chunk))})",
                (kind.name, *chunk),
            ).fetchall()
            found.update((row[0], self._record(row)) for row in rows)
        return [found[i] for i in dict.fromkeys(ids) if i in found]

    def _where(
        self,
        kind: Kind,
        conds: Sequence[Cond],
        text: str | None,
        statuses: Sequence[str] | None,
        searchable: bool,
    ) -> tuple[str, list[Any]]:
        clauses = ["entities.kind = ?"]
        params: list[Any] = [kind.name]
        if statuses:
            clauses.append(f"entities.status IN ({','.join('?' * len(statuses))})")
            params.extend(statuses)
        if searchable:
            clauses.append("entities.searchable_at <= ?")
            params.append(self.clock())
        for token in tokenize(text or ""):
            clauses.append("instr(entities.tokens, ?) > 0")
            params.append(f" {token}" if kind.prefix_search else f" {token} ")
        for cond in conds:
            clauses.append(cond.sql)
            params.extend(cond.params)
        return " AND ".join(clauses), params

    def find(
        self,
        kind: Kind,
        conds: Sequence[Cond] = (),
        *,
        text: str | None = None,
        statuses: Sequence[str] | None = ("active",),
        searchable: bool = False,
        order: str = "desc",
        by: str = "created",
        after: tuple[int, str] | None = None,
        after_seq: int | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Record]:
        """Filtered, ordered records: ``by="created"`` (search order) or ``by="seq"`` (list order).

        ``after`` is a search-after cursor ``(created_ms, id)``; ``after_seq`` a list cursor.
        """
        where, params = self._where(kind, conds, text, statuses, searchable)
        desc = order.lower() != "asc"
        cmp = "<" if desc else ">"
        if after is not None:
            where += f" AND (created_ms {cmp} ? OR (created_ms = ? AND id {cmp} ?))"
            params.extend([after[0], after[0], after[1]])
        if after_seq is not None:
            where += f" AND seq {cmp} ?"
            params.append(after_seq)
        direction = "DESC" if desc else "ASC"
        order_sql = f"seq {direction}" if by == "seq" else f"created_ms {direction}, id {direction}"
        sql = f"SELECT id, doc, status, created_ms, seq FROM entities WHERE {where} ORDER BY {order_sql}"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params.extend([limit, offset])
        return [self._record(row) for row in self._db.execute(sql, params).fetchall()]

    def count(
        self,
        kind: Kind,
        conds: Sequence[Cond] = (),
        *,
        text: str | None = None,
        statuses: Sequence[str] | None = ("active",),
        searchable: bool = False,
    ) -> int:
        where, params = self._where(kind, conds, text, statuses, searchable)
        return int(self._db.execute(f"SELECT COUNT(*) FROM entities WHERE {where}", params).fetchone()[0])

    def facets(
        self,
        kind: Kind,
        names: Sequence[str],
        conds: Sequence[Cond] = (),
        *,
        text: str | None = None,
        statuses: Sequence[str] | None = ("active",),
        searchable: bool = False,
        top: int = 50,
    ) -> dict[str, list[tuple[str, int]]]:
        """Value counts of the named facets (see ``Kind.facets``) over the filtered set.

        Facet values live in their own table, written with the document, and one pass over the
        matching entities counts them all. Counting is still linear in the matches, so identical
        facet requests within ``FACET_CACHE_SECONDS`` share one result (like a search engine's
        request cache); counts may lag writes by that long, which the index lag dwarfs anyway.
        """
        key = (kind.name, tuple(names), tuple(conds), text, tuple(statuses or ()), searchable, top)
        now = self.clock()
        cached = self._facet_cache.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        where, params = self._where(kind, conds, text, statuses, searchable)
        marks = ",".join("?" * len(names))
        sql = (
            "SELECT f.facet, f.value, COUNT(*) AS n FROM entities CROSS JOIN facets f "
            f"ON f.kind = entities.kind AND f.id = entities.id AND f.facet IN ({marks}) "
            f"WHERE {where} GROUP BY f.facet, f.value ORDER BY n DESC, f.value"
        )
        counts: dict[str, list[tuple[str, int]]] = {name: [] for name in names}
        for facet, value, n in self._db.execute(sql, [*names, *params]).fetchall():
            if len(counts[facet]) < top:
                counts[facet].append((str(value), int(n)))
        if len(self._facet_cache) >= FACET_CACHE_SIZE:
            self._facet_cache.clear()
        self._facet_cache[key] = (now + FACET_CACHE_SECONDS, counts)
        return counts

    def sum_json(self, kind: Kind, path: str, conds: Sequence[Cond] = ()) -> float:
        """Sum of a numeric document field over active records (used for inventory on-hand totals)."""
        where, params = self._where(kind, conds, None, ("active",), False)
        row = self._db.execute(
            f"SELECT COALESCE(SUM(json_extract(doc, '$.{path}')), 0) FROM entities WHERE {where}", params
        ).fetchone()
        return float(row[0])
