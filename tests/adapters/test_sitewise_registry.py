"""The SiteWise registry adapter against the SiteWise emulator (an unmodified boto3 client over
HTTP, files in moto's S3): what only SiteWise has, beyond the shared registry contract."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from botocore.retries.standard import ExponentialBackoff

from emulators.sitewise import SiteWiseEmulator
from model_steward.adapters.sitewise import SiteWiseRegistry
from model_steward.domain.samples import metrics_json
from model_steward.errors import ActivationRefused, NotFoundError, TransientError
from model_steward.models.decision import PriorBasis
from model_steward.models.sitewise import SiteWiseFacts, is_unit_key, parse_unit_key
from tests.aws import REGION
from tests.conftest import SITEWISE_BUCKET

PRIOR = metrics_json(num_labeled=8, num_identified=6, unknown=4)
BETTER = metrics_json(num_labeled=8, num_identified=7, unknown=3)


@pytest.fixture
def emulator(sitewise_sandbox: SiteWiseEmulator) -> SiteWiseEmulator:
    return sitewise_sandbox


@pytest.fixture
def registry(emulator: SiteWiseEmulator) -> SiteWiseRegistry:
    return SiteWiseRegistry(REGION, activation_wait=0)


def pump(emulator: SiteWiseEmulator, asset: str = "Pump 01", *, promotion: str = "CUSTOMER_MANAGED") -> str:
    key = emulator.seed_unit("Pump anomaly", asset, bucket=SITEWISE_BUCKET, promotion=promotion)
    emulator.train(key, metrics=PRIOR, activate=True)
    return key


def retrained(emulator: SiteWiseEmulator, key: str, **finish: object) -> int:
    version = emulator.start_retraining(key)
    emulator.finish_retraining(key, version, **finish)  # type: ignore[arg-type]
    return version


def test_the_units_are_computation_models_applied_to_assets_named_readably(
    emulator: SiteWiseEmulator, registry: SiteWiseRegistry
) -> None:
    first, second = pump(emulator, "Pump 01"), pump(emulator, "Pump 02")
    emulator.seed_unit("Fan anomaly", "Fan 01", promotion=None)  # never acted on: not a unit yet

    listed = {listing.model_name for listing in registry.list_models()}

    assert listed == {first, second}
    assert all(is_unit_key(key) for key in listed)
    assert registry.describe_model(first).label == "Pump anomaly / Pump 01"
    model_id, _ = parse_unit_key(first) or ("", "")
    governed = SiteWiseRegistry(REGION, models=[model_id])
    assert {listing.model_name for listing in governed.list_models()} == {first, second}


def test_a_version_carries_its_metrics_file_results_file_and_the_raw_answers(
    emulator: SiteWiseEmulator, registry: SiteWiseRegistry
) -> None:
    key = pump(emulator)
    version = retrained(emulator, key, metrics=BETTER)

    facts = registry.describe_version(key, version)

    assert json.loads(facts.model_metrics or "")["labeled_event_metrics"]["num_identified"] == 7
    assert json.loads(facts.prior_model_metrics or "")["labeled_event_metrics"]["num_identified"] == 6
    assert facts.prior_basis is PriorBasis.SAME_WINDOW
    assert facts.diagnostics_object is not None
    assert facts.diagnostics_object.key == emulator.results_key(key, version)
    assert (facts.auto_promotion_result, facts.model_quality, facts.source_type) == (None, None, None)
    raw = json.loads(facts.raw or "")
    assert raw["metrics_object"] == f"s3://{SITEWISE_BUCKET}/{emulator.metrics_key(key, version)}"
    assert raw["execution"]["executionEntityVersion"] == str(version)
    assert raw["prior_metrics_from"] == "metrics:prior_model_metrics"


def test_without_prior_metrics_the_active_versions_own_file_is_compared_and_said_to_be_another_window(
    emulator: SiteWiseEmulator, registry: SiteWiseRegistry
) -> None:
    key = pump(emulator)
    version = retrained(emulator, key, metrics=BETTER, prior_metrics=None)
    emulator.reset_calls()

    facts = registry.describe_version(key, version)

    assert emulator.call_count("ListExecutions") == 1  # one listing finds both versions' trainings
    assert facts.prior_basis is PriorBasis.OTHER_WINDOW
    assert json.loads(facts.prior_model_metrics or "")["labeled_event_metrics"]["num_identified"] == 6
    assert facts.prior_description == (
        "version 1's own metrics (evaluation window 2024-01-01 to 2024-03-31; "
        "version 2's is 2024-01-31 to 2024-04-30)"
    )


@pytest.mark.parametrize(
    ("finish", "result", "quality"),
    [
        ({"metrics": BETTER}, "MODEL_PROMOTED", None),
        ({"metrics": metrics_json(num_labeled=8, num_identified=2)}, "MODEL_NOT_PROMOTED", None),
        ({"poor_quality": True}, "MODEL_NOT_PROMOTED", "POOR_QUALITY_DETECTED"),
    ],
)
def test_the_reason_code_is_read_beside_the_metrics_as_the_services_promotion_result(
    emulator: SiteWiseEmulator,
    registry: SiteWiseRegistry,
    finish: dict[str, object],
    result: str,
    quality: str | None,
) -> None:
    key = pump(emulator, promotion="SERVICE_MANAGED")
    version = retrained(emulator, key, **finish)

    facts = registry.describe_version(key, version)
    model = registry.describe_model(key)

    assert facts.auto_promotion_result == result
    assert facts.auto_promotion_result_reason in (
        "AUTO_PROMOTION_SUCCESSFUL",
        "MODEL_METRICS_DIDNT_IMPROVE",
        "POOR_MODEL_QUALITY_DETECTED",
    )
    assert facts.model_quality == quality
    assert (model.promote_mode, model.scheduler_status) == ("SERVICE_MANAGED", "RUNNING")


def test_activation_starts_inference_with_the_running_settings_and_the_target_version(
    emulator: SiteWiseEmulator, registry: SiteWiseRegistry
) -> None:
    key = emulator.seed_unit("Pump anomaly", "Pump 01", bucket=SITEWISE_BUCKET)
    emulator.train(key)
    window = {"monday": ["08:00-18:00"]}
    emulator.start_inference(
        key, data_upload_frequency="PT1H", dataDelayOffsetInMinutes=5, weeklyOperatingWindow=window
    )
    version = retrained(emulator, key)
    emulator.reset_calls()

    assert registry.activate(key, version) == version

    assert emulator.call_count("ListExecutions") == 1
    assert emulator.payloads(key, inference=True)[-1] == {
        "inferenceMode": "START",
        "dataUploadFrequency": "PT1H",
        "dataDelayOffsetInMinutes": 5,
        "weeklyOperatingWindow": window,
        "targetModelVersion": version,
    }
    model = registry.describe_model(key)
    assert (model.active_version, model.previous_active_version) == (version, None)
    assert model.active_version_activated_at is not None
    assert registry.activate(key, 1) == 1  # a rollback is the same call
    assert registry.describe_model(key).previous_active_version == version


def test_activation_waits_for_the_summary_to_show_the_version(emulator: SiteWiseEmulator) -> None:
    key = pump(emulator)
    version = retrained(emulator, key)
    emulator.set_summary_lag(key, 3)
    naps: list[float] = []
    patient = SiteWiseRegistry(REGION, activation_wait=60, sleep=naps.append)

    assert patient.activate(key, version) == version
    assert len(naps) == 3
    assert (
        len([p for p in emulator.payloads(key, inference=True) if p.get("targetModelVersion") == version])
        == 1
    )


def test_an_activation_not_yet_shown_is_waited_for_not_sent_again(emulator: SiteWiseEmulator) -> None:
    key = pump(emulator)
    version = retrained(emulator, key)
    emulator.set_summary_lag(key, 5)
    impatient = SiteWiseRegistry(REGION, activation_wait=0)

    assert impatient.activate(key, version) == 1  # not shown yet: the caller learns it
    assert SiteWiseRegistry(REGION, activation_wait=0).activate(key, version) == 1

    starts = [p for p in emulator.payloads(key, inference=True) if p.get("targetModelVersion") == version]
    assert len(starts) == 1


def test_a_version_is_not_activated_while_inference_is_stopped(
    emulator: SiteWiseEmulator, registry: SiteWiseRegistry
) -> None:
    key = pump(emulator)
    version = retrained(emulator, key)
    emulator.stop_inference(key)
    sent = len(emulator.payloads(key))

    with pytest.raises(ActivationRefused, match="inference is not running for Pump anomaly / Pump 01"):
        registry.activate(key, version)
    with pytest.raises(NotFoundError):
        registry.activate(key, 99)
    assert len(emulator.payloads(key)) == sent


def test_the_snapshot_plans_the_next_retraining_from_the_last_one(
    emulator: SiteWiseEmulator, registry: SiteWiseRegistry
) -> None:
    key = pump(emulator)
    version = emulator.start_retraining(key)

    snap = registry.model_snapshot(key)

    assert (snap.label, snap.latest_retraining_version, snap.latest_retraining_status) == (
        "Pump anomaly / Pump 01",
        version,
        "IN_PROGRESS",
    )
    assert snap.latest_retraining_started is not None
    assert snap.next_retraining == snap.latest_retraining_started + timedelta(days=30)


def test_an_evaluation_results_file_is_traced_back_to_its_unit_and_version(
    emulator: SiteWiseEmulator, registry: SiteWiseRegistry
) -> None:
    key = pump(emulator)
    pump(emulator, "Pump 02")
    version = retrained(emulator, key)
    results = emulator.results_key(key, version) or ""

    hint = registry.diagnostics_hint(results)

    assert hint is not None
    assert (hint.model_name, hint.version) == (key, version)
    assert registry.diagnostics_hint("results/elsewhere/1700000000-evaluation_results.jsonl") is None
    assert registry.diagnostics_hint(emulator.metrics_key(key, version) or "") is None


def test_sensor_names_resolve_to_asset_and_property_names(
    emulator: SiteWiseEmulator, registry: SiteWiseRegistry
) -> None:
    key = pump(emulator)
    _, asset_id = parse_unit_key(key) or ("", "")
    properties = {p["name"]: p["id"] for p in registry.asset(asset_id)["assetProperties"]}
    flow = f"{asset_id}\\{properties['Flow']}"

    labels = registry.sensor_labels(
        [flow, "pump\\Sensor0", f"{asset_id}\\00000000-0000-4000-8000-000000000000"]
    )

    assert labels == {flow: "Pump 01 / Flow"}


OTHER_FACTS = SiteWiseFacts(
    version="executionDetails:modelVersion",
    active_version="summary:currentModelVersion",
    reason_code="executionResult:promotionReason",
    prior_metrics="executionDetails:priorModelMetrics",
    failure_message="executionResult:errorMessage",
    activation_requires_stop=True,
)


@pytest.fixture
def relocated(
    sitewise_sandbox: SiteWiseEmulator, monkeypatch: pytest.MonkeyPatch
) -> Iterator[SiteWiseEmulator]:
    """An emulator that answers with other keys than the product's defaults."""
    from model_steward.adapters import aws

    with SiteWiseEmulator(region=REGION, facts=OTHER_FACTS) as emulator:
        monkeypatch.setenv("AWS_ENDPOINT_URL_IOTSITEWISE", emulator.endpoint_url)
        aws.reset_clients()
        yield emulator
    aws.reset_clients()


