"""What a person's manual action may override without --force (pure)."""

from __future__ import annotations

from datetime import timedelta

from model_steward.domain.policy import decide
from model_steward.models.decision import RuleId
from model_steward.models.policy import Policy
from model_steward.service.manual import assess
from tests.unit.builders import NOW, model_facts, version_facts


def older_version_just_after_an_activation(**version: object):
    """Version 3 while version 5 was activated an hour ago (a rollback target)."""
    return decide(
        version_facts(version=3, **version),
        model_facts(active_version=5, active_version_activated_at=NOW - timedelta(hours=1)),
        Policy(cooldown_hours=24),
        NOW,
    )


def test_a_rollback_bypasses_only_newer_than_active_and_the_cooldown() -> None:
    assessment = assess(older_version_just_after_an_activation(), "rollback")

    assert {r.rule for r in assessment.bypassed} == {RuleId.NEWER_THAN_ACTIVE, RuleId.COOLDOWN}
    assert assessment.refusing == []


def test_a_promote_of_the_same_version_is_refused_by_both() -> None:
    assessment = assess(older_version_just_after_an_activation(), "promote")

    assert {r.rule for r in assessment.refusing} == {RuleId.NEWER_THAN_ACTIVE, RuleId.COOLDOWN}
    assert assessment.bypassed == []


def test_a_rollback_to_a_poor_quality_version_is_still_refused_without_force() -> None:
    assessment = assess(
        older_version_just_after_an_activation(model_quality="POOR_QUALITY_DETECTED"), "rollback"
    )

    assert [r.rule for r in assessment.refusing] == [RuleId.MODEL_QUALITY]


def test_a_version_held_for_a_person_is_promoted_by_that_person_without_force() -> None:
    held = decide(
        version_facts(version=6, model_quality="CANNOT_DETERMINE_QUALITY"),
        model_facts(active_version=5, active_version_activated_at=NOW - timedelta(days=3)),
        Policy(cooldown_hours=24),
        NOW,
    )
    assert held.outcome.value == "HOLD"

    assessment = assess(held, "promote")

    assert assessment.allowed
    assert assessment.refusing == []
