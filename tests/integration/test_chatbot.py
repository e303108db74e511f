"""The Amazon Q Developer (AWS Chatbot) alternative: its topic receives custom notifications."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from emulators.stack import LocalStack
from tests.integration.retraining import GOOD, PRIOR, retrain, seed_active_model, subscribe_inbox, tick


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    parameters = {
        "DryRun": "false",
        "PolicyCooldownHours": "0",
        "ChatbotSlackWorkspaceId": "T0123ABCD",
        "ChatbotSlackChannelId": "C0123456789",
        "WatchAllModels": "true",
    }
    with LocalStack(parameters) as deployed:
        yield deployed


def test_the_channel_configuration_is_declared_and_reported_as_not_emulated(stack: LocalStack) -> None:
    assert stack.not_emulated.get("ChatbotChannel") == "AWS::Chatbot::SlackChannelConfiguration"
    for function in stack.functions.values():
        assert function.environment["ALERT_CHATBOT_TOPIC_ARN"] == stack.outputs["ChatbotTopicArn"]


def test_a_promotion_reaches_the_chatbot_topic_as_a_custom_notification(stack: LocalStack) -> None:
    sqs, sns = stack.client("sqs"), stack.client("sns")
    url = sqs.create_queue(QueueName="chatbot-inbox")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=stack.outputs["ChatbotTopicArn"], Protocol="sqs", Endpoint=arn)
    alerts = subscribe_inbox(stack)
    seed_active_model(stack, "pump-chat")
    tick(stack)

    version = retrain(stack, "pump-chat", model_metrics=GOOD, prior_model_metrics=PRIOR)
    tick(stack)

    (message,) = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    notification = json.loads(json.loads(message["Body"])["Message"])
    assert notification["version"] == "1.0"
    assert notification["source"] == "custom"
    assert notification["id"] == f"pump-chat#v{version}#PROMOTED"
    assert notification["content"]["textType"] == "client-markdown"
    assert "pump-chat" in notification["content"]["title"]
    assert notification["metadata"]["threadId"] == "pump-chat"
    assert [a["alert"]["kind"] for a in alerts.read()] == ["PROMOTED"]  # the alert topic still gets it
