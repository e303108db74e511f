"""One style for numbers, changes, durations and timestamps, whoever prints them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from model_steward.domain.formatting import (
    duration,
    durations,
    hours,
    num,
    percent,
    percent_change,
    signed,
    timestamp,
)


@pytest.mark.parametrize(
    ("value", "places", "text"),
    [(0.875, 3, "0.875"), (2.0, 3, "2"), (0.5, 3, "0.5"), (-0.0001, 3, "0"), (1 / 3, 2, "0.33")],
)
def test_numbers_drop_trailing_zeros_and_never_read_minus_zero(value: float, places: int, text: str) -> None:
    assert num(value, places) == text


def test_a_change_is_signed_and_zero_is_not() -> None:
    assert [signed(0.125), signed(-3), signed(0), signed(-0.0001)] == ["+0.125", "-3", "0", "0"]
    assert [percent_change(0.125), percent_change(-0.25), percent_change(0)] == ["+12.5%", "-25%", "0%"]
    assert percent(0.12345, 2) == "12.35%"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (45, "45 s"),
        (119, "119 s"),
        (750, "12.5 min"),
        (3 * 3600, "3 h"),
        (3.25 * 3600, "3.2 h"),
        (4.1 * 86400, "4.1 days"),
    ],
)
def test_a_duration_reads_in_its_largest_readable_unit(seconds: float, text: str) -> None:
    assert duration(seconds) == text


def test_hours_as_configured() -> None:
    assert (hours(24), hours(1.5)) == ("24 h", "1.5 h")


def test_timestamps_are_utc_to_the_minute() -> None:
    paris = timezone(timedelta(hours=1))

    assert timestamp(datetime(2026, 11, 22, 10, 15, 42, tzinfo=paris)) == "2026-11-22 09:15 UTC"
    assert timestamp(datetime(2026, 11, 22, 9, 15)) == "2026-11-22 09:15 UTC"  # naive: UTC
    assert timestamp("2026-11-22T09:15:00Z") == "2026-11-22 09:15 UTC"
    assert timestamp(datetime(2026, 11, 22, 9, 15, tzinfo=UTC).isoformat()) == "2026-11-22 09:15 UTC"
    assert (timestamp(None), timestamp(""), timestamp("soon")) == ("-", "-", "soon")


@pytest.mark.parametrize(
    ("values", "shown"),
    [
        ((172_800.0, 115_200.0), ["2 days", "1.3 days"]),  # not "2 days" beside "32 h"
        ((86_400.0, 86_100.0), ["24 h", "23.9 h"]),  # one decimal tells them apart
        ((86_400.0, 86_399.0), ["24 h", "24 h"]),  # three decimals cannot: they read alike
        ((None, 30.0), [None, "30 s"]),
        ((None, None), [None, None]),
    ],
)
def test_durations_side_by_side_share_one_unit(
    values: tuple[float | None, ...], shown: list[str | None]
) -> None:
    assert durations(*values) == shown
