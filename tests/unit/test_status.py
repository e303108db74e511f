"""Findings about a watched model (domain.status): what `steward status` flags, on the alerts'
severity scale, and the overdue count."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from model_steward.cli.status import attention
from model_steward.domain.alerts import SEVERITY
from model_steward.domain.durations import parse_duration
from model_steward.domain.status import (
    Finding,
    ModelSnapshot,
    WaitingDecision,
    count_overdue,
    exit_code,
    findings,
    overdue_by,
)
from model_steward.models.alerts import AlertKind, AlertSeverity
from model_steward.models.registry import ModelListing
from model_steward.service.status import ModelStatus

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


def test_given_a_managed_scheduler_then_the_conflict_needs_a_person_as_its_alert_says() -> None:
    found = findings(replace(HEALTHY, promote_mode="MANAGED"), NOW)
    assert [(f.level, f.code) for f in found] == [
        (SEVERITY[AlertKind.CONFIGURATION_PROBLEM], "managed-scheduler")
    ]
    assert found[0].needs_person
    assert exit_code(found) == 1


def test_given_the_latest_retraining_failed_then_the_severity_of_its_alert_with_the_reason() -> None:
    found = findings(
        replace(HEALTHY, latest_retraining_status="FAILED", latest_retraining_failed_reason="no data"), NOW
    )
    assert found[0].level is SEVERITY[AlertKind.RETRAINING_FAILED] is AlertSeverity.WARNING
    assert "no data" in found[0].message
    assert exit_code(found) == 1


def test_given_a_cancelled_retraining_then_a_notice_that_needs_nobody() -> None:
    found = findings(replace(HEALTHY, latest_retraining_status="CANCELED"), NOW)
    assert [(f.level, f.code) for f in found] == [(AlertSeverity.NOTICE, "retraining-failed")]
    assert exit_code(found) == 0


def test_given_a_held_version_newer_than_the_active_one_then_it_needs_a_person_with_the_command() -> None:
    waiting = WaitingDecision(version=4, outcome="HOLD", summary="Hold pump-01 version 4: unlabelled.")

    found = findings(HEALTHY, NOW, waiting=waiting)

    assert [(f.level, f.code) for f in found] == [(SEVERITY[AlertKind.HELD], "held")]
    assert 'steward promote pump-01 4 --reason "…"' in found[0].message
    assert exit_code(found) == 1


def test_given_a_version_left_undecided_by_a_managed_scheduler_then_a_conflict_finding() -> None:
    waiting = WaitingDecision(version=4, outcome="CONFLICT", summary="Conflict: MANAGED.")

    assert codes(HEALTHY, waiting=waiting) == ["conflict"]


@pytest.mark.parametrize("version", [2, 3])
def test_given_a_held_version_that_is_not_newer_than_the_active_one_then_nothing(version: int) -> None:
    waiting = WaitingDecision(version=version, outcome="HOLD", summary="Hold.")

    assert findings(HEALTHY, NOW, waiting=waiting) == []


def test_given_findings_then_the_most_severe_comes_first() -> None:
    late_and_held = replace(
        HEALTHY,
        pending_alerts=1,
        latest_retraining_started=NOW - timedelta(days=40),
        next_retraining=NOW - timedelta(days=9),
    )
    found = findings(late_and_held, NOW, waiting=WaitingDecision(4, "HOLD", "Hold."))

    assert [f.code for f in found] == ["retraining-overdue", "held", "alerts-pending"]
    assert [f.level for f in found] == [AlertSeverity.CRITICAL, AlertSeverity.WARNING, AlertSeverity.NOTICE]


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


def test_given_undelivered_alerts_and_no_active_version_then_only_the_missing_version_needs_a_person() -> (
    None
):
    found = findings(replace(HEALTHY, pending_alerts=2, active_version=None), NOW)

    assert [(f.code, f.needs_person) for f in found] == [
        ("no-active-version", True),
        ("alerts-pending", False),
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


def test_the_status_line_names_the_most_severe_finding_and_counts_the_others() -> None:
    snapshot = replace(HEALTHY, latest_retraining_status="CANCELED", scheduler_status="STOPPED")
    found = findings(replace(snapshot, available_data_days=10), NOW)

    def line(found: list[Finding]) -> str:
        return attention(ModelStatus(HEALTHY, 3, "PROMOTED", "PROMOTE", 3, "ok", found))

    assert line(found) == "WARNING scheduler-stopped +2"
    assert line(found[1:2]) == "NOTICE retraining-failed"
    assert line([]) == "ok"
