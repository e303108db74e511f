"""Responses conform to botocore's output shapes, checked on the raw JSON the client received."""

from __future__ import annotations

import json
import uuid
from typing import Any, cast

import pytest
from botocore.model import StructureShape

from emulators.lookout import LookoutEmulator, shape_problems
from emulators.lookout.protocol import IMPLEMENTED_OPERATIONS, operation_model, service_model

from .conftest import RawCall, WireResponse


def output_shape(operation: str) -> Any:
    return operation_model(operation).output_shape


# ------------------------------------------------------------------ the validator itself can fail


@pytest.mark.parametrize(
    ("operation", "body", "expected"),
    [
        ("DescribeModel", {"ModelName": "m", "Unknown": 1}, "not a member of DescribeModelResponse"),
        ("DescribeModel", {"Status": "DONE"}, "'DONE' is not one of"),
        ("DescribeModel", {"CreatedAt": "2024-01-01T00:00:00Z"}, "expected a timestamp in epoch seconds"),
        ("DescribeModel", {"ActiveModelVersion": "1"}, "expected an integer"),
        ("DescribeModel", {"ActiveModelVersion": True}, "expected an integer"),
        ("DescribeModel", {"ActiveModelVersion": 0}, "below the minimum 1"),
        ("DescribeModel", {"ModelName": None}, "null is not a valid string"),
        ("DescribeModel", {"ModelName": "bad name!"}, "does not match the pattern"),
        ("DescribeModel", {"ModelName": ""}, "below the minimum 1"),
        ("DescribeModel", {"ModelMetrics": "x" * 50_001}, "above the maximum 50000"),
        (
            "DescribeModel",
            {"ModelDiagnosticsOutputConfiguration": {}},
            "S3OutputConfiguration: required member",
        ),
        ("DescribeModel", {"DataPreProcessingConfiguration": []}, "expected an object"),
        ("ListModels", {"ModelSummaries": {}}, "expected an array"),
        ("ListModels", {"ModelSummaries": [{"Status": "CANCELED"}]}, "ModelSummaries[0].Status"),
        (
            "DescribeModelVersion",
            {"ModelDiagnosticsResultsObject": {"Bucket": "bucket"}},
            "Key: required member",
        ),
        ("DescribeModelVersion", {"ModelDiagnosticsResultsObject": {"Bucket": "b", "Key": "k"}}, "Bucket"),
        ("DescribeRetrainingScheduler", {"LookbackWindow": "P30D"}, "does not match the pattern"),
    ],
)
def test_validator_reports_each_kind_of_departure_from_the_shape(
    operation: str, body: dict[str, Any], expected: str
) -> None:
    # Given a response body that breaks the operation's output shape in one way
    # When it is validated
    problems = shape_problems(output_shape(operation), body)
    # Then that departure is reported
    assert any(expected in problem for problem in problems), problems


def test_validator_accepts_a_conforming_body() -> None:
    # Given a body built by hand from the documented response syntax
    body = {
        "ModelName": "pump-01",
        "ModelArn": "arn:aws:lookoutequipment:eu-west-1:123456789012:model/pump-01/abc",
        "CurrentActiveVersion": 2,
        "PreviousActiveVersion": 1,
    }
    # When / Then it is accepted
    assert shape_problems(output_shape("UpdateActiveModelVersion"), body) == []


# ------------------------------------------------------------------ every operation, on the wire


