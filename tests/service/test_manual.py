"""Manual promote and rollback on in-memory fakes: the policy's guards, the promotion protocol, and
every channel (the alert topic and the Amazon Q Developer topic) told."""

from __future__ import annotations

from datetime import timedelta

import pytest

from model_steward.domain.samples import metrics_json
from model_steward.errors import ActivationConflict, ActivationRefused, InvalidInputError
from model_steward.models.ledger import VersionState
from model_steward.service.manual import ManualAction, ManualRequest, Result
from tests.service.conftest import World

GOOD = metrics_json(num_labeled=8, num_identified=7, unknown=4)
PRIOR = metrics_json(num_labeled=8, num_identified=6, unknown=4)
WORSE = metrics_json(num_labeled=8, num_identified=4, unknown=12)


def manual(world: World) -> ManualAction:
    return ManualAction(world.ledger, world.registry, world.alerter(), world.policy, now=world.now)


def request(action: str = "promote", version: int | None = None, **extra: object) -> ManualRequest:
    values: dict[str, object] = {"reason": "field trial", "actor": "alice"}
    values.update(extra)
    return ManualRequest(model_name="pump-ops", action=action, version=version, **values)  # type: ignore[arg-type]


@pytest.fixture
def fleet(world: World) -> dict[str, int]:
    """pump-ops: v1 baseline, v2 better (promoted), v3 worse (rejected)."""
    world.seed_active_model("pump-ops")
    better = world.retrain("pump-ops", model_metrics=GOOD, prior_model_metrics=PRIOR)
    world.tick()
    worse = world.retrain("pump-ops", model_metrics=WORSE, prior_model_metrics=GOOD)
    world.tick()
    world.topic.published.clear()
    world.chatbot.published.clear()
    return {"better": better, "worse": worse}


def test_a_failing_rule_refuses_a_promotion_and_nothing_changes(world: World, fleet: dict[str, int]) -> None:
    outcome = manual(world).perform(request(version=fleet["worse"]))

    assert outcome.result is Result.REFUSED
    assert [r.rule.value for r in outcome.refusing] == ["event_recall", "unknown_events"]
    assert world.registry.active_version("pump-ops") == fleet["better"]
    assert world.topic.published == []


def test_a_forced_promotion_is_activated_recorded_with_who_and_why_and_told_on_every_channel(
    world: World, fleet: dict[str, int]
) -> None:
    outcome = manual(world).perform(request(version=fleet["worse"], force=True))

    assert (outcome.result, outcome.forced, outcome.alert_sent) == (Result.DONE, True, True)
    assert world.registry.active_version("pump-ops") == fleet["worse"]
    forced = world.ledger.version("pump-ops", fleet["worse"])
    assert forced is not None
    assert (forced.state, forced.outcome, forced.actor) == (VersionState.PROMOTED, "MANUAL_PROMOTE", "alice")
    assert "forced over: event_recall" in (forced.note or "")
    (alert,) = world.topic.published
    assert (alert.kind, alert.severity) == ("MANUAL_ACTION", "WARNING")
    assert world.chatbot.published == [alert]


def test_a_rollback_goes_to_the_previous_version_bypassing_newer_than_active_and_reaches_every_channel(
    world: World, fleet: dict[str, int]
) -> None:
    world.policy = world.policy.model_copy(update={"cooldown_hours": 48})

    outcome = manual(world).perform(request("rollback", reason="false alarms"))

    assert outcome.result is Result.DONE
    assert (outcome.version, outcome.previous_version) == (1, fleet["better"])
    assert {r.rule.value for r in outcome.bypassed} == {"newer_than_active", "cooldown"}
    assert world.registry.active_version("pump-ops") == 1
    back = world.ledger.version("pump-ops", 1)
    assert back is not None
    assert (back.state, back.outcome) == (VersionState.PROMOTED, "MANUAL_ROLLBACK")
    (alert,) = world.topic.published
    assert alert.title == "pump-ops rolled back to v1"
    assert world.chatbot.published == [alert]


def test_a_held_claim_refuses_and_after_release_the_action_passes(
    world: World, fleet: dict[str, int]
) -> None:
    assert world.ledger.claim_promotion("pump-ops", 9, "an-evaluation", world.now, timedelta(minutes=5))

    held = manual(world).perform(request(version=fleet["worse"], force=True))

    assert held.result is Result.REFUSED
    assert "holds its promotion claim" in held.message
    world.ledger.release_promotion("pump-ops", "an-evaluation")
    assert manual(world).perform(request(version=fleet["worse"], force=True)).result is Result.DONE


def test_an_active_version_that_changed_since_the_operator_looked_refuses(
    world: World, fleet: dict[str, int]
) -> None:
    fresh_look = world.registry.call_count("active_version") + 1
    world.registry.on_call(
        "active_version", fresh_look, lambda: world.registry.activate_version("pump-ops", 1)
    )

    outcome = manual(world).perform(request(version=fleet["worse"], force=True))

    assert outcome.result is Result.REFUSED
    assert f"changed from v{fleet['better']} to v1" in outcome.message
    assert world.registry.call_count("activate") == 1  # the automation's own promotion only


@pytest.mark.parametrize(
    ("error", "raised"),
    [
        (ActivationRefused("ValidationException: archived"), ActivationRefused),
        (ActivationConflict("busy"), ActivationConflict),
    ],
)
def test_a_failed_activation_restores_the_record_with_the_failure_in_its_note(
    world: World, fleet: dict[str, int], error: Exception, raised: type[Exception]
) -> None:
    world.registry.inject_fault("activate", error)  # type: ignore[arg-type]

    with pytest.raises(raised):
        manual(world).perform(request(version=fleet["worse"], force=True))

    restored = world.ledger.version("pump-ops", fleet["worse"])
    assert restored is not None
    assert (restored.state, restored.outcome) == (VersionState.DECIDED, "REJECT")
    assert (restored.note or "").startswith("manual promote by alice failed:")
    assert world.ledger.claims == {}
    assert world.topic.published == []


def test_the_active_version_is_nothing_to_do_and_a_failed_version_cannot_be_activated(
    world: World, fleet: dict[str, int]
) -> None:
    failed = world.retrain("pump-ops", status="FAILED")

    assert manual(world).perform(request(version=fleet["better"])).result is Result.NOTHING_TO_DO
    with pytest.raises(InvalidInputError, match="only a SUCCESS version"):
        manual(world).perform(request(version=failed, force=True))


def test_a_rollback_without_a_previous_version_says_what_to_pass(world: World) -> None:
    world.registry.seed_model("pump-ops", scheduler="MANUAL")
    world.registry.add_version("pump-ops", activate=True)

    with pytest.raises(InvalidInputError, match="pass --to VERSION"):
        manual(world).perform(request("rollback"))
