"""The ledger's item conversion both ways (pure): what is written comes back as the same plain
values, numbers included (DynamoDB stores them as Decimal)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from model_steward.adapters.ledger import _item, plain_item


def test_numbers_come_back_as_int_when_whole_and_float_otherwise_at_any_depth() -> None:
    values = {"rows": 300, "fraction": 0.125, "top": [{"score": 2.5, "rank": 1}], "pair": (1, 0.5)}

    assert plain_item(_item(values)) == {
        "rows": 300,
        "fraction": 0.125,
        "top": [{"score": 2.5, "rank": 1}],
        "pair": [1, 0.5],
    }
    assert type(plain_item(_item(values))["rows"]) is int


def test_datetimes_are_written_as_utc_iso_strings_and_none_is_not_written() -> None:
    moment = datetime(2026, 11, 22, 10, 0, tzinfo=timezone(timedelta(hours=1)))

    assert plain_item(_item({"at": moment, "gone": None})) == {"at": "2026-11-22T09:00:00+00:00"}
    assert datetime.fromisoformat(plain_item(_item({"at": moment}))["at"]) == moment.astimezone(UTC)


def test_sets_and_binary_come_back_as_json_values() -> None:
    item = {
        "names": {"SS": ["a"]},
        "sizes": {"NS": ["3"]},
        "blob": {"B": b"\x01\xff"},
        "blobs": {"BS": [b"\x02"]},
    }

    assert plain_item(item) == {"names": ["a"], "sizes": [3], "blob": "01ff", "blobs": ["02"]}
