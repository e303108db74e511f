"""Errors arrive in the service's wire format and botocore raises the matching modelled exception."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulators.lookout import LookoutEmulator

from .conftest import RawCall, WireResponse

ERROR_CODES = [
    ("ValidationException", 400),
    ("ResourceNotFoundException", 400),
    ("ThrottlingException", 400),
    ("ConflictException", 400),
    ("AccessDeniedException", 400),
    ("ServiceQuotaExceededException", 400),
    ("InternalServerException", 500),
]


@pytest.mark.parametrize(("code", "status"), ERROR_CODES)
def test_each_error_code_is_parsed_by_botocore_into_its_exception(
    lookout_emulator: LookoutEmulator,
    lookout_client: Any,
    wire_responses: list[WireResponse],
    code: str,
    status: int,
) -> None:
    # Given an injected fault on ImportModelVersion (which models every one of these errors)
    lookout_emulator.inject_fault("ImportModelVersion", code, message=f"simulated {code}")
    exception_class = getattr(lookout_client.exceptions, code)

    # When the client calls it
    with pytest.raises(exception_class) as raised:
        lookout_client.import_model_version(
            SourceModelVersionArn="arn:aws:lookoutequipment:eu-west-1:123456789012:model/a/b/model-version/1",
            DatasetName="data",
            ClientToken="token-1",
        )

    # Then botocore raised the modelled exception with the code, message and status
    error = raised.value.response["Error"]
    assert error["Code"] == code
    assert error["Message"] == f"simulated {code}"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    # And the wire carried exactly the service's format
    (wire,) = wire_responses
    assert wire.status == status
    assert wire.body == {"__type": code, "Message": f"simulated {code}"}
    assert wire.headers["x-amzn-ErrorType"] == code


def test_activating_a_failed_version_is_a_validation_exception(
    lookout_emulator: LookoutEmulator, lookout_client: Any, pump_with_active_version: str
) -> None:
    # Given a FAILED version 2
    failed = lookout_emulator.add_version(pump_with_active_version, status="FAILED")
    # When it is activated
    with pytest.raises(lookout_client.exceptions.ValidationException, match="only a SUCCESS version"):
        lookout_client.update_active_model_version(ModelName=pump_with_active_version, ModelVersion=failed)
    # Then version 1 stays active
    assert lookout_emulator.active_version(pump_with_active_version) == 1


def test_activating_a_running_retraining_is_a_validation_exception(
    lookout_emulator: LookoutEmulator, lookout_client: Any, pump_with_active_version: str
) -> None:
    # Given a retraining in progress
    running = lookout_emulator.start_retraining(pump_with_active_version)
    # When its version is activated
    with pytest.raises(lookout_client.exceptions.ValidationException, match="IN_PROGRESS"):
        lookout_client.update_active_model_version(ModelName=pump_with_active_version, ModelVersion=running)
    # Then nothing changed
    assert lookout_emulator.active_version(pump_with_active_version) == 1


def test_activating_while_the_models_own_training_runs_is_a_conflict(
    lookout_emulator: LookoutEmulator, lookout_client: Any
) -> None:
    # Given a model whose first training is still IN_PROGRESS
    lookout_emulator.seed_model("pump-09")
    lookout_emulator.add_version("pump-09", status="IN_PROGRESS")
    # When a version is activated
    with pytest.raises(lookout_client.exceptions.ConflictException):
        lookout_client.update_active_model_version(ModelName="pump-09", ModelVersion=1)


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("describe_model", {"ModelName": "ghost"}),
        ("describe_model_version", {"ModelName": "ghost", "ModelVersion": 1}),
        ("update_active_model_version", {"ModelName": "ghost", "ModelVersion": 1}),
        ("describe_retraining_scheduler", {"ModelName": "ghost"}),
        ("describe_model_version", {"ModelName": "pump-01", "ModelVersion": 99}),
        ("update_active_model_version", {"ModelName": "pump-01", "ModelVersion": 99}),
    ],
)
def test_unknown_models_and_versions_are_resource_not_found(
    lookout_emulator: LookoutEmulator, lookout_client: Any, method: str, params: dict[str, Any]
) -> None:
    # Given only pump-01 (one version, no scheduler)
    lookout_emulator.seed_model("pump-01")
    lookout_emulator.add_version("pump-01")
    # When an unknown model or version is named
    with pytest.raises(lookout_client.exceptions.ResourceNotFoundException) as raised:
        getattr(lookout_client, method)(**params)
    # Then the code is ResourceNotFoundException
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_a_model_without_scheduler_has_no_retraining_scheduler(
    lookout_emulator: LookoutEmulator, lookout_client: Any
) -> None:
    lookout_emulator.seed_model("pump-01")
    with pytest.raises(lookout_client.exceptions.ResourceNotFoundException, match="Retraining scheduler"):
        lookout_client.describe_retraining_scheduler(ModelName="pump-01")


@pytest.mark.parametrize(
    ("operation", "body", "expected"),
    [
        ("DescribeModel", {}, "ModelName: required member is missing"),
        ("DescribeModel", {"ModelName": "has space"}, "does not match the pattern"),
        ("DescribeModel", {"ModelName": "x" * 201}, "length 201 is above the maximum 200"),
        ("DescribeModel", {"ModelName": 7}, "expected a string"),
        ("DescribeModel", {"ModelName": "pump", "Extra": 1}, "Extra: not a member"),
        ("ListModels", {"Status": "CANCELED"}, "'CANCELED' is not one of"),
        ("ListModelVersions", {"ModelName": "p", "CreatedAtStartTime": "yesterday"}, "epoch seconds"),
        ("ListModelVersions", {"ModelName": "p", "MinModelVersion": 0}, "below the minimum 1"),
        ("DescribeModelVersion", {"ModelName": "p", "ModelVersion": "1"}, "expected an integer"),
        (
            "ImportModelVersion",
            {"SourceModelVersionArn": "arn:nope", "DatasetName": "d", "ClientToken": "t"},
            "SourceModelVersionArn",
        ),
        ("ListRetrainingSchedulers", {"Status": "SLEEPING"}, "Status"),
    ],
)
def test_requests_are_validated_against_the_input_shape(
    raw_call: RawCall, operation: str, body: dict[str, Any], expected: str
) -> None:
    # When a request breaks the operation's input shape
    response = raw_call(operation, body)
    # Then it is a ValidationException whose message says what is wrong
    assert response.status == 400
    assert response.body["__type"] == "ValidationException"
    assert expected in response.body["Message"]


def test_client_side_unchecked_bad_input_reaches_the_emulator_and_is_refused(unvalidated_client: Any) -> None:
    # When botocore's own validation is off and a required member is missing
    with pytest.raises(unvalidated_client.exceptions.ValidationException, match="ModelName"):
        unvalidated_client.describe_model()


def test_an_operation_the_emulator_does_not_implement_is_unknown(
    lookout_client: Any, raw_call: RawCall
) -> None:
    # When a real operation the emulator does not implement is called
    with pytest.raises(ClientError) as raised:
        lookout_client.list_datasets()
    # Then it is a clear UnknownOperationException
    assert raised.value.response["Error"]["Code"] == "UnknownOperationException"
    assert "does not implement ListDatasets" in raised.value.response["Error"]["Message"]
    # And made-up operations and a missing target are refused the same way
    assert raw_call("Nonsense").body["__type"] == "UnknownOperationException"
    assert raw_call("DescribeModel", target=None).body["__type"] == "UnknownOperationException"
    assert raw_call("DescribeModel", target="OtherService.DescribeModel").status == 400


def test_a_body_that_is_not_json_is_a_serialization_exception(raw_call: RawCall) -> None:
    response = raw_call("ListModels", raw=b"{not json")
    assert (response.status, response.body["__type"]) == (400, "SerializationException")
    assert raw_call("ListModels", raw=b"[]").body["__type"] == "SerializationException"


def test_rejected_calls_are_recorded_with_their_error_code(
    lookout_emulator: LookoutEmulator, lookout_client: Any
) -> None:
    # When a call fails
    with pytest.raises(lookout_client.exceptions.ResourceNotFoundException):
        lookout_client.describe_model(ModelName="ghost")
    # Then the record shows the operation, parameters, status and code
    (call,) = lookout_emulator.calls
    assert (call.operation, call.params, call.status, call.error_code) == (
        "DescribeModel",
        {"ModelName": "ghost"},
        400,
        "ResourceNotFoundException",
    )
