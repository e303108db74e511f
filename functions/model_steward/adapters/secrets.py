"""AWS Secrets Manager: the Slack incoming-webhook URL (never logged, never in an error message).

Read with Powertools parameters, cached for ``MAX_AGE_SECONDS`` per process, through the package's
own Secrets Manager client (its endpoint and retry configuration). The secret holds either the URL
as a plain string or a JSON object with ``webhook_url`` (or ``url``).
"""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.parameters import SecretsProvider
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError
from botocore.exceptions import BotoCoreError, ClientError

from model_steward.adapters import aws
from model_steward.errors import ConfigurationError, TransientError

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

MAX_AGE_SECONDS = 300
_URL_KEYS = ("webhook_url", "url", "slack_webhook_url")
_CONFIGURATION_CODES = {
    "ResourceNotFoundException",
    "AccessDeniedException",
    "DecryptionFailure",
    "InvalidRequestException",
    "InvalidParameterException",
}

_lock = threading.Lock()
_provider: tuple[SecretsManagerClient, SecretsProvider] | None = None


def _secrets_provider() -> SecretsProvider:
    """One provider (and its cache) per Secrets Manager client: a new client (tests resetting the
    endpoints) gets a fresh provider, a warm Lambda keeps its cache."""
    global _provider  # noqa: PLW0603 - a per-process cache, like the clients' own
    client = aws.secretsmanager()
    with _lock:
        if _provider is None or _provider[0] is not client:
            _provider = (client, SecretsProvider(boto3_client=client))
        return _provider[1]


def _url_from(value: str) -> str | None:
    text = value.strip()
    if text.startswith("{"):
        try:
            document: Any = json.loads(text)
        except json.JSONDecodeError:
            return None
        if not isinstance(document, dict):
            return None
        found = next((document[k] for k in _URL_KEYS if isinstance(document.get(k), str)), None)
        return found.strip() if found else None
    return text or None


def slack_webhook_url(secret_arn: str, *, force_fetch: bool = False) -> str:
    """The webhook URL held by ``secret_arn`` (cached ``MAX_AGE_SECONDS``; ``force_fetch`` re-reads it,
    e.g. after Slack refused the cached one)."""
    try:
        value = _secrets_provider().get(secret_arn, max_age=MAX_AGE_SECONDS, force_fetch=force_fetch)
    except GetParameterError as exc:
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, ClientError):
            code = cause.response.get("Error", {}).get("Code", "")
            text = f"Slack webhook secret {secret_arn}: {code}"
            if code in _CONFIGURATION_CODES:
                raise ConfigurationError(text) from None
            raise TransientError(text) from None
        if isinstance(cause, BotoCoreError):
            raise TransientError(f"Slack webhook secret {secret_arn}: {type(cause).__name__}") from None
        raise TransientError(f"Slack webhook secret {secret_arn} could not be read") from None
    url = _url_from(value) if isinstance(value, str) else None
    if not url or not url.startswith(("https://", "http://")) or any(c.isspace() for c in url):
        # Never echo the value: it is (or contains) the secret.
        raise ConfigurationError(
            f"Slack webhook secret {secret_arn} holds no webhook URL: store the URL itself, or a JSON "
            'object {"webhook_url": "https://hooks.slack.com/services/..."}'
        )
    return url
