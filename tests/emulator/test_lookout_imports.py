"""Imports between accounts: the caller's account from its credentials, the source model's resource
policy, datasets, ClientToken idempotency per account, and how a planned import ends."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.config import Config

from emulators.common.auth import Identity, SignedRequest
from emulators.lookout import LookoutEmulator, RemoteScenario, ServiceError

from .conftest import REGION

STAGING = "111111111111"
PRODUCTION = "222222222222"
OTHER = "333333333333"


@dataclass
class KeyAccounts:
    """An authoriser that takes the access key ID for the account (``AKIA<account>``), allows
    every action, and refuses to pass roles it was not told exist."""

    roles: set[str] = field(default_factory=set)

    def identify(self, request: SignedRequest) -> Identity:
        key = str(request.headers["Authorization"]).split("Credential=", 1)[1].split("/", 1)[0]
        account = key.removeprefix("AKIA")
        return Identity(account, f"arn:aws:iam::{account}:user/tester", f"arn:aws:iam::{account}:user/tester")

    def authorise(self, identity: Identity, action: str, resources: Sequence[str]) -> None:
        return None

    def pass_role(self, identity: Identity, role_arn: str) -> None:
        if role_arn not in self.roles:
            raise ServiceError("ValidationException", f"The role {role_arn} does not exist.")


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def emulator(clock: Clock) -> Iterator[LookoutEmulator]:
    with LookoutEmulator(region=REGION, account_id=STAGING, clock=clock) as running:
        running.authoriser = KeyAccounts(roles={f"arn:aws:iam::{PRODUCTION}:role/LookoutImport"})
        running.seed_model("pump-01", scheduler="MANUAL")
        running.add_version("pump-01", activate=True)
        running.account(PRODUCTION).seed_dataset("pump-data")
        yield running


def as_account(emulator: LookoutEmulator, account: str) -> Any:
    """A boto3 client whose access key names ``account`` (no retries)."""
    return boto3.client(
        "lookoutequipment",
        region_name=REGION,
        endpoint_url=emulator.endpoint_url,
        aws_access_key_id=f"AKIA{account}",
        aws_secret_access_key="secret",
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )


def share(emulator: LookoutEmulator, model: str, account: str) -> dict[str, Any]:
    arn = emulator.model_arn(model)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ImportByProduction",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                "Action": "lookoutequipment:ImportModelVersion",
                "Resource": [arn, f"{arn}/model-version/*"],
            }
        ],
    }
    response: dict[str, Any] = as_account(emulator, STAGING).put_resource_policy(
        ResourceArn=arn, ResourcePolicy=json.dumps(policy), ClientToken="share-1"
    )
    return response


def test_each_account_sees_only_its_own_models(emulator: LookoutEmulator) -> None:
    staging, production = as_account(emulator, STAGING), as_account(emulator, PRODUCTION)

    assert [m["ModelName"] for m in staging.list_models()["ModelSummaries"]] == ["pump-01"]
    assert production.list_models()["ModelSummaries"] == []
    assert emulator.account(PRODUCTION).call_count("ListModels") == 1
    assert emulator.call_count("ListModels") == 1


def test_a_shared_version_is_imported_into_the_other_account(emulator: LookoutEmulator) -> None:
    share(emulator, "pump-01", PRODUCTION)
    source = emulator.version_arn("pump-01", 1)
    production = as_account(emulator, PRODUCTION)

    response = production.import_model_version(
        SourceModelVersionArn=source,
        ModelName="pump-01",
        DatasetName="pump-data",
        ClientToken="import-pump-01-v1",
        RoleArn=f"arn:aws:iam::{PRODUCTION}:role/LookoutImport",
        InferenceDataImportStrategy="NO_IMPORT",
    )

    assert (response["ModelVersion"], response["Status"]) == (1, "IMPORT_IN_PROGRESS")
    assert response["ModelArn"].startswith(f"arn:aws:lookoutequipment:{REGION}:{PRODUCTION}:model/pump-01/")
    described = production.describe_model_version(ModelName="pump-01", ModelVersion=1)
    assert (described["SourceType"], described["SourceModelVersionArn"]) == ("IMPORT", source)
    assert "ImportJobStartTime" in described
    assert "ImportJobEndTime" not in described
    assert emulator.version_numbers("pump-01") == [1]  # the source is untouched


def test_an_import_the_source_policy_does_not_allow_is_access_denied(emulator: LookoutEmulator) -> None:
    share(emulator, "pump-01", PRODUCTION)
    outsider = as_account(emulator, OTHER)
    emulator.account(OTHER).seed_dataset("pump-data")

    with pytest.raises(outsider.exceptions.AccessDeniedException) as raised:
        outsider.import_model_version(
            SourceModelVersionArn=emulator.version_arn("pump-01", 1),
            DatasetName="pump-data",
            ClientToken="steal",
        )

    message = raised.value.response["Error"]["Message"]
    assert f"arn:aws:iam::{OTHER}:user/tester is not authorized to perform" in message
    assert "lookoutequipment:ImportModelVersion" in message
    assert "no resource-based policy allows" in message
    assert emulator.account(OTHER).model_names() == []


def test_without_a_policy_no_other_account_may_import(emulator: LookoutEmulator) -> None:
    production = as_account(emulator, PRODUCTION)

    with pytest.raises(production.exceptions.AccessDeniedException):
        production.import_model_version(
            SourceModelVersionArn=emulator.version_arn("pump-01", 1), DatasetName="pump-data", ClientToken="t"
        )


def test_an_explicit_deny_in_the_policy_wins(emulator: LookoutEmulator) -> None:
    arn = emulator.model_arn("pump-01")
    allow_all = {"Effect": "Allow", "Principal": "*", "Action": "lookoutequipment:*", "Resource": "*"}
    deny = {**allow_all, "Effect": "Deny", "Principal": {"AWS": PRODUCTION}}
    policy = json.dumps({"Version": "2012-10-17", "Statement": [allow_all, deny]})
    as_account(emulator, STAGING).put_resource_policy(ResourceArn=arn, ResourcePolicy=policy, ClientToken="x")
    production = as_account(emulator, PRODUCTION)

    with pytest.raises(production.exceptions.AccessDeniedException, match="explicit deny"):
        production.import_model_version(
            SourceModelVersionArn=emulator.version_arn("pump-01", 1), DatasetName="pump-data", ClientToken="t"
        )


def test_an_unknown_dataset_or_role_in_the_target_is_refused(emulator: LookoutEmulator) -> None:
    share(emulator, "pump-01", PRODUCTION)
    production = as_account(emulator, PRODUCTION)
    source = emulator.version_arn("pump-01", 1)

    with pytest.raises(production.exceptions.ResourceNotFoundException, match="Dataset pump-typo"):
        production.import_model_version(
            SourceModelVersionArn=source, DatasetName="pump-typo", ClientToken="a"
        )
    with pytest.raises(production.exceptions.ValidationException, match="role"):
        production.import_model_version(
            SourceModelVersionArn=source,
            DatasetName="pump-data",
            ClientToken="b",
            RoleArn=f"arn:aws:iam::{PRODUCTION}:role/Missing",
        )
    assert emulator.account(PRODUCTION).model_names() == []


def test_client_tokens_are_per_account(emulator: LookoutEmulator) -> None:
    share(emulator, "pump-01", PRODUCTION)
    emulator.seed_dataset("pump-data")
    source = emulator.version_arn("pump-01", 1)
    params = {"SourceModelVersionArn": source, "DatasetName": "pump-data", "ClientToken": "same"}

    first = as_account(emulator, PRODUCTION).import_model_version(ModelName="copy", **params)
    again = as_account(emulator, PRODUCTION).import_model_version(ModelName="copy", **params)
    own = as_account(emulator, STAGING).import_model_version(ModelName="copy", **params)

    assert again["ModelVersionArn"] == first["ModelVersionArn"]
    assert own["ModelVersionArn"] != first["ModelVersionArn"]
    assert emulator.account(PRODUCTION).version_numbers("copy") == [1]
    assert emulator.version_numbers("copy") == [1]


def test_a_planned_import_ends_as_planned_after_its_duration(emulator: LookoutEmulator, clock: Clock) -> None:
    share(emulator, "pump-01", PRODUCTION)
    production_state = emulator.account(PRODUCTION)
    production_state.plan_imports(
        "FAILED", failed_reason="Source data could not be copied.", duration_seconds=60
    )
    production = as_account(emulator, PRODUCTION)
    production.import_model_version(
        SourceModelVersionArn=emulator.version_arn("pump-01", 1), DatasetName="pump-data", ClientToken="p"
    )

    clock.now += timedelta(seconds=59)
    running = production.describe_model_version(ModelName="pump-01", ModelVersion=1)
    clock.now += timedelta(seconds=1)
    ended = production.describe_model_version(ModelName="pump-01", ModelVersion=1)

    assert running["Status"] == "IMPORT_IN_PROGRESS"
    assert (ended["Status"], ended["FailedReason"]) == ("FAILED", "Source data could not be copied.")
    assert ended["ImportJobEndTime"] - ended["ImportJobStartTime"] == timedelta(seconds=60)


def test_a_successful_import_carries_the_source_metrics_and_its_size(
    emulator: LookoutEmulator, clock: Clock
) -> None:
    share(emulator, "pump-01", PRODUCTION)
    emulator.account(PRODUCTION).plan_imports("SUCCESS")
    production = as_account(emulator, PRODUCTION)
    production.import_model_version(
        SourceModelVersionArn=emulator.version_arn("pump-01", 1), DatasetName="pump-data", ClientToken="p"
    )

    imported = production.describe_model_version(ModelName="pump-01", ModelVersion=1)

    source = emulator.describe_version("pump-01", 1)
    assert imported["Status"] == "SUCCESS"
    assert imported["ModelMetrics"] == source["ModelMetrics"]
    assert imported["ImportedDataSizeInBytes"] > 0
    assert imported["EvaluationDataStartTime"] == source["EvaluationDataStartTime"]


def test_resource_policies_are_validated_revised_and_deleted(emulator: LookoutEmulator) -> None:
    staging = as_account(emulator, STAGING)
    arn = emulator.model_arn("pump-01")

    with pytest.raises(staging.exceptions.ValidationException, match="not valid"):
        staging.put_resource_policy(ResourceArn=arn, ResourcePolicy='{"Statement": []}', ClientToken="a")
    first = share(emulator, "pump-01", PRODUCTION)
    described = staging.describe_resource_policy(ResourceArn=arn)
    with pytest.raises(staging.exceptions.ConflictException, match="PolicyRevisionId"):
        staging.put_resource_policy(
            ResourceArn=arn,
            ResourcePolicy=described["ResourcePolicy"].replace(PRODUCTION, OTHER),
            PolicyRevisionId="abcdef",
            ClientToken="b",
        )
    staging.delete_resource_policy(ResourceArn=arn)

    assert described["PolicyRevisionId"] == first["PolicyRevisionId"]
    assert PRODUCTION in described["ResourcePolicy"]
    with pytest.raises(staging.exceptions.ResourceNotFoundException):
        staging.describe_resource_policy(ResourceArn=arn)
    with pytest.raises(staging.exceptions.ResourceNotFoundException):
        as_account(emulator, PRODUCTION).describe_resource_policy(ResourceArn=arn)  # not its model


def test_datasets_are_described_per_account(emulator: LookoutEmulator) -> None:
    production = as_account(emulator, PRODUCTION)

    assert production.describe_dataset(DatasetName="pump-data")["Status"] == "ACTIVE"
    with pytest.raises(production.exceptions.ResourceNotFoundException):
        as_account(emulator, OTHER).describe_dataset(DatasetName="pump-data")


def test_the_scenario_api_acts_on_the_named_account(emulator: LookoutEmulator) -> None:
    remote = RemoteScenario(emulator.endpoint_url, account_id=PRODUCTION)

    remote.call("seed_dataset", dataset_name="more-data")
    remote.call("plan_imports", status="CANCELED", failed_reason="Canceled by an operator.")

    assert remote.call("dataset_names") == ["more-data", "pump-data"]
    assert RemoteScenario(emulator.endpoint_url).call("dataset_names") == ["pump-01-data"]
