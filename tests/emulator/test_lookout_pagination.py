"""NextToken pagination, MaxResults bounds and the documented filters of the List operations."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulators.lookout import DEFAULT_PAGE_SIZE, LookoutEmulator, LookoutState
from emulators.lookout.service import LookoutService

from .conftest import RawCall


def all_pages(call: Any, key: str, **params: Any) -> list[list[dict[str, Any]]]:
    pages, token = [], None
    while True:
        response = call(**params, **({"NextToken": token} if token else {}))
        pages.append(response[key])
        token = response.get("NextToken")
        if not token:
            return pages


@pytest.fixture
def fleet_of_1200_models(lookout_emulator: LookoutEmulator) -> list[str]:
    """1,200 models named model-0000 ... model-1199, every third one unlabelled on dataset other-*."""
    names = [f"model-{index:04d}" for index in range(1200)]
    for index, name in enumerate(names):
        dataset = f"other-{index}" if index % 3 == 0 else f"plant-{index}"
        lookout_emulator.seed_model(name, dataset_name=dataset, labelled=index % 3 != 0)
        if index % 2 == 0:
            lookout_emulator.add_version(name, activate=True)
    return names


def test_1200_models_in_pages_of_500_are_three_pages_with_every_model_once(
    lookout_client: Any, fleet_of_1200_models: list[str]
) -> None:
    # When every page of ListModels is read with MaxResults=500
    pages = all_pages(lookout_client.list_models, "ModelSummaries", MaxResults=500)
    # Then there are 3 pages of 500, 500 and 200 and every model appears exactly once
    assert [len(page) for page in pages] == [500, 500, 200]
    names = [summary["ModelName"] for page in pages for summary in page]
    assert sorted(names) == fleet_of_1200_models
    assert len(set(names)) == 1200


def test_models_added_while_paging_do_not_repeat_or_skip_existing_ones(
    lookout_emulator: LookoutEmulator, lookout_client: Any
) -> None:
    # Given 10 models and a first page of 4
    for index in range(10):
        lookout_emulator.seed_model(f"m-{index:02d}")
    first = lookout_client.list_models(MaxResults=4)
    # When a model sorting before the position is added, then the listing continues
    lookout_emulator.seed_model("a-new-model")
    continued = lookout_client.list_models(MaxResults=100, NextToken=first["NextToken"])["ModelSummaries"]
    # Then the listing neither repeats the first page nor skips a model that existed
    assert [s["ModelName"] for s in first["ModelSummaries"]] == [f"m-{i:02d}" for i in range(4)]
    assert [s["ModelName"] for s in continued] == [f"m-{i:02d}" for i in range(4, 10)]


def test_list_models_without_max_results_uses_the_default_page_size(
    lookout_client: Any, fleet_of_1200_models: list[str]
) -> None:
    # When ListModels is called without MaxResults
    response = lookout_client.list_models()
    # Then one default-sized page comes back with a NextToken
    assert len(response["ModelSummaries"]) == DEFAULT_PAGE_SIZE == 50
    assert response["NextToken"]


def test_last_page_has_no_next_token(lookout_emulator: LookoutEmulator, lookout_client: Any) -> None:
    # Given exactly as many models as MaxResults
    for index in range(3):
        lookout_emulator.seed_model(f"m-{index}")
    # When listed with MaxResults=3
    response = lookout_client.list_models(MaxResults=3)
    # Then there is no NextToken
    assert len(response["ModelSummaries"]) == 3
    assert "NextToken" not in response


def test_list_models_filters_by_status_name_prefix_and_dataset_prefix(
    lookout_client: Any, fleet_of_1200_models: list[str]
) -> None:
    # When ListModels is filtered
    successes = all_pages(lookout_client.list_models, "ModelSummaries", MaxResults=500, Status="SUCCESS")
    by_name = all_pages(lookout_client.list_models, "ModelSummaries", ModelNameBeginsWith="model-11")
    by_dataset = all_pages(
        lookout_client.list_models, "ModelSummaries", MaxResults=500, DatasetNameBeginsWith="other-"
    )
    # Then each filter keeps exactly the matching models, across pages
    assert sum(len(page) for page in successes) == 600
    assert all(s["Status"] == "SUCCESS" and s["ActiveModelVersion"] == 1 for page in successes for s in page)
    assert [s["ModelName"] for page in by_name for s in page] == [f"model-{i}" for i in range(1100, 1200)]
    assert sum(len(page) for page in by_dataset) == 400
    assert all(s["DatasetName"].startswith("other-") for page in by_dataset for s in page)


def test_a_forged_next_token_is_a_validation_exception(
    lookout_client: Any, fleet_of_1200_models: list[str]
) -> None:
    # Given a genuine token
    token = lookout_client.list_models(MaxResults=10)["NextToken"]
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    # When a forged or made-up token is passed
    # Then the emulator refuses it
    for bad in (forged, "garbage", "eyJvcCI6Ikxpc3RNb2RlbHMiLCJmIjoiIiwiYWZ0ZXIiOiJ6In0.AAAA"):
        with pytest.raises(lookout_client.exceptions.ValidationException, match="NextToken"):
            lookout_client.list_models(MaxResults=10, NextToken=bad)


def test_a_next_token_replayed_with_other_filters_or_operation_is_refused(
    lookout_emulator: LookoutEmulator, lookout_client: Any, fleet_of_1200_models: list[str]
) -> None:
    # Given a token issued for an unfiltered ListModels
    token = lookout_client.list_models(MaxResults=10)["NextToken"]
    # When it is passed with a filter, or to another List operation
    # Then both are ValidationException
    with pytest.raises(lookout_client.exceptions.ValidationException, match="different ListModels request"):
        lookout_client.list_models(MaxResults=10, NextToken=token, Status="SUCCESS")
    with pytest.raises(lookout_client.exceptions.ValidationException, match="different"):
        lookout_client.list_retraining_schedulers(NextToken=token)
    # And changing MaxResults between pages is allowed
    assert lookout_client.list_models(MaxResults=3, NextToken=token)["ModelSummaries"]


@pytest.mark.parametrize("operation", ["ListModels", "ListRetrainingSchedulers", "ListModelVersions"])
@pytest.mark.parametrize("max_results", [0, 501, -1])
def test_max_results_outside_1_to_500_is_a_validation_exception(
    raw_call: RawCall, operation: str, max_results: int
) -> None:
    # When a List operation is called with MaxResults outside 1..500
    body: dict[str, Any] = {"MaxResults": max_results}
    if operation == "ListModelVersions":
        body["ModelName"] = "pump-01"
    response = raw_call(operation, body)
    # Then it is a ValidationException naming the member and the bound
    assert response.status == 400
    assert response.body["__type"] == "ValidationException"
    assert "MaxResults" in response.body["Message"]
    assert ("minimum 1" if max_results < 1 else "maximum 500") in response.body["Message"]


def test_max_results_501_from_boto3_is_refused_by_the_emulator(lookout_client: Any) -> None:
    # botocore checks only the lower bound client-side; the emulator enforces the upper one
    with pytest.raises(lookout_client.exceptions.ValidationException, match="maximum 500"):
        lookout_client.list_models(MaxResults=501)


@pytest.fixture
def model_with_history(lookout_emulator: LookoutEmulator) -> str:
    """pump-01 with 7 versions created a day apart from 2024-01-01: training, retrainings, an import."""
    start = datetime(2024, 1, 1, tzinfo=UTC)
    lookout_emulator.seed_model("pump-01", scheduler="MANUAL")
    lookout_emulator.add_version("pump-01", created_at=start, activate=True)
    statuses = ["SUCCESS", "FAILED", "SUCCESS", "CANCELED", "SUCCESS"]
    for offset, status in enumerate(statuses, start=1):
        lookout_emulator.add_version(
            "pump-01", status=status, source_type="RETRAINING", created_at=start + timedelta(days=offset)
        )
    lookout_emulator.add_version("pump-01", source_type="IMPORT", created_at=start + timedelta(days=6))
    return "pump-01"


def version_numbers(response: dict[str, Any]) -> list[int]:
    return [summary["ModelVersion"] for summary in response["ModelVersionSummaries"]]


def test_list_model_versions_is_newest_first_and_pages(lookout_client: Any, model_with_history: str) -> None:
    # When the versions are listed 3 at a time
    pages = all_pages(
        lookout_client.list_model_versions,
        "ModelVersionSummaries",
        ModelName=model_with_history,
        MaxResults=3,
    )
    # Then they come newest first, each once
    assert [[s["ModelVersion"] for s in page] for page in pages] == [[7, 6, 5], [4, 3, 2], [1]]


def test_list_model_versions_filters(lookout_client: Any, model_with_history: str) -> None:
    list_versions = lookout_client.list_model_versions
    name = model_with_history
    # Status and SourceType
    assert version_numbers(list_versions(ModelName=name, Status="FAILED")) == [3]
    assert version_numbers(list_versions(ModelName=name, SourceType="RETRAINING", Status="SUCCESS")) == [
        6,
        4,
        2,
    ]
    assert version_numbers(list_versions(ModelName=name, SourceType="IMPORT")) == [7]
    # Inclusive version bounds
    assert version_numbers(list_versions(ModelName=name, MinModelVersion=3, MaxModelVersion=5)) == [5, 4, 3]
    # Inclusive creation-time bounds
    window = {
        "CreatedAtStartTime": datetime(2024, 1, 2, tzinfo=UTC),
        "CreatedAtEndTime": datetime(2024, 1, 4, tzinfo=UTC),
    }
    assert version_numbers(list_versions(ModelName=name, **window)) == [4, 3, 2]
    # Min above max is refused
    with pytest.raises(lookout_client.exceptions.ValidationException, match="MinModelVersion"):
        list_versions(ModelName=name, MinModelVersion=5, MaxModelVersion=3)


def test_list_model_versions_of_an_unknown_model_is_empty(lookout_client: Any) -> None:
    # When the versions of a model that does not exist are listed
    response = lookout_client.list_model_versions(ModelName="no-such-model")
    # Then the list is empty, as the API reference documents (not ResourceNotFoundException)
    assert response["ModelVersionSummaries"] == []
    assert "NextToken" not in response


def test_list_retraining_schedulers_filters_and_pages(
    lookout_emulator: LookoutEmulator, lookout_client: Any
) -> None:
    # Given 5 models with schedulers (2 stopped) and one without
    for index in range(5):
        lookout_emulator.seed_model(
            f"pump-{index}", scheduler="MANUAL", scheduler_status="STOPPED" if index in (1, 3) else "RUNNING"
        )
    lookout_emulator.seed_model("fan-0")
    # When listed page by page, and filtered
    pages = all_pages(lookout_client.list_retraining_schedulers, "RetrainingSchedulerSummaries", MaxResults=2)
    stopped = lookout_client.list_retraining_schedulers(Status="STOPPED")["RetrainingSchedulerSummaries"]
    prefixed = lookout_client.list_retraining_schedulers(ModelNameBeginsWith="fan")[
        "RetrainingSchedulerSummaries"
    ]
    # Then every scheduler appears once, by model name, and the filters apply
    assert [s["ModelName"] for page in pages for s in page] == [f"pump-{i}" for i in range(5)]
    assert [len(page) for page in pages] == [2, 2, 1]
    assert [s["ModelName"] for s in stopped] == ["pump-1", "pump-3"]
    assert prefixed == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    count=st.integers(min_value=0, max_value=130),
    page_size=st.integers(min_value=1, max_value=40),
    prefix=st.sampled_from(["", "a", "b", "ab"]),
)
def test_paging_any_listing_returns_each_matching_model_once_in_order(
    count: int, page_size: int, prefix: str
) -> None:
    # Given `count` models with names made of a and b (answered in process, without HTTP)
    state = LookoutState()
    service = LookoutService(state)
    names = [format(index, "b").replace("0", "a").replace("1", "b") + f"-{index}" for index in range(count)]
    for name in names:
        state.seed_model(name, scheduler="MANUAL")
    expected = sorted(name for name in names if name.startswith(prefix))

    def page(operation: str, body: dict[str, Any]) -> dict[str, Any]:
        response = service.handle(
            f"AWSLookoutEquipmentFrontendService.{operation}", json.dumps(body).encode()
        )
        assert response.status == 200, response.body
        return dict(json.loads(response.body))

    # When ListModels and ListRetrainingSchedulers are paged through with a prefix filter
    for operation, key in (
        ("ListModels", "ModelSummaries"),
        ("ListRetrainingSchedulers", "RetrainingSchedulerSummaries"),
    ):
        body: dict[str, Any] = {"MaxResults": page_size}
        if prefix:
            body["ModelNameBeginsWith"] = prefix
        listed: list[str] = []
        pages = 0
        while True:
            response = page(operation, body)
            pages += 1
            assert len(response[key]) <= page_size
            listed.extend(item["ModelName"] for item in response[key])
            if "NextToken" not in response:
                break
            body["NextToken"] = response["NextToken"]
        # Then every matching model appears once, in name order, in the fewest pages
        assert listed == expected
        assert pages == max(1, -(-len(expected) // page_size))
