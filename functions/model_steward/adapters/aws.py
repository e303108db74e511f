"""boto3 clients, created lazily and cached per process (never at import time).

Clients use the default configuration resolution, so ``AWS_ENDPOINT_URL_<SERVICE>`` points them at
an emulator, and botocore's ``standard`` retry mode (exponential backoff with jitter, retries on
throttling and 5xx) instead of hand-written loops. A client that cannot be created (no region, an
unknown profile) is a domain error (``adapters.errors.translate``), like a failed call.

How long one call may take is bounded by its client's settings (``CallLimits``): every attempt by
the connect and read timeouts, the retries by ``total_max_attempts``, and the waits between them by
the standard mode's backoff, at most ``rand() * min(2 ** (n - 1), 20)`` seconds after the n-th
failed attempt (throttling; 5xx wait a twentieth of that). The functions' timeouts, batch sizes and
budgets are derived from these figures (template.yaml, next to each ``Timeout``).

During an invocation the clients keep to its budget (``use_budget``): an attempt that could not
end before the budget's margin (its connect and read timeouts, plus the longest wait that may
follow it) is not started, and the call raises ``OutOfTime``. So however the calls fail, the
function ends before its timeout, and the work not done is retried by whoever retries it (the
queue, the next tick).
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError

from model_steward.adapters.errors import translate
from model_steward.domain.budget import Budget
from model_steward.errors import OutOfTime

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_iam import IAMClient
    from mypy_boto3_iotsitewise import IoTSiteWiseClient
    from mypy_boto3_lookoutequipment import LookoutEquipmentClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_ssm import SSMClient

MAX_BACKOFF_SECONDS = 20  # botocore's standard retry mode caps each wait at 20 s


@dataclass(frozen=True)
class CallLimits:
    """One service's client settings, and the worst-case time of one call they allow."""

    attempts: int
    connect_timeout: float
    read_timeout: float

    @property
    def waits(self) -> list[float]:
        """The longest wait after each failed attempt but the last (throttling: the longer kind)."""
        return [float(min(2**n, MAX_BACKOFF_SECONDS)) for n in range(self.attempts - 1)]

    @property
    def attempt_seconds(self) -> float:
        return self.connect_timeout + self.read_timeout

    @property
    def worst_case(self) -> float:
        """Every attempt times out and every wait is the longest: the most one call can take."""
        return self.attempts * self.attempt_seconds + sum(self.waits)

    @property
    def attempt_reserve(self) -> float:
        """Time an attempt needs left to be started: itself, and the longest wait that may follow."""
        return self.attempt_seconds + max(self.waits, default=0.0)

    def config(self, attempts: int | None = None) -> Config:
        return Config(
            retries={"mode": "standard", "total_max_attempts": attempts or self.attempts},
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
        )


# Lookout for Equipment publishes no rate limits: throttling gets more attempts than the others
# (5 attempts, waits of at most 1 + 2 + 4 + 8 s: worst case 5 x 7 + 15 = 50 s); the model
# registry that succeeds it, IoT SiteWise, the same. Its calls, like
# DynamoDB's, SNS's and SQS's, answer in well under a second: a read timeout of a few seconds
# only cuts a hung connection short. S3 streams the diagnostics file in ranged reads of megabytes.
LIMITS: dict[str, CallLimits] = {
    "lookoutequipment": CallLimits(attempts=5, connect_timeout=2, read_timeout=5),  # worst 50 s
    "iotsitewise": CallLimits(attempts=5, connect_timeout=2, read_timeout=5),  # worst 50 s, as Lookout
    "dynamodb": CallLimits(attempts=3, connect_timeout=1, read_timeout=2),  # worst 12 s
    "sns": CallLimits(attempts=3, connect_timeout=2, read_timeout=5),  # worst 24 s
    "sqs": CallLimits(attempts=3, connect_timeout=2, read_timeout=5),  # worst 24 s
    "ssm": CallLimits(attempts=3, connect_timeout=2, read_timeout=5),  # worst 24 s
    "secretsmanager": CallLimits(attempts=3, connect_timeout=2, read_timeout=5),  # worst 24 s
    "s3": CallLimits(attempts=3, connect_timeout=2, read_timeout=20),  # worst 69 s
}
DEFAULT_LIMITS = CallLimits(attempts=3, connect_timeout=2, read_timeout=5)


def limits(service: str) -> CallLimits:
    return LIMITS.get(service, DEFAULT_LIMITS)


class _Process:
    """What every client of this process is created with."""

    max_attempts: int | None = None  # the CLI's shorter patience while a person waits


def set_max_attempts(attempts: int | None) -> None:
    """Give up after ``attempts`` tries per call from now on (the CLI, while a person waits), or
    go back to each service's attempts above (None)."""
    if attempts != _Process.max_attempts:
        _Process.max_attempts = attempts
        reset_clients()


def config_for(service: str) -> Config:
    """The client configuration of ``service`` in this process."""
    return limits(service).config(_Process.max_attempts)


class _Invocation:
    """The budget of the invocation in progress (Lambda runs one invocation at a time per process)."""

    budget: Budget | None = None


def use_budget(budget: Budget | None) -> None:
    """Keep every client's attempts within ``budget`` from now on (None: no deadline)."""
    _Invocation.budget = budget


def _refuse_late_attempt(service: str, **_: Any) -> None:
    """``before-send``: an attempt that could outlast the budget is not started."""
    budget = _Invocation.budget
    if budget is None:
        return
    reserve = limits(service).attempt_reserve
    if not budget.allows(reserve):
        raise OutOfTime(
            f"{service} call not attempted: an attempt may take {reserve:.0f} s with its retry wait, "
            f"and {max(budget.left(), 0):.0f} s are left before the function's last {budget.margin:.0f} s"
        )


def _guarded(client: Any, service: str) -> Any:
    client.meta.events.register("before-send", functools.partial(_refuse_late_attempt, service))
    return client


@functools.cache
def _client(service: str) -> Any:
    try:
        client = boto3.session.Session().client(service, config=config_for(service))  # type: ignore[call-overload]
    except BotoCoreError as exc:
        raise translate(exc, f"creating the {service} client") from exc
    return _guarded(client, service)


def client(service: str) -> Any:
    """The process's client of a service without an accessor below (the CLI's CloudFormation,
    Lambda and STS)."""
    return _client(service)


def lookout() -> LookoutEquipmentClient:
    return _client("lookoutequipment")  # type: ignore[no-any-return]


def sitewise() -> IoTSiteWiseClient:
    """AWS IoT SiteWise. In AWS its control-plane calls go to ``api.iotsitewise...`` (botocore's host
    prefix); a local emulator needs ``AWS_DISABLE_HOST_PREFIX_INJECTION=true``, which only local
    runs set."""
    return _client("iotsitewise")  # type: ignore[no-any-return]


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


def events() -> EventBridgeClient:
    return _client("events")  # type: ignore[no-any-return]


def iam() -> IAMClient:
    return _client("iam")  # type: ignore[no-any-return]


def reset_clients() -> None:
    """Forget cached clients and the invocation's budget (tests that change endpoints or
    credentials, and the local stack after each invocation, call this)."""
    _client.cache_clear()
    _Invocation.budget = None


def endpoint_overrides() -> dict[str, str]:
    """The ``AWS_ENDPOINT_URL*`` variables in force, by service (for `steward info`)."""
    prefix = "AWS_ENDPOINT_URL"
    return {
        (key[len(prefix) + 1 :].lower() or "all"): value
        for key, value in os.environ.items()
        if key == prefix or key.startswith(prefix + "_")
    }
