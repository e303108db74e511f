"""The per-model policy overrides document in SSM Parameter Store (``ports.PolicyDocument``).

Read with Powertools parameters through the package's own SSM client (its endpoint and retry
configuration), cached ``CACHE_SECONDS`` per process. Failures are classified by the error code of
the SDK error behind Powertools' ``GetParameterError`` (``adapters.errors``).
"""

from __future__ import annotations

from aws_lambda_powertools.utilities.parameters import SSMProvider
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError
from botocore.exceptions import BotoCoreError, ClientError

from model_steward.adapters import aws
from model_steward.adapters.errors import cause_of, translate
from model_steward.adapters.providers import provider_for
from model_steward.errors import ConfigurationError, NotFoundError, StewardError

CACHE_SECONDS = 60  # a changed document is in force within a minute


class SsmPolicyDocument:
    def __init__(self, name: str) -> None:
        self.name = name

    def read(self) -> str:
        provider = provider_for(aws.ssm(), SSMProvider)
        try:
            value = provider.get(self.name, max_age=CACHE_SECONDS)
        except GetParameterError as exc:
            raise self._error(exc) from exc
        return str(value)

    def _error(self, exc: GetParameterError) -> StewardError:
        cause = cause_of(exc)
        what = f"policy document {self.name}"
        if not isinstance(cause, ClientError | BotoCoreError):
            return StewardError(f"cannot read the {what}: {exc}")
        error = translate(cause, f"GetParameter {self.name}")
        if isinstance(error, NotFoundError):
            return NotFoundError(f"{what} does not exist in SSM Parameter Store ({error})")
        if isinstance(error, ConfigurationError):
            return ConfigurationError(f"no permission to read the {what}: {error}")
        return error


def clear_cache() -> None:
    """Forget cached parameters and secrets (a new process would not have them)."""
    from model_steward.adapters import providers

    providers.clear()
