"""slack_notifier: subscribed to the alert topic; posts each alert to Slack's incoming webhook.

What a delivery can end in:
- posted (2xx);
- 429 (rate limited, honouring Retry-After up to ``MAX_RETRY_AFTER_SECONDS``), 500/503 and
  connection errors are retried here first; if they last, the invocation raises, so Lambda's
  asynchronous retries and then the on-failure destination (the Slack dead-letter queue) take over;
- any other 4xx is permanent (``invalid_payload``, ``invalid_token``, ``action_prohibited``,
  ``no_service``, ``channel_not_found``, ``channel_is_archived``...): retrying cannot help, so the
  alert and Slack's error code go to the Slack dead-letter queue (whose alarm tells people) and the
  invocation succeeds. A refused webhook is re-read from Secrets Manager once first, in case it was
  rotated; a rejected payload is retried once as plain text, so a rendering problem still reaches
  the channel.

The webhook URL is a secret: it is never logged, never put in an error message or the
dead-letter queue, and slack_sdk gets a logger that cannot print it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import SNSEvent
from aws_lambda_powertools.utilities.data_classes.sns_event import SNSEventRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError
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

from model_steward.adapters import aws, secrets
from model_steward.domain.alerts import for_cloudwatch_alarm, for_unrecognised_message
from model_steward.domain.messages import payload, render_slack
from model_steward.errors import StewardError, TransientError
from model_steward.models.alerts import Alert
from model_steward.models.settings import SlackNotifierSettings, load_settings
from model_steward.observability import logger, metrics, tracer

MAX_RETRIES = 2
MAX_RETRY_AFTER_SECONDS = 5  # a longer Retry-After is left to Lambda's own retries (minutes)
HTTP_TIMEOUT_SECONDS = 5  # worst case (3 attempts + one repost + backoff) stays under the 30 s timeout
DEAD_LETTER_REASON = "slack_rejected"
_REFUSED_WEBHOOK = {403, 404, 410}  # the URL may have been rotated: re-read it once


class SlackPostError(TransientError):
    """Slack could not be reached, or kept failing, through every retry."""


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


@dataclass(frozen=True)
class Delivery:
    alert_id: str
    status: int
    slack_error: str | None = None
    dead_lettered: bool = False
    plain_text_fallback: bool = False


# ---------------------------------------------------------------------------------------------
# Reading what the topic delivered.


def alert_from_record(record: SNSEventRecord) -> Alert:
    """The Alert in an SNS record: Model Steward's JSON payload, a CloudWatch alarm (the template's
    alarms publish to the same topic) or, for anything else, an alert that shows the message."""
    message = record.sns.message
    try:
        document: Any = json.loads(message)
    except json.JSONDecodeError:
        return for_unrecognised_message(record.sns.subject, message)
    if isinstance(document, dict) and "schema_version" in document and "kind" in document:
        try:
            return Alert.model_validate(document)
        except ValidationError as exc:
            logger.warning("alert payload does not match the schema", extra={"errors": exc.error_count()})
    if isinstance(document, dict) and "AlarmName" in document and "NewStateValue" in document:
        return for_cloudwatch_alarm(document)
    return for_unrecognised_message(record.sns.subject, message)


# ---------------------------------------------------------------------------------------------
# Posting.


def _slack_error(body: str | None) -> str:
    """Slack answers a refused webhook with a short error code as plain text."""
    code = (body or "").strip().splitlines()[0] if (body or "").strip() else ""
    return "".join(c for c in code if c.isalnum() or c in "_-.")[:100] or "unknown_error"


def _post(url: str, body: dict[str, Any]) -> tuple[int, str]:
    try:
        response = _webhook(url).send_dict(body)
    except Exception as exc:
        # urllib's errors name the host at most, but keep the URL out whatever they say.
        raise SlackPostError(f"Slack could not be reached: {type(exc).__name__}") from None
    return response.status_code, response.body


@tracer.capture_method
def deliver(alert: Alert, settings: SlackNotifierSettings, *, sns_message_id: str | None = None) -> Delivery:
    """Post one alert; dead-letter it on a permanent refusal; raise SlackPostError on a lasting
    transient failure."""
    url = secrets.slack_webhook_url(settings.slack_webhook_secret_arn)
    message = render_slack(alert)
    status, body = _post(url, message)
    if status in _REFUSED_WEBHOOK:
        fresh = secrets.slack_webhook_url(settings.slack_webhook_secret_arn, force_fetch=True)
        if fresh != url:
            logger.info("webhook secret changed since it was cached; posting again")
            url = fresh
            status, body = _post(url, message)
    fallback = False
    if status == 400 and message.get("blocks"):
        status, body = _post(url, {"text": message["text"]})
        fallback = 200 <= status < 300
        if fallback:
            logger.warning(
                "Slack refused the blocks; the alert was posted as plain text",
                extra={"alert_id": alert.alert_id},
            )
    if 200 <= status < 300:
        metrics.add_metric(name="SlackPosted", unit=MetricUnit.Count, value=1)
        return Delivery(alert_id=alert.alert_id, status=status, plain_text_fallback=fallback)
    error = _slack_error(body)
    if status == 429 or status >= 500:
        raise SlackPostError(f"Slack answered {status} {error} after {MAX_RETRIES} retries")
    dead_letter(alert, settings, status=status, slack_error=error, sns_message_id=sns_message_id)
    logger.error(
        "Slack refused the alert; it is in the Slack dead-letter queue",
        extra={"alert_id": alert.alert_id, "status": status, "slack_error": error},
    )
    metrics.add_metric(name="SlackDeadLettered", unit=MetricUnit.Count, value=1)
    return Delivery(alert_id=alert.alert_id, status=status, slack_error=error, dead_lettered=True)


def dead_letter(
    alert: Alert,
    settings: SlackNotifierSettings,
    *,
    status: int,
    slack_error: str,
    sns_message_id: str | None,
) -> None:
    """The alert and Slack's answer (never the webhook URL) on the Slack dead-letter queue."""
    body = {
        "reason": DEAD_LETTER_REASON,
        "status": status,
        "slack_error": slack_error,
        "sns_message_id": sns_message_id,
        "failed_at": datetime.now(UTC).isoformat(),
        "alert": payload(alert),
    }
    try:
        aws.sqs().send_message(QueueUrl=settings.slack_dead_letter_queue_url, MessageBody=json.dumps(body))
    except (ClientError, BotoCoreError) as exc:
        # Raising hands the event to Lambda's retries and on-failure destination: not lost.
        raise TransientError(f"Slack dead-letter queue: {type(exc).__name__}: {exc}") from exc


def deliver_event(event: SNSEvent, settings: SlackNotifierSettings) -> list[Delivery]:
    deliveries = []
    for record in event.records:
        alert = alert_from_record(record)
        logger.append_keys(alert_id=alert.alert_id)
        deliveries.append(deliver(alert, settings, sns_message_id=record.sns.message_id))
    return deliveries


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = load_settings(SlackNotifierSettings)
    try:
        deliveries = deliver_event(SNSEvent(event), settings)
    except StewardError as exc:
        logger.error("Slack delivery failed; Lambda retries it", extra={"error": str(exc)})
        raise
    return {
        "delivered": [d.alert_id for d in deliveries if not d.dead_lettered],
        "dead_lettered": [
            {"alert_id": d.alert_id, "status": d.status, "slack_error": d.slack_error}
            for d in deliveries
            if d.dead_lettered
        ],
    }