def test_the_settings_follow_a_service_that_answers_with_other_keys(relocated: SiteWiseEmulator) -> None:
    key = pump(relocated, promotion="SERVICE_MANAGED")
    version = retrained(relocated, key, metrics=BETTER)
    failed = retrained(relocated, key, status="FAILED", failure_message="No data")
    matching = SiteWiseRegistry(REGION, facts=OTHER_FACTS, activation_wait=0)

    facts = matching.describe_version(key, version)
    assert matching.version_numbers(key) == [1, 2, 3]
    assert matching.active_version(key) == version
    assert (facts.auto_promotion_result, facts.auto_promotion_result_reason) == (
        "MODEL_PROMOTED",
        "AUTO_PROMOTION_SUCCESSFUL",
    )
    assert facts.prior_basis is PriorBasis.SAME_WINDOW
    assert json.loads(facts.prior_model_metrics or "")["labeled_event_metrics"]["num_identified"] == 6
    assert matching.describe_version(key, failed).failed_reason == "No data"
    assert matching.activate(key, 1) == 1  # inference stopped first, as the service requires
    assert [p["inferenceMode"] for p in relocated.payloads(key, inference=True)[-2:]] == ["STOP", "START"]

    defaults = SiteWiseRegistry(REGION, activation_wait=0)  # the settings are what it reads
    assert defaults.version_numbers(key) == []
    assert defaults.active_version(key) is None


def test_throttling_storms_are_ridden_out_by_the_clients_retries_then_become_transient(
    emulator: SiteWiseEmulator, registry: SiteWiseRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0)
    key = pump(emulator)
    emulator.inject_fault(
        "ListExecutions", "ThrottlingException", count=4
    )  # 5 attempts (adapters.aws.LIMITS) ride out 4

    assert registry.version_numbers(key) == [1]

    emulator.inject_fault("DescribeComputationModelExecutionSummary", "InternalFailureException", count=20)
    with pytest.raises(TransientError):
        registry.active_version(key)
