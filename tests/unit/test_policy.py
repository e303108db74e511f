"""The promotion decision: rules, outcomes, messages, candidate choice."""

from __future__ import annotations

import json
from datetime import UTC, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model_steward.domain.policy import choose_candidate, decide, evaluate_rules
from model_steward.models.decision import (
    Agreement,
    AutoPromotionResult,
    Decision,
    ModelFacts,
    ModelQuality,
    Outcome,
    PromoteMode,
    RuleId,
    RuleOutcome,
    RuleResult,
    SchedulerStatus,
    Severity,
    SourceType,
    VersionFacts,
    VersionStatus,
)
from model_steward.models.policy import NotMeasurableAction, Policy, QualityAction
from tests.unit.builders import NOW, metrics_json, model_facts, unlabelled_metrics_json, version_facts

LIVE = Policy(dry_run=False)


def run(policy: Policy = LIVE, *, model: ModelFacts | None = None, **version: Any) -> Decision:
    return decide(version_facts(**version), model or model_facts(), policy, NOW)


def rule(decision: Decision, rule_id: RuleId) -> RuleResult:
    return decision.result(rule_id)


# -- whole decisions -----------------------------------------------------------------------------


def test_better_version_is_promoted() -> None:
    # Given a retrained version that finds more events, earlier, with fewer false alarms
    better = metrics_json(num_identified=8, warning_seconds=8 * 30 * 3600.0, unknown=4)
    older = metrics_json(num_identified=7, warning_seconds=7 * 24 * 3600.0, unknown=6)
    # When decided under a live policy
    decision = run(model_metrics=better, prior_model_metrics=older)
    # Then it is promoted, every rule is reported and none blocks
    assert decision.outcome is Outcome.PROMOTE
    assert decision.should_promote
    assert decision.policy_verdict is Outcome.PROMOTE
    assert [r.rule for r in decision.rule_results] == list(RuleId)
    assert decision.blocking_rules == []
    assert decision.summary.startswith("Promote pump-01 version 5 (active: version 4): every rule passed")
    assert decision.look_at == []
    assert decision.policy_fingerprint == LIVE.fingerprint()
    assert decision.comparison.event_recall.absolute == pytest.approx(0.125)


def test_dry_run_would_promote_and_calls_nothing() -> None:
    decision = run(Policy(dry_run=True))
    assert decision.outcome is Outcome.WOULD_PROMOTE
    assert decision.policy_verdict is Outcome.PROMOTE
    assert not decision.should_promote
    assert decision.dry_run
    assert decision.summary.startswith("Dry run: pump-01 version 5 would be promoted")


def test_default_policy_is_a_dry_run() -> None:
    assert run(Policy()).outcome is Outcome.WOULD_PROMOTE


def test_poor_quality_is_rejected() -> None:
    decision = run(model_quality="POOR_QUALITY_DETECTED")
    assert decision.outcome is Outcome.REJECT
    result = rule(decision, RuleId.MODEL_QUALITY)
    assert result.outcome is RuleOutcome.FAIL
    assert result.severity is Severity.REJECT
    assert result.message == (
        "ModelQuality is POOR_QUALITY_DETECTED, below the policy's minimum QUALITY_THRESHOLD_MET."
    )
    assert decision.summary == (
        "Reject pump-01 version 5: ModelQuality is POOR_QUALITY_DETECTED, below the policy's minimum "
        "QUALITY_THRESHOLD_MET."
    )


def test_unlabelled_model_is_held_with_what_to_look_at() -> None:
    # Given an unlabelled model: CANNOT_DETERMINE_QUALITY and no labelled block
    decision = run(
        model_quality="CANNOT_DETERMINE_QUALITY",
        model_metrics=unlabelled_metrics_json(unknown=5, ranges=3),
        prior_model_metrics=unlabelled_metrics_json(unknown=4, ranges=2),
    )
    # Then it is held: the quality rule asks a person, label-based rules are skipped
    assert decision.outcome is Outcome.HOLD
    quality = rule(decision, RuleId.MODEL_QUALITY)
    assert quality.severity is Severity.HOLD
    assert "on_cannot_determine_quality=HOLD" in quality.message
    assert rule(decision, RuleId.EVENT_RECALL).outcome is RuleOutcome.SKIPPED
    assert rule(decision, RuleId.MEAN_FOREWARNING).outcome is RuleOutcome.SKIPPED
    assert decision.summary.startswith("Hold pump-01 version 5 for a person to decide: ModelQuality is")
    # And says what to look at, with the numbers
    assert decision.look_at == [
        "No labels score version 5: compare its 3 predicted abnormal ranges (prior model: 2) and its 5 "
        "unknown events (prior model: 4) with what really happened on the asset, then activate it "
        "by hand or keep version 4."
    ]


