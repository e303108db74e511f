"""The SiteWise emulator speaks the service's restJson1 protocol as botocore's model describes it:
routes, shapes, status codes, error shapes, pagination."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulators.common.shapes import shape_problems
from emulators.sitewise import SiteWiseEmulator
from emulators.sitewise.protocol import FREE_TEXT_MAPS, IMPLEMENTED_OPERATIONS, operation_model

from .conftest import BUCKET, WireResponse, ids, make_client, unit_params


def _departures(operation: str, body: dict[str, Any]) -> list[str]:
    """Shape problems of a body, except the free-text map values the service evidently sends."""
    shape = operation_model(operation).output_shape
    assert shape is not None
    problems = shape_problems(shape, body)
    return [
        p
        for p in problems
        if not (any(f".{name}[" in p for name in FREE_TEXT_MAPS) and "does not match the pattern" in p)
        and not (operation == "ListActions" and p.startswith("$.nextToken: null"))
    ]


def test_every_answer_conforms_to_the_output_shape(
    sitewise_emulator: SiteWiseEmulator, sitewise_client: Any, pump: str, wire_responses: list[WireResponse]
) -> None:
    model_id, asset_id = ids(pump)
    version = sitewise_emulator.start_retraining(pump)
    sitewise_emulator.finish_retraining(pump, version)
    client = sitewise_client
    client.list_computation_models(computationModelType="ANOMALY_DETECTION")
    client.describe_computation_model(computationModelId=model_id)
    client.list_computation_model_resolve_to_resources(computationModelId=model_id)
    executions = client.list_executions(**unit_params(pump))["executionSummaries"]
    for execution in executions:
        client.describe_execution(executionId=execution["executionId"])
    client.describe_computation_model_execution_summary(
        computationModelId=model_id, resolveToResourceType="ASSET", resolveToResourceId=asset_id
    )
    for action in client.list_actions(**unit_params(pump))["actionSummaries"]:
        client.describe_action(actionId=action["actionId"])
    asset = client.describe_asset(assetId=asset_id)
    client.describe_asset_property(assetId=asset_id, propertyId=asset["assetProperties"][0]["id"])

    operations = {r.operation for r in wire_responses}
    assert operations == IMPLEMENTED_OPERATIONS - {"ExecuteAction"}  # answered 202: see below
    for response in wire_responses:
        assert response.status == 200, response
        assert response.headers["Content-Type"] == "application/json"
        assert _departures(response.operation, response.body) == [], response.operation


def test_execute_action_answers_202_with_the_action_id(
    sitewise_emulator: SiteWiseEmulator, sitewise_client: Any, pump: str, wire_responses: list[WireResponse]
) -> None:
    model_id, asset_id = ids(pump)
    definition = sitewise_client.describe_computation_model(computationModelId=model_id)["actionDefinitions"]
    inference = next(d for d in definition if d["actionType"] == "AWS/ANOMALY_DETECTION_INFERENCE")

    answer = sitewise_client.execute_action(
        targetResource={"computationModelId": model_id},
        resolveTo={"assetId": asset_id},
        actionDefinitionId=inference["actionDefinitionId"],
        actionPayload={"stringValue": json.dumps({"inferenceMode": "STOP"})},
    )

    assert wire_responses[-1].status == 202
    assert set(wire_responses[-1].body) == {"actionId"}
    described = sitewise_client.describe_action(actionId=answer["actionId"])
    assert json.loads(described["actionPayload"]["stringValue"]) == {"inferenceMode": "STOP"}
    assert sitewise_emulator.inference_running(pump) is False


def test_an_unknown_resource_is_a_404_resource_not_found(
    sitewise_client: Any, wire_responses: list[WireResponse]
) -> None:
    with pytest.raises(sitewise_client.exceptions.ResourceNotFoundException) as raised:
        sitewise_client.describe_execution(executionId="11111111-2222-4333-8444-555555555555")

    assert "does not exist" in raised.value.response["Error"]["Message"]
    assert wire_responses[-1].status == 404
    assert wire_responses[-1].headers["x-amzn-ErrorType"] == "ResourceNotFoundException"
    assert set(wire_responses[-1].body) == {"message"}


def test_a_request_the_model_does_not_allow_is_a_400_naming_the_member(
    sitewise_emulator: SiteWiseEmulator,
) -> None:
    client = make_client(
        sitewise_emulator.endpoint_url, parameter_validation=False, retries={"total_max_attempts": 1}
    )
    with pytest.raises(client.exceptions.InvalidRequestException) as raised:
        client.list_computation_models(maxResults=900)

    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "maxResults" in raised.value.response["Error"]["Message"]
    with pytest.raises(client.exceptions.InvalidRequestException, match="executionId"):
        client.describe_execution(executionId="not-a-uuid-but-36-characters-long-xx")


def test_a_route_the_emulator_does_not_implement_is_a_404(sitewise_client: Any) -> None:
    with pytest.raises(ClientError) as raised:
        sitewise_client.list_asset_models()

    assert raised.value.response["Error"]["Code"] == "UnknownOperationException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_throttling_and_internal_failures_carry_their_statuses_and_are_retried_by_botocore(
    sitewise_emulator: SiteWiseEmulator, pump: str, no_retry_backoff: None
) -> None:
    retrying = make_client(
        sitewise_emulator.endpoint_url, retries={"mode": "standard", "total_max_attempts": 5}
    )
    sitewise_emulator.inject_fault("ListComputationModels", "ThrottlingException", count=2)
    sitewise_emulator.inject_fault("ListComputationModels", "InternalFailureException", count=1)
    sitewise_emulator.reset_calls()

    answer = retrying.list_computation_models()

    assert len(answer["computationModelSummaries"]) == 1
    assert answer["ResponseMetadata"]["RetryAttempts"] == 3
    statuses = [(c.status, c.error_code) for c in sitewise_emulator.calls]
    assert statuses == [
        (429, "ThrottlingException"),
        (429, "ThrottlingException"),
        (500, "InternalFailureException"),
        (200, None),
    ]


def test_a_conflicting_operation_carries_the_resource(
    sitewise_emulator: SiteWiseEmulator, sitewise_client: Any
) -> None:
    sitewise_emulator.inject_fault("ListComputationModels", "ConflictingOperationException")

    with pytest.raises(sitewise_client.exceptions.ConflictingOperationException) as raised:
        sitewise_client.list_computation_models()

    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert {"resourceId", "resourceArn"} <= set(raised.value.response["Error"]) | set(raised.value.response)


def test_lists_page_with_next_tokens_in_the_models_alphabet(
    sitewise_emulator: SiteWiseEmulator, sitewise_client: Any
) -> None:
    asset_model = sitewise_emulator.add_asset_model("Fan equipment")
    for index in range(260):
        sitewise_emulator.add_computation_model(f"Fan anomaly {index:03d}", asset_model)

    first = sitewise_client.list_computation_models(maxResults=250)
    token = first["nextToken"]
    second = sitewise_client.list_computation_models(maxResults=250, nextToken=token)
    paged = sitewise_client.get_paginator("list_computation_models").paginate().build_full_result()

    assert len(first["computationModelSummaries"]) == 250
    assert len(second["computationModelSummaries"]) == 10
    assert "nextToken" not in second
    assert base64.b64decode(token, validate=True)
    names = [m["name"] for m in paged["computationModelSummaries"]]
    assert names == sorted(names)
    assert len(set(names)) == 260


def test_a_forged_or_replayed_token_is_refused(
    sitewise_emulator: SiteWiseEmulator, sitewise_client: Any
) -> None:
    asset_model = sitewise_emulator.add_asset_model("Fan equipment")
    for index in range(3):
        sitewise_emulator.add_computation_model(f"Fan anomaly {index}", asset_model)
    token = sitewise_client.list_computation_models(maxResults=1)["nextToken"]
    forged = base64.b64encode(b"x" * 16 + base64.b64decode(token)[16:]).decode()

    with pytest.raises(sitewise_client.exceptions.InvalidRequestException, match="invalid"):
        sitewise_client.list_computation_models(maxResults=1, nextToken=forged)
    with pytest.raises(sitewise_client.exceptions.InvalidRequestException, match="different"):
        sitewise_client.list_computation_models(
            maxResults=1, nextToken=token, computationModelType="ANOMALY_DETECTION"
        )


def test_the_last_page_of_actions_says_null_as_documented(
    sitewise_client: Any, pump: str, wire_responses: list[WireResponse]
) -> None:
    answer = sitewise_client.list_actions(**unit_params(pump))

    assert "nextToken" in wire_responses[-1].body
    assert wire_responses[-1].body["nextToken"] is None
    assert "nextToken" not in answer  # botocore drops the null
    assert len(answer["actionSummaries"]) == 3  # scheduler start, training, inference start


def test_botocore_prefixes_the_host_with_api_unless_told_not_to(sitewise_emulator: SiteWiseEmulator) -> None:
    import boto3

    seen: list[str] = []

    class Stop(Exception):
        pass

    def record(request: Any, **_: Any) -> None:
        seen.append(request.url)
        raise Stop

    client = boto3.client(
        "iotsitewise",
        region_name="eu-west-1",
        endpoint_url=sitewise_emulator.endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.meta.events.register("before-send.iotsitewise", record)
    with pytest.raises(Stop):
        client.list_computation_models()

    assert seen == [sitewise_emulator.endpoint_url.replace("//", "//api.") + "/computation-models"]
    assert BUCKET  # the module's bucket is the one the fixtures create
