"""An imported version is compared like for like only when its lineage allows it; otherwise the
decision says it compared with the active version's own metrics (another window) and holds it."""

from __future__ import annotations

import json

from model_steward.domain.imports import compared_like_with_like
from model_steward.domain.policy import decide
from model_steward.models.decision import Outcome, PriorBasis, RuleId, RuleOutcome, VersionFacts
from model_steward.models.imports import ImportRecord, ImportRequest, ImportState, SourceDecision
from model_steward.models.policy import Policy
from tests.unit.builders import NOW, metrics_json, model_facts, version_facts

LIVE = Policy(dry_run=False, cooldown_hours=0)
BETTER = metrics_json(num_labeled=8, num_identified=7, unknown=3)
PRIOR = metrics_json(num_labeled=8, num_identified=6, unknown=4)
STAGING = "arn:aws:lookoutequipment:eu-west-1:111111111111:model/pump-01/abc/model-version"
PRODUCTION = "arn:aws:lookoutequipment:eu-west-1:222222222222:model/pump-01/def/model-version"


def imported() -> VersionFacts:
    return version_facts(
        source_type="IMPORT",
        version_arn=f"{PRODUCTION}/5",
        source_version_arn=f"{STAGING}/9",
        model_metrics=BETTER,
        prior_model_metrics=None,
        auto_promotion_result=None,
        auto_promotion_result_reason=None,
        retraining_available_data_in_days=None,
    )


def active(source: str | None, metrics: str = PRIOR) -> VersionFacts:
    return version_facts(
        version=4,
        source_type="IMPORT" if source else "TRAINING",
        version_arn=f"{PRODUCTION}/4",
        source_version_arn=source,
        model_metrics=metrics,
        prior_model_metrics=None,
    )


def record(compared_with: str) -> ImportRecord:
    decision = SourceDecision(
        outcome="WOULD_PROMOTE",
        decision_fingerprint="0123456789abcdef",
        policy_fingerprint="fedcba9876543210",
        decided_at=NOW,
        environment="staging",
        prior_model_metrics=PRIOR,
        compared_with_version_arn=compared_with,
    )
    request = ImportRequest(
        source_version_arn=f"{STAGING}/9",
        model_name="pump-01",
        dataset_name="pump-data",
        reason="approved",
        requested_by="approval from account 111111111111",
        source_decision=decision,
    )
    return ImportRecord(
        model_name="pump-01",
        key="k",
        client_token="steward-k-1",
        state=ImportState.IMPORTED,
        request=request,
        source_account="111111111111",
        version=5,
        requested_at=NOW,
        updated_at=NOW,
    )


def test_the_active_versions_own_lineage_gives_a_like_comparison_and_a_promotion() -> None:
    facts = compared_like_with_like(imported(), record(f"{STAGING}/8"), active(f"{STAGING}/8"))

    decision = decide(facts, model_facts(), LIVE, NOW)

    assert (facts.prior_basis, facts.prior_model_metrics) == (PriorBasis.SAME_WINDOW, PRIOR)
    compared = decision.result(RuleId.COMPARABLE_WINDOWS)
    assert compared.outcome is RuleOutcome.PASS
    assert "the source deployment's PriorModelMetrics in staging" in compared.message
    assert decision.outcome is Outcome.PROMOTE


def test_another_lineage_is_compared_with_the_active_versions_own_metrics_and_held() -> None:
    stronger = metrics_json(num_labeled=8, num_identified=8, unknown=1)
    facts = compared_like_with_like(imported(), record(f"{STAGING}/8"), active(None, stronger))

    decision = decide(facts, model_facts(), LIVE, NOW)

    assert facts.prior_basis is PriorBasis.OTHER_WINDOW
    assert decision.outcome is Outcome.HOLD
    compared = decision.result(RuleId.COMPARABLE_WINDOWS)
    assert compared.blocking
    assert "version 4's own metrics, on its own evaluation window" in compared.message
    recall = decision.result(RuleId.EVENT_RECALL)
    assert recall.outcome is RuleOutcome.NOT_MEASURABLE  # a regression held, not rejected


def test_an_import_with_no_record_of_its_source_decision_is_never_compared_like_for_like() -> None:
    facts = compared_like_with_like(imported(), None, active(f"{STAGING}/8"))

    assert facts.prior_basis is PriorBasis.OTHER_WINDOW
    assert decide(facts, model_facts(), LIVE, NOW).outcome is Outcome.HOLD


def test_versions_that_are_not_imports_keep_their_own_prior_metrics() -> None:
    trained = version_facts(model_metrics=BETTER, prior_model_metrics=PRIOR)

    assert compared_like_with_like(trained, record(f"{STAGING}/8"), active(None)) == trained
    assert json.loads(trained.prior_model_metrics or "{}")
