"""Fixtures every suite may use: a moto AWS sandbox, the Lookout for Equipment and SiteWise emulators
with the product's clients pointed at them, and a local Slack webhook server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from botocore.retries.standard import ExponentialBackoff

from tests.aws import REGION, AwsSandbox

if TYPE_CHECKING:
    from emulators.lookout import LookoutEmulator
    from emulators.sitewise import SiteWiseEmulator
    from tests.fakes.slack_server import SlackServer


@pytest.fixture
def no_retry_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore still decides what to retry, but does not sleep between attempts (keeps tests fast)."""
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0)


@pytest.fixture
def aws_sandbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsSandbox]:
    """moto for every AWS service (DynamoDB transactions idempotent by token, as in AWS), the
    product's cached clients reset before and after."""
    from moto import mock_aws

    from model_steward.adapters import aws, parameters

    for name in (
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_S3",
        "AWS_ENDPOINT_URL_LOOKOUTEQUIPMENT",
        "AWS_ENDPOINT_URL_IOTSITEWISE",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    from emulators.dynamodb import IdempotentTransactions

    transactions = IdempotentTransactions()  # DynamoDB's ClientRequestToken, which moto ignores
    transactions.install()
    try:
        with mock_aws():
            aws.reset_clients()
            parameters.clear_cache()
            yield AwsSandbox()
    finally:
        transactions.uninstall()
        aws.reset_clients()
        parameters.clear_cache()


@pytest.fixture
def lookout_sandbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[LookoutEmulator]:
    """The Lookout for Equipment emulator, the product's clients pointed at it."""
    from emulators.lookout import LookoutEmulator
    from model_steward.adapters import aws

    with LookoutEmulator(region=REGION) as emulator:
        monkeypatch.setenv("AWS_ENDPOINT_URL_LOOKOUTEQUIPMENT", emulator.endpoint_url)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
        aws.reset_clients()
        yield emulator
    aws.reset_clients()


SITEWISE_BUCKET = "sitewise-artifacts"


@pytest.fixture
def sitewise_sandbox(aws_sandbox: AwsSandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[SiteWiseEmulator]:
    """The SiteWise emulator inside the moto sandbox (its files go to moto's S3 bucket
    SITEWISE_BUCKET), the product's clients pointed at it as a local run points them."""
    from emulators.sitewise import SiteWiseEmulator
    from model_steward.adapters import aws

    aws_sandbox.create_bucket(SITEWISE_BUCKET)
    with SiteWiseEmulator(region=REGION) as emulator:
        monkeypatch.setenv("AWS_ENDPOINT_URL_IOTSITEWISE", emulator.endpoint_url)
        monkeypatch.setenv("AWS_DISABLE_HOST_PREFIX_INJECTION", "true")
        aws.reset_clients()
        yield emulator
    aws.reset_clients()


@pytest.fixture(scope="module")
def slack_server() -> Iterator[SlackServer]:
    """A Slack incoming webhook over real HTTP on loopback (its replies scripted per test)."""
    from tests.fakes.slack_server import SlackServer

    with SlackServer() as server:
        yield server


@pytest.fixture(autouse=True)
def _metrics_flushed_per_test() -> Iterator[None]:
    """Each test starts with no buffered metrics, as each Lambda invocation does (the handler's
    ``log_metrics`` flushes them): a long run cannot fill Powertools' buffer of 100 values."""
    from model_steward.observability import metrics

    metrics.clear_metrics()
    yield
    metrics.clear_metrics()
