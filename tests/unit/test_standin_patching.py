"""Albert's PATCH dialect as the stand-in applies it."""

from __future__ import annotations

import pytest

from loadcell.standin.albert.http import ApiError
from loadcell.standin.albert.patching import apply_patch, bulk_response, failure, parse_body, parse_bulk


def test_plain_fields_metadata_and_deletes() -> None:
    doc = {"name": "Old", "description": "x", "Metadata": {}}
    data = parse_body(
        {
            "data": [
                {"operation": "update", "attribute": "name", "oldValue": "Old", "newValue": "New"},
                {"operation": "delete", "attribute": "description", "oldValue": "x"},
                {"operation": "add", "attribute": "Metadata.grade", "newValue": "A"},
                {"operation": "add", "attribute": "Metadata.owners", "newValue": ["USR1", "USR2"]},
            ]
        }
    )
    apply_patch(doc, data, fields=("name", "description"))
    assert doc == {"name": "New", "Metadata": {"grade": "A", "owners": [{"id": "USR1"}, {"id": "USR2"}]}}
    apply_patch(doc, parse_body({"data": [{"operation": "delete", "attribute": "Metadata.grade"}]}))
    assert doc["Metadata"] == {"owners": [{"id": "USR1"}, {"id": "USR2"}]}


def test_coercion_handlers_and_refusals() -> None:
    doc = {"name": "Lab", "latitude": 1.0}
    apply_patch(
        doc,
        parse_body({"data": [{"operation": "update", "attribute": "latitude", "newValue": "42.5"}]}),
        fields=("latitude",),
        coerce={"latitude": float},
    )
    assert doc["latitude"] == 42.5
    seen = []
    apply_patch(
        doc,
        parse_body({"data": [{"operation": "add", "attribute": "tagId", "newValue": "TAG1"}]}),
        handlers={"tagId": lambda d, datum: seen.append(datum.new_value)},
    )
    assert seen == ["TAG1"]
    refusals = [
        ({"data": [{"operation": "update", "attribute": "category", "newValue": "X"}]}, "cannot be patched"),
        ({"data": [{"operation": "delete", "attribute": "name"}]}, "cannot be deleted"),
        ({"data": [{"operation": "update", "attribute": "name"}]}, "newValue is required"),
        ({"data": [{"operation": "update", "attribute": "latitude", "newValue": "north"}]}, "invalid value"),
    ]
    for body, message in refusals:
        with pytest.raises(ApiError) as info:
            apply_patch(
                doc,
                parse_body(body),
                fields=("name", "latitude"),
                non_deletable=("name",),
                coerce={"latitude": float},
            )
        assert info.value.status == 400 and message in info.value.msg


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        {"data": []},
        {"data": [{"operation": "replace", "attribute": "name"}]},
        {"data": [{"operation": "add"}]},
    ],
)
def test_malformed_bodies_are_400(body: object) -> None:
    with pytest.raises(ApiError) as info:
        parse_body(body)
    assert info.value.status == 400


def test_bulk_form_limits_and_partial_response() -> None:
    assert parse_bulk([{"id": "TAG1", "data": []}]) == [("TAG1", [])]
    with pytest.raises(ApiError):
        parse_bulk([{"id": str(i), "data": []} for i in range(301)])
    with pytest.raises(ApiError):
        parse_bulk({"id": "TAG1"})
    assert bulk_response(["A"], [], done_key="UpdatedItems").status_code == 204
    partial = bulk_response(["A"], [failure("B", "missing")], done_key="UpdatedItems")
    assert partial.status_code == 206
    assert b'"FailedItems":[{"id":"B","errors":[{"msg":"missing"}]}]' in partial.body
    with pytest.raises(ApiError):
        bulk_response([], [failure("B", "missing")], done_key="UpdatedItems")
