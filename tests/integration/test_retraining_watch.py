"""Issue #3 scenarios through the local stack: template deployed into moto + the emulator."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from emulators.stack import LocalStack
from model_steward.adapters.sns import SnsAlertPublisher
from model_steward.domain.policy import decide
from model_steward.errors import TransientError
from model_steward.models.decision import Outcome
from model_steward.models.ledger import VersionRecord, VersionState
from model_steward.models.policy import Policy
from model_steward.service.promotion import ALREADY_ACTIVE_NOTE
from tests.integration.retraining import (
    GOOD,
    PRIOR,
    UNLABELLED,
    WORSE,
    Inbox,
    ledger,
    record,
    retrain,
    seed_active_model,
    subscribe_inbox,
    tick,
    updates_of,
)
from tests.unit import builders

POLICY_PARAMETER = "/model-steward/policy"


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack(
        {
            "DryRun": "false",
            "PolicyCooldownHours": "0",
            "PolicyParameterName": POLICY_PARAMETER,
            "WatchAllModels": "true",
        }
    ) as deployed:
        deployed.client("ssm").put_parameter(
            Name=POLICY_PARAMETER,
            Type="String",
            Value=json.dumps({"version": 1, "models": {"pump-dry": {"dry_run": True}}}),
        )
        yield deployed


@pytest.fixture(scope="module")
def inbox(stack: LocalStack) -> Inbox:
    return subscribe_inbox(stack)


#: botocore still decides what to retry; the tests just do not wait between attempts.
pytestmark = pytest.mark.usefixtures("no_retry_backoff")


def test_a_better_version_is_promoted_recorded_and_alerted(stack: LocalStack, inbox: Inbox) -> None:
    seed_active_model(stack, "pump-better")
    tick(stack)
    assert record(stack, "pump-better", 1).state is VersionState.BASELINE

    version = retrain(stack, "pump-better", model_metrics=GOOD, prior_model_metrics=PRIOR)
    tick(stack)

    assert stack.lookout.active_version("pump-better") == version
    promoted = record(stack, "pump-better", version)
    assert promoted.state is VersionState.PROMOTED
    assert promoted.outcome == "PROMOTE"
    decision = json.loads(promoted.decision_json or "{}")
    assert {r["rule"] for r in decision["rule_results"]} >= {
        "model_quality",
        "event_recall",
        "unknown_events",
    }
    assert decision["candidate_metrics"]["event_recall"] == pytest.approx(7 / 8)
    assert decision["prior_metrics"]["event_recall"] == pytest.approx(6 / 8)
    (alert,) = inbox.for_model("pump-better")
    assert alert["alert"]["kind"] == "PROMOTED"
    assert alert["attributes"]["model"] == "pump-better"


def test_a_poor_quality_version_is_rejected_and_not_activated(stack: LocalStack, inbox: Inbox) -> None:
    seed_active_model(stack, "pump-poor")
    tick(stack)

    version = retrain(stack, "pump-poor", model_quality="POOR_QUALITY_DETECTED", model_metrics=WORSE)
    tick(stack)

    assert stack.lookout.active_version("pump-poor") == 1
    assert record(stack, "pump-poor", version).outcome == "REJECT"
    (alert,) = inbox.for_model("pump-poor")
    assert alert["alert"]["kind"] == "REJECTED"
    assert "POOR_QUALITY_DETECTED" in json.dumps(alert["alert"])


def test_an_unlabelled_version_is_held_with_what_to_look_at(stack: LocalStack, inbox: Inbox) -> None:
    seed_active_model(stack, "comp-unlabelled", labelled=False)
    tick(stack)

    version = retrain(
        stack,
        "comp-unlabelled",
        model_quality="CANNOT_DETERMINE_QUALITY",
        model_metrics=UNLABELLED,
        prior_model_metrics=UNLABELLED,
    )
    tick(stack)

    held = record(stack, "comp-unlabelled", version)
    assert held.outcome == "HOLD"
    assert stack.lookout.active_version("comp-unlabelled") == 1
    (alert,) = inbox.for_model("comp-unlabelled")
    assert alert["alert"]["kind"] == "HELD"
    assert alert["alert"]["look_at"]


def test_dry_run_for_one_model_records_would_promote_and_calls_nothing(
    stack: LocalStack, inbox: Inbox
) -> None:
    seed_active_model(stack, "pump-dry")
    tick(stack)

    version = retrain(stack, "pump-dry", model_metrics=GOOD, prior_model_metrics=PRIOR)
    tick(stack)

    assert record(stack, "pump-dry", version).outcome == "WOULD_PROMOTE"
    assert updates_of(stack, "pump-dry") == []
    assert stack.lookout.active_version("pump-dry") == 1
    assert [a["alert"]["kind"] for a in inbox.for_model("pump-dry")] == ["WOULD_PROMOTE"]


def test_a_failed_retraining_is_recorded_and_alerted_with_the_service_reason(
    stack: LocalStack, inbox: Inbox
) -> None:
    seed_active_model(stack, "pump-failed")
    tick(stack)

    version = retrain(
        stack, "pump-failed", status="FAILED", failed_reason="Not enough data after resampling."
    )
    tick(stack)

    failed = record(stack, "pump-failed", version)
    assert failed.state is VersionState.FAILED
    assert failed.failed_reason == "Not enough data after resampling."
    (alert,) = inbox.for_model("pump-failed")
    assert alert["alert"]["kind"] == "RETRAINING_FAILED"
    assert "Not enough data after resampling." in json.dumps(alert["alert"])


def test_an_in_progress_version_is_revisited_until_it_ends(stack: LocalStack, inbox: Inbox) -> None:
    seed_active_model(stack, "pump-slow")
    tick(stack)
    version = stack.lookout.start_retraining("pump-slow")

    tick(stack)
    assert record(stack, "pump-slow", version).state is VersionState.IN_PROGRESS
    assert inbox.for_model("pump-slow") == []

    stack.lookout.finish_retraining("pump-slow", version, model_metrics=GOOD, prior_model_metrics=PRIOR)
    tick(stack)
    assert record(stack, "pump-slow", version).state is VersionState.PROMOTED
    assert [a["alert"]["kind"] for a in inbox.for_model("pump-slow")] == ["PROMOTED"]


def test_a_managed_scheduler_is_reported_and_left_alone(stack: LocalStack, inbox: Inbox) -> None:
    seed_active_model(stack, "pump-managed", scheduler="MANAGED")
    tick(stack)

    version = retrain(stack, "pump-managed", model_metrics=GOOD, prior_model_metrics=PRIOR)
    tick(stack)

    assert updates_of(stack, "pump-managed") == []
    assert record(stack, "pump-managed", version).outcome == "CONFLICT"
    (alert,) = inbox.for_model("pump-managed")
    assert alert["alert"]["kind"] == "CONFIGURATION_PROBLEM"
    assert "MANAGED" in json.dumps(alert["alert"])


def test_only_the_newest_of_several_pending_versions_is_promoted(stack: LocalStack, inbox: Inbox) -> None:
    seed_active_model(stack, "pump-backlog")
    tick(stack)
    older = retrain(stack, "pump-backlog", model_metrics=GOOD, prior_model_metrics=PRIOR)
    newer = retrain(stack, "pump-backlog", model_metrics=GOOD, prior_model_metrics=PRIOR)

    tick(stack)

    assert updates_of(stack, "pump-backlog") == [newer]
    superseded = record(stack, "pump-backlog", older)
    assert superseded.state is VersionState.SUPERSEDED
    assert superseded.superseded_by == newer
    assert [a["alert"]["kind"] for a in inbox.for_model("pump-backlog")] == ["PROMOTED"]


def test_duplicate_messages_and_overlapping_ticks_give_one_activation_and_one_alert(
    stack: LocalStack, inbox: Inbox
) -> None:
    seed_active_model(stack, "pump-dup")
    tick(stack)
    version = retrain(stack, "pump-dup", model_metrics=GOOD, prior_model_metrics=PRIOR)

    # Two ticks queue the model twice before anything is evaluated, and SQS delivers one twice.
    stack.invoke("WatchFunction", {"kind": "tick"})
    stack.invoke("WatchFunction", {"kind": "tick"})
    sqs = stack.client("sqs")
    queue_url = stack.resources["EvaluateQueue"]
    body = json.dumps({"model_name": "pump-dup", "reasons": ["summary-changed"]})
    sqs.send_message(QueueUrl=queue_url, MessageBody=body)
    drained = stack.drain("EvaluateFunction")

    assert drained.delivered >= 3
    assert updates_of(stack, "pump-dup") == [version]
    assert [a["alert"]["kind"] for a in inbox.for_model("pump-dup")] == ["PROMOTED"]


def test_a_throttling_storm_ends_with_every_version_decided_and_nothing_lost(
    stack: LocalStack, inbox: Inbox
) -> None:
    names = [f"storm-{i:02d}" for i in range(6)]
    for name in names:
        seed_active_model(stack, name)
    tick(stack)
    versions = {name: retrain(stack, name, model_metrics=GOOD, prior_model_metrics=PRIOR) for name in names}

    stack.lookout.inject_fault("*", "ThrottlingException", count=30)
    stack.lookout.inject_fault("DescribeModelVersion", "ThrottlingException", count=20)
    failed_ticks = 0
    for _ in range(8):  # ticks keep coming while the storm blows; a tick that fails is not retried
        try:
            stack.invoke("WatchFunction", {"kind": "tick"})
        except TransientError:
            failed_ticks += 1
        stack.drain("EvaluateFunction", retry_failed_now=True)

    assert failed_ticks >= 1  # the storm was real: even the sweep gave up at first

    for name, version in versions.items():
        assert record(stack, name, version).state is VersionState.PROMOTED, name
        assert updates_of(stack, name) == [version]
    # The inbox is the module's: only the storm's models are this test's (another test's alert may
    # still be unread when this one starts).
    storm = [a["alert"] for a in inbox.read() if a["alert"].get("model_name") in names]
    assert sorted((a["model_name"], a["kind"]) for a in storm) == sorted((name, "PROMOTED") for name in names)
    throttled = [c for c in stack.lookout.calls if c.error_code == "ThrottlingException"]
    assert len(throttled) == 50


def test_malformed_metrics_end_in_hold_with_a_clear_reason(stack: LocalStack, inbox: Inbox) -> None:
    seed_active_model(stack, "pump-garbled")
    tick(stack)

    version = retrain(
        stack,
        "pump-garbled",
        model_metrics='{"labeled_event_metrics": {"num_labeled": ',
        prior_model_metrics=PRIOR,
    )
    tick(stack)

    held = record(stack, "pump-garbled", version)
    assert held.outcome in {"HOLD", "REJECT"}
    assert stack.lookout.active_version("pump-garbled") == 1
    (alert,) = inbox.for_model("pump-garbled")
    assert "ModelMetrics" in json.dumps(alert["alert"])


def test_an_alert_sns_refused_is_kept_pending_and_sent_by_the_next_tick(
    stack: LocalStack, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_active_model(stack, "pump-sns-down")
    tick(stack)
    version = retrain(stack, "pump-sns-down", model_metrics=GOOD, prior_model_metrics=PRIOR)
    real_publish = SnsAlertPublisher.publish

    def sns_down(self: SnsAlertPublisher, alert: object) -> str:
        raise TransientError("SNS: InternalError (simulated outage)")

    monkeypatch.setattr(SnsAlertPublisher, "publish", sns_down)
    tick(stack)
    assert record(stack, "pump-sns-down", version).state is VersionState.PROMOTED
    assert inbox.for_model("pump-sns-down") == []
    assert [a.alert_id for a in ledger(stack).pending_alerts()] == [f"pump-sns-down#v{version}#PROMOTED"]

    monkeypatch.setattr(SnsAlertPublisher, "publish", real_publish)
    tick(stack)
    tick(stack)

    assert [a["alert"]["kind"] for a in inbox.for_model("pump-sns-down")] == ["PROMOTED"]
    assert ledger(stack).pending_alerts() == []


def test_a_claim_left_by_an_invocation_that_died_after_activating_is_reconciled(
    stack: LocalStack, inbox: Inbox
) -> None:
    seed_active_model(stack, "pump-crash")
    tick(stack)
    version = retrain(stack, "pump-crash", model_metrics=GOOD, prior_model_metrics=PRIOR)
    # An earlier invocation claimed the version, activated it, and died before recording it.
    now = datetime.now(UTC)
    assert ledger(stack).claim_promotion(
        "pump-crash", version, "dead-invocation", now - timedelta(hours=1), timedelta(minutes=5)
    )
    decision = decide(
        builders.version_facts(model_name="pump-crash", version=version),
        builders.model_facts(model_name="pump-crash", active_version=1),
        Policy(dry_run=False, cooldown_hours=0),
        now,
    )
    assert decision.outcome is Outcome.PROMOTE
    crashed = VersionRecord(
        model_name="pump-crash",
        version=version,
        state=VersionState.PROMOTING,
        status="SUCCESS",
        outcome="PROMOTE",
        decision_json=decision.model_dump_json(),
        first_seen_at=now,
        updated_at=now,
    )
    assert ledger(stack).record(crashed, replaces=[None])
    stack.lookout.activate_version("pump-crash", version)
    stack.lookout.reset_calls()

    tick(stack, "full-sweep")

    reconciled = record(stack, "pump-crash", version)
    assert reconciled.state is VersionState.PROMOTED
    assert reconciled.note == ALREADY_ACTIVE_NOTE
    assert updates_of(stack, "pump-crash") == []
    assert [a["alert"]["kind"] for a in inbox.for_model("pump-crash")] == ["PROMOTED"]


def test_an_invalid_policy_document_is_alerted_and_holds_a_promotion(stack: LocalStack, inbox: Inbox) -> None:
    seed_active_model(stack, "pump-badpolicy")
    tick(stack)
    ssm = stack.client("ssm")
    valid = ssm.get_parameter(Name=POLICY_PARAMETER)["Parameter"]["Value"]
    ssm.put_parameter(
        Name=POLICY_PARAMETER,
        Type="String",
        Overwrite=True,
        Value=json.dumps({"version": 1, "models": {"pump-badpolicy": {"max_recal_drop": 0.1}}}),
    )
    try:
        version = retrain(stack, "pump-badpolicy", model_metrics=GOOD, prior_model_metrics=PRIOR)
        tick(stack)
    finally:
        ssm.put_parameter(Name=POLICY_PARAMETER, Type="String", Overwrite=True, Value=valid)

    held = record(stack, "pump-badpolicy", version)
    assert held.outcome == "HOLD"
    assert "policy document" in held.summary
    assert updates_of(stack, "pump-badpolicy") == []
    alerts = [a["alert"] for a in inbox.read()]
    assert [a["kind"] for a in alerts if a.get("model_name") == "pump-badpolicy"] == ["HELD"]
    system = [a for a in alerts if a.get("model_name") is None]
    (problem,) = [a for a in system if a["alert_id"].startswith("*#CONFIGURATION_PROBLEM#")]
    assert "max_recal_drop" in json.dumps(problem)
    assert "did you mean max_recall_drop" in json.dumps(problem)
    # The watch tick saw the document change before the evaluation, and said what changed.
    (changed,) = [a for a in system if a["alert_id"].startswith("*#POLICY_DOCUMENT#")]
    assert "models.pump-badpolicy.max_recal_drop added: 0.1." in changed["reasons"]