def test_unlabelled_model_accepted_by_policy_is_judged_on_the_other_rules() -> None:
    decision = run(
        Policy(dry_run=False, on_cannot_determine_quality=QualityAction.ACCEPT),
        model_quality="CANNOT_DETERMINE_QUALITY",
        model_metrics=unlabelled_metrics_json(unknown=5),
        prior_model_metrics=unlabelled_metrics_json(unknown=5),
    )
    assert decision.outcome is Outcome.PROMOTE
    assert rule(decision, RuleId.MODEL_QUALITY).outcome is RuleOutcome.PASS


def test_unlabelled_model_rejected_by_policy() -> None:
    decision = run(
        Policy(dry_run=False, on_cannot_determine_quality=QualityAction.REJECT),
        model_quality="CANNOT_DETERMINE_QUALITY",
        model_metrics=unlabelled_metrics_json(),
        prior_model_metrics=unlabelled_metrics_json(),
    )
    assert decision.outcome is Outcome.REJECT


def test_managed_scheduler_is_a_conflict_and_nothing_is_acted_on() -> None:
    # Given a model whose scheduler promotes by itself, and a version that would pass
    decision = run(model=model_facts(promote_mode="MANAGED"), auto_promotion_result="MODEL_PROMOTED")
    # Then the outcome is CONFLICT, nothing is to be called, and the rules' view is kept
    assert decision.outcome is Outcome.CONFLICT
    assert not decision.should_promote
    assert decision.policy_verdict is Outcome.PROMOTE
    assert rule(decision, RuleId.SCHEDULER_MODE).severity is Severity.CONFLICT
    assert "(its policy would promote it)" in decision.summary
    assert len(decision.look_at) == 1
    assert "PromoteMode to MANUAL" in decision.look_at[0]
    assert decision.service_auto_promotion.agreement is Agreement.AGREES


def test_managed_scheduler_conflict_wins_over_dry_run_and_rejections() -> None:
    decision = run(
        Policy(dry_run=True), model=model_facts(promote_mode="MANAGED"), model_quality="POOR_QUALITY_DETECTED"
    )
    assert decision.outcome is Outcome.CONFLICT
    assert decision.policy_verdict is Outcome.REJECT


def test_service_promoted_what_we_reject_differs() -> None:
    decision = run(
        model=model_facts(promote_mode="MANAGED"),
        model_quality="POOR_QUALITY_DETECTED",
        auto_promotion_result="MODEL_PROMOTED",
        auto_promotion_result_reason="better than the active version",
    )
    service = decision.service_auto_promotion
    assert service.result is AutoPromotionResult.MODEL_PROMOTED
    assert service.agreement is Agreement.DIFFERS
    assert service.message == (
        "The service promoted this version (better than the active version), but our policy says reject."
    )


@pytest.mark.parametrize(
    ("mode", "result", "quality", "agreement"),
    [
        ("MANUAL", "MODEL_NOT_PROMOTED", "QUALITY_THRESHOLD_MET", Agreement.NOT_APPLICABLE),
        ("MANAGED", "MODEL_NOT_PROMOTED", "QUALITY_THRESHOLD_MET", Agreement.DIFFERS),
        ("MANAGED", "MODEL_NOT_PROMOTED", "POOR_QUALITY_DETECTED", Agreement.AGREES),
        (None, None, "QUALITY_THRESHOLD_MET", Agreement.NOT_APPLICABLE),
        ("MANAGED", "RETRAINING_CUSTOMER_ERROR", "QUALITY_THRESHOLD_MET", Agreement.NOT_APPLICABLE),
    ],
)
def test_service_auto_promotion_agreement(
    mode: str | None, result: str | None, quality: str, agreement: Agreement
) -> None:
    decision = run(model=model_facts(promote_mode=mode), auto_promotion_result=result, model_quality=quality)
    assert decision.service_auto_promotion.agreement is agreement