def exercise_every_operation(emulator: LookoutEmulator, client: Any) -> None:
    """Drive every implemented operation over states that fill as many optional members as possible."""
    emulator.seed_model(
        "pump-01",
        diagnostics_bucket="diagnostics-bucket",
        diagnostics_prefix="lookout/",
        diagnostics_kms_key_id="alias/lookout",
        scheduler="MANUAL",
    )
    emulator.add_version("pump-01", activate=True)
    emulator.add_version("pump-01", status="FAILED", source_type="TRAINING")
    retrained = emulator.start_retraining("pump-01")
    emulator.finish_retraining("pump-01", retrained)
    emulator.set_accumulated_inference_data(
        "pump-01", emulator.now().replace(year=2024), emulator.now().replace(year=2025)
    )
    emulator.seed_model("fan-01", labelled=False)  # no version: IN_PROGRESS, almost empty

    client.list_models()
    client.list_models(MaxResults=1)
    client.describe_model(ModelName="pump-01")
    client.describe_model(ModelName="fan-01")
    client.list_model_versions(ModelName="pump-01", MaxResults=2)
    for number in emulator.version_numbers("pump-01"):
        client.describe_model_version(ModelName="pump-01", ModelVersion=number)
    client.update_active_model_version(ModelName="pump-01", ModelVersion=retrained)
    client.describe_model(ModelName="pump-01")
    emulator.seed_dataset("fan-01-copy")
    client.describe_dataset(DatasetName="fan-01-copy")
    pump_arn = emulator.model_arn("pump-01")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
                "Action": "lookoutequipment:ImportModelVersion",
                "Resource": [pump_arn, f"{pump_arn}/model-version/*"],
            }
        ],
    }
    client.put_resource_policy(ResourceArn=pump_arn, ResourcePolicy=json.dumps(policy))
    client.describe_resource_policy(ResourceArn=pump_arn)
    client.delete_resource_policy(ResourceArn=pump_arn)
    imported = client.import_model_version(
        SourceModelVersionArn=emulator.version_arn("pump-01", 1),
        DatasetName="fan-01-copy",
        ModelName="copy-01",
        ClientToken=str(uuid.uuid4()),
    )
    client.describe_model_version(ModelName="copy-01", ModelVersion=imported["ModelVersion"])
    emulator.complete_imports()
    client.describe_model_version(ModelName="copy-01", ModelVersion=imported["ModelVersion"])
    client.describe_model(ModelName="copy-01")
    client.describe_retraining_scheduler(ModelName="pump-01")
    client.list_retraining_schedulers()
    client.list_model_versions(ModelName="no-such-model")


def test_every_operation_answers_bodies_that_conform_to_the_output_shape(
    lookout_emulator: LookoutEmulator, lookout_client: Any, wire_responses: list[WireResponse]
) -> None:
    # Given an emulator driven through every operation by an unmodified boto3 client
    exercise_every_operation(lookout_emulator, lookout_client)

    # When the raw JSON bodies the client received are checked against botocore's output shapes
    problems = {
        f"{response.operation}#{index}": shape_problems(output_shape(response.operation), response.body)
        if output_shape(response.operation) is not None
        else ([] if response.body == {} else ["an operation without output answered a body"])
        for index, response in enumerate(wire_responses)
    }

    # Then every operation was seen, succeeded, and conforms
    assert {response.operation for response in wire_responses} == IMPLEMENTED_OPERATIONS
    assert all(response.status == 200 for response in wire_responses)
    assert all(
        response.headers["Content-Type"] == "application/x-amz-json-1.0" for response in wire_responses
    )
    assert {name: found for name, found in problems.items() if found} == {}


