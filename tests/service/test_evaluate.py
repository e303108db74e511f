"""The evaluate flow on in-memory fakes: every new version ends with a recorded outcome, at most the
newest eligible one is promoted, through the one promotion protocol, and every alert reaches every
channel."""

from __future__ import annotations

from datetime import timedelta

import pytest

from model_steward.domain.samples import metrics_json
from model_steward.errors import ActivationConflict, ActivationRefused, InvalidInputError, TransientError
from model_steward.models.decision import Decision
from model_steward.models.ledger import VersionRecord, VersionState
from model_steward.models.messages import EvaluateRequest
from model_steward.service.promotion import ALREADY_ACTIVE_NOTE
from tests.fakes.channels import FakePolicyDocument
from tests.service.conftest import World

GOOD = metrics_json(num_labeled=8, num_identified=7, unknown=4)
PRIOR = metrics_json(num_labeled=8, num_identified=6, unknown=4)
WORSE = metrics_json(num_labeled=8, num_identified=4, unknown=12)


def record(world: World, name: str, version: int) -> VersionRecord:
    found = world.ledger.version(name, version)
    assert found is not None, f"{name} v{version} has no record"
    return found


def test_a_model_seen_for_the_first_time_gets_a_baseline_and_no_decision(world: World) -> None:
    world.registry.seed_model("pump-01", scheduler="MANUAL")
    world.registry.add_version("pump-01", activate=True)

    world.tick()

    assert record(world, "pump-01", 1).state is VersionState.BASELINE
    assert world.topic.published == []
    assert world.registry.call_count("activate") == 0


def test_a_better_version_is_promoted_recorded_and_alerted_on_every_channel(world: World) -> None:
    world.seed_active_model("pump-01")
    version = world.retrain("pump-01", model_metrics=GOOD, prior_model_metrics=PRIOR)

    world.tick()

    assert world.registry.active_version("pump-01") == version
    promoted = record(world, "pump-01", version)
    assert (promoted.state, promoted.outcome) == (VersionState.PROMOTED, "PROMOTE")
    assert promoted.promoted_at == world.now
    assert world.topic.kinds() == ["PROMOTED"]
    assert world.chatbot.kinds() == ["PROMOTED"]
    assert world.ledger.claims == {}  # released


def test_a_worse_version_is_rejected_and_the_active_one_stays(world: World) -> None:
    world.seed_active_model("pump-01")
    version = world.retrain("pump-01", model_metrics=WORSE, prior_model_metrics=PRIOR)

    world.tick()

    rejected = record(world, "pump-01", version)
    assert (rejected.state, rejected.outcome) == (VersionState.DECIDED, "REJECT")
    assert world.registry.active_version("pump-01") == 1
    assert world.registry.call_count("activate") == 0
    assert world.topic.kinds() == ["REJECTED"]


def test_a_failed_retraining_is_recorded_and_alerted_with_the_registry_reason(world: World) -> None:
    world.seed_active_model("pump-01")
    version = world.retrain("pump-01", status="FAILED", failed_reason="Not enough valid data.")

    world.tick()

    failed = record(world, "pump-01", version)
    assert (failed.state, failed.outcome) == (VersionState.FAILED, "RETRAINING_FAILED")
    assert failed.failed_reason == "Not enough valid data."
    (alert,) = world.topic.published
    assert "Not enough valid data." in alert.summary


def test_a_running_retraining_is_revisited_until_it_ends(world: World) -> None:
    world.seed_active_model("pump-01")
    version = world.registry.start_retraining("pump-01")

    world.tick()

    assert record(world, "pump-01", version).state is VersionState.IN_PROGRESS
    state = world.ledger.model_state("pump-01")
    assert state is not None
    assert state.open_versions == (version,)
    assert state.revisit_at == world.now

    world.registry.finish_retraining("pump-01", version, model_metrics=GOOD, prior_model_metrics=PRIOR)
    world.advance(timedelta(minutes=15))
    world.tick()

    assert record(world, "pump-01", version).state is VersionState.PROMOTED
    state = world.ledger.model_state("pump-01")
    assert state is not None
    assert (state.open_versions, state.revisit_at) == ((), None)


def test_of_several_new_versions_only_the_newest_is_decided(world: World) -> None:
    world.seed_active_model("pump-01")
    older = world.retrain("pump-01", model_metrics=GOOD, prior_model_metrics=PRIOR)
    newer = world.retrain("pump-01", model_metrics=GOOD, prior_model_metrics=PRIOR)

    world.tick()

    superseded = record(world, "pump-01", older)
    assert (superseded.state, superseded.superseded_by) == (VersionState.SUPERSEDED, newer)
    assert record(world, "pump-01", newer).state is VersionState.PROMOTED
    assert world.registry.active_version("pump-01") == newer
    assert world.topic.kinds() == ["PROMOTED"]


