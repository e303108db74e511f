"""The demo's inbox: an SQS queue subscribed to a deployed stack's alert topic, read as alerts."""

from __future__ import annotations

import json

from emulators.stack import LocalStack
from model_steward.models.alerts import Alert


def subscribe_inbox(stack: LocalStack, name: str) -> str:
    """Subscribe a new queue ``name`` to the stack's alert topic; its URL."""
    sqs, sns = stack.client("sqs"), stack.client("sns")
    url: str = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=stack.outputs["AlertTopicArn"], Protocol="sqs", Endpoint=arn)
    return url


def read_inbox(stack: LocalStack, url: str) -> list[Alert]:
    """The alerts the queue received since the last read (each read removes them)."""
    sqs = stack.client("sqs")
    alerts = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            alerts.append(Alert.model_validate_json(json.loads(message["Body"])["Message"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return alerts
