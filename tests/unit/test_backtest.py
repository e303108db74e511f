"""The backtest replay (domain.backtest): the policy's verdicts in order, beside what happened."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from model_steward.domain.backtest import (
    Actual,
    Agreement,
    VersionHistory,
    actual_activation,
    replay,
)
from model_steward.models.decision import VersionFacts
from model_steward.models.policy import Policy
from tests.unit.builders import NOW, metrics_json, unlabelled_metrics_json, version_facts

PRIOR = metrics_json(num_labeled=8, num_identified=6, unknown=4)
GOOD = metrics_json(num_labeled=8, num_identified=7, unknown=4)
WORSE = metrics_json(num_labeled=8, num_identified=4, unknown=12)
START = NOW - timedelta(days=400)


def version(number: int, *, days: float = 30, **overrides: Any) -> VersionFacts:
    values: dict[str, Any] = {
        "version": number,
        "created_at": START + timedelta(days=days * number),
        "model_metrics": GOOD,
        "prior_model_metrics": GOOD,
        "auto_promotion_result": None,
        "auto_promotion_result_reason": None,
    }
    values.update(overrides)
    return version_facts(**values)


def verdicts(versions: list[VersionFacts], policy: Policy | None = None) -> list[str]:
    result = replay(versions, {}, policy or Policy(), fallback_now=NOW)
    return [step.verdict for step in result.steps]


def test_given_a_better_version_when_replayed_then_it_becomes_the_replays_active_version() -> None:
    result = replay(
        [version(1, prior_model_metrics=None), version(2, model_metrics=GOOD, prior_model_metrics=PRIOR)],
        {},
        Policy(),
        fallback_now=NOW,
    )

    assert [s.verdict for s in result.steps] == ["START", "PROMOTE"]
    assert result.steps[1].active_before == 1


def test_given_a_rejected_version_when_replayed_then_the_next_is_compared_with_the_earlier_active() -> None:
    result = replay(
        [
            version(1),
            version(2, model_metrics=WORSE, prior_model_metrics=GOOD),
            version(3, model_metrics=GOOD, prior_model_metrics=PRIOR),
        ],
        {},
        Policy(),
        fallback_now=NOW,
    )

    assert [(s.verdict, s.active_before) for s in result.steps] == [
        ("START", None),
        ("REJECT", 1),
        ("PROMOTE", 1),
    ]
    assert "event_recall" in result.steps[1].reasons


def test_given_versions_closer_than_the_cooldown_then_the_replays_own_activation_time_holds_them() -> None:
    versions = [version(1, days=0.1), version(2, days=0.1), version(3, days=0.1)]

    assert verdicts(versions, Policy(cooldown_hours=24)) == ["START", "HOLD", "HOLD"]
    assert verdicts(versions, Policy(cooldown_hours=1)) == ["START", "PROMOTE", "PROMOTE"]


def test_given_failed_first_versions_then_the_replay_starts_at_the_first_success() -> None:
    versions = [
        version(1, status="FAILED", model_metrics=None, prior_model_metrics=None),
        version(2),
        version(3),
    ]

    assert verdicts(versions) == ["REJECT", "START", "PROMOTE"]


def test_given_an_unlabelled_version_then_the_default_policy_holds_it() -> None:
    unlabelled = unlabelled_metrics_json(unknown=5, ranges=3)
    versions = [
        version(1),
        version(
            2,
            model_quality="CANNOT_DETERMINE_QUALITY",
            model_metrics=unlabelled,
            prior_model_metrics=unlabelled,
        ),
    ]

    assert verdicts(versions) == ["START", "HOLD"]


def test_given_what_happened_then_each_verdict_agrees_differs_or_is_unknown() -> None:
    versions = [version(1), version(2, model_metrics=WORSE, prior_model_metrics=GOOD), version(3), version(4)]
    actuals = {
        1: Actual(True, "previous"),
        2: Actual(True, "service: MODEL_PROMOTED"),
        3: Actual(True, "active now"),
        4: Actual(None, "no record"),
    }

    result = replay(versions, actuals, Policy(), fallback_now=NOW)

    assert [s.agreement for s in result.steps] == [
        Agreement.START,
        Agreement.DIFFERS,
        Agreement.AGREES,
        Agreement.UNKNOWN,
    ]
    assert result.summary == (
        "4 versions replayed: the policy would have promoted 2; "
        "1 agree with what happened, 1 differ, 1 unknown"
    )


def test_given_versions_in_any_order_then_they_are_replayed_by_number() -> None:
    assert verdicts([version(3), version(1), version(2)]) == ["START", "PROMOTE", "PROMOTE"]


def test_given_no_versions_then_an_empty_backtest() -> None:
    assert replay([], {}, Policy(), fallback_now=NOW).steps == []


# -------------------------------------------------------------------------------- actual activation


def test_given_the_active_or_previous_version_then_it_was_active() -> None:
    facts = version(4)
    assert actual_activation(facts, VersionHistory(), current_active=4, previous_active=3).activated is True
    assert actual_activation(facts, VersionHistory(), current_active=5, previous_active=4).activated is True


def test_given_a_promoted_ledger_record_then_active_by_its_actor() -> None:
    found = actual_activation(
        version(4),
        VersionHistory("PROMOTED", "MANUAL_ROLLBACK", "alice"),
        current_active=6,
        previous_active=5,
    )
    assert found == Actual(True, "ledger: promoted by alice")


def test_given_the_service_promoted_it_then_active() -> None:
    facts = version(4, auto_promotion_result="MODEL_PROMOTED")
    assert actual_activation(facts, VersionHistory(), current_active=6, previous_active=5).activated is True


def test_given_a_ledger_rejection_or_a_failure_then_not_activated() -> None:
    rejected = actual_activation(
        version(4), VersionHistory("DECIDED", "REJECT"), current_active=6, previous_active=5
    )
    failed = actual_activation(
        version(4, status="FAILED", model_metrics=None), VersionHistory(), current_active=6, previous_active=5
    )
    assert rejected == Actual(False, "ledger: REJECT")
    assert failed == Actual(False, "status FAILED")


def test_given_no_evidence_then_unknown() -> None:
    assert (
        actual_activation(version(4), VersionHistory(), current_active=6, previous_active=5).activated is None
    )
    baseline = actual_activation(version(4), VersionHistory("BASELINE"), current_active=6, previous_active=5)
    assert baseline.label == "unknown (ledger: existed before Model Steward)"
