"""boto3 clients, created lazily and cached per process (never at import time).

Clients use the default configuration resolution, so ``AWS_ENDPOINT_URL_<SERVICE>`` points them at
an emulator, and botocore's ``standard`` retry mode (exponential backoff with jitter, retries on
throttling and 5xx) instead of hand-written loops. A client that cannot be created (no region, an
unknown profile) is a domain error (``adapters.errors.translate``), like a failed call.
"""

from __future__ import annotations

import functools
import os
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError

from model_steward.adapters.errors import translate

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient, DynamoDBServiceResource
    from mypy_boto3_lookoutequipment import LookoutEquipmentClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_ssm import SSMClient

# Lookout for Equipment publishes no rate limits: give throttling more room than the default 3.
DEFAULT_RETRY_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": 8}, connect_timeout=5, read_timeout=30
)
RETRY_CONFIG = DEFAULT_RETRY_CONFIG


def set_max_attempts(attempts: int | None) -> None:
    """Give up after ``attempts`` tries per call from now on (the CLI, while a person waits), or
    go back to the patient default above (None)."""
    global RETRY_CONFIG  # noqa: PLW0603 - the one configuration every client of this process uses
    retries = Config(retries={"mode": "standard", "total_max_attempts": attempts}) if attempts else None
    wanted = DEFAULT_RETRY_CONFIG.merge(retries) if retries else DEFAULT_RETRY_CONFIG
    if wanted is not RETRY_CONFIG:
        RETRY_CONFIG = wanted
        reset_clients()


@functools.cache
def _client(service: str) -> Any:
    try:
        return boto3.session.Session().client(service, config=RETRY_CONFIG)  # type: ignore[call-overload]
    except BotoCoreError as exc:
        raise translate(exc, f"creating the {service} client") from exc


@functools.cache
def _resource(service: str) -> Any:
    try:
        return boto3.session.Session().resource(service, config=RETRY_CONFIG)  # type: ignore[call-overload]
    except BotoCoreError as exc:
        raise translate(exc, f"creating the {service} client") from exc


def lookout() -> LookoutEquipmentClient:
    return _client("lookoutequipment")  # type: ignore[no-any-return]


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
