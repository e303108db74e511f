"""The Policy model, the overrides document, precedence and the fingerprint."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from model_steward.errors import InvalidInputError
from model_steward.models.decision import ModelQuality
from model_steward.models.policy import (
    NotMeasurableAction,
    Policy,
    PolicyDocumentError,
    QualityAction,
    parse_overrides,
    patch_values,
    resolve_policy,
    resolve_policy_explained,
)


def document(**sections: Any) -> str:
    return json.dumps({"version": 1, **sections})


# -- Policy ---------------------------------------------------------------------------------------


def test_defaults_are_conservative() -> None:
    policy = Policy()
    assert policy.min_model_quality is ModelQuality.QUALITY_THRESHOLD_MET
    assert policy.on_cannot_determine_quality is QualityAction.HOLD
    assert policy.max_recall_drop == 0.0
    assert policy.max_forewarning_drop_pct == 25.0
    assert policy.max_unknown_events_increase_pct == 25.0
    assert policy.max_unknown_events_increase_count == 2
    assert policy.min_retraining_data_days is None
    assert policy.cooldown_hours == 24.0
    assert policy.on_not_measurable is NotMeasurableAction.HOLD
    assert policy.dry_run is True


def test_every_field_is_described() -> None:
    assert all(field.description for field in Policy.model_fields.values())


@pytest.mark.parametrize(
    "values",
    [
        {"max_recall_drop": 1.5},
        {"max_recall_drop": -0.1},
        {"max_forewarning_drop_pct": 101},
        {"cooldown_hours": -1},
        {"min_retraining_data_days": 0},
        {"max_unknown_events_increase_count": -1},
        {"min_model_quality": "EXCELLENT"},
        {"max_recal_drop": 0.1},
    ],
)
def test_policy_rejects_out_of_bounds_and_unknown_values(values: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Policy.model_validate(values)


def test_policy_is_frozen() -> None:
    with pytest.raises(ValidationError):
        Policy().dry_run = False  # type: ignore[misc]


def test_fingerprint_is_short_stable_and_ignores_key_order() -> None:
    a = Policy.model_validate({"max_recall_drop": 0.05, "cooldown_hours": 48})
    b = Policy.model_validate({"cooldown_hours": 48.0, "max_recall_drop": 0.05})
    assert a.fingerprint() == b.fingerprint()
    assert len(a.fingerprint()) == 16
    assert int(a.fingerprint(), 16) >= 0


def test_fingerprint_changes_when_a_threshold_changes() -> None:
    assert Policy().fingerprint() != Policy(max_recall_drop=0.01).fingerprint()
    assert Policy().fingerprint() != Policy(dry_run=False).fingerprint()
    assert Policy().fingerprint() != Policy(min_retraining_data_days=90).fingerprint()


def test_fingerprint_of_defaults_is_pinned() -> None:
    # A change here means every recorded decision's fingerprint changes: do it on purpose.
    assert Policy().fingerprint() == "8777afe32c3cb79c"


# -- the overrides document -----------------------------------------------------------------------


def test_valid_document_keeps_only_what_it_sets() -> None:
    overrides = parse_overrides(
        document(
            defaults={"max_recall_drop": 0.05},
            prefixes={"compressor-": {"cooldown_hours": 72}},
            models={"pump-01": {"dry_run": False, "min_retraining_data_days": None}},
        )
    )
    assert patch_values(overrides.defaults) == {"max_recall_drop": 0.05}
    assert patch_values(overrides.prefixes["compressor-"]) == {"cooldown_hours": 72.0}
    # an explicit null is a setting: it disables the rule
    assert patch_values(overrides.models["pump-01"]) == {"dry_run": False, "min_retraining_data_days": None}


def test_minimal_document() -> None:
    overrides = parse_overrides('{"version": 1}')
    assert resolve_policy(Policy(), overrides, "pump-01") == Policy()


def test_every_problem_is_listed_in_one_readable_message() -> None:
    # Given a document with several mistakes in several places
    text = document(
        defaults={"max_recal_drop": 0.1},
        prefixes={"compressor-": {"cooldown_hours": -5}},
        models={
            "pump-01": {"max_recall_drop": 2, "dry_run": "no", "min_model_quality": "GOOD"},
            "pump 02": {},
        },
        owner="ops",
    )
    # When it is parsed
    with pytest.raises(PolicyDocumentError) as caught:
        parse_overrides(text)
    # Then every problem is listed, each as "where: what"
    problems = caught.value.problems
    assert sorted(problems) == sorted(
        [
            "defaults.max_recal_drop: unknown setting (did you mean max_recall_drop?)",
            "prefixes.compressor-.cooldown_hours: must be >= 0 (got -5)",
            "models.pump-01.min_model_quality: must be one of 'QUALITY_THRESHOLD_MET', "
            "'CANNOT_DETERMINE_QUALITY' or 'POOR_QUALITY_DETECTED' (got \"GOOD\")",
            "models.pump-01.max_recall_drop: must be <= 1 (got 2)",
            'models.pump-01.dry_run: must be true or false (got "no")',
            "models.pump 02 (as a key): must be a model name "
            "(letters, digits, '-' and '_', 1-200 characters)",
            "owner: unknown setting (known: version, defaults, prefixes, models)",
        ]
    )
    message = str(caught.value)
    assert message.startswith("policy overrides document is invalid (7 problems):\n  - ")
    assert isinstance(caught.value, InvalidInputError)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{", "not valid JSON at line 1 column 2: Expecting property name enclosed in double quotes"),
        ("[]", "the document must be a JSON object"),
        ("{}", "version: is required"),
        ('{"version": 2}', "version: must be 1 (got 2)"),
        ('{"version": 1, "models": []}', "models: must be a JSON object (got [])"),
        ('{"version": 1, "models": {"p": 3}}', "models.p: must be a JSON object (got 3)"),
        (
            '{"version": 1, "models": {"p": {"cooldown_hours": "24"}}}',
            'models.p.cooldown_hours: input should be a valid number (got "24")',
        ),
        (
            '{"version": 1, "models": {"p": {"max_unknown_events_increase_count": 2.5}}}',
            "models.p.max_unknown_events_increase_count: input should be a valid integer (got 2.5)",
        ),
        (
            '{"version": 1, "models": {"p": {"dry_run": null}}}',
            "models.p.dry_run: must be true or false (got null)",
        ),
        (
            '{"version": 1, "models": {"p": {"dry_run": true}, "p": {"dry_run": false}}}',
            "duplicate key 'p': the later value would silently win",
        ),
    ],
)
def test_single_problems(text: str, problem: str) -> None:
    with pytest.raises(PolicyDocumentError) as caught:
        parse_overrides(text)
    assert caught.value.problems == [problem]


def test_source_names_the_document() -> None:
    with pytest.raises(PolicyDocumentError, match=r"^ssm:/steward/policy is invalid \(1 problem\):"):
        parse_overrides("[]", source="ssm:/steward/policy")


# -- precedence -----------------------------------------------------------------------------------

LAYERED = parse_overrides(
    document(
        defaults={"cooldown_hours": 1, "max_recall_drop": 0.01, "dry_run": False},
        prefixes={
            "comp": {"cooldown_hours": 2, "max_recall_drop": 0.02},
            "compressor-": {"cooldown_hours": 3},
        },
        models={"compressor-07": {"cooldown_hours": 4, "max_forewarning_drop_pct": None}},
    )
)


@pytest.mark.parametrize(
    ("model", "cooldown", "recall", "layers"),
    [
        ("pump-01", 1.0, 0.01, ["base", "defaults"]),
        ("comp-x", 2.0, 0.02, ["base", "defaults", "prefix comp"]),
        # only the longest prefix applies: "comp" does not stack under "compressor-"
        ("compressor-01", 3.0, 0.01, ["base", "defaults", "prefix compressor-"]),
        ("compressor-07", 4.0, 0.01, ["base", "defaults", "prefix compressor-", "model compressor-07"]),
    ],
)
def test_precedence_base_defaults_prefix_model(
    model: str, cooldown: float, recall: float, layers: list[str]
) -> None:
    base = Policy(max_unknown_events_increase_count=9)
    policy, applied = resolve_policy_explained(base, LAYERED, model)
    assert policy.cooldown_hours == cooldown
    assert policy.max_recall_drop == recall
    assert policy.dry_run is False  # from the defaults
    assert policy.max_unknown_events_increase_count == 9  # from the base, never overridden
    assert applied == layers


def test_model_entry_can_disable_a_rule_with_null() -> None:
    assert resolve_policy(Policy(), LAYERED, "compressor-07").max_forewarning_drop_pct is None
    assert resolve_policy(Policy(), LAYERED, "compressor-01").max_forewarning_drop_pct == 25.0


def test_no_document_means_the_base_policy() -> None:
    base = Policy(cooldown_hours=5)
    assert resolve_policy(base, None, "pump-01") is base


def test_no_model_name_applies_only_the_defaults() -> None:
    policy, layers = resolve_policy_explained(Policy(), LAYERED, None)
    assert policy.cooldown_hours == 1.0
    assert layers == ["base", "defaults"]


def test_exact_name_is_not_a_prefix_match() -> None:
    overrides = parse_overrides(document(models={"pump": {"cooldown_hours": 7}}))
    assert resolve_policy(Policy(), overrides, "pump-01").cooldown_hours == 24.0


@pytest.mark.parametrize(
    "limit",
    [
        "max_recall_drop",
        "max_forewarning_drop_pct",
        "max_unknown_events_increase_pct",
        "max_unknown_events_increase_count",
        "min_retraining_data_days",
    ],
)
def test_off_turns_a_limit_off_in_the_document_as_in_the_parameters(limit: str) -> None:
    overrides = parse_overrides(document(models={"pump-01": {limit: "off"}}))

    assert getattr(resolve_policy(Policy(), overrides, "pump-01"), limit) is None
    assert getattr(Policy.model_validate({limit: "off"}), limit) is None


def test_off_is_only_for_limits_that_can_be_turned_off() -> None:
    with pytest.raises(PolicyDocumentError) as raised:
        parse_overrides(document(defaults={"cooldown_hours": "off", "max_recall_drop": "of"}))

    assert len(raised.value.problems) == 2