def test_in_dry_run_the_policy_says_would_promote_and_nothing_is_activated(world: World) -> None:
    world.policy = world.policy.model_copy(update={"dry_run": True})
    world.seed_active_model("pump-01")
    version = world.retrain("pump-01", model_metrics=GOOD, prior_model_metrics=PRIOR)

    world.tick()

    assert record(world, "pump-01", version).outcome == "WOULD_PROMOTE"
    assert world.registry.call_count("activate") == 0
    assert world.topic.kinds() == ["WOULD_PROMOTE"]


def test_a_managed_scheduler_is_reported_and_left_alone(world: World) -> None:
    world.seed_active_model("pump-02", scheduler="MANAGED")
    version = world.retrain("pump-02", model_metrics=GOOD, prior_model_metrics=PRIOR)

    world.tick()

    assert record(world, "pump-02", version).outcome == "CONFLICT"
    assert world.registry.call_count("activate") == 0
    assert world.topic.kinds() == ["CONFIGURATION_PROBLEM"]


def test_a_hold_only_for_the_cooldown_is_decided_again_when_the_cooldown_ends(world: World) -> None:
    world.policy = world.policy.model_copy(update={"cooldown_hours": 24})
    world.seed_active_model("pump-01")
    world.advance(timedelta(hours=2))
    version = world.retrain("pump-01", model_metrics=GOOD, prior_model_metrics=PRIOR)

    world.tick()

    held = record(world, "pump-01", version)
    ends = world.now + timedelta(hours=22)
    assert (held.outcome, held.revisit_at) == ("HOLD", ends)
    state = world.ledger.model_state("pump-01")
    assert state is not None
    assert state.revisit_at == ends

    world.advance(timedelta(hours=23))
    world.tick()

    assert record(world, "pump-01", version).state is VersionState.PROMOTED
    assert world.topic.kinds() == ["HELD", "PROMOTED"]


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        (FakePolicyDocument(text='{"version": 1, "defaults": {"max_recal_drop": 0.1}}'), "max_recal_drop"),
        (FakePolicyDocument(text=None), "does not exist"),
    ],
)
def test_an_unusable_policy_document_holds_a_promotion_and_is_alerted(
    world: World, document: FakePolicyDocument, problem: str
) -> None:
    world.seed_active_model("pump-01")
    world.document = document
    version = world.retrain("pump-01", model_metrics=GOOD, prior_model_metrics=PRIOR)

    world.tick()

    held = record(world, "pump-01", version)
    assert held.outcome == "HOLD"
    assert "policy document is unusable" in held.summary
    assert world.registry.active_version("pump-01") == 1
    kinds = world.topic.kinds()
    assert sorted(kinds) == ["CONFIGURATION_PROBLEM", "HELD"]
    configuration = next(a for a in world.topic.published if a.kind == "CONFIGURATION_PROBLEM")
    assert problem in " ".join(configuration.reasons)


def test_a_claim_held_by_another_invocation_is_retried_later_and_nothing_is_lost(world: World) -> None:
    world.seed_active_model("pump-01")
    version = world.retrain("pump-01", model_metrics=GOOD, prior_model_metrics=PRIOR)
    assert world.ledger.claim_promotion("pump-01", version, "other", world.now, timedelta(minutes=5))

    with pytest.raises(TransientError, match="holds the promotion claim"):
        world.evaluate("pump-01", fingerprint="f")

    assert world.ledger.version("pump-01", version) is None
    world.ledger.release_promotion("pump-01", "other")
    world.evaluate("pump-01", fingerprint="f")
    assert record(world, "pump-01", version).state is VersionState.PROMOTED


def test_a_busy_model_leaves_the_version_promoting_and_a_later_evaluation_finishes_it(world: World) -> None:
    world.seed_active_model("pump-01")
    version = world.retrain("pump-01", model_metrics=GOOD, prior_model_metrics=PRIOR)
    world.registry.inject_fault("activate", ActivationConflict("UpdateActiveModelVersion: ConflictException"))

    with pytest.raises(TransientError, match="ConflictException"):
        world.evaluate("pump-01")

    assert record(world, "pump-01", version).state is VersionState.PROMOTING
    assert world.ledger.claims == {}

    world.evaluate("pump-01")

    assert record(world, "pump-01", version).state is VersionState.PROMOTED
    assert world.registry.active_version("pump-01") == version
    assert world.topic.kinds() == ["PROMOTED"]


