"""Slack's incoming webhook (``ports.WebhookTransport``): slack_sdk's ``WebhookClient`` with its retry
handlers, and a logger that cannot print the webhook URL.

Retries here: 429 honouring ``Retry-After`` when the wait fits in the invocation (at most
``MAX_RETRY_AFTER_SECONDS``), 500/503 and connection errors with backoff, ``MAX_RETRIES`` each.
https://api.slack.com/messaging/webhooks, https://api.slack.com/apis/rate-limits
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.webhook import WebhookClient

from model_steward.errors import SlackPostError

MAX_RETRIES = 2
MAX_RETRY_AFTER_SECONDS = 5  # a longer Retry-After is left to Lambda's own retries (minutes)
HTTP_TIMEOUT_SECONDS = 5  # worst case (3 attempts + one repost + backoff) stays under the 30 s timeout


class _BoundedRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """Honours 429 Retry-After, but only when the wait fits in this invocation."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        wanted = next((v for k, v in response.headers.items() if k.lower() == "retry-after"), ["1"])
        try:
            return int(wanted[0]) <= MAX_RETRY_AFTER_SECONDS
        except (ValueError, IndexError):
            return True


class _Redact(logging.Filter):
    """Replaces the webhook URL (and its path) in anything slack_sdk logs."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secrets = [secret]
        path = secret.split("://", 1)[-1].partition("/")[2]
        if path:
            self.secrets.append(path)

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        for secret in self.secrets:
            text = text.replace(secret, "[webhook]")
        record.msg, record.args = text, None
        return True


def retry_handlers() -> list[RetryHandler]:
    backoff = BackoffRetryIntervalCalculator(backoff_factor=0.5)
    return [
        _BoundedRateLimitRetryHandler(max_retry_count=MAX_RETRIES),
        ServerErrorRetryHandler(max_retry_count=MAX_RETRIES, interval_calculator=backoff),
        ConnectionErrorRetryHandler(max_retry_count=MAX_RETRIES, interval_calculator=backoff),
    ]


def _webhook(url: str) -> WebhookClient:
    # slack_sdk logs the URL at DEBUG and, on connection errors, at INFO: give it a logger that sits
    # at WARNING and redacts whatever still passes.
    sdk_logger = logging.getLogger("model_steward.slack_sdk")
    sdk_logger.setLevel(logging.WARNING)
    for old in [f for f in sdk_logger.filters if isinstance(f, _Redact)]:
        sdk_logger.removeFilter(old)
    sdk_logger.addFilter(_Redact(url))
    return WebhookClient(
        url, timeout=HTTP_TIMEOUT_SECONDS, logger=sdk_logger, retry_handlers=retry_handlers()
    )


class SlackWebhookTransport:
    """Posts to a Slack incoming webhook; never lets the URL into a log line or an error."""

    max_retries = MAX_RETRIES

    def post(self, url: str, body: Mapping[str, Any]) -> tuple[int, str]:
        try:
            response = _webhook(url).send_dict(dict(body))
        except Exception as exc:
            # urllib's errors name the host at most, but keep the URL out whatever they say.
            raise SlackPostError(f"Slack could not be reached: {type(exc).__name__}") from None
        return response.status_code, response.body
