"""Alerts built from decisions, failed versions, diagnostics, problems and operators (pure)."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest

from model_steward.domain import alerts
from model_steward.domain.diagnostics import summarize_diagnostics
from model_steward.domain.policy import decide
from model_steward.domain.samples import sample_links
from model_steward.models.alerts import Alert, AlertKind, AlertSeverity, DiagnosticsAlertPolicy, Links
from model_steward.models.decision import Decision
from model_steward.models.diagnostics import DiagnosticsSummary
from model_steward.models.policy import Policy
from tests.unit.builders import NOW, metrics_json, model_facts, version_facts

LINKS = sample_links()
LIVE = Policy(dry_run=False)


def decision(policy: Policy = LIVE, **version: object) -> Decision:
    return decide(version_facts(**version), model_facts(), policy, NOW)


def diagnostics_summary(events: int = 2) -> DiagnosticsSummary:
    lines = []
    for i in range(events * 4):
        anomalous = i % 4 == 1
        record: dict[str, object] = {
            "timestamp": f"2024-03-{1 + i // 24:02d}T{i % 24:02d}:00:00",
            "prediction": int(anomalous),
            "anomaly_score": 0.9 if anomalous else 0.1,
        }
        if anomalous:
            record["diagnostics"] = [
                {"name": "pump\\Sensor4", "value": 0.5},
                {"name": "pump\\Sensor1", "value": 0.3},
                {"name": "motor\\Sensor7", "value": 0.15},
                {"name": "pump\\Sensor0", "value": 0.05},
            ]
        lines.append(json.dumps(record))
    return summarize_diagnostics(io.BytesIO("\n".join(lines).encode()))


# ------------------------------------------------------------------ decisions


@pytest.mark.parametrize(
    ("policy", "version", "kind", "severity"),
    [
        (LIVE, {}, AlertKind.PROMOTED, AlertSeverity.NOTICE),
        (Policy(), {}, AlertKind.WOULD_PROMOTE, AlertSeverity.INFO),
        (LIVE, {"model_quality": "CANNOT_DETERMINE_QUALITY"}, AlertKind.HELD, AlertSeverity.WARNING),
        (LIVE, {"model_quality": "POOR_QUALITY_DETECTED"}, AlertKind.REJECTED, AlertSeverity.NOTICE),
    ],
)
def test_a_decision_becomes_the_alert_of_its_outcome(
    policy: Policy, version: dict[str, object], kind: AlertKind, severity: AlertSeverity
) -> None:
    made = decision(policy, **version)

    alert = alerts.for_decision(made, links=LINKS)

    assert (alert.kind, alert.severity) == (kind, severity)
    assert alert.alert_id == f"pump-01#v5#{kind}"
    assert alert.summary == made.summary
    assert alert.decision == made
    assert alert.links == LINKS
    assert alert.created_at == NOW


def test_a_managed_scheduler_is_a_configuration_problem_for_that_model() -> None:
    made = decide(version_facts(), model_facts(promote_mode="MANAGED"), LIVE, NOW)

    alert = alerts.for_decision(made, links=LINKS)

    assert alert.kind is AlertKind.CONFIGURATION_PROBLEM
    assert alert.severity is AlertSeverity.WARNING
    assert alert.reasons[0].startswith("Scheduler mode failed: ")
    assert any("PromoteMode to MANUAL" in item for item in alert.look_at)


def test_the_rules_that_mattered_come_first_and_skipped_rules_never() -> None:
    made = decision(model_metrics=metrics_json(num_identified=5, warning_seconds=3600.0, unknown=30))

    alert = alerts.for_decision(made, links=LINKS)

    assert [r.split(":")[0] for r in alert.reasons] == [
        "Event recall failed",
        "Mean forewarning failed",
        "Unknown events failed",
    ]


def test_a_promotion_shows_the_rules_that_passed_then_names_those_that_did_not_apply() -> None:
    made = decision(retraining_available_data_in_days=None)
    alert = alerts.for_decision(made, links=LINKS)

    *passed, not_applied = alert.reasons
    assert passed
    assert all(" passed: " in r for r in passed)
    skipped = [alerts.rule_label(r.rule) for r in made.rule_results if r.outcome.value == "SKIPPED"]
    assert skipped
    assert not_applied == "Not applied: " + ", ".join(f"{name} (skipped)" for name in skipped) + "."
    assert (
        "not applied: " + ", ".join(r.rule.value for r in made.rule_results if r.outcome.value == "SKIPPED")
        in made.summary
    )


def test_a_held_version_names_the_promote_command_with_the_deployment() -> None:
    made = decision(model_quality="CANNOT_DETERMINE_QUALITY")

    alert = alerts.for_decision(made, links=LINKS, target="--stack steward-prod --region eu-west-1")

    assert alert.kind is AlertKind.HELD
    assert (
        alert.look_at[-1] == 'steward promote pump-01 5 --stack steward-prod --region eu-west-1 --reason "…"'
    )
    assert (
        alert.look_at[-2] == "To activate version 5, after looking (or do nothing: version 4 stays active):"
    )
    assert not any("UpdateActiveModelVersion" in item for item in alert.look_at)


def test_a_rejected_version_says_nothing_is_needed_and_how_to_force_it() -> None:
    made = decision(model_quality="POOR_QUALITY_DETECTED")

    alert = alerts.for_decision(made, links=LINKS, target="--stack s")

    step, command = alert.look_at
    assert step.startswith("Nothing to do now: version 4 stays active.")
    assert command == 'steward promote pump-01 5 --stack s --force --reason "…"'


def test_a_failed_retraining_shows_no_figure_that_could_contradict_its_reason() -> None:
    failed = version_facts(
        status="FAILED",
        failed_reason="Insufficient data: fewer than 14 days of sensor data.",
        retraining_available_data_in_days=360,
    )

    alert = alerts.for_failed_version(failed, links=LINKS, now=NOW)

    assert [row.label for row in alert.numbers] == ["Status"]
    assert "360" not in json.dumps(alert.model_dump(mode="json", exclude={"created_at"}))


def test_durations_side_by_side_share_one_unit() -> None:
    made = decision(
        model_metrics=metrics_json(num_identified=6, warning_seconds=6 * 48 * 3600.0),
        prior_model_metrics=metrics_json(num_identified=6, warning_seconds=6 * 32 * 3600.0),
    )

    row = next(r for r in alerts.decision_numbers(made) if r.label == "Mean forewarning")

    assert (row.new, row.prior, row.change) == ("2 days", "1.3 days", "+50%")


def test_not_measurable_results_are_shown_after_failures() -> None:
    made = decision(prior_model_metrics=None, model_quality="POOR_QUALITY_DETECTED")

    reasons = alerts.for_decision(made, links=LINKS).reasons

    assert reasons[0].startswith("Model quality failed")
    assert any(r.startswith("Event recall not measurable") for r in reasons[1:])


def test_numbers_put_the_new_version_and_the_prior_model_side_by_side() -> None:
    made = decision(
        model_metrics=metrics_json(num_identified=6, unknown=10),
        prior_model_metrics=metrics_json(num_identified=8, unknown=8),
    )

    rows = {r.label: r for r in alerts.for_decision(made, links=LINKS, version=version_facts()).numbers}

    assert (rows["Event recall"].new, rows["Event recall"].prior) == ("0.75 (6 of 8)", "1 (8 of 8)")
    assert rows["Event recall"].change == "-0.25"
    assert (rows["Unknown events"].new, rows["Unknown events"].prior, rows["Unknown events"].change) == (
        "10",
        "8",
        "+2",
    )
    assert rows["ModelQuality"].new == "QUALITY_THRESHOLD_MET"
    assert rows["Data days"].new == "180"
    assert list(rows) == [
        "Event recall",
        "Mean forewarning",
        "Unknown events",
        "Unknown event time",
        "Predicted abnormal ranges",
        "Predicted abnormal time",
        "ModelQuality",
        "Data days",
    ]


def test_what_the_service_said_is_a_reason_when_it_differs() -> None:
    made = decision(model_quality="POOR_QUALITY_DETECTED", auto_promotion_result="MODEL_PROMOTED")

    alert = alerts.for_decision(made, links=LINKS)

    assert alert.reasons[0].startswith("Model quality failed")
    assert alert.reasons[1].startswith("The service's own AutoPromotionResult differs: ")


def test_a_long_model_name_is_shortened_in_the_title_only() -> None:
    name = "p" * 100 + "-unit-07"
    made = decide(version_facts(model_name=name), model_facts(model_name=name), LIVE, NOW)

    alert = alerts.for_decision(made, links=LINKS)

    assert len(alert.title) < 90
    assert alert.title.startswith("ppp")
    assert "unit-07 v5" in alert.title
    assert alert.model_name == name


# ------------------------------------------------------------------ failed versions


def test_a_failed_retraining_carries_its_failed_reason() -> None:
    version = version_facts(
        status="FAILED", failed_reason="No data", auto_promotion_result="RETRAINING_CUSTOMER_ERROR"
    )

    alert = alerts.for_failed_version(version, links=LINKS)

    assert (alert.kind, alert.severity) == (AlertKind.RETRAINING_FAILED, AlertSeverity.WARNING)
    assert alert.alert_id == "pump-01#v5#RETRAINING_FAILED"
    assert "No data" in alert.summary
    assert "FailedReason: No data" in alert.reasons


def test_a_canceled_retraining_is_a_notice() -> None:
    alert = alerts.for_failed_version(version_facts(status="CANCELED"), links=LINKS)

    assert (alert.kind, alert.severity) == (AlertKind.RETRAINING_CANCELED, AlertSeverity.NOTICE)


def test_a_successful_version_is_not_a_failure() -> None:
    with pytest.raises(ValueError, match="neither FAILED nor CANCELED"):
        alerts.for_failed_version(version_facts(), links=LINKS)


# ------------------------------------------------------------------ problems, errors, operators


def test_a_configuration_problem_for_everyone_is_critical_and_for_one_model_a_warning() -> None:
    everyone = alerts.for_configuration_problem("policy document invalid", details=["x: bad"], now=NOW)
    one = alerts.for_configuration_problem("bad override", model_name="pump-01", now=NOW)

    assert everyone.severity is AlertSeverity.CRITICAL
    assert one.severity is AlertSeverity.WARNING
    assert everyone.reasons == ["x: bad."]
    assert everyone.alert_id.startswith("*#CONFIGURATION_PROBLEM#2024-05-01#")


def test_problem_ids_are_stable_within_a_day_and_change_the_next_day() -> None:
    first = alerts.for_system_error("boom", now=NOW)
    again = alerts.for_system_error("boom", now=NOW + timedelta(hours=3))
    tomorrow = alerts.for_system_error("boom", now=NOW + timedelta(days=1))
    other = alerts.for_system_error("bang", now=NOW)

    assert first.alert_id == again.alert_id
    assert len({first.alert_id, tomorrow.alert_id, other.alert_id}) == 3
    assert first.severity is AlertSeverity.CRITICAL


def test_a_forced_manual_promotion_is_a_warning() -> None:
    alert = alerts.for_manual_action(
        "pump-01",
        6,
        "promote",
        actor="alice",
        reason="plant changed",
        forced=True,
        previous_version=5,
        links=LINKS,
        now=NOW,
    )

    assert (alert.kind, alert.severity) == (AlertKind.MANUAL_ACTION, AlertSeverity.WARNING)
    assert (
        alert.summary
        == "alice promoted pump-01 version 6 by hand (previously version 5), overriding the policy."
    )


def test_a_rollback_is_a_notice() -> None:
    alert = alerts.for_manual_action(
        "pump-01",
        4,
        "rollback",
        actor="bob",
        reason="",
        forced=False,
        previous_version=5,
        links=LINKS,
        now=NOW,
    )

    assert alert.severity is AlertSeverity.NOTICE
    assert alert.title == "pump-01 rolled back to v4"
    assert alert.reasons == ["No reason was given."]


# ------------------------------------------------------------------ diagnostics


def test_a_diagnostics_alert_names_the_fraction_the_events_and_the_three_leading_sensors() -> None:
    summary = diagnostics_summary(events=3)
    links = Links(report_url="https://example.com/report.html")

    alert = alerts.for_diagnostics(
        summary, model_name="pump-01", version=5, source_uri="s3://b/k.json.gz", links=links, now=NOW
    )

    assert (alert.kind, alert.severity) == (AlertKind.DIAGNOSTICS_SUMMARY, AlertSeverity.WARNING)
    assert "25% of 12 rows are anomalous, in 3 anomalous events" in alert.summary
    assert "from 2024-03-01 00:00 UTC to 2024-03-01 11:00 UTC" in alert.summary
    assert "pump\\Sensor4" in alert.summary
    assert "motor\\Sensor7" in alert.summary
    assert "pump\\Sensor0" not in alert.summary
    assert alert.diagnostics == summary
    assert alert.links.report_url == "https://example.com/report.html"


@pytest.mark.parametrize(
    ("policy", "severity", "named"),
    [
        (
            DiagnosticsAlertPolicy(warn_longest_event_hours=8),
            AlertSeverity.WARNING,
            ["25% of the rows are anomalous, above the warning threshold of 5%"],
        ),
        (
            DiagnosticsAlertPolicy(warn_anomalous_fraction=0.2, warn_longest_event_hours=4),
            AlertSeverity.WARNING,
            [
                "25% of the rows are anomalous, above the warning threshold of 20%",
                "the longest anomalous event lasted 7.9 h, above the warning threshold of 4 h",
            ],
        ),
        (
            DiagnosticsAlertPolicy(warn_anomalous_fraction=0.3, warn_longest_event_hours=8),
            AlertSeverity.INFO,
            [],
        ),
        (
            DiagnosticsAlertPolicy(warn_anomalous_fraction="off", warn_longest_event_hours="off"),
            AlertSeverity.INFO,
            [],
        ),
    ],
)
def test_a_diagnostics_alert_is_a_warning_when_it_crosses_a_threshold_and_says_which(
    policy: DiagnosticsAlertPolicy, severity: AlertSeverity, named: list[str]
) -> None:
    summary = diagnostics_summary(events=3)  # 25% anomalous
    assert summary.longest_event is not None
    longest = summary.longest_event.model_copy(update={"duration_seconds": 7.9 * 3600})
    summary = summary.model_copy(update={"longest_event": longest})

    alert = alerts.for_diagnostics(
        summary, model_name="pump-01", version=5, source_uri="s3://b/k", links=Links(), policy=policy
    )

    assert alert.severity is severity
    needs_a_look = [r for r in alert.reasons if r.startswith("Needs a look: ")]
    assert len(needs_a_look) == len(named)
    for reason, text in zip(needs_a_look, named, strict=True):
        assert text in reason


def test_a_diagnostics_alert_carries_only_the_first_events(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(alerts, "MAX_DIAGNOSTIC_EVENTS", 2)
    summary = diagnostics_summary(events=5)

    alert = alerts.for_diagnostics(
        summary, model_name=None, version=None, source_uri="s3://b/k", links=Links()
    )

    assert alert.diagnostics is not None
    assert len(alert.diagnostics.events) == 2
    assert alert.diagnostics.events_truncated
    assert alert.diagnostics.event_count == 5
    assert alert.truncated


# ------------------------------------------------------------------ digest


def test_a_digest_has_the_highest_severity_and_lists_the_most_severe_first() -> None:
    many = [
        alerts.for_decision(decision(Policy()), links=LINKS),
        alerts.for_decision(decision(model_quality="CANNOT_DETERMINE_QUALITY"), links=LINKS),
        alerts.for_system_error("boom", now=NOW),
    ]

    digest = alerts.digest(many, limit_titles=2)

    assert digest.kind is AlertKind.DIGEST
    assert digest.severity is AlertSeverity.CRITICAL
    assert digest.title == "3 alerts: 1 critical, 1 warning, 1 info"
    assert digest.reasons == [
        "CRITICAL: Model Steward: system error",
        "WARNING: pump-01 v5 held for review",
        "... and 1 more (see the ledger).",
    ]
    assert digest.included_alert_ids == sorted(a.alert_id for a in many)
    assert digest.alert_id == alerts.digest(list(reversed(many))).alert_id


def test_an_empty_digest_is_refused() -> None:
    with pytest.raises(ValueError):
        alerts.digest([])


# ------------------------------------------------------------------ the contract


def test_an_alert_round_trips_through_its_json() -> None:
    alert = alerts.for_decision(decision(), links=LINKS, version=version_facts())

    again = Alert.model_validate_json(alert.model_dump_json())

    assert again == alert
    assert json.loads(alert.model_dump_json())["schema_version"] == 1


def test_severity_ranks_and_filter_lists() -> None:
    assert [s.rank for s in AlertSeverity] == [1, 2, 3, 4]
    assert AlertSeverity.at_least("WARNING") == ["WARNING", "CRITICAL"]
    assert AlertSeverity.at_least(AlertSeverity.INFO) == ["INFO", "NOTICE", "WARNING", "CRITICAL"]
    assert AlertSeverity.from_rank(2) is AlertSeverity.NOTICE


def test_cloudwatch_alarms_on_the_topic_become_system_alerts() -> None:
    alarm = {
        "AlarmName": "steward-EvaluateDeadLetterAlarm",
        "AlarmDescription": "Messages for models that could not be evaluated after 5 attempts.",
        "NewStateValue": "ALARM",
        "OldStateValue": "OK",
        "NewStateReason": "Threshold Crossed: 1 datapoint [3.0] was greater than the threshold (0.0).",
        "StateChangeTime": "2024-05-01T12:00:00.000+0000",
    }

    alert = alerts.for_cloudwatch_alarm(alarm, now=NOW)
    resolved = alerts.for_cloudwatch_alarm({**alarm, "NewStateValue": "OK"}, now=NOW)

    assert (alert.kind, alert.severity) == (AlertKind.SYSTEM_ERROR, AlertSeverity.CRITICAL)
    assert alert.title == "Alarm steward-EvaluateDeadLetterAlarm is ALARM"
    assert resolved.severity is AlertSeverity.NOTICE
    assert resolved.title.startswith("Resolved")
