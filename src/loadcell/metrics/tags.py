"""Tag sets interned to small ints, so a sample carries one number instead of a dict."""

from __future__ import annotations

TagPairs = tuple[tuple[str, str], ...]


class TagSets:
    """Sorted (key, value) tuples to dense ids; the same set always gets the same id."""

    __slots__ = ("_dicts", "_ids", "items")

    def __init__(self) -> None:
        self._ids: dict[TagPairs, int] = {}
        self.items: list[TagPairs] = []
        self._dicts: list[dict[str, str] | None] = []

    def intern(self, pairs: TagPairs) -> int:
        """Intern an already sorted tuple of pairs."""
        tid = self._ids.get(pairs)
        if tid is None:
            tid = len(self.items)
            self._ids[pairs] = tid
            self.items.append(pairs)
            self._dicts.append(None)
        return tid

    def intern_dict(self, tags: dict[str, str]) -> int:
        return self.intern(tuple(sorted((str(k), str(v)) for k, v in tags.items() if v != "")))

    def as_dict(self, tid: int) -> dict[str, str]:
        d = self._dicts[tid]
        if d is None:
            d = dict(self.items[tid])
            self._dicts[tid] = d
        return d

    def __len__(self) -> int:
        return len(self.items)


def merge_pairs(base: TagPairs, extra: dict[str, str] | None) -> TagPairs:
    """Base pairs overlaid with extra tags (extra wins), sorted; empty values drop the key."""
    if not extra:
        return base
    merged = dict(base)
    for key, value in extra.items():
        merged[str(key)] = str(value)
    return tuple(sorted((k, v) for k, v in merged.items() if v != ""))