def test_rich_responses_carry_the_members_the_product_reads(
    lookout_emulator: LookoutEmulator, lookout_client: Any, wire_responses: list[WireResponse]
) -> None:
    # Given every operation exercised (so that the conformance check above covered these members)
    exercise_every_operation(lookout_emulator, lookout_client)
    described = [
        r.body for r in wire_responses if r.operation == "DescribeModel" and r.body["ModelName"] == "pump-01"
    ]
    versions = [r.body for r in wire_responses if r.operation == "DescribeModelVersion"]
    summaries = next(r.body for r in wire_responses if r.operation == "ListModels")["ModelSummaries"]

    # Then DescribeModel after an activation has both the active and the previous version
    assert {
        "ActiveModelVersion",
        "ActiveModelVersionArn",
        "ModelVersionActivatedAt",
        "PreviousActiveModelVersion",
        "PreviousActiveModelVersionArn",
        "PreviousModelVersionActivatedAt",
        "LatestScheduledRetrainingStatus",
        "LatestScheduledRetrainingModelVersion",
        "LatestScheduledRetrainingStartTime",
        "LatestScheduledRetrainingAvailableDataInDays",
        "NextScheduledRetrainingStartDate",
        "RetrainingSchedulerStatus",
        "ModelDiagnosticsOutputConfiguration",
        "ModelMetrics",
        "PriorModelMetrics",
        "ModelQuality",
        "AccumulatedInferenceDataStartTime",
        "AccumulatedInferenceDataEndTime",
    } <= described[-1].keys()
    # And a retrained version carries its promotion outcome and diagnostics object
    retrained = next(v for v in versions if v["SourceType"] == "RETRAINING")
    assert {
        "AutoPromotionResult",
        "AutoPromotionResultReason",
        "PriorModelMetrics",
        "ModelDiagnosticsResultsObject",
        "RetrainingAvailableDataInDays",
    } <= retrained.keys()
    # And a failed version has its reason, an imported one its source and import job times
    assert "FailedReason" in next(v for v in versions if v["Status"] == "FAILED")
    imported = [v for v in versions if v["SourceType"] == "IMPORT"]
    assert {"SourceModelVersionArn", "ImportJobStartTime"} <= imported[0].keys()
    assert {"ImportJobEndTime", "ImportedDataSizeInBytes", "ModelMetrics"} <= imported[-1].keys()
    # And ListModels summaries carry only ModelSummary members (absent ones omitted, never null)
    summary_members = set(cast(StructureShape, service_model().shape_for("ModelSummary")).members)
    assert all(summary.keys() <= summary_members for summary in summaries)
    assert all(None not in summary.values() for summary in summaries)


def test_timestamps_are_epoch_seconds_on_the_wire(
    raw_call: RawCall, lookout_emulator: LookoutEmulator
) -> None:
    # Given a model
    lookout_emulator.seed_model("pump-01")
    # When it is described over raw HTTP
    response = raw_call("DescribeModel", {"ModelName": "pump-01"})
    # Then timestamps are numbers (the json protocol's epoch seconds)
    assert isinstance(response.body["CreatedAt"], int | float)
    assert abs(response.body["CreatedAt"] - lookout_emulator.now().timestamp()) < 60


def test_error_bodies_use_the_services_wire_format(raw_call: RawCall) -> None:
    # When an unknown model is described
    response = raw_call("DescribeModel", {"ModelName": "missing"})
    # Then the body is exactly __type and Message, and the header names the code
    assert response.status == 400
    assert response.body.keys() == {"__type", "Message"}
    assert response.body["__type"] == "ResourceNotFoundException"
    assert response.headers["x-amzn-ErrorType"] == "ResourceNotFoundException"
    assert (
        shape_problems(
            service_model().shape_for("ResourceNotFoundException"), {"Message": response.body["Message"]}
        )
        == []
    )


def test_the_emulator_refuses_to_send_a_response_its_shape_does_not_allow(
    lookout_emulator: LookoutEmulator, raw_call: RawCall
) -> None:
    # Given a model whose state was corrupted behind the emulator's back (an empty schema string)
    lookout_emulator.seed_model("pump-01")
    lookout_emulator.model("pump-01").schema = ""
    # When it is described
    response = raw_call("DescribeModel", {"ModelName": "pump-01"})
    # Then the emulator answers InternalServerException naming the bad member, instead of sending it
    assert response.status == 500
    assert response.body["__type"] == "InternalServerException"
    assert "Schema" in response.body["Message"]


def test_describe_accessors_match_what_the_api_answers(
    lookout_emulator: LookoutEmulator, lookout_client: Any, pump_with_active_version: str
) -> None:
    # When the emulator's accessors and the API describe the same model and version
    described = lookout_emulator.describe(pump_with_active_version)
    from_api = lookout_client.describe_model(ModelName=pump_with_active_version)
    version = lookout_emulator.describe_version(pump_with_active_version, 1)
    # Then they agree (the API's timestamps are parsed to datetimes too)
    assert {k: v for k, v in from_api.items() if k != "ResponseMetadata"}.keys() == described.keys()
    assert from_api["ModelVersionActivatedAt"].timestamp() == pytest.approx(
        described["ModelVersionActivatedAt"].timestamp(), abs=0.001
    )
    assert version["ModelVersionArn"] == lookout_emulator.version_arn(pump_with_active_version, 1)
    with pytest.raises(KeyError, match="ghost"):
        lookout_emulator.describe("ghost")
