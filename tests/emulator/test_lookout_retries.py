"""Injected faults and latency, as seen through botocore's standard retry mode."""

from __future__ import annotations

import time
from typing import Any

import pytest

from emulators.lookout import LookoutEmulator


def outcomes(emulator: LookoutEmulator, operation: str) -> list[str | None]:
    return [call.error_code for call in emulator.calls if call.operation == operation]


def test_two_throttles_then_success_are_retried_by_standard_mode(
    lookout_emulator: LookoutEmulator, retrying_client: Any
) -> None:
    # Given the next 2 ListModels calls are throttled
    lookout_emulator.seed_model("pump-01")
    lookout_emulator.inject_fault("ListModels", "ThrottlingException", count=2)
    # When a client in standard retry mode (max_attempts=5) lists models
    response = retrying_client.list_models()
    # Then it succeeded after 2 retries, and the emulator saw the 3 attempts
    assert [s["ModelName"] for s in response["ModelSummaries"]] == ["pump-01"]
    assert response["ResponseMetadata"]["RetryAttempts"] == 2
    assert outcomes(lookout_emulator, "ListModels") == ["ThrottlingException", "ThrottlingException", None]
    assert [call.status for call in lookout_emulator.calls] == [400, 400, 200]


def test_more_throttles_than_attempts_raise_throttling_exception(
    lookout_emulator: LookoutEmulator, retrying_client: Any
) -> None:
    # Given more throttles than the client will attempt
    lookout_emulator.inject_fault("DescribeModel", "ThrottlingException", count=10)
    # When the client describes a model
    with pytest.raises(retrying_client.exceptions.ThrottlingException) as raised:
        retrying_client.describe_model(ModelName="pump-01")
    # Then it gave up after its attempts: botocore's retries={"max_attempts": 5} counts retries,
    # so the emulator saw 1 + 5 = 6 throttled attempts
    assert raised.value.response["ResponseMetadata"]["MaxAttemptsReached"] is True
    assert outcomes(lookout_emulator, "DescribeModel") == ["ThrottlingException"] * 6
    assert lookout_emulator.call_count("DescribeModel") == 6


def test_internal_server_errors_are_retried(lookout_emulator: LookoutEmulator, retrying_client: Any) -> None:
    # Given one InternalServerException (HTTP 500) on any operation
    lookout_emulator.seed_model("pump-01")
    lookout_emulator.inject_fault("*", "InternalServerException")
    # When a model is described
    response = retrying_client.describe_model(ModelName="pump-01")
    # Then the 500 was retried
    assert response["ModelName"] == "pump-01"
    assert [(c.status, c.error_code) for c in lookout_emulator.calls] == [
        (500, "InternalServerException"),
        (200, None),
    ]


@pytest.mark.parametrize(
    "code", ["ValidationException", "AccessDeniedException", "ResourceNotFoundException"]
)
def test_non_transient_errors_are_not_retried(
    lookout_emulator: LookoutEmulator, retrying_client: Any, code: str
) -> None:
    # Given one non-transient fault
    lookout_emulator.inject_fault("ListModels", code)
    # When the retrying client calls
    with pytest.raises(getattr(retrying_client.exceptions, code)):
        retrying_client.list_models()
    # Then there was a single attempt
    assert lookout_emulator.call_count("ListModels") == 1


def test_faults_apply_to_their_operation_first_then_wildcard_in_order(
    lookout_emulator: LookoutEmulator,
) -> None:
    # Given faults for one operation and for any operation
    lookout_emulator.inject_fault("*", "InternalServerException")
    lookout_emulator.inject_fault("ListModels", "ThrottlingException", count=2)
    lookout_emulator.inject_fault("ListModels", "AccessDeniedException")
    # When they are taken
    taken = [lookout_emulator.take_fault("ListModels") for _ in range(5)]
    # Then the operation's own come first, in order, then the wildcard, then none
    assert [fault.code if fault else None for fault in taken] == [
        "ThrottlingException",
        "ThrottlingException",
        "AccessDeniedException",
        "InternalServerException",
        None,
    ]


def test_clear_faults_removes_pending_faults(lookout_emulator: LookoutEmulator, lookout_client: Any) -> None:
    lookout_emulator.inject_fault("ListModels", "ThrottlingException", count=3)
    lookout_emulator.clear_faults()
    assert lookout_client.list_models()["ModelSummaries"] == []


def test_latency_delays_the_chosen_operation_only(
    lookout_emulator: LookoutEmulator, lookout_client: Any
) -> None:
    # Given 0.2 s of latency on DescribeModel
    lookout_emulator.seed_model("pump-01")
    lookout_emulator.set_latency("DescribeModel", 0.2)
    # When DescribeModel is called
    started = time.perf_counter()
    lookout_client.describe_model(ModelName="pump-01")
    described = time.perf_counter() - started
    # Then it was slow, and only DescribeModel carries the latency (no upper bound on the clock:
    # a loaded machine may be slow anywhere)
    assert described >= 0.2
    assert lookout_emulator.latency("DescribeModel") == 0.2
    assert lookout_emulator.latency("ListModels") == 0.0


def test_latency_for_all_operations_and_its_removal(
    lookout_emulator: LookoutEmulator, lookout_client: Any
) -> None:
    lookout_emulator.set_latency(None, 0.15)
    started = time.perf_counter()
    lookout_client.list_retraining_schedulers()
    assert time.perf_counter() - started >= 0.15
    lookout_emulator.set_latency(None, None)
    assert lookout_emulator.latency("ListRetrainingSchedulers") == 0.0


def test_reset_calls_empties_the_record(lookout_emulator: LookoutEmulator, lookout_client: Any) -> None:
    lookout_client.list_models()
    assert lookout_emulator.call_count() == 1
    lookout_emulator.reset_calls()
    assert lookout_emulator.calls == []
