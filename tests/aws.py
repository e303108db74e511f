"""The AWS side of the tests, shared: a moto sandbox (``mock_aws``) with the ledger table as
template.yaml declares it, and inboxes (SQS queues subscribed to an SNS topic) that read what a
subscriber receives. The local stack's tests use the same inbox against its deployed topic."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from emulators import cfn
from model_steward.models.alerts import Alert
from tests.helpers import ROOT

REGION = "eu-west-1"


def ledger_table_properties() -> dict[str, Any]:
    """The ledger's key schema as deployed (template.yaml), so a test table cannot drift from it."""
    properties = cfn.load_template(ROOT / "template.yaml")["Resources"]["LedgerTable"]["Properties"]
    keys = ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode")
    return {key: properties[key] for key in keys if key in properties}


@dataclass
class Inbox:
    """An SQS queue subscribed to a topic: what a subscriber receives. ``read`` returns what came
    since the last read; ``alerts`` every alert received so far."""

    sqs: Any
    queue_url: str
    received: list[dict[str, Any]] = field(default_factory=list)

    def read(self) -> list[dict[str, Any]]:
        """Every message so far: the alert JSON, the message attributes and the subject."""
        received = []
        while True:
            messages = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get(
                "Messages", []
            )
            if not messages:
                return received
            for message in messages:
                envelope = json.loads(message["Body"])
                received.append(
                    {
                        "alert": json.loads(envelope["Message"]),
                        "attributes": {
                            k: v["Value"] for k, v in envelope.get("MessageAttributes", {}).items()
                        },
                        "subject": envelope.get("Subject"),
                    }
                )
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
            self.received.extend(received[-len(messages) :])

    def alerts(self) -> list[Alert]:
        self.read()
        return [Alert.model_validate(m["alert"]) for m in self.received]

    def for_model(self, name: str) -> list[dict[str, Any]]:
        return [m for m in self.read() if m["alert"].get("model_name") == name]


def subscribe_inbox(sns: Any, sqs: Any, topic_arn: str, name: str) -> Inbox:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn)
    return Inbox(sqs, url)


class AwsSandbox:
    """Inside ``mock_aws``: boto3 clients with the product's own default resolution."""

    region = REGION

    def client(self, service: str) -> Any:
        import boto3

        return boto3.client(service, region_name=self.region)  # type: ignore[call-overload]

    def create_ledger_table(self, name: str = "ledger") -> str:
        self.client("dynamodb").create_table(TableName=name, **ledger_table_properties())
        return name

    def create_bucket(self, name: str) -> str:
        self.client("s3").create_bucket(
            Bucket=name, CreateBucketConfiguration={"LocationConstraint": self.region}
        )
        return name

    def create_topic(self, name: str) -> str:
        return str(self.client("sns").create_topic(Name=name)["TopicArn"])

    def inbox(self, topic_arn: str, name: str) -> Inbox:
        return subscribe_inbox(self.client("sns"), self.client("sqs"), topic_arn, name)
