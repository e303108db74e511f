"""AWS Secrets Manager: the Slack incoming-webhook URL (``ports.WebhookSecret``), never logged,
never in an error message.

Read with Powertools parameters, cached for ``MAX_AGE_SECONDS`` per process, through the package's
own Secrets Manager client (its endpoint and retry configuration). The secret holds either the URL
as a plain string or a JSON object with ``webhook_url`` (or ``url``). The secret is part of the
deployment's configuration: any failure to read it that a retry cannot mend (not found, access
denied, a key it cannot be decrypted with) is a ``ConfigurationError``.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.parameters import SecretsProvider
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError
from botocore.exceptions import ClientError

from model_steward.adapters import aws
from model_steward.adapters.errors import cause_of, error_code, translate
from model_steward.adapters.providers import provider_for
from model_steward.errors import ConfigurationError, TransientError

MAX_AGE_SECONDS = 300
_URL_KEYS = ("webhook_url", "url", "slack_webhook_url")


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


def _unreadable(secret_arn: str, exc: GetParameterError) -> Exception:
    """The domain error for a failed read; never the SDK's message (it may quote the secret)."""
    cause = cause_of(exc)
    if cause is None:
        return TransientError(f"Slack webhook secret {secret_arn} could not be read")
    name = error_code(cause) if isinstance(cause, ClientError) else type(cause).__name__
    text = f"Slack webhook secret {secret_arn}: {name}"
    if isinstance(translate(cause, ""), TransientError):
        return TransientError(text)
    return ConfigurationError(text)


class SecretsManagerWebhook:
    """The webhook URL held by ``secret_arn``."""

    def __init__(self, secret_arn: str) -> None:
        self.secret_arn = secret_arn

    def url(self, *, force_fetch: bool = False) -> str:
        """The URL (cached ``MAX_AGE_SECONDS``; ``force_fetch`` re-reads it, e.g. after Slack refused
        the cached one)."""
        provider = provider_for(aws.secretsmanager(), SecretsProvider)
        try:
            value = provider.get(self.secret_arn, max_age=MAX_AGE_SECONDS, force_fetch=force_fetch)
        except GetParameterError as exc:
            raise _unreadable(self.secret_arn, exc) from None
        url = _url_from(value) if isinstance(value, str) else None
        if not url or not url.startswith(("https://", "http://")) or any(c.isspace() for c in url):
            # Never echo the value: it is (or contains) the secret.
            raise ConfigurationError(
                f"Slack webhook secret {self.secret_arn} holds no webhook URL: store the URL itself, or "
                'a JSON object {"webhook_url": "https://hooks.slack.com/services/..."}'
            )
        return url