@pytest.mark.parametrize("text", ["{broken", '{"labeled_event_metrics": {"num_labeled": "x"}}'])
def test_malformed_metrics_are_held_with_the_reason(text: str) -> None:
    decision = run(model_metrics=text)
    assert decision.outcome is Outcome.HOLD
    readable = rule(decision, RuleId.METRICS_READABLE)
    assert readable.outcome is RuleOutcome.FAIL
    assert readable.severity is Severity.HOLD
    assert readable.message.startswith("The metrics could not be read as expected: ModelMetrics: ")
    assert any("Read ModelMetrics and PriorModelMetrics of version 5" in item for item in decision.look_at)


def test_malformed_prior_metrics_are_held_even_with_ignore() -> None:
    policy = Policy(dry_run=False, on_not_measurable=NotMeasurableAction.IGNORE)
    decision = run(policy, prior_model_metrics="[]")
    assert decision.outcome is Outcome.HOLD
    assert (
        "PriorModelMetrics: document should be a JSON object"
        in rule(decision, RuleId.METRICS_READABLE).message
    )


def test_older_than_active_is_not_promoted() -> None:
    decision = run(version=3)
    assert decision.outcome is Outcome.REJECT
    assert rule(decision, RuleId.NEWER_THAN_ACTIVE).message == (
        "Version 3 is older than the active version 4; activating it would roll back."
    )


def test_already_active_is_not_promoted() -> None:
    decision = run(version=4)
    assert decision.outcome is Outcome.REJECT
    assert rule(decision, RuleId.NEWER_THAN_ACTIVE).message == "Version 4 is already the active version."


def test_first_version_with_nothing_active() -> None:
    decision = run(model=model_facts(active_version=None, active_version_activated_at=None), version=1)
    assert rule(decision, RuleId.NEWER_THAN_ACTIVE).outcome is RuleOutcome.PASS
    assert rule(decision, RuleId.COOLDOWN).outcome is RuleOutcome.SKIPPED
    assert decision.outcome is Outcome.PROMOTE


@pytest.mark.parametrize(
    ("status", "severity", "outcome"),
    [
        ("FAILED", Severity.REJECT, Outcome.REJECT),
        ("CANCELED", Severity.REJECT, Outcome.REJECT),
        ("IN_PROGRESS", Severity.HOLD, Outcome.HOLD),
        ("IMPORT_IN_PROGRESS", Severity.HOLD, Outcome.HOLD),
    ],
)
def test_only_success_can_be_promoted(status: str, severity: Severity, outcome: Outcome) -> None:
    decision = run(status=status, failed_reason="out of capacity" if status == "FAILED" else None)
    assert decision.outcome is outcome
    assert rule(decision, RuleId.VERSION_STATUS).severity is severity


def test_failed_version_is_rejected_with_the_status_reason() -> None:
    decision = run(
        status="FAILED", failed_reason="Insufficient data", model_metrics=None, prior_model_metrics=None
    )
    assert decision.summary.startswith(
        "Reject pump-01 version 5: Version 5 is FAILED: Insufficient data; "
        "only a SUCCESS version can be activated"
    )


# -- each rule: pass / fail / not measurable with its numbers -------------------------------------


def test_recall_drop_beyond_tolerance_fails_with_numbers() -> None:
    decision = run(
        Policy(dry_run=False, max_recall_drop=0.05),
        model_metrics=metrics_json(num_identified=6),
        prior_model_metrics=metrics_json(num_identified=7),
    )
    result = rule(decision, RuleId.EVENT_RECALL)
    assert result.outcome is RuleOutcome.FAIL
    assert result.severity is Severity.REJECT
    assert result.message == (
        "Event recall fell from 0.875 (7 of 8 labelled events) to 0.75 (6 of 8) (-0.125); "
        "the policy allows a drop of at most 0.05."
    )
    assert decision.outcome is Outcome.REJECT


