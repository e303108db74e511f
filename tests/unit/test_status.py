"""Findings about a watched model (domain.status): what `steward status` flags, and the overdue count."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from model_steward.domain.durations import parse_duration
from model_steward.domain.status import (
    Level,
    ModelSnapshot,
    count_overdue,
    exit_code,
    findings,
    overdue_by,
)
from model_steward.models.registry import ModelListing

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
HEALTHY = ModelSnapshot(
    model_name="pump-01",
    active_version=3,
    active_since=NOW - timedelta(days=10),
    promote_mode="MANUAL",
    scheduler_status="RUNNING",
    retraining_frequency="P1M",
    lookback_window="P180D",
    latest_retraining_version=3,
    latest_retraining_status="SUCCESS",
    latest_retraining_started=NOW - timedelta(days=10),
    available_data_days=180,
    next_retraining=NOW + timedelta(days=20),
)


def codes(snapshot: ModelSnapshot, **kwargs: object) -> list[str]:
    return [f.code for f in findings(snapshot, NOW, **kwargs)]  # type: ignore[arg-type]


def test_given_a_healthy_model_then_nothing_needs_attention_and_exit_0() -> None:
    assert findings(HEALTHY, NOW) == []
    assert exit_code([]) == 0


def test_given_a_managed_scheduler_then_a_critical_conflict() -> None:
    found = findings(replace(HEALTHY, promote_mode="MANAGED"), NOW)
    assert [(f.level, f.code) for f in found] == [(Level.CRITICAL, "managed-scheduler")]
    assert exit_code(found) == 1


def test_given_the_latest_retraining_failed_then_critical_with_the_reason() -> None:
    found = findings(
        replace(HEALTHY, latest_retraining_status="FAILED", latest_retraining_failed_reason="no data"), NOW
    )
    assert found[0].level is Level.CRITICAL
    assert "no data" in found[0].message


def test_given_a_cancelled_retraining_then_only_a_warning() -> None:
    found = findings(replace(HEALTHY, latest_retraining_status="CANCELED"), NOW)
    assert [(f.level, f.code) for f in found] == [(Level.WARNING, "retraining-failed")]
    assert exit_code(found) == 0


def test_given_no_retraining_for_longer_than_the_frequency_plus_grace_then_overdue() -> None:
    late = replace(
        HEALTHY, latest_retraining_started=NOW - timedelta(days=40), next_retraining=NOW - timedelta(days=9)
    )
    assert "retraining-overdue" in codes(late)
    assert "retraining-overdue" not in codes(late, grace=timedelta(days=15))


def test_given_the_next_start_date_passed_within_the_grace_period_then_not_overdue() -> None:
    assert codes(replace(HEALTHY, next_retraining=NOW - timedelta(hours=12))) == []


def test_given_a_stopped_scheduler_then_a_warning_and_no_overdue() -> None:
    stopped = replace(HEALTHY, scheduler_status="STOPPED", latest_retraining_started=NOW - timedelta(days=90))
    assert codes(stopped) == ["scheduler-stopped"]


def test_given_fewer_data_days_than_the_lookback_window_then_not_enough_data() -> None:
    assert codes(replace(HEALTHY, available_data_days=120)) == ["not-enough-data"]
    assert codes(replace(HEALTHY, available_data_days=120), min_data_days=90) == []


def test_given_undelivered_alerts_and_no_active_version_then_warnings() -> None:
    assert codes(replace(HEALTHY, pending_alerts=2, active_version=None)) == [
        "no-active-version",
        "alerts-pending",
    ]


def test_given_a_model_gone_from_lookout_then_one_warning() -> None:
    assert codes(ModelSnapshot(model_name="pump-gone", in_lookout=False)) == ["not-in-lookout"]


def test_given_a_scheduler_that_never_ran_then_its_start_date_is_the_due_date() -> None:
    late = overdue_by(
        scheduler_status="PENDING",
        next_start=None,
        latest_start=None,
        frequency=parse_duration("P1M"),
        scheduler_start=NOW - timedelta(days=5),
        now=NOW,
    )
    assert late == timedelta(days=5)


def test_given_model_listings_then_the_overdue_ones_are_counted() -> None:
    listings = [
        ModelListing("late", "f", scheduler_status="RUNNING", next_retraining=NOW - timedelta(days=3)),
        ModelListing("due-soon", "f", scheduler_status="RUNNING", next_retraining=NOW + timedelta(days=3)),
        ModelListing("stopped", "f", scheduler_status="STOPPED", next_retraining=NOW - timedelta(days=30)),
        ModelListing("no-scheduler", "f"),
    ]
    assert count_overdue(listings, NOW) == 1
