"""The promotion policy on SiteWise facts: an unlike comparison (the active version's own metrics,
another evaluation window) is held for a person with a sentence that says what was compared, never
promoted; SERVICE_MANAGED is a conflict like MANAGED; the service's reason code sits beside the
decision like AutoPromotionResult; the model's readable name is how decisions and alerts name it."""

from __future__ import annotations

import pytest

from model_steward.domain import alerts, versions
from model_steward.domain.messages import render_email
from model_steward.domain.policy import decide
from model_steward.domain.samples import sample_links
from model_steward.models.decision import (
    Agreement,
    Outcome,
    PriorBasis,
    RuleId,
    RuleOutcome,
    Severity,
)
from model_steward.models.policy import Policy
from model_steward.service.manual import assess
from tests.unit.builders import NOW, metrics_json, model_facts, version_facts

KEY = "sw-5f87d0b8-dad9-47b1-9121-3b665fa88e75-c3a32372-2708-4e60-aa92-e7a49e7a562f"
LABEL = "Pump anomaly / Pump 01"
ACTIVE_OWN = (
    "version 4's own metrics (evaluation window 2024-01-01 to 2024-03-31; "
    "version 5's is 2024-01-31 to 2024-04-30)"
)
POLICY = Policy(dry_run=False, min_model_quality="CANNOT_DETERMINE_QUALITY")
PRIOR = metrics_json(num_labeled=8, num_identified=6, unknown=4)


def sitewise_version(**overrides: object) -> object:
    values: dict[str, object] = {
        "model_name": KEY,
        "label": LABEL,
        "source_type": None,
        "model_quality": None,
        "auto_promotion_result": None,
        "auto_promotion_result_reason": None,
        "retraining_available_data_in_days": None,
        "prior_model_metrics": PRIOR,
    }
    values.update(overrides)
    return version_facts(**values)


def sitewise_model(**overrides: object) -> object:
    values: dict[str, object] = {"model_name": KEY, "label": LABEL, "promote_mode": "CUSTOMER_MANAGED"}
    values.update(overrides)
    return model_facts(**values)


def test_better_on_like_terms_is_promoted_and_named_readably() -> None:
    facts = sitewise_version(model_metrics=metrics_json(num_labeled=8, num_identified=7, unknown=3))

    decision = decide(facts, sitewise_model(), POLICY, NOW)  # type: ignore[arg-type]

    assert decision.outcome is Outcome.PROMOTE
    assert decision.summary.startswith(f"Promote {LABEL} version 5 (active: version 4)")
    assert decision.model_label == LABEL
    assert decision.result(RuleId.COMPARABLE_WINDOWS).message == (
        "The prior metrics score version 5's own evaluation window: like for like."
    )
    alert = alerts.for_decision(decision, links=sample_links(KEY))
    assert alert.title == f"{LABEL} v5 promoted"
    assert (alert.model_name, alert.model_label) == (KEY, LABEL)
    assert f"Model:    {LABEL} ({KEY})" in render_email(alert)[1]


def test_better_on_unlike_terms_is_held_with_a_sentence_that_says_what_was_compared() -> None:
    facts = sitewise_version(
        model_metrics=metrics_json(num_labeled=8, num_identified=7, unknown=3),
        prior_basis=PriorBasis.OTHER_WINDOW,
        prior_description=ACTIVE_OWN,
    )

    decision = decide(facts, sitewise_model(), POLICY, NOW)  # type: ignore[arg-type]

    assert decision.outcome is Outcome.HOLD
    assert decision.summary == (
        f"Hold {LABEL} version 5 for a person to decide: Version 5 was compared with {ACTIVE_OWN}: "
        "the service gave no prior-model metrics on version 5's own evaluation window, so the comparison "
        "is not like for like and is held for a person."
    )
    recall = decision.result(RuleId.EVENT_RECALL)
    assert recall.outcome is RuleOutcome.PASS
    assert recall.message.endswith(f"(+0.125), against {ACTIVE_OWN}.")
    assert decision.look_at[0].startswith(f"Compare version 5 with {ACTIVE_OWN} on the same data")