def test_recall_drop_within_tolerance_passes() -> None:
    result = rule(
        run(
            Policy(dry_run=False, max_recall_drop=0.125),
            model_metrics=metrics_json(num_identified=6),
            prior_model_metrics=metrics_json(num_identified=7),
        ),
        RuleId.EVENT_RECALL,
    )
    assert result.outcome is RuleOutcome.PASS
    assert "within tolerance" in result.message


def test_recall_tolerance_is_not_fooled_by_float_noise() -> None:
    # 0.8 - 0.75 is 0.05000000000000004 in floating point
    result = rule(
        run(
            Policy(dry_run=False, max_recall_drop=0.05),
            model_metrics=metrics_json(num_labeled=20, num_identified=15),
            prior_model_metrics=metrics_json(num_labeled=20, num_identified=16),
        ),
        RuleId.EVENT_RECALL,
    )
    assert result.outcome is RuleOutcome.PASS


def test_default_policy_allows_no_recall_drop() -> None:
    result = rule(
        run(model_metrics=metrics_json(num_identified=7), prior_model_metrics=metrics_json(num_identified=8)),
        RuleId.EVENT_RECALL,
    )
    assert result.outcome is RuleOutcome.FAIL
    assert result.message.endswith("the policy allows no drop.")


def test_recall_not_measurable_holds_by_default() -> None:
    decision = run(prior_model_metrics=metrics_json(labeled_block=False))
    result = rule(decision, RuleId.EVENT_RECALL)
    assert result.outcome is RuleOutcome.NOT_MEASURABLE
    assert result.severity is Severity.HOLD
    assert result.message == (
        "Event recall is not measurable in PriorModelMetrics; held for a person (on_not_measurable=HOLD)."
    )
    assert decision.outcome is Outcome.HOLD


ONE_OF_ONE = metrics_json(num_labeled=1, num_identified=1, warning_seconds=3600.0)
NINE_OF_TEN = metrics_json(num_labeled=10, num_identified=9, warning_seconds=9 * 3600.0)


@pytest.mark.parametrize("on_not_measurable", list(NotMeasurableAction))
def test_a_version_catching_1_of_1_never_beats_a_prior_catching_9_of_10(
    on_not_measurable: NotMeasurableAction,
) -> None:
    # Given documents that do not score the same labelled events
    policy = Policy(dry_run=False, on_not_measurable=on_not_measurable)
    decision = run(policy, model_metrics=ONE_OF_ONE, prior_model_metrics=NINE_OF_TEN)
    # Then recall and forewarning are not measurable, and hold whatever on_not_measurable says
    for rule_id in (RuleId.EVENT_RECALL, RuleId.MEAN_FOREWARNING):
        result = rule(decision, rule_id)
        assert result.outcome is RuleOutcome.NOT_MEASURABLE
        assert result.severity is Severity.HOLD
        assert "ModelMetrics counts 1 labelled event and PriorModelMetrics counts 10" in result.message
        assert "do not describe the same labelled events" in result.message
    assert decision.outcome is Outcome.HOLD
    assert not decision.should_promote


def test_a_candidate_without_labels_against_a_labelled_prior_is_not_judged_as_unlabelled() -> None:
    decision = run(
        Policy(dry_run=False, on_cannot_determine_quality=QualityAction.ACCEPT),
        model_quality="CANNOT_DETERMINE_QUALITY",
        model_metrics=metrics_json(num_labeled=0, num_identified=0),
        prior_model_metrics=NINE_OF_TEN,
    )
    assert rule(decision, RuleId.EVENT_RECALL).severity is Severity.HOLD
    assert decision.outcome is Outcome.HOLD


def test_a_malformed_labelled_range_holds_and_says_where() -> None:
    doc = json.loads(metrics_json())
    doc["labeled_ranges"] = [{"end": "2019-08-09T00:00:00"}]
    decision = run(
        Policy(dry_run=False, on_not_measurable=NotMeasurableAction.IGNORE), model_metrics=json.dumps(doc)
    )
    assert decision.outcome is Outcome.HOLD
    assert "labeled_ranges[0].start is missing" in rule(decision, RuleId.METRICS_READABLE).message
    assert "labelled ranges of ModelMetrics are malformed" in rule(decision, RuleId.EVENT_RECALL).message


