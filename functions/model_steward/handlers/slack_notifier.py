"""slack_notifier: subscribed to the alert topic; posts each alert to Slack's incoming webhook.

The delivery policy (rotated-secret re-read, plain-text fallback, dead-letter) is
:class:`model_steward.service.slack.SlackNotifier`; the transport (bounded 429 waits, retries,
redaction of the webhook URL) is :mod:`model_steward.adapters.slack`. A lasting failure raises, so
Lambda's asynchronous retries and then the on-failure destination take over.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.data_classes import SNSEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from model_steward.compose.slack_notifier import slack_notifier_service
from model_steward.domain.budget import Budget
from model_steward.errors import StewardError
from model_steward.models.settings import SlackNotifierSettings, load_settings
from model_steward.observability import logger, metrics, tracer
from model_steward.service.slack import TopicMessage


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    budget = Budget(context.get_remaining_time_in_millis)
    notifier = slack_notifier_service(load_settings(SlackNotifierSettings), budget)
    records = SNSEvent(event).records
    messages = [TopicMessage(r.sns.subject, r.sns.message, r.sns.message_id) for r in records]
    try:
        return notifier.deliver_all(messages)
    except StewardError as exc:
        logger.error("Slack delivery failed; Lambda retries it", extra={"error": str(exc)})
        raise