def test_an_unlike_comparison_holds_even_when_unmeasurable_rules_are_ignored() -> None:
    facts = sitewise_version(prior_basis=PriorBasis.OTHER_WINDOW, prior_description=ACTIVE_OWN)
    lenient = Policy.model_validate(
        {**POLICY.model_dump(), "on_not_measurable": "IGNORE", "cooldown_hours": 0}
    )

    decision = decide(facts, sitewise_model(), lenient, NOW)  # type: ignore[arg-type]

    assert decision.outcome is Outcome.HOLD
    assert decision.result(RuleId.COMPARABLE_WINDOWS).severity is Severity.HOLD


def test_worse_on_unlike_terms_is_held_not_rejected_and_a_person_may_still_promote() -> None:
    facts = sitewise_version(
        model_metrics=metrics_json(num_labeled=8, num_identified=3, unknown=12),
        prior_basis=PriorBasis.OTHER_WINDOW,
        prior_description=ACTIVE_OWN,
    )

    decision = decide(facts, sitewise_model(), POLICY, NOW)  # type: ignore[arg-type]

    recall = decision.result(RuleId.EVENT_RECALL)
    assert decision.outcome is Outcome.HOLD
    assert (recall.outcome, recall.severity) == (RuleOutcome.NOT_MEASURABLE, Severity.HOLD)
    assert recall.message == (
        "Event recall fell from 0.75 (6 of 8 labelled events) to 0.375 (3 of 8) (-0.375), "
        f"against {ACTIVE_OWN}; the policy allows no drop: not a like-for-like comparison, "
        "so held for a person."
    )
    assert decision.result(RuleId.UNKNOWN_EVENTS).severity is Severity.HOLD
    assert assess(decision, "promote").allowed


def test_worse_on_like_terms_is_rejected() -> None:
    facts = sitewise_version(model_metrics=metrics_json(num_labeled=8, num_identified=3, unknown=12))

    decision = decide(facts, sitewise_model(), POLICY, NOW)  # type: ignore[arg-type]

    assert decision.outcome is Outcome.REJECT
    assert decision.summary.startswith(f"Reject {LABEL} version 5: Event recall fell")


def test_a_service_managed_scheduler_is_a_conflict_reported_with_its_fix() -> None:
    facts = sitewise_version(
        auto_promotion_result="MODEL_PROMOTED", auto_promotion_result_reason="AUTO_PROMOTION_SUCCESSFUL"
    )
    model = sitewise_model(promote_mode="SERVICE_MANAGED", active_version=5)

    decision = decide(facts, model, POLICY, NOW)  # type: ignore[arg-type]

    assert decision.outcome is Outcome.CONFLICT
    assert decision.summary.startswith(f"Conflict: {LABEL} has a SERVICE_MANAGED retraining scheduler")
    assert decision.look_at == [
        "Restart the retraining scheduler with promotion CUSTOMER_MANAGED (START_RETRAINING_SCHEDULER) if "
        "Model Steward should decide, or stop watching this model."
    ]
    assert decision.service_auto_promotion.reason == "AUTO_PROMOTION_SUCCESSFUL"
    step = versions.on_choice(None, facts, model, candidate=None, superseded=False)  # type: ignore[arg-type]
    assert step.decide  # decided (a CONFLICT is recorded), not taken as activated by someone else
    assert alerts.for_decision(decision, links=sample_links(KEY)).title == f"{LABEL} v5: scheduler conflict"


@pytest.mark.parametrize(
    ("code", "result", "agreement"),
    [
        ("MODEL_METRICS_DIDNT_IMPROVE", "MODEL_NOT_PROMOTED", Agreement.NOT_APPLICABLE),
        (None, None, Agreement.NOT_APPLICABLE),
    ],
)
def test_the_reason_code_is_recorded_beside_the_decision(
    code: str | None, result: str | None, agreement: Agreement
) -> None:
    facts = sitewise_version(auto_promotion_result=result, auto_promotion_result_reason=code)

    view = decide(facts, sitewise_model(), POLICY, NOW).service_auto_promotion  # type: ignore[arg-type]

    assert (view.result, view.reason, view.agreement) == (result, code, agreement)
    if code:
        assert view.message == (
            f"The service did not promote this version ({code}), as it never does in CUSTOMER_MANAGED mode."
        )