def test_not_measurable_can_be_ignored() -> None:
    policy = Policy(dry_run=False, on_not_measurable=NotMeasurableAction.IGNORE)
    decision = run(policy, prior_model_metrics=None)
    assert rule(decision, RuleId.EVENT_RECALL).outcome is RuleOutcome.NOT_MEASURABLE
    assert rule(decision, RuleId.EVENT_RECALL).severity is None
    assert decision.outcome is Outcome.PROMOTE


def test_recall_rule_disabled() -> None:
    result = rule(
        run(Policy(dry_run=False, max_recall_drop=None), model_metrics=metrics_json(num_identified=1)),
        RuleId.EVENT_RECALL,
    )
    assert result.outcome is RuleOutcome.SKIPPED


def test_forewarning_shrink_beyond_limit_fails_with_numbers() -> None:
    decision = run(
        model_metrics=metrics_json(num_identified=8, warning_seconds=8 * 12 * 3600.0),
        prior_model_metrics=metrics_json(num_identified=8, warning_seconds=8 * 20 * 3600.0),
    )
    result = rule(decision, RuleId.MEAN_FOREWARNING)
    assert result.outcome is RuleOutcome.FAIL
    assert result.message == (
        "Mean forewarning shrank from 20 h to 12 h (-40%); the policy allows a shrink of at most 25%."
    )


def test_forewarning_shrink_within_limit_passes() -> None:
    result = rule(
        run(
            model_metrics=metrics_json(warning_seconds=8 * 4 * 86400.0),
            prior_model_metrics=metrics_json(warning_seconds=8 * 5 * 86400.0),
        ),
        RuleId.MEAN_FOREWARNING,
    )
    assert result.outcome is RuleOutcome.PASS
    assert result.message == (
        "Mean forewarning shrank from 5 days to 4 days (-20%), within tolerance: "
        "the policy allows a shrink of at most 25%."
    )


def test_forewarning_when_prior_identified_nothing_passes() -> None:
    result = rule(
        run(prior_model_metrics=metrics_json(num_identified=0, warning_seconds=0.0)), RuleId.MEAN_FOREWARNING
    )
    assert result.outcome is RuleOutcome.PASS


def test_forewarning_when_candidate_identified_nothing_fails() -> None:
    result = rule(
        run(model_metrics=metrics_json(num_identified=0, warning_seconds=0.0)), RuleId.MEAN_FOREWARNING
    )
    assert result.outcome is RuleOutcome.FAIL
    assert "identified no labelled event" in result.message


def test_forewarning_not_measurable() -> None:
    result = rule(run(model_metrics=metrics_json(warning_seconds=None)), RuleId.MEAN_FOREWARNING)
    assert result.outcome is RuleOutcome.NOT_MEASURABLE
    assert result.message.startswith("Mean forewarning is not measurable in ModelMetrics of version 5")


@pytest.mark.parametrize(
    ("prior", "candidate", "pct", "count", "outcome"),
    [
        (8, 14, 25.0, 2, RuleOutcome.FAIL),  # +6, +75%: exceeds both
        (8, 10, 25.0, 2, RuleOutcome.PASS),  # +2: within the count
        (40, 48, 25.0, 2, RuleOutcome.PASS),  # +8 but +20%: within the percentage
        (1, 4, 25.0, 2, RuleOutcome.FAIL),  # +3, +300%
        (0, 2, 25.0, 2, RuleOutcome.PASS),  # from zero: only the count can tolerate
        (0, 3, 25.0, 2, RuleOutcome.FAIL),
        (0, 1, 25.0, None, RuleOutcome.FAIL),  # from zero with only a percentage: unbounded
        (8, 9, None, 0, RuleOutcome.FAIL),  # count only, strict
        (8, 9, 20.0, None, RuleOutcome.PASS),  # percentage only
        (8, 5, 0.0, 0, RuleOutcome.PASS),  # fewer is always fine
        (8, 30, None, None, RuleOutcome.SKIPPED),  # rule disabled
    ],
)
def test_unknown_events_growth_limits(
    prior: int, candidate: int, pct: float | None, count: int | None, outcome: RuleOutcome
) -> None:
    policy = Policy(
        dry_run=False, max_unknown_events_increase_pct=pct, max_unknown_events_increase_count=count
    )
    result = rule(
        run(
            policy,
            model_metrics=metrics_json(unknown=candidate),
            prior_model_metrics=metrics_json(unknown=prior),
        ),
        RuleId.UNKNOWN_EVENTS,
    )
    assert result.outcome is outcome, result.message


