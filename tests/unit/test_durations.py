"""ISO 8601 durations of the retraining scheduler (RetrainingFrequency, LookbackWindow)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from model_steward.domain.durations import Duration, parse_duration, try_parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("P1M", Duration(months=1)),
        ("P3M", Duration(months=3)),
        ("P30D", Duration(days=30)),
        ("P180D", Duration(days=180)),
        ("P1Y6M", Duration(years=1, months=6)),
        ("P2W", Duration(days=14)),
        ("PT12H", Duration(seconds=12 * 3600)),
        ("P1DT1H30M", Duration(days=1, seconds=5400)),
        ("p1m", Duration(months=1)),
    ],
)
def test_given_a_scheduler_duration_when_parsed_then_its_parts_are_read(
    text: str, expected: Duration
) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "P", "PT", "1M", "P1.5M", "P-1D", "PM", "monthly", "P1H"])
def test_given_something_that_is_not_a_duration_when_parsed_then_value_error(text: str) -> None:
    with pytest.raises(ValueError, match="not an ISO 8601 duration"):
        parse_duration(text)
    assert try_parse_duration(text) is None


def test_given_no_text_when_tried_then_none() -> None:
    assert try_parse_duration(None) is None


def test_given_the_end_of_january_when_one_month_is_added_then_the_day_is_clamped() -> None:
    assert parse_duration("P1M").after(datetime(2026, 1, 31, 8, tzinfo=UTC)) == datetime(
        2026, 2, 28, 8, tzinfo=UTC
    )
    assert parse_duration("P1M").after(datetime(2024, 1, 31, tzinfo=UTC)).day == 29


def test_given_months_across_a_year_end_when_added_then_the_year_rolls() -> None:
    assert parse_duration("P3M").after(datetime(2026, 11, 15, tzinfo=UTC)) == datetime(
        2027, 2, 15, tzinfo=UTC
    )


def test_given_a_month_when_taken_nominally_then_it_is_thirty_days() -> None:
    assert parse_duration("P1M").nominal() == timedelta(days=30)
    assert parse_duration("P1Y").nominal_days == 365


@given(st.integers(0, 5), st.integers(0, 30), st.integers(0, 400), st.integers(0, 23), st.integers(0, 59))
def test_given_any_duration_when_written_and_parsed_again_then_it_is_the_same(
    years: int, months: int, days: int, hours: int, minutes: int
) -> None:
    duration = Duration(years=years, months=months, days=days, seconds=hours * 3600 + minutes * 60)
    assert parse_duration(str(duration)) == duration


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)), st.integers(0, 36))
def test_given_any_moment_when_months_are_added_then_it_never_goes_back(
    moment: datetime, months: int
) -> None:
    later = Duration(months=months).after(moment)
    assert later >= moment
    assert (later.year - moment.year) * 12 + later.month - moment.month == months
