"""boto3 clients, created lazily and cached per process (never at import time).

Clients use the default configuration resolution, so ``AWS_ENDPOINT_URL_<SERVICE>`` points them at
an emulator, and botocore's ``standard`` retry mode (exponential backoff with jitter, retries on
throttling and 5xx) instead of hand-written loops.
"""

from __future__ import annotations

import functools
import os
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient, DynamoDBServiceResource
    from mypy_boto3_iotsitewise import IoTSiteWiseClient
    from mypy_boto3_lookoutequipment import LookoutEquipmentClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_ssm import SSMClient

# Lookout for Equipment publishes no rate limits: give throttling more room than the default 3.
RETRY_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": 8}, connect_timeout=5, read_timeout=30
)


@functools.cache
def _client(service: str) -> Any:
    return boto3.session.Session().client(service, config=RETRY_CONFIG)  # type: ignore[call-overload]


@functools.cache
def _resource(service: str) -> Any:
    return boto3.session.Session().resource(service, config=RETRY_CONFIG)  # type: ignore[call-overload]


def lookout() -> LookoutEquipmentClient:
    return _client("lookoutequipment")  # type: ignore[no-any-return]


def sitewise() -> IoTSiteWiseClient:
    """AWS IoT SiteWise. In AWS its control-plane calls go to ``api.iotsitewise...`` (botocore's host
    prefix); a local emulator needs ``AWS_DISABLE_HOST_PREFIX_INJECTION=true``, which only local
    runs set."""
    return _client("iotsitewise")  # type: ignore[no-any-return]


def dynamodb() -> DynamoDBServiceResource:
    return _resource("dynamodb")  # type: ignore[no-any-return]


def dynamodb_client() -> DynamoDBClient:
    return _client("dynamodb")  # type: ignore[no-any-return]


def s3() -> S3Client:
    return _client("s3")  # type: ignore[no-any-return]


def sns() -> SNSClient:
    return _client("sns")  # type: ignore[no-any-return]


def sqs() -> SQSClient:
    return _client("sqs")  # type: ignore[no-any-return]


def ssm() -> SSMClient:
    return _client("ssm")  # type: ignore[no-any-return]


def secretsmanager() -> SecretsManagerClient:
    return _client("secretsmanager")  # type: ignore[no-any-return]


def reset_clients() -> None:
    """Forget cached clients (tests that change endpoints or credentials call this)."""
    _client.cache_clear()
    _resource.cache_clear()


def endpoint_overrides() -> dict[str, str]:
    """The ``AWS_ENDPOINT_URL*`` variables in force, by service (for `steward info`)."""
    prefix = "AWS_ENDPOINT_URL"
    return {
        (key[len(prefix) + 1 :].lower() or "all"): value
        for key, value in os.environ.items()
        if key == prefix or key.startswith(prefix + "_")
    }