def test_unknown_events_failure_message() -> None:
    result = rule(
        run(model_metrics=metrics_json(unknown=14), prior_model_metrics=metrics_json(unknown=8)),
        RuleId.UNKNOWN_EVENTS,
    )
    assert result.message == (
        "Unknown (unlabelled) abnormal events rose from 8 to 14 (+6, +75%); "
        "the policy allows at most +2 events or +25%."
    )


def test_unknown_events_not_measurable() -> None:
    result = rule(run(model_metrics=metrics_json(unknown_block=False)), RuleId.UNKNOWN_EVENTS)
    assert result.outcome is RuleOutcome.NOT_MEASURABLE


@pytest.mark.parametrize(
    ("days", "minimum", "outcome"),
    [
        (180, 90, RuleOutcome.PASS),
        (60, 90, RuleOutcome.FAIL),
        (None, 90, RuleOutcome.SKIPPED),
        (30, None, RuleOutcome.SKIPPED),
    ],
)
def test_retraining_data_days(days: int | None, minimum: int | None, outcome: RuleOutcome) -> None:
    decision = run(
        Policy(dry_run=False, min_retraining_data_days=minimum), retraining_available_data_in_days=days
    )
    result = rule(decision, RuleId.RETRAINING_DATA_DAYS)
    assert result.outcome is outcome
    if outcome is RuleOutcome.FAIL:
        assert result.message == "Retraining used only 60 days of data; the policy requires at least 90."
        assert decision.outcome is Outcome.REJECT


def test_cooldown_not_elapsed_holds_until_a_stated_time() -> None:
    decision = run(model=model_facts(active_version_activated_at=NOW - timedelta(hours=3)))
    result = rule(decision, RuleId.COOLDOWN)
    assert result.outcome is RuleOutcome.FAIL
    assert result.severity is Severity.HOLD
    assert (
        result.message
        == "Version 4 was activated only 3 h ago; the policy requires 24 h between activations."
    )
    assert decision.outcome is Outcome.HOLD
    assert decision.look_at == [
        "Re-evaluate after 2024-05-02 09:00 UTC, or activate the version by hand before then."
    ]


def test_cooldown_elapsed_passes() -> None:
    result = rule(
        run(model=model_facts(active_version_activated_at=NOW - timedelta(hours=24))), RuleId.COOLDOWN
    )
    assert result.outcome is RuleOutcome.PASS


def test_cooldown_disabled_and_unknown_activation_time() -> None:
    disabled = run(
        Policy(dry_run=False, cooldown_hours=0), model=model_facts(active_version_activated_at=NOW)
    )
    assert rule(disabled, RuleId.COOLDOWN).outcome is RuleOutcome.SKIPPED
    unknown = run(model=model_facts(active_version_activated_at=None))
    assert rule(unknown, RuleId.COOLDOWN).outcome is RuleOutcome.NOT_MEASURABLE


def test_naive_now_is_taken_as_utc() -> None:
    decision = decide(version_facts(), model_facts(), LIVE, NOW.replace(tzinfo=None))
    assert decision.decided_at == NOW


def test_evaluate_rules_matches_decide() -> None:
    assert evaluate_rules(version_facts(), model_facts(), LIVE, NOW) == run().rule_results


def test_decision_round_trips_as_json() -> None:
    decision = run(model_quality="CANNOT_DETERMINE_QUALITY")
    assert Decision.model_validate_json(decision.model_dump_json()) == decision


# -- choosing among pending versions -------------------------------------------------------------


def test_newest_success_is_the_candidate_and_older_ones_are_superseded() -> None:
    pending = [
        version_facts(version=v, status=s)
        for v, s in [
            (5, "SUCCESS"),
            (7, "SUCCESS"),
            (6, "SUCCESS"),
            (8, "FAILED"),
            (9, "IN_PROGRESS"),
            (3, "SUCCESS"),
        ]
    ]
    candidate, superseded = choose_candidate(pending, active_version=4)
    assert candidate is not None
    assert candidate.version == 7
    assert [v.version for v in superseded] == [3, 5, 6]


