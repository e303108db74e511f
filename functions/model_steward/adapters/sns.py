"""Amazon SNS: publishes alerts (``ports.AlertPublisher``); the only module that calls SNS.

Two publishers: the alert topic (e-mail text, JSON for Lambda/SQS/HTTPS subscribers, filterable
attributes) and the Amazon Q Developer in chat applications topic (its custom-notification schema,
https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html).
"""

from __future__ import annotations

import json

from model_steward.adapters import aws
from model_steward.adapters.errors import call
from model_steward.domain.messages import chatbot_notification, sns_message
from model_steward.models.alerts import Alert
from model_steward.observability import logger, tracer


class SnsAlertPublisher:
    """The alert topic: what e-mail subscribers, the Slack notifier and any other subscriber get."""

    def __init__(self, topic_arn: str) -> None:
        self.topic_arn = topic_arn

    @tracer.capture_method
    def publish(self, alert: Alert) -> str:
        """Publish ``alert``; returns SNS's message id. Throttling and 5xx are retried by the
        client's retry mode first."""
        request = sns_message(alert)
        response = call(aws.sns(), "publish", f"Publish {alert.alert_id}", TopicArn=self.topic_arn, **request)
        message_id = str(response["MessageId"])
        logger.info(
            "alert published",
            extra={
                "alert_id": alert.alert_id,
                "kind": alert.kind,
                "severity": alert.severity,
                "message_id": message_id,
            },
        )
        return message_id


class ChatbotPublisher:
    """The Amazon Q Developer (AWS Chatbot) topic: the alert as a custom notification."""

    def __init__(self, topic_arn: str) -> None:
        self.topic_arn = topic_arn

    def publish(self, alert: Alert) -> str:
        response = call(
            aws.sns(),
            "publish",
            f"Publish {alert.alert_id} to the Amazon Q Developer topic",
            TopicArn=self.topic_arn,
            Message=json.dumps(chatbot_notification(alert)),
        )
        return str(response["MessageId"])
