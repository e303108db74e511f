"""What the SiteWise emulator does on its own and on request: versions, files in S3, promotion
modes, activation, and where it puts the facts the service does not document."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest

from emulators.common.auth import Identity
from emulators.sitewise import ServiceError, SignedRequest, SiteWiseEmulator
from model_steward.domain.samples import metrics_json
from model_steward.models.sitewise import SiteWiseFacts

from .conftest import BUCKET, REGION, ids, make_client, unit_params

BETTER = metrics_json(num_labeled=8, num_identified=7)
WORSE = metrics_json(num_labeled=8, num_identified=3)


def s3_json(key: str) -> Any:
    body = boto3.client("s3", region_name=REGION).get_object(Bucket=BUCKET, Key=key)["Body"].read()
    return json.loads(body)


def training_executions(client: Any, key: str) -> list[dict[str, Any]]:
    listed = client.list_executions(**unit_params(key), actionType="AWS/ANOMALY_DETECTION_TRAINING")
    return [client.describe_execution(executionId=e["executionId"]) for e in listed["executionSummaries"]]


def summary(client: Any, key: str) -> dict[str, str]:
    model_id, asset_id = ids(key)
    answer = client.describe_computation_model_execution_summary(
        computationModelId=model_id, resolveToResourceType="ASSET", resolveToResourceId=asset_id
    )
    return dict(answer["computationModelExecutionSummary"])


def test_trainings_are_versions_numbered_from_one_with_their_files_under_the_destinations(
    sitewise_emulator: SiteWiseEmulator, sitewise_client: Any, pump: str
) -> None:
    version = sitewise_emulator.start_retraining(pump)
    running = training_executions(sitewise_client, pump)[0]
    sitewise_emulator.finish_retraining(pump, version, metrics=BETTER)

    described = training_executions(sitewise_client, pump)
    model_id, asset_id = ids(pump)
    assert version == 2
    assert (running["executionEntityVersion"], running["executionStatus"]["state"]) == ("2", "RUNNING")
    assert [(d["executionEntityVersion"], d["executionStatus"]["state"]) for d in described] == [
        ("2", "COMPLETED"),
        ("1", "COMPLETED"),
    ]
    assert all(d["executionStartTime"] <= d["executionEndTime"] for d in described)
    metrics_key = sitewise_emulator.metrics_key(pump, 2)
    results_key = sitewise_emulator.results_key(pump, 2)
    assert metrics_key is not None
    assert metrics_key.startswith(f"metrics/{model_id}/{asset_id}/")
    assert results_key is not None
    assert results_key.startswith(f"results/{model_id}/{asset_id}/")
    document = s3_json(metrics_key)
    assert document["labeled_event_metrics"]["num_identified"] == 7
    assert {"data_start_time", "data_end_time", "labels_present", "model_version_metrics"} <= set(document)
    assert set(document["model_version_metrics"]) == {
        "precision",
        "recall",
        "mean_fractional_lead_time",
        "auc",
    }
    # the prior model on version 2's own window, where the product's default says
    assert document["prior_model_metrics"]["data_start_time"] == document["data_start_time"]
    body = boto3.client("s3", region_name=REGION).get_object(Bucket=BUCKET, Key=results_key)["Body"].read()
    records = [json.loads(line) for line in body.decode().splitlines()]
    assert {r["prediction"] for r in records} == {0, 1}
    assert records[0]["diagnostics"][0]["name"].startswith(f"{asset_id}\\")


def test_customer_managed_leaves_the_active_version_and_writes_no_reason_code(
    sitewise_emulator: SiteWiseEmulator, sitewise_client: Any, pump: str
) -> None:
    version = sitewise_emulator.start_retraining(pump)

    assert sitewise_emulator.finish_retraining(pump, version, metrics=BETTER) is None
    assert summary(sitewise_client, pump) == {"activeModelVersion": "1", "inferenceTimerActive": "TRUE"}
    assert "reason_code" not in s3_json(sitewise_emulator.metrics_key(pump, version) or "")


@pytest.mark.parametrize(
    ("metrics", "code", "active"),
    [(BETTER, "AUTO_PROMOTION_SUCCESSFUL", "2"), (WORSE, "MODEL_METRICS_DIDNT_IMPROVE", "1")],
)
def test_service_managed_promotes_by_itself_when_the_metrics_improve(
    sitewise_emulator: SiteWiseEmulator, sitewise_client: Any, metrics: str, code: str, active: str
) -> None:
    key = sitewise_emulator.seed_unit("Fan anomaly", "Fan 01", bucket=BUCKET, promotion="SERVICE_MANAGED")
    sitewise_emulator.train(key, metrics=metrics_json(num_labeled=8, num_identified=5), activate=True)
    version = sitewise_emulator.start_retraining(key)

    assert sitewise_emulator.finish_retraining(key, version, metrics=metrics) == code
    assert summary(sitewise_client, key)["activeModelVersion"] == active
    assert s3_json(sitewise_emulator.metrics_key(key, version) or "")["reason_code"] == code


def test_a_version_is_activated_by_starting_inference_with_it(
    sitewise_emulator: SiteWiseEmulator, sitewise_client: Any, pump: str
) -> None:
    version = sitewise_emulator.start_retraining(pump)
    sitewise_emulator.finish_retraining(pump, version)
    model_id, asset_id = ids(pump)
    definitions = sitewise_client.describe_computation_model(computationModelId=model_id)["actionDefinitions"]
    inference = next(d["actionDefinitionId"] for d in definitions if d["actionName"].endswith("INFERENCE"))

    def start(payload: dict[str, Any]) -> None:
        sitewise_client.execute_action(
            targetResource={"computationModelId": model_id},
            resolveTo={"assetId": asset_id},
            actionDefinitionId=inference,
            actionPayload={"stringValue": json.dumps(payload)},
        )

    start({"inferenceMode": "START", "dataUploadFrequency": "PT15M", "targetModelVersion": 2})
    assert summary(sitewise_client, pump) == {"activeModelVersion": "2", "inferenceTimerActive": "TRUE"}
    with pytest.raises(sitewise_client.exceptions.InvalidRequestException, match="doesn't exist"):
        start({"inferenceMode": "START", "dataUploadFrequency": "PT15M", "targetModelVersion": 9})
    start({"inferenceMode": "STOP"})
    assert summary(sitewise_client, pump) == {"activeModelVersion": "2", "inferenceTimerActive": "FALSE"}
    start({"inferenceMode": "START", "dataUploadFrequency": "PT1H"})  # no target: the last active one
    assert summary(sitewise_client, pump)["activeModelVersion"] == "2"
    with pytest.raises(sitewise_client.exceptions.InvalidRequestException, match="dataUploadFrequency"):
        start({"inferenceMode": "START", "dataUploadFrequency": "PT1D"})  # the documented P1D, not PT1D


def test_a_running_retraining_version_cannot_be_activated(
    sitewise_emulator: SiteWiseEmulator, pump: str
) -> None:
    version = sitewise_emulator.start_retraining(pump)

    with pytest.raises(ValueError, match="doesn't exist"):
        sitewise_emulator.start_inference(pump, target_model_version=version)


def test_a_failed_retraining_says_why_where_the_samples_read_it(
    sitewise_emulator: SiteWiseEmulator, sitewise_client: Any, pump: str
) -> None:
    version = sitewise_emulator.start_retraining(pump)
    sitewise_emulator.finish_retraining(
        pump, version, status="FAILED", failure_message="No data in the window"
    )

    failed = training_executions(sitewise_client, pump)[0]
    assert failed["executionStatus"]["state"] == "FAILED"
    assert failed["executionResult"] == {"message": "No data in the window"}
    assert sitewise_emulator.metrics_key(pump, version) is None


def test_a_client_token_makes_execute_action_idempotent(
    sitewise_emulator: SiteWiseEmulator, sitewise_client: Any, pump: str
) -> None:
    model_id, asset_id = ids(pump)
    definitions = sitewise_client.describe_computation_model(computationModelId=model_id)["actionDefinitions"]
    inference = next(d["actionDefinitionId"] for d in definitions if d["actionType"].endswith("INFERENCE"))
    request = {
        "targetResource": {"computationModelId": model_id},
        "resolveTo": {"assetId": asset_id},
        "actionDefinitionId": inference,
        "actionPayload": {"stringValue": '{"inferenceMode":"STOP"}'},
        "clientToken": "c0ffee00-0000-4000-8000-000000000001",
    }

    first = sitewise_client.execute_action(**request)["actionId"]
    again = sitewise_client.execute_action(**request)["actionId"]

    assert first == again
    assert len(sitewise_emulator.payloads(pump, inference=True)) == 2  # the first START, one STOP
    with pytest.raises(sitewise_client.exceptions.InvalidRequestException, match="clientToken"):
        sitewise_client.execute_action(
            **{
                **request,
                "actionPayload": {"stringValue": '{"inferenceMode":"START","dataUploadFrequency":"PT5M"}'},
            }
        )


OTHER_FACTS = SiteWiseFacts(
    version="executionDetails:modelVersion",
    active_version="summary:currentModelVersion",
    reason_code="executionResult:promotionReason",
    prior_metrics="executionDetails:priorModelMetrics",
    failure_message="executionResult:errorMessage",
    activation_requires_stop=True,
)


@pytest.fixture
def relocated(sitewise_emulator: SiteWiseEmulator) -> Iterator[SiteWiseEmulator]:
    with SiteWiseEmulator(region=REGION, facts=OTHER_FACTS) as emulator:
        yield emulator


def test_an_emulator_given_other_facts_answers_with_them(relocated: SiteWiseEmulator) -> None:
    client = make_client(relocated.endpoint_url, retries={"total_max_attempts": 1})
    key = relocated.seed_unit("Pump anomaly", "Pump 01", bucket=BUCKET, promotion="SERVICE_MANAGED")
    relocated.train(key, metrics=metrics_json(num_labeled=8, num_identified=5), activate=True)
    version = relocated.start_retraining(key)
    relocated.finish_retraining(key, version, metrics=BETTER)

    latest = training_executions(client, key)[0]
    assert "executionEntityVersion" not in latest
    assert latest["executionDetails"]["modelVersion"] == "2"
    assert latest["executionResult"] == {"promotionReason": "AUTO_PROMOTION_SUCCESSFUL"}
    assert json.loads(latest["executionDetails"]["priorModelMetrics"])["labeled_event_metrics"]
    assert summary(client, key) == {"currentModelVersion": "2", "inferenceTimerActive": "TRUE"}
    with pytest.raises(ValueError, match="stop it before"):
        relocated.start_inference(key, target_model_version=1)
    relocated.stop_inference(key)
    relocated.start_inference(key, target_model_version=1)
    assert relocated.active_version(key) == 1


def test_an_activation_can_take_a_few_reads_to_show(
    sitewise_emulator: SiteWiseEmulator, sitewise_client: Any, pump: str
) -> None:
    version = sitewise_emulator.start_retraining(pump)
    sitewise_emulator.finish_retraining(pump, version)
    sitewise_emulator.set_summary_lag(pump, 2)
    sitewise_emulator.start_inference(pump, target_model_version=version)

    seen = [summary(sitewise_client, pump)["activeModelVersion"] for _ in range(3)]

    assert seen == ["1", "1", "2"]


@dataclass
class RecordingAuthoriser:
    refuse: set[str] = field(default_factory=set)
    asked: list[tuple[str, tuple[str, ...], bool]] = field(default_factory=list)
    _signed: bool = False

    def identify(self, request: SignedRequest) -> Identity:
        self._signed = "Authorization" in request.headers
        return Identity.root("123456789012")

    def authorise(self, identity: Identity, action: str, resources: Sequence[str]) -> None:
        self.asked.append((action, tuple(resources), self._signed))
        if action in self.refuse:
            raise ServiceError("AccessDeniedException", f"not authorized to perform: {action}")

    def pass_role(self, identity: Identity, role_arn: str) -> None:
        raise AssertionError("SiteWise passes no role")


def test_with_an_authoriser_each_request_names_the_resources_the_service_authorises(
    sitewise_emulator: SiteWiseEmulator, sitewise_client: Any, pump: str
) -> None:
    recording = RecordingAuthoriser(refuse={"iotsitewise:ExecuteAction"})
    sitewise_emulator.authoriser = recording
    model_id, asset_id = ids(pump)
    model_arn = f"arn:aws:iotsitewise:{REGION}:123456789012:computation-model/{model_id}"
    asset_arn = f"arn:aws:iotsitewise:{REGION}:123456789012:asset/{asset_id}"

    sitewise_client.list_computation_models()
    sitewise_client.describe_computation_model(computationModelId=model_id)
    sitewise_client.list_executions(**unit_params(pump))
    sitewise_client.describe_asset(assetId=asset_id)
    with pytest.raises(sitewise_client.exceptions.AccessDeniedException):
        sitewise_client.execute_action(
            targetResource={"computationModelId": model_id},
            resolveTo={"assetId": asset_id},
            actionDefinitionId=model_id,
            actionPayload={"stringValue": "{}"},
        )

    assert [(a, r) for a, r, _ in recording.asked] == [
        ("iotsitewise:ListComputationModels", ("*",)),
        ("iotsitewise:DescribeComputationModel", (model_arn,)),
        ("iotsitewise:ListExecutions", (model_arn, asset_arn)),
        ("iotsitewise:DescribeAsset", (asset_arn,)),
        ("iotsitewise:ExecuteAction", (model_arn, asset_arn)),
    ]
    assert all(signed for _, _, signed in recording.asked)
    assert sitewise_emulator.inference_running(pump)  # the refused action changed nothing