def test_no_candidate_when_nothing_is_newer_than_active() -> None:
    candidate, superseded = choose_candidate([version_facts(version=2), version_facts(version=4)], 4)
    assert candidate is None
    assert [v.version for v in superseded] == [2]


def test_no_active_version_and_no_pending() -> None:
    assert choose_candidate([], None) == (None, [])
    candidate, _ = choose_candidate([version_facts(version=1)], None)
    assert candidate is not None
    assert candidate.version == 1


# -- property: never PROMOTE past a FAIL, never raise --------------------------------------------

optional_int = st.none() | st.integers(min_value=0, max_value=50)
metrics_text = st.one_of(
    st.none(),
    st.text(max_size=80),
    st.builds(
        metrics_json,
        num_labeled=optional_int,
        num_identified=optional_int,
        warning_seconds=st.none() | st.floats(min_value=0, max_value=1e7),
        unknown=optional_int,
        labeled_block=st.booleans(),
        unknown_block=st.booleans(),
    ),
)
aware_times = st.datetimes(
    min_value=NOW.replace(tzinfo=None) - timedelta(days=400),
    max_value=NOW.replace(tzinfo=None) + timedelta(days=2),
    timezones=st.just(UTC),
)
versions = st.builds(
    VersionFacts,
    model_name=st.just("pump-01"),
    version=st.integers(min_value=1, max_value=10),
    status=st.sampled_from(VersionStatus),
    source_type=st.none() | st.sampled_from(SourceType),
    model_quality=st.none() | st.sampled_from(ModelQuality),
    model_metrics=metrics_text,
    prior_model_metrics=metrics_text,
    retraining_available_data_in_days=st.none() | st.integers(min_value=0, max_value=1000),
    auto_promotion_result=st.none() | st.sampled_from(AutoPromotionResult),
    auto_promotion_result_reason=st.none() | st.text(max_size=20),
    failed_reason=st.none() | st.text(max_size=20),
)
models = st.builds(
    ModelFacts,
    model_name=st.just("pump-01"),
    active_version=st.none() | st.integers(min_value=1, max_value=10),
    active_version_activated_at=st.none() | aware_times,
    promote_mode=st.none() | st.sampled_from(PromoteMode),
    scheduler_status=st.none() | st.sampled_from(SchedulerStatus),
)
policies = st.builds(
    Policy,
    min_model_quality=st.sampled_from(ModelQuality),
    on_cannot_determine_quality=st.sampled_from(QualityAction),
    max_recall_drop=st.none() | st.floats(min_value=0, max_value=1),
    max_forewarning_drop_pct=st.none() | st.floats(min_value=0, max_value=100),
    max_unknown_events_increase_pct=st.none() | st.floats(min_value=0, max_value=10_000),
    max_unknown_events_increase_count=st.none() | st.integers(min_value=0, max_value=100),
    min_retraining_data_days=st.none() | st.integers(min_value=1, max_value=3650),
    cooldown_hours=st.floats(min_value=0, max_value=8760),
    on_not_measurable=st.sampled_from(NotMeasurableAction),
    dry_run=st.booleans(),
)


@pytest.mark.slow
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(version=versions, model=models, policy=policies)
def test_decide_never_promotes_past_a_failed_rule(
    version: VersionFacts, model: ModelFacts, policy: Policy
) -> None:
    decision = decide(version, model, policy, NOW)
    assert [r.rule for r in decision.rule_results] == list(RuleId)
    promotes = decision.outcome in (Outcome.PROMOTE, Outcome.WOULD_PROMOTE)
    if decision.failed_rules or decision.blocking_rules:
        assert not promotes
    if promotes:
        assert version.status is VersionStatus.SUCCESS
        assert model.promote_mode is not PromoteMode.MANAGED
        assert decision.candidate_metrics.readable
        assert decision.prior_metrics.readable
        assert model.active_version is None or version.version > model.active_version
    if decision.outcome is Outcome.PROMOTE:
        assert not policy.dry_run
    assert decision.summary
    assert all(r.message for r in decision.rule_results)
