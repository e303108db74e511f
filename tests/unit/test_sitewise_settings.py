"""The SiteWise settings: validated at cold start with the template's own constraints, and the
deployment's registry built from them (one SiteWise, one Lookout, or both routed by name)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from emulators import cfn
from model_steward import compose
from model_steward.adapters.lookout import LookoutRegistry
from model_steward.adapters.registries import RegistryRouter
from model_steward.adapters.sitewise import SiteWiseRegistry
from model_steward.errors import ConfigurationError
from model_steward.models.settings import EvaluateSettings, WatchSettings, load_settings
from model_steward.models.sitewise import SiteWiseFacts, unit_key
from tests.fakes.registry import FakeRegistry
from tests.helpers import ROOT

MODEL = "0d5f0c1e-6a53-4c6e-9b1e-7f2a5d3c9a11"
ASSET = "8b7e4a2c-1f3d-4e5a-9c6b-2d1e0f9a8b77"
KEY = unit_key(MODEL, ASSET)
COMMON = {
    "ENVIRONMENT": "dev",
    "LEDGER_TABLE_NAME": "model-steward-ledger",
    "ALERT_TOPIC_ARN": "arn:aws:sns:eu-west-1:123456789012:alerts",
    "EVALUATE_QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/123456789012/evaluate",
    "DRY_RUN": "true",
}
EVERY_SETTING_CHANGED = SiteWiseFacts(
    training_action="AWS/TRAIN",
    inference_action="AWS/INFER",
    version="executionDetails:modelVersion",
    active_version="summary:activeVersion",
    inference_active="summary:inferenceRunning",
    reason_code="executionResult:reason code",
    prior_metrics="metrics:comparison.prior",
    failure_message="executionDetails:error",
    activation_requires_stop=True,
    metrics_suffix="-metrics.json",
    results_suffix=".jsonl.gz",
)
PARAMETERS = cfn.load_template(ROOT / "template.yaml")["Parameters"]


@pytest.fixture(autouse=True)
def _fresh_settings() -> Any:
    load_settings.cache_clear()
    yield
    load_settings.cache_clear()


def settings(monkeypatch: pytest.MonkeyPatch, model: type[Any] = EvaluateSettings, **values: str) -> Any:
    for key, value in {**COMMON, **values}.items():
        monkeypatch.setenv(key, value)
    return load_settings(model)


def test_the_registry_settings_are_read_and_their_defaults_govern_lookout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loaded = settings(monkeypatch)
    assert (loaded.model_registry, loaded.sitewise_facts, loaded.sitewise_models) == ("lookout", "", ())
    assert isinstance(compose.deployment_registry(loaded), LookoutRegistry)

    load_settings.cache_clear()
    both = settings(
        monkeypatch,
        MODEL_REGISTRY="both",
        SITEWISE_FACTS="version=executionDetails:modelVersion",
        SITEWISE_COMPUTATION_MODELS=f"{MODEL}, {ASSET}",
    )
    router = compose.deployment_registry(both)
    assert isinstance(router, RegistryRouter)
    assert isinstance(router.sitewise, SiteWiseRegistry)
    assert router.sitewise.governed == (MODEL, ASSET)
    assert router.sitewise.facts.version == "executionDetails:modelVersion"

    load_settings.cache_clear()
    every = compose.deployment_registry(
        settings(monkeypatch, MODEL_REGISTRY="sitewise", SITEWISE_COMPUTATION_MODELS="*")
    )
    assert isinstance(every, SiteWiseRegistry)
    assert every.governed is None  # WatchAllModels: every anomaly-detection model

    load_settings.cache_clear()
    monkeypatch.delenv("SITEWISE_COMPUTATION_MODELS")
    none = compose.deployment_registry(settings(monkeypatch, MODEL_REGISTRY="sitewise"))
    assert isinstance(none, SiteWiseRegistry)
    assert none.governed == ()  # nothing named: nothing listed


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("SITEWISE_FACTS", "version=summary:x", "the source must be one of execution"),
        ("SITEWISE_FACTS", "versions=execution:x", "Extra inputs are not permitted"),
        ("SITEWISE_COMPUTATION_MODELS", "pump-01", "not computation model ids: pump-01"),
        ("MODEL_REGISTRY", "sagemaker", "MODEL_REGISTRY: Input should be .lookout., .sitewise. or .both."),
    ],
)
def test_a_wrong_setting_stops_the_cold_start_saying_which(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, problem: str
) -> None:
    with pytest.raises(ConfigurationError, match=problem):
        settings(monkeypatch, **{name: value})


def test_a_sitewise_unit_is_watched_when_its_computation_models_are_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    named = settings(
        monkeypatch,
        WatchSettings,
        WATCHED_MODELS="pump-01",
        MODEL_REGISTRY="both",
        SITEWISE_COMPUTATION_MODELS=MODEL,
    )
    assert named.watches(KEY)  # its registry lists only the named computation models' units
    assert not named.watches("pump-02")

    load_settings.cache_clear()
    monkeypatch.delenv("SITEWISE_COMPUTATION_MODELS")
    unnamed = settings(monkeypatch, WatchSettings, WATCHED_MODELS="pump-01", MODEL_REGISTRY="both")
    assert not unnamed.watches(KEY)  # nothing is watched until the operator names it

    load_settings.cache_clear()
    assert settings(monkeypatch, WatchSettings, MODEL_REGISTRY="sitewise", WATCH_ALL_MODELS="true").watches(
        KEY
    )


def test_the_template_accepts_every_setting_the_product_reads() -> None:
    facts = re.compile(PARAMETERS["SiteWiseFacts"]["AllowedPattern"])
    ids = re.compile(PARAMETERS["SiteWiseComputationModelIds"]["AllowedPattern"])

    assert facts.match(EVERY_SETTING_CHANGED.text())
    assert SiteWiseFacts.parse(EVERY_SETTING_CHANGED.text()) == EVERY_SETTING_CHANGED
    assert ids.match(f"{MODEL},{ASSET}")
    assert PARAMETERS["ModelRegistry"]["AllowedValues"] == ["lookout", "sitewise", "both"]


def test_the_router_sends_each_model_to_its_registry_and_lists_both() -> None:
    lookout, sitewise = FakeRegistry(), FakeRegistry()
    lookout.seed_model("pump-01")
    sitewise.seed_model(KEY, label="Pump anomaly / Pump 01")
    sitewise.labels = {f"{ASSET}\\flow": "Pump 01 / Flow"}
    router = RegistryRouter(lookout, sitewise)

    assert [m.model_name for m in router.list_models()] == ["pump-01", KEY]
    assert router.describe_model(KEY).label == "Pump anomaly / Pump 01"
    assert router.describe_model("pump-01").label is None
    assert (lookout.call_count("describe_model"), sitewise.call_count("describe_model")) == (1, 1)
    assert router.sensor_labels([f"{ASSET}\\flow", "pump\\flow"]) == {f"{ASSET}\\flow": "Pump 01 / Flow"}
    assert router.registry_id == "lookout-equipment+lookout-equipment"  # the fakes' own ids
