"""Amazon SNS: publishes alerts to the alert topic (the only module that calls SNS)."""

from __future__ import annotations

import json

from botocore.exceptions import BotoCoreError, ClientError

from model_steward.adapters import aws
from model_steward.domain.messages import chatbot_notification, sns_message
from model_steward.errors import (
    ConfigurationError,
    InvalidInputError,
    NotFoundError,
    StewardError,
    TransientError,
)
from model_steward.models.alerts import Alert
from model_steward.observability import logger, tracer

_TRANSIENT = {
    "Throttled",
    "ThrottlingException",
    "InternalError",
    "InternalFailure",
    "ServiceUnavailable",
    "KMSThrottling",
    "KMSThrottlingException",
    "RequestTimeout",
}
# The deployment is wrong (permissions, the topic's key): a retry will not help, a person must.
_CONFIGURATION = {
    "AuthorizationError",
    "AccessDenied",
    "AccessDeniedException",
    "KMSAccessDenied",
    "KMSDisabled",
    "KMSInvalidState",
    "KMSNotFound",
    "KMSOptInRequired",
    "InvalidSecurity",
}


def translate(exc: ClientError | BotoCoreError, what: str) -> StewardError:
    """Map a botocore error to the domain error a caller can act on."""
    if isinstance(exc, BotoCoreError):
        return TransientError(f"{what}: {exc}")
    code = exc.response.get("Error", {}).get("Code", "")
    message = exc.response.get("Error", {}).get("Message", "")
    text = f"{what}: {code}: {message}".rstrip(": ")
    if code in _TRANSIENT:
        return TransientError(text)
    if code in _CONFIGURATION:
        return ConfigurationError(text)
    if code == "NotFound":
        return NotFoundError(text)
    if code in ("InvalidParameter", "InvalidParameterValue", "ValidationError"):
        return InvalidInputError(text)
    return StewardError(text)


@tracer.capture_method
def publish_alert(topic_arn: str, alert: Alert) -> str:
    """Publish ``alert`` (e-mail text, JSON for Lambda/SQS/HTTPS, filterable attributes); returns
    SNS's message id. Throttling and 5xx are retried by the client's retry mode first."""
    request = sns_message(alert)
    try:
        response = aws.sns().publish(TopicArn=topic_arn, **request)
    except (ClientError, BotoCoreError) as exc:
        raise translate(exc, f"Publish {alert.alert_id}") from exc
    message_id = response["MessageId"]
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


def publish_chatbot(topic_arn: str, alert: Alert) -> str:
    """Publish the alert as an Amazon Q Developer (AWS Chatbot) custom notification."""
    try:
        response = aws.sns().publish(TopicArn=topic_arn, Message=json.dumps(chatbot_notification(alert)))
    except (ClientError, BotoCoreError) as exc:
        raise translate(exc, f"Publish {alert.alert_id} to the Amazon Q Developer topic") from exc
    return response["MessageId"]
