"""Alerts through the deployed alert topic: what an SQS subscriber and the Slack notifier receive.

An SQS queue is subscribed to the topic the stack created (RawMessageDelivery false, as most
subscribers have it); every kind of alert is published with ``SnsAlertPublisher`` in the evaluate
function's environment; the queue must receive the structured JSON body and the filterable
attributes. Then the Slack notifier is invoked with the SNS delivery built from the real published
message, and the local Slack webhook must receive the Block Kit message.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from model_steward.adapters.sns import SnsAlertPublisher
from model_steward.domain.messages import render_email, render_slack
from model_steward.domain.samples import sample_alert
from model_steward.errors import NotFoundError
from model_steward.models.alerts import Alert, AlertKind, AlertSeverity
from tests.fakes.slack_server import LocalStackWithSlackSecret, SlackServer
from tests.helpers import load_event
from tests.integration.conftest import OPERATOR_ARN

SAMPLES = {kind: sample_alert(kind) for kind in AlertKind}

# The filter policy proposed for the e-mail subscription (AlertEmailMinimumSeverity WARNING): the
# severities at or above the minimum, or no severity at all (the CloudWatch alarms' messages).
EMAIL_FILTER_POLICY = {
    "$or": [{"severity": AlertSeverity.at_least("WARNING")}, {"severity": [{"exists": False}]}]
}


@pytest.fixture(scope="module")
def slack(slack_server: SlackServer) -> SlackServer:
    """The shared local Slack webhook (tests/conftest.py)."""
    return slack_server


@pytest.fixture(scope="module")
def stack(slack: SlackServer) -> Iterator[LocalStackWithSlackSecret]:
    # The operator stands in for a CloudWatch alarm publishing to the topic (moto has no alarms that
    # act), so it is named among the topic's publishers.
    deployed = LocalStackWithSlackSecret(
        slack.url, {"AlertEmail": "reliability@example.com", "AlertPublisherArns": OPERATOR_ARN}
    )
    with deployed:
        yield deployed


def subscribe_queue(
    stack: LocalStackWithSlackSecret, name: str, filter_policy: dict[str, Any] | None = None
) -> str:
    sqs = stack.client("sqs")
    url: str = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    attributes = {"RawMessageDelivery": "false"}
    if filter_policy is not None:
        attributes["FilterPolicy"] = json.dumps(filter_policy)
    stack.client("sns").subscribe(
        TopicArn=stack.outputs["AlertTopicArn"], Protocol="sqs", Endpoint=arn, Attributes=attributes
    )
    return url


def drain(stack: LocalStackWithSlackSecret, url: str) -> list[dict[str, Any]]:
    sqs = stack.client("sqs")
    found = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in batch:
            found.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return found


@pytest.fixture(scope="module")
def delivered(stack: LocalStackWithSlackSecret) -> dict[str, Any]:
    """Every sample kind published once; what each queue received, by alert id."""
    everything = subscribe_queue(stack, "alerts-everything")
    serious = subscribe_queue(stack, "alerts-warning-and-up", EMAIL_FILTER_POLICY)
    with stack.function_environment("EvaluateFunction") as function:
        topic = function.environment["ALERT_TOPIC_ARN"]
        message_ids = {alert.alert_id: SnsAlertPublisher(topic).publish(alert) for alert in SAMPLES.values()}
    stack.client("sns").publish(
        TopicArn=topic, Message=json.dumps({"AlarmName": "x", "NewStateValue": "ALARM"})
    )
    return {
        "message_ids": message_ids,
        "everything": drain(stack, everything),
        "serious": drain(stack, serious),
    }


def by_alert_id(envelopes: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        envelope["MessageAttributes"]["alert_id"]["Value"]: envelope
        for envelope in envelopes
        if "alert_id" in envelope.get("MessageAttributes", {})
    }


@pytest.mark.parametrize("kind", list(AlertKind))
def test_the_sqs_subscriber_receives_the_alert_json_and_its_attributes(
    kind: AlertKind, delivered: dict[str, Any]
) -> None:
    alert = SAMPLES[kind]

    envelope = by_alert_id(delivered["everything"])[alert.alert_id]

    assert envelope["MessageId"] == delivered["message_ids"][alert.alert_id]
    assert envelope["Subject"] == render_email(alert)[0]
    assert Alert.model_validate_json(envelope["Message"]) == alert
    assert json.loads(envelope["Message"])["schema_version"] == 1
    attributes = {
        name: (value["Type"], value["Value"]) for name, value in envelope["MessageAttributes"].items()
    }
    expected = {
        "kind": ("String", kind.value),
        "outcome": ("String", kind.value),
        "severity": ("String", alert.severity.value),
        "severity_rank": ("Number", str(alert.severity.rank)),
        "alert_id": ("String", alert.alert_id),
    }
    if alert.model_name:
        expected["model"] = ("String", alert.model_name)
    if alert.version is not None:
        expected["version"] = ("Number", str(alert.version))
    assert attributes == expected


def test_a_minimum_severity_filter_policy_lets_through_warnings_criticals_and_alarms(
    delivered: dict[str, Any],
) -> None:
    serious = delivered["serious"]

    assert set(by_alert_id(serious)) == {
        a.alert_id for a in SAMPLES.values() if a.severity.rank >= AlertSeverity.WARNING.rank
    }
    assert [e for e in serious if "alert_id" not in e.get("MessageAttributes", {})]  # the alarm


def test_the_slack_notifier_posts_what_the_topic_delivered(
    delivered: dict[str, Any], slack: SlackServer, stack: LocalStackWithSlackSecret
) -> None:
    slack.reset()
    for kind in (AlertKind.PROMOTED, AlertKind.HELD, AlertKind.DIAGNOSTICS_SUMMARY, AlertKind.DIGEST):
        alert = SAMPLES[kind]
        envelope = by_alert_id(delivered["everything"])[alert.alert_id]
        event = load_event("sns-alert-delivery.json")
        record = event["Records"][0]
        record["EventSubscriptionArn"] = f"{envelope['TopicArn']}:0b3f2a65-4d5e-4c1f-9a6b-2d7e8f9a0b1c"
        record["Sns"].update(
            {key: envelope[key] for key in ("MessageId", "TopicArn", "Subject", "Message", "Timestamp")}
        )
        record["Sns"]["MessageAttributes"] = envelope["MessageAttributes"]

        result = stack.invoke("SlackNotifierFunction", event)

        assert result == {"delivered": [alert.alert_id], "dead_lettered": []}
        assert slack.received[-1].body == json.loads(json.dumps(render_slack(alert)))
    assert len(slack.received) == 4


def test_publishing_to_a_missing_topic_is_a_domain_error(stack: LocalStackWithSlackSecret) -> None:
    missing = stack.outputs["AlertTopicArn"].rsplit(":", 1)[0] + ":no-such-topic"

    # As the operator (`steward notify`): a function's role may publish to its own topic only, so
    # for it SNS would refuse the call (AuthorizationError) before looking the topic up.
    with pytest.raises(NotFoundError):
        SnsAlertPublisher(missing).publish(SAMPLES[AlertKind.PROMOTED])
