"""Settings are validated at cold start, and an invalid environment says what is wrong."""

from __future__ import annotations

import pytest

from model_steward.errors import ConfigurationError
from model_steward.models.settings import EvaluateSettings, WatchSettings, load_settings

COMMON = {
    "ENVIRONMENT": "dev",
    "LEDGER_TABLE_NAME": "model-steward-ledger",
    "ALERT_TOPIC_ARN": "arn:aws:sns:eu-west-1:123456789012:alerts",
    "EVALUATE_QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/123456789012/evaluate",
}


@pytest.fixture(autouse=True)
def _fresh_settings():
    load_settings.cache_clear()
    yield
    load_settings.cache_clear()


def test_given_names_with_spaces_when_loaded_then_the_list_is_split_and_trimmed(monkeypatch) -> None:
    for key, value in {**COMMON, "WATCHED_MODELS": "pump-01, pump-02,,", "WATCHED_MODEL_PREFIX": ""}.items():
        monkeypatch.setenv(key, value)

    settings = load_settings(WatchSettings)

    assert settings.watched_models == ("pump-01", "pump-02")


@pytest.mark.parametrize(
    ("names", "prefix", "model", "watched"),
    [
        ((), "", "anything", False),
        (("pump-01",), "", "pump-01", True),
        (("pump-01",), "", "pump-02", False),
        ((), "comp-", "comp-7", True),
        ((), "comp-", "pump-01", False),
        (("pump-01",), "comp-", "pump-01", True),
        (("pump-01",), "comp-", "comp-1", True),
    ],
)
def test_explicit_names_and_prefix_add_up_and_neither_means_none(names, prefix, model, watched) -> None:
    settings = WatchSettings.model_validate(
        {**COMMON, "WATCHED_MODELS": ",".join(names), "WATCHED_MODEL_PREFIX": prefix}
    )

    assert settings.watches(model) is watched


def test_every_model_is_watched_only_when_the_operator_says_all() -> None:
    settings = WatchSettings.model_validate({**COMMON, "WATCH_ALL_MODELS": "true"})

    assert settings.watches("anything")
    assert not WatchSettings.model_validate({**COMMON, "WATCH_ALL_MODELS": "false"}).watches("anything")


def test_given_an_invalid_environment_when_loaded_then_every_problem_is_named(monkeypatch) -> None:
    for key, value in {**COMMON, "ALERT_TOPIC_ARN": "not-an-arn", "WATCHED_MODELS": "ok,bad name"}.items():
        monkeypatch.setenv(key, value)

    with pytest.raises(ConfigurationError) as excinfo:
        load_settings(WatchSettings)

    assert "ALERT_TOPIC_ARN" in str(excinfo.value)
    assert "WATCHED_MODELS" in str(excinfo.value)


def test_the_evaluate_function_has_the_same_scope_and_decides_existing_versions_only_when_told() -> None:
    values = {**COMMON, "DRY_RUN": "true", "WATCHED_MODELS": "pump-01", "WATCHED_MODEL_PREFIX": "comp-"}
    settings = EvaluateSettings.model_validate(values)

    assert settings.watches("pump-01")
    assert settings.watches("comp-9")
    assert not settings.watches("pump-02")
    assert settings.scope() == "WatchedModels=pump-01 and WatchedModelPrefix=comp-"
    assert settings.decide_existing_versions is False
    assert EvaluateSettings.model_validate(
        {**values, "DECIDE_EXISTING_VERSIONS": "true"}
    ).decide_existing_versions


def test_an_evaluate_function_without_scope_watches_nothing() -> None:
    settings = EvaluateSettings.model_validate({**COMMON, "DRY_RUN": "true"})

    assert not settings.watches("pump-01")
    assert settings.scope().startswith("no model")


def test_the_diagnostics_key_reaches_the_object_store(monkeypatch) -> None:
    from model_steward.adapters.s3 import S3ObjectStore
    from model_steward.compose.diagnostics import diagnostics_service
    from model_steward.models.settings import DiagnosticsSettings

    key = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    for name, value in {**COMMON, "DIAGNOSTICS_KMS_KEY_ARN": key}.items():
        monkeypatch.setenv(name, value)

    service = diagnostics_service(load_settings(DiagnosticsSettings))

    assert isinstance(service.store, S3ObjectStore)
    assert service.store.kms_key_arn == key


def test_a_sitewise_unit_is_watched_only_when_its_computation_model_is_governed() -> None:
    from model_steward.models.sitewise import unit_key

    governed, other = "11111111-2222-3333-4444-555555555555", "99999999-2222-3333-4444-555555555555"
    asset = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    values = {**COMMON, "DRY_RUN": "true", "MODEL_REGISTRY": "both", "SITEWISE_COMPUTATION_MODELS": governed}
    settings = EvaluateSettings.model_validate(values)

    assert settings.watches(unit_key(governed, asset))
    assert not settings.watches(unit_key(other, asset))
    assert f"SiteWiseComputationModelIds={governed}" in settings.scope()
    every = EvaluateSettings.model_validate({**values, "SITEWISE_COMPUTATION_MODELS": "*"})
    assert every.watches(unit_key(other, asset))
