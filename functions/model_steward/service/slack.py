"""Posting the alert topic's messages to Slack: the delivery policy of the Slack notifier.

What a delivery can end in:
- posted (2xx);
- 429 (rate limited; the transport honours Retry-After when the wait fits), 500/503 and
  connection errors are retried by the transport first; if they last, this raises
  ``SlackPostError`` (a ``TransientError``), so Lambda's asynchronous retries and then the
  on-failure destination (the Slack dead-letter queue) take over;
- any other 4xx is permanent (``invalid_payload``, ``invalid_token``, ``action_prohibited``,
  ``no_service``, ``channel_not_found``, ``channel_is_archived``...): retrying cannot help, so the
  alert and Slack's error code go to the Slack dead-letter queue (whose alarm tells people) and the
  delivery succeeds. A refused webhook is re-read from its secret once first, in case it was
  rotated; a rejected payload is retried once as plain text, so a rendering problem still reaches
  the channel.

The webhook URL is a secret: it is never logged, never put in an error message or the dead-letter
queue (https://api.slack.com/messaging/webhooks).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from model_steward.domain.alerts import read_topic_message
from model_steward.domain.messages import payload, render_slack
from model_steward.errors import SlackPostError
from model_steward.models.alerts import Alert
from model_steward.observability import logger, metrics, tracer
from model_steward.ports import DeadLetterQueue, WebhookSecret, WebhookTransport

DEAD_LETTER_REASON = "slack_rejected"
REFUSED_WEBHOOK = frozenset({403, 404, 410})  # the URL may have been rotated: re-read it once


@dataclass(frozen=True)
class TopicMessage:
    """One message the alert topic delivered (an SNS record's subject, text and id)."""

    subject: str | None
    message: str
    message_id: str | None = None


@dataclass(frozen=True)
class Delivery:
    alert_id: str
    status: int
    slack_error: str | None = None
    dead_lettered: bool = False
    plain_text_fallback: bool = False


def slack_error(body: str | None) -> str:
    """Slack answers a refused webhook with a short error code as plain text."""
    code = (body or "").strip().splitlines()[0] if (body or "").strip() else ""
    return "".join(c for c in code if c.isalnum() or c in "_-.")[:100] or "unknown_error"


def _ok(status: int) -> bool:
    return 200 <= status < 300


@dataclass(frozen=True)
class SlackNotifier:
    """Posts alerts to the webhook the secret holds; dead-letters what Slack refuses for good."""

    secret: WebhookSecret
    transport: WebhookTransport
    dead_letters: DeadLetterQueue

    def deliver_all(self, messages: Iterable[TopicMessage]) -> dict[str, Any]:
        """Every message, in order; the handler's answer."""
        deliveries = []
        for message in messages:
            alert, problem = read_topic_message(message.subject, message.message)
            if problem:
                logger.warning("message on the alert topic not understood", extra={"problem": problem})
            logger.append_keys(alert_id=alert.alert_id)
            deliveries.append(self.deliver(alert, sns_message_id=message.message_id))
        return {
            "delivered": [d.alert_id for d in deliveries if not d.dead_lettered],
            "dead_lettered": [
                {"alert_id": d.alert_id, "status": d.status, "slack_error": d.slack_error}
                for d in deliveries
                if d.dead_lettered
            ],
        }

    @tracer.capture_method
    def deliver(self, alert: Alert, *, sns_message_id: str | None = None) -> Delivery:
        """Post one alert; dead-letter it on a permanent refusal; raise SlackPostError on a lasting
        transient failure."""
        url = self.secret.url()
        message = render_slack(alert)
        status, body = self.transport.post(url, message)
        if status in REFUSED_WEBHOOK:
            fresh = self.secret.url(force_fetch=True)
            if fresh != url:
                logger.info("webhook secret changed since it was cached; posting again")
                url = fresh
                status, body = self.transport.post(url, message)
        fallback = False
        if status == 400 and message.get("blocks"):
            status, body = self.transport.post(url, {"text": message["text"]})
            fallback = _ok(status)
            if fallback:
                logger.warning(
                    "Slack refused the blocks; the alert was posted as plain text",
                    extra={"alert_id": alert.alert_id},
                )
        if _ok(status):
            metrics.add_metric(name="SlackPosted", unit=MetricUnit.Count, value=1)
            return Delivery(alert_id=alert.alert_id, status=status, plain_text_fallback=fallback)
        error = slack_error(body)
        if status == 429 or status >= 500:
            raise SlackPostError(
                f"Slack answered {status} {error} after {self.transport.max_retries} retries"
            )
        self.dead_letter(alert, status=status, error=error, sns_message_id=sns_message_id)
        logger.error(
            "Slack refused the alert; it is in the Slack dead-letter queue",
            extra={"alert_id": alert.alert_id, "status": status, "slack_error": error},
        )
        metrics.add_metric(name="SlackDeadLettered", unit=MetricUnit.Count, value=1)
        return Delivery(alert_id=alert.alert_id, status=status, slack_error=error, dead_lettered=True)

    def dead_letter(self, alert: Alert, *, status: int, error: str, sns_message_id: str | None) -> None:
        """The alert and Slack's answer (never the webhook URL) on the Slack dead-letter queue; a
        failure raises, handing the event to Lambda's retries and on-failure destination."""
        self.dead_letters.send(
            {
                "reason": DEAD_LETTER_REASON,
                "status": status,
                "slack_error": error,
                "sns_message_id": sns_message_id,
                "failed_at": datetime.now(UTC).isoformat(),
                "alert": payload(alert),
            }
        )
