"""Every decision says what it compared the version with; nothing is promoted on an unlike comparison
unless the policy says so."""

from __future__ import annotations

import pytest

from model_steward.domain.policy import decide
from model_steward.models.decision import ComparisonBasis, Outcome, RuleId, RuleOutcome, Severity
from model_steward.models.policy import NotMeasurableAction, Policy, QualityAction
from tests.unit.builders import NOW, metrics_json, model_facts, version_facts

LIVE = Policy(dry_run=False, cooldown_hours=0)
BETTER = metrics_json(num_labeled=8, num_identified=7, unknown=3)
PRIOR = metrics_json(num_labeled=8, num_identified=6, unknown=4)


def imported(basis: ComparisonBasis, prior: str | None = PRIOR) -> object:
    return version_facts(
        source_type="IMPORT",
        model_metrics=BETTER,
        prior_model_metrics=prior,
        comparison_basis=basis,
        auto_promotion_result=None,
        auto_promotion_result_reason=None,
        retraining_available_data_in_days=None,
    )


def test_a_retrained_version_says_it_was_compared_with_the_prior_model_on_its_window() -> None:
    decision = decide(
        version_facts(model_metrics=BETTER, prior_model_metrics=PRIOR), model_facts(), LIVE, NOW
    )

    basis = decision.result(RuleId.COMPARISON_BASIS)
    assert decision.comparison_basis is ComparisonBasis.PRIOR_MODEL
    assert basis.outcome is RuleOutcome.PASS
    assert "same evaluation window (PriorModelMetrics)" in basis.message
    assert decision.outcome is Outcome.PROMOTE


def test_an_imported_version_of_the_active_versions_lineage_is_compared_and_promoted() -> None:
    decision = decide(imported(ComparisonBasis.SOURCE_LINEAGE), model_facts(), LIVE, NOW)

    basis = decision.result(RuleId.COMPARISON_BASIS)
    assert basis.outcome is RuleOutcome.PASS
    assert "source deployment" in basis.message
    assert decision.prior_metrics.source == "PriorModelMetrics of the source deployment"
    assert decision.comparison.event_recall.absolute == pytest.approx(1 / 8)
    assert decision.outcome is Outcome.PROMOTE


def test_an_unlike_comparison_is_held_by_default_and_says_why_each_rule_could_not_measure() -> None:
    decision = decide(imported(ComparisonBasis.UNLIKE, prior=None), model_facts(), LIVE, NOW)

    basis = decision.result(RuleId.COMPARISON_BASIS)
    assert decision.outcome is Outcome.HOLD
    assert (basis.outcome, basis.severity) == (RuleOutcome.FAIL, Severity.HOLD)
    assert "Nothing like-for-like" in basis.message
    recall = decision.result(RuleId.EVENT_RECALL)
    assert recall.outcome is RuleOutcome.NOT_MEASURABLE
    assert "no metrics of the active version on version 5's evaluation window" in recall.message
    assert any("steward promote" in line for line in decision.look_at)


def test_even_ignoring_unmeasurable_rules_an_unlike_comparison_is_not_promoted_by_default() -> None:
    policy = LIVE.model_copy(update={"on_not_measurable": NotMeasurableAction.IGNORE})

    decision = decide(imported(ComparisonBasis.UNLIKE, prior=None), model_facts(), policy, NOW)

    assert decision.outcome is Outcome.HOLD
    assert decision.blocking_rules == [decision.result(RuleId.COMPARISON_BASIS)]


@pytest.mark.parametrize(
    ("action", "outcome"), [(QualityAction.REJECT, Outcome.REJECT), (QualityAction.ACCEPT, Outcome.PROMOTE)]
)
def test_the_policy_may_reject_or_accept_unlike_comparisons(action: QualityAction, outcome: Outcome) -> None:
    policy = LIVE.model_copy(
        update={"on_unlike_comparison": action, "on_not_measurable": NotMeasurableAction.IGNORE}
    )

    decision = decide(imported(ComparisonBasis.UNLIKE, prior=None), model_facts(), policy, NOW)

    assert decision.outcome is outcome
