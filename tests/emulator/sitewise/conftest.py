"""SiteWise emulator fixtures: the emulator inside a moto sandbox (its metrics and evaluation files
go to moto's S3), an unmodified boto3 client pointed at it, raw access to the wire."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from emulators.sitewise import SiteWiseEmulator
from tests.emulator.conftest import WireResponse, capture_responses

REGION = "eu-west-1"
ACCOUNT_ID = "123456789012"
BUCKET = "sitewise-artifacts"


@pytest.fixture
def sitewise_emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[SiteWiseEmulator]:
    """A running emulator with no computation models; S3 is moto's, with BUCKET created."""
    from moto import mock_aws

    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws(), SiteWiseEmulator(region=REGION, account_id=ACCOUNT_ID) as emulator:
        boto3.client("s3", region_name=REGION).create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        yield emulator


def make_client(endpoint_url: str, **config: Any) -> Any:
    return boto3.client(
        "iotsitewise",
        region_name=REGION,
        endpoint_url=endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(inject_host_prefix=False, **config),
    )


@pytest.fixture
def sitewise_client(sitewise_emulator: SiteWiseEmulator) -> Any:
    """An unmodified boto3 client that does not retry: one call is one request."""
    return make_client(sitewise_emulator.endpoint_url, retries={"mode": "standard", "total_max_attempts": 1})


@pytest.fixture
def wire_responses(sitewise_client: Any) -> list[WireResponse]:
    """Every response ``sitewise_client`` receives, as raw JSON."""
    return capture_responses(sitewise_client)


@pytest.fixture
def pump(sitewise_emulator: SiteWiseEmulator) -> str:
    """Pump anomaly on Pump 01: CUSTOMER_MANAGED scheduler, files in BUCKET, version 1 active."""
    key = sitewise_emulator.seed_unit("Pump anomaly", "Pump 01", bucket=BUCKET)
    sitewise_emulator.train(key, activate=True)
    return key


def ids(key: str) -> tuple[str, str]:
    from model_steward.models.sitewise import parse_unit_key

    parsed = parse_unit_key(key)
    assert parsed is not None
    return parsed


def unit_params(key: str) -> dict[str, str]:
    """The target and resolveTo parameters of the List calls for a unit."""
    model_id, asset_id = ids(key)
    return {
        "targetResourceType": "COMPUTATION_MODEL",
        "targetResourceId": model_id,
        "resolveToResourceType": "ASSET",
        "resolveToResourceId": asset_id,
    }