def test_an_activation_the_registry_refuses_is_held_with_its_words(world: World) -> None:
    world.seed_active_model("pump-01")
    version = world.retrain("pump-01", model_metrics=GOOD, prior_model_metrics=PRIOR)
    world.registry.inject_fault("activate", ActivationRefused("ValidationException: the version is archived"))

    world.tick()

    held = record(world, "pump-01", version)
    assert (held.state, held.outcome) == (VersionState.DECIDED, "HOLD")
    assert "the version is archived" in held.summary
    assert world.topic.kinds() == ["HELD"]


def test_a_promoting_record_whose_version_the_registry_has_active_is_finished(world: World) -> None:
    world.seed_active_model("pump-01")
    version = world.retrain("pump-01", model_metrics=GOOD, prior_model_metrics=PRIOR)
    world.registry.inject_fault("activate", ActivationConflict("busy"))
    with pytest.raises(TransientError):
        world.evaluate("pump-01")
    stored = record(world, "pump-01", version)
    assert stored.state is VersionState.PROMOTING
    assert stored.decision_json is not None
    world.registry.activate_version("pump-01", version)  # the call did go through after all
    calls = world.registry.call_count("activate")

    world.evaluate("pump-01")

    finished = record(world, "pump-01", version)
    assert (finished.state, finished.note) == (VersionState.PROMOTED, ALREADY_ACTIVE_NOTE)
    assert world.registry.call_count("activate") == calls
    assert Decision.model_validate_json(finished.decision_json or "").outcome == "PROMOTE"
    assert world.topic.kinds() == ["PROMOTED"]


def test_an_older_candidate_loses_to_a_newer_version_activated_meanwhile(world: World) -> None:
    world.seed_active_model("pump-01")
    version = world.retrain("pump-01", model_metrics=GOOD, prior_model_metrics=PRIOR)
    newer = world.registry.start_retraining("pump-01")  # still running when the evaluation lists it

    def newer_finished_and_activated_by_hand() -> None:
        world.registry.finish_retraining("pump-01", newer, model_metrics=GOOD, prior_model_metrics=PRIOR)
        world.registry.activate_version("pump-01", newer)

    # Between the evaluation's first look and the promotion protocol's fresh one:
    fresh_look = world.registry.call_count("active_version") + 1
    world.registry.on_call("active_version", fresh_look, newer_finished_and_activated_by_hand)

    world.evaluate("pump-01")

    rejected = record(world, "pump-01", version)
    assert (rejected.state, rejected.outcome) == (VersionState.DECIDED, "REJECT")
    assert f"version {newer} became active meanwhile" in rejected.summary
    assert world.registry.active_version("pump-01") == newer
    assert world.registry.call_count("activate") == 0
    assert world.ledger.claims == {}


def test_a_version_activated_by_a_person_before_it_was_decided_is_recorded_as_such(world: World) -> None:
    world.seed_active_model("pump-01")
    version = world.retrain("pump-01", model_metrics=WORSE, prior_model_metrics=PRIOR)
    world.registry.activate_version("pump-01", version)

    world.tick()

    elsewhere = record(world, "pump-01", version)
    assert (elsewhere.state, elsewhere.outcome) == (VersionState.DECIDED, "ACTIVATED_ELSEWHERE")
    assert world.topic.published == []


def test_the_same_request_twice_gives_one_activation_and_one_alert(world: World) -> None:
    world.seed_active_model("pump-01")
    world.retrain("pump-01", model_metrics=GOOD, prior_model_metrics=PRIOR)

    world.evaluate("pump-01")
    world.evaluate("pump-01")

    assert world.registry.call_count("activate") == 1
    assert world.topic.kinds() == ["PROMOTED"]


def test_deferred_alerts_stay_pending_for_the_next_tick(world: World) -> None:
    world.seed_active_model("pump-01")
    world.retrain("pump-01", model_metrics=WORSE, prior_model_metrics=PRIOR)

    result = world.evaluate("pump-01", defer_alerts=True)

    assert (result.alerts_sent, result.alerts_pending) == (0, 1)
    assert world.topic.published == []
    assert [a.state for a in world.ledger.pending_alerts()] == ["PENDING"]


def test_a_request_for_a_registry_this_deployment_does_not_have_is_refused(world: World) -> None:
    world.seed_active_model("pump-01")

    with pytest.raises(InvalidInputError, match="no model registry 'sitewise'"):
        world.evaluator().evaluate(EvaluateRequest(model_name="pump-01", registry="sitewise"), world.now)


def test_a_queue_message_is_read_and_answered(world: World) -> None:
    world.seed_active_model("pump-01")
    version = world.retrain("pump-01", model_metrics=GOOD, prior_model_metrics=PRIOR)

    answer = world.evaluator().evaluate_message(EvaluateRequest(model_name="pump-01").model_dump_json())

    assert answer == {"model_name": "pump-01", "outcomes": {version: "PROMOTE"}, "promoted": version}
