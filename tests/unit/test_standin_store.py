"""The stand-in's SQLite store: IDs, documents, tokenized search, index lag, ordering, seeding."""

from __future__ import annotations

from pathlib import Path

import pytest

from loadcell.standin.albert.http import ApiError
from loadcell.standin.albert.kinds import INVENTORY, TAG, USER
from loadcell.standin.albert.pagination import decode_key, encode_key, parse_search_after
from loadcell.standin.albert.seed import seed
from loadcell.standin.albert.store import Store, column_in, json_in, name_match, tokenize


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(clock: FakeClock) -> Store:
    s = Store(None, clock=clock)
    yield s
    s.close()


def _item(store: Store, clock: FakeClock, name: str, **extra: object) -> str:
    clock.now += 1
    item_id = store.allocate_id("INVA")
    store.insert(INVENTORY, {"albertId": item_id, "name": name, "status": "active", **extra})
    return item_id


def test_tokenize_splits_on_punctuation_and_lowercases() -> None:
    assert tokenize("PERF-42 Epoxy_Resin (Gloss 60°)") == ["perf", "42", "epoxy", "resin", "gloss", "60"]


def test_ids_are_allocated_per_prefix_and_skip_taken_ones(store: Store) -> None:
    assert [store.allocate_id("INVA") for _ in range(3)] == ["INVA1000", "INVA1001", "INVA1002"]
    assert store.allocate_id("INVB") == "INVB1000"
    store.insert(TAG, {"albertId": "TAG1000", "name": "seeded"})
    assert store.allocate_id("TAG") == "TAG1001"


def test_documents_round_trip_and_save_reindexes(store: Store, clock: FakeClock) -> None:
    item_id = _item(store, clock, "Titanium Dioxide", Company={"id": "COM1", "name": "Acme"})
    record = store.get(INVENTORY, item_id)
    assert record is not None and record.doc["Company"]["name"] == "Acme"
    assert [r.id for r in store.find(INVENTORY, text="titanium")] == [item_id]
    record.doc["name"] = "Zinc Oxide"
    store.save(INVENTORY, record.doc)
    assert store.find(INVENTORY, text="titanium") == []
    assert [r.id for r in store.find(INVENTORY, text="ZINC oxide")] == [item_id]
    assert store.get(INVENTORY, "INVA9999") is None


def test_text_search_matches_whole_tokens_unless_the_kind_is_type_ahead(
    store: Store, clock: FakeClock
) -> None:
    _item(store, clock, "Epoxy Resin")
    assert len(store.find(INVENTORY, text="resin")) == 1
    assert store.find(INVENTORY, text="res") == []  # tokenized, not substring
    assert store.find(INVENTORY, text="resin acid") == []  # every token must match
    store.insert(USER, {"albertId": "USR1", "name": "Alice Johnson", "email": "alice@example.com"})
    assert [r.id for r in store.find(USER, text="ali")] == ["USR1"]  # users are type-ahead


def test_soft_deleted_records_are_hidden_unless_asked_for(store: Store, clock: FakeClock) -> None:
    item_id = _item(store, clock, "Acetone")
    record = store.get(INVENTORY, item_id)
    record.doc["status"] = "inactive"
    store.save(INVENTORY, record.doc)
    assert store.find(INVENTORY) == []
    assert [r.id for r in store.find(INVENTORY, statuses=("inactive",))] == [item_id]
    assert store.get(INVENTORY, item_id).status == "inactive"


def test_index_lag_hides_writes_from_search_only(clock: FakeClock) -> None:
    store = Store(None, index_lag=2.0, clock=clock)
    item_id = _item(store, clock, "Ethanol")
    assert store.find(INVENTORY, text="ethanol", searchable=True) == []
    assert store.get(INVENTORY, item_id) is not None
    assert store.count(INVENTORY, text="ethanol") == 1  # plain lists are not behind the index
    clock.now += 2.0
    assert [r.id for r in store.find(INVENTORY, text="ethanol", searchable=True)] == [item_id]
    store.close()


def test_search_order_and_cursor(store: Store, clock: FakeClock) -> None:
    ids = [_item(store, clock, f"Resin {n}") for n in range(5)]
    newest_first = store.find(INVENTORY, text="resin", limit=2)
    assert [r.id for r in newest_first] == ids[::-1][:2]
    cursor = (newest_first[-1].created_ms, newest_first[-1].id)
    assert [r.id for r in store.find(INVENTORY, text="resin", after=cursor, limit=10)] == ids[::-1][2:]
    oldest_first = store.find(INVENTORY, order="asc", by="seq", after_seq=store.get(INVENTORY, ids[1]).seq)
    assert [r.id for r in oldest_first] == ids[2:]


def test_conditions_and_facets(store: Store, clock: FakeClock) -> None:
    a = _item(store, clock, "Silica", category="RawMaterials", Tags=[{"id": "TAG1", "name": "Pigment"}])
    _item(store, clock, "Gloves", category="Consumables", Tags=[])
    assert [r.id for r in store.find(INVENTORY, [json_in("category", ["RawMaterials"])])] == [a]
    assert [r.id for r in store.find(INVENTORY, [column_in("id", [a])])] == [a]
    assert [r.id for r in store.find(INVENTORY, [name_match(["SIL"], exact=False)])] == [a]
    assert store.find(INVENTORY, [name_match(["SIL"], exact=True)]) == []
    facets = store.facets(INVENTORY, ["category", "tags"])
    assert dict(facets["category"]) == {"RawMaterials": 1, "Consumables": 1}
    assert facets["tags"] == [("Pigment", 1)]
    assert store.facets(INVENTORY, ["category"], [column_in("id", [a])]) == {
        "category": [("RawMaterials", 1)]
    }
    assert store.facets(INVENTORY, ["tags"]) == {"tags": [("Pigment", 1)]}
    record = store.get(INVENTORY, a)
    record.doc["Tags"] = []
    store.save(INVENTORY, record.doc)  # facet values follow the document (after the short cache)
    assert store.facets(INVENTORY, ["tags"]) == {"tags": [("Pigment", 1)]}
    clock.now += 1.0
    assert store.facets(INVENTORY, ["tags"]) == {"tags": []}
    assert [r.id for r in store.get_many(INVENTORY, ["INVA404", a])] == [a]


def test_pagination_cursors_are_opaque_and_validated() -> None:
    assert decode_key(encode_key(42)) == 42
    assert decode_key("0") is None and decode_key(None) is None
    assert parse_search_after("[]") is None
    assert parse_search_after('["1700000000000", "INVA1000"]') == (1_700_000_000_000, "INVA1000")
    assert parse_search_after(["5", "PRO1"]) == (5, "PRO1")
    for bad in ("not-base64!", "e30="):
        with pytest.raises(ApiError):
            decode_key(bad)
    with pytest.raises(ApiError):
        parse_search_after('["x"]')


def test_file_database_persists_and_seeding_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "standin" / "albert.sqlite3"
    first = Store(str(path))
    added = seed(first)
    assert added > 10
    first.insert(TAG, {"albertId": first.allocate_id("TAG"), "name": "kept"})
    first.close()
    second = Store(str(path))
    assert seed(second) == 0
    assert second.get(USER, "USR215409").doc["name"] == "performanceTester"
    assert [r.doc["name"] for r in second.find(TAG)] == ["kept"]
    assert second.allocate_id("TAG") == "TAG1001"
    second.close()
