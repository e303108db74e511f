"""slack_notifier: subscribed to the alert topic; posts each alert to Slack.

Foundation stage: validates the delivery and fails honestly, so deliveries go to the dead-letter
queue (with its alarm) rather than vanish. Posting to Slack arrives with the notifications issue (#5).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.data_classes import SNSEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from model_steward.models.settings import SlackNotifierSettings, load_settings
from model_steward.observability import logger, metrics, tracer


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    load_settings(SlackNotifierSettings)
    messages = [record.sns.message_id for record in SNSEvent(event).records]
    raise NotImplementedError(f"posting {len(messages)} alert(s) to Slack arrives with issue #5")
