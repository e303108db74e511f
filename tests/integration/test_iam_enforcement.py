"""The local stack enforces IAM: each function runs as its deployed role, and a call the role does
not allow fails as it would in AWS (moto, and the Lookout for Equipment emulator through moto)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from emulators.iam import OPERATOR_USER, Credentials
from emulators.stack import LocalStack
from model_steward import cli
from model_steward.adapters import aws
from tests.integration.retraining import PRIOR, seed_active_model, subscribe_inbox


def role_client(stack: LocalStack, function: str, service: str) -> Any:
    """A client with the credentials ``invoke`` gives the function (its execution role's)."""
    with stack.function_environment(function):
        return aws.lookout() if service == "lookoutequipment" else boto3.session.Session().client(service)


def error_of(call: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response["Error"]["Code"], raised.value.response["Error"]["Message"]


def test_each_function_runs_with_credentials_of_its_own_role(full_stack: LocalStack) -> None:
    for logical_id, function in full_stack.functions.items():
        sts = role_client(full_stack, logical_id, "sts")
        role_name = function.role_arn.rsplit("/", 1)[1]

        caller = sts.get_caller_identity()["Arn"]

        assert caller.startswith(f"arn:aws:sts::{full_stack.account_id}:assumed-role/{role_name}/")


def test_a_call_the_role_does_not_allow_is_refused_with_the_service_error(full_stack: LocalStack) -> None:
    table = full_stack.resources["LedgerTable"]
    dynamodb = role_client(full_stack, "WatchFunction", "dynamodb")

    code, message = error_of(lambda: dynamodb.describe_time_to_live(TableName=table))

    assert code == "AccessDeniedException"
    assert (
        f"dynamodb:DescribeTimeToLive on resource: arn:aws:dynamodb:eu-west-1:123456789012:table/{table}"
        in (message)
    )


def test_the_lookout_emulator_authorises_the_caller_of_each_request(full_stack: LocalStack) -> None:
    full_stack.lookout.seed_model("pump-iam")
    full_stack.lookout.add_version("pump-iam", activate=True)
    full_stack.lookout.add_version("pump-iam")
    watch = role_client(full_stack, "WatchFunction", "lookoutequipment")

    assert [m["ModelName"] for m in watch.list_models()["ModelSummaries"]]  # its role allows this
    code, message = error_of(lambda: watch.update_active_model_version(ModelName="pump-iam", ModelVersion=2))

    assert code == "AccessDeniedException"
    assert "assumed-role/model-steward-local-WatchFunctionRole" in message
    assert f"on resource: {full_stack.lookout.model_arn('pump-iam')}" in message
    assert full_stack.lookout.active_version("pump-iam") == 1


@pytest.mark.parametrize(
    ("credentials", "expected"),
    [
        (Credentials("AKIAUNKNOWNKEY000000", "secret"), "UnrecognizedClientException"),
        (None, "InvalidSignatureException"),  # the operator's key with a wrong secret
    ],
)
def test_the_lookout_emulator_refuses_unknown_keys_and_bad_signatures(
    full_stack: LocalStack, credentials: Credentials | None, expected: str
) -> None:
    assert full_stack.operator is not None
    credentials = credentials or Credentials(full_stack.operator.access_key_id, "not-the-secret")
    client = boto3.client(
        "lookoutequipment",
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
    )

    code, _ = error_of(client.list_models)

    assert code == expected


def test_publishing_to_a_topic_encrypted_with_the_alert_key_needs_the_kms_actions_sns_uses(
    full_stack: LocalStack,
) -> None:
    key = full_stack.outputs["AlertKeyArn"]
    topic = full_stack.client("sns").create_topic(Name="kms-probe", Attributes={"KmsMasterKeyId": key})[
        "TopicArn"
    ]
    publish_only = {"Effect": "Allow", "Action": "sns:Publish", "Resource": topic}
    via_sns = {"StringEquals": {"kms:ViaService": "sns.eu-west-1.amazonaws.com"}}
    encrypt_only = {"Effect": "Allow", "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": key}  # ff47092
    data_keys = {**encrypt_only, "Action": ["kms:GenerateDataKey*", "kms:Decrypt"], "Condition": via_sns}

    without_data_keys = publisher(full_stack, "publisher-encrypt-only", [publish_only, encrypt_only])
    with_data_keys = publisher(full_stack, "publisher-data-keys", [publish_only, data_keys])

    code, message = error_of(lambda: without_data_keys.publish(TopicArn=topic, Message="hello"))
    assert code == "KMSAccessDenied"
    assert f"kms:GenerateDataKey on resource: {key}" in message
    assert with_data_keys.publish(TopicArn=topic, Message="hello")["MessageId"]


def test_only_the_stack_publishes_to_the_alert_topic(full_stack: LocalStack) -> None:
    """The topic policy denies any other principal, even one its own policies let publish."""
    topic, key = full_stack.outputs["AlertTopicArn"], full_stack.outputs["AlertKeyArn"]
    anyone = publisher(
        full_stack,
        "publisher-outside-the-stack",
        [
            {"Effect": "Allow", "Action": "sns:Publish", "Resource": "*"},
            {"Effect": "Allow", "Action": ["kms:GenerateDataKey*", "kms:Decrypt"], "Resource": key},
        ],
    )

    code, message = error_of(lambda: anyone.publish(TopicArn=topic, Message='{"forged": true}'))
    assert code == "AuthorizationError"
    assert "explicit deny in a resource-based policy" in message
    assert role_client(full_stack, "EvaluateFunction", "sns").publish(TopicArn=topic, Message="{}")[
        "MessageId"
    ]


def test_every_queue_and_topic_of_the_stack_refuses_plain_http(full_stack: LocalStack) -> None:
    sqs, sns = full_stack.client("sqs"), full_stack.client("sns")
    queues = [name for name, kind in full_stack.resource_types.items() if kind == "AWS::SQS::Queue"]
    topics = [full_stack.outputs["AlertTopicArn"]]
    policies = [
        sqs.get_queue_attributes(QueueUrl=full_stack.resources[name], AttributeNames=["Policy"])[
            "Attributes"
        ]["Policy"]
        for name in queues
    ] + [sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"] for arn in topics]

    # evaluate, its dead letters, schedule, diagnostics and Slack dead letters, approvals and theirs
    assert len(queues) == 7
    for policy in policies:
        (tls,) = [s for s in json.loads(policy)["Statement"] if s.get("Sid") == "DenyInsecureTransport"]
        assert tls["Effect"] == "Deny"
        assert tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def publisher(stack: LocalStack, name: str, statements: list[dict[str, Any]]) -> Any:
    """An SNS client of a new role holding only ``statements`` (created by the operator)."""
    iam = stack.client("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{stack.account_id}:user/{OPERATOR_USER}"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    iam.put_role_policy(
        RoleName=name,
        PolicyName="only",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
    )
    found = stack.client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName=name)["Credentials"]
    return boto3.client(
        "sns",
        aws_access_key_id=found["AccessKeyId"],
        aws_secret_access_key=found["SecretAccessKey"],
        aws_session_token=found["SessionToken"],
    )


def test_the_evaluate_role_may_activate_only_the_watched_models(full_stack: LocalStack) -> None:
    """full_stack watches compressor-07 by name and every model starting with pump-."""
    for name in ("compressor-07", "pump-77", "compressor-08"):
        full_stack.lookout.seed_model(name)
        full_stack.lookout.add_version(name, activate=True)
        full_stack.lookout.add_version(name)
    evaluate = role_client(full_stack, "EvaluateFunction", "lookoutequipment")

    evaluate.update_active_model_version(ModelName="compressor-07", ModelVersion=2)
    evaluate.update_active_model_version(ModelName="pump-77", ModelVersion=2)
    code, message = error_of(lambda: evaluate.describe_model(ModelName="compressor-08"))

    assert code == "AccessDeniedException"
    assert "lookoutequipment:DescribeModel" in message
    assert error_of(lambda: evaluate.update_active_model_version(ModelName="compressor-08", ModelVersion=2))[
        0
    ] == ("AccessDeniedException")
    assert [full_stack.lookout.active_version(n) for n in ("compressor-07", "pump-77", "compressor-08")] == [
        2,
        2,
        1,
    ]


def test_the_diagnostics_role_reads_diagnostics_files_and_writes_only_summaries_and_reports(
    full_stack: LocalStack,
) -> None:
    bucket = full_stack.outputs["DiagnosticsBucketName"]
    folder = "plant-b/pump-01/model-version-3"
    full_stack.client("s3").put_object(Bucket=bucket, Key="plant-b/secrets.csv", Body=b"x")
    full_stack.client("s3").put_object(
        Bucket=bucket, Key=f"{folder}/model_diagnostics_results.json.gz", Body=b"\x1f\x8b"
    )
    s3 = role_client(full_stack, "DiagnosticsFunction", "s3")

    assert s3.get_object(Bucket=bucket, Key=f"{folder}/model_diagnostics_results.json.gz")["Body"].read()
    s3.put_object(Bucket=bucket, Key=f"{folder}/model_diagnostics_summary.json", Body=b"{}")
    s3.put_object(Bucket=bucket, Key=f"{folder}/model_diagnostics_report.html", Body=b"<html></html>")
    refused = [
        lambda: s3.get_object(Bucket=bucket, Key="plant-b/secrets.csv"),
        lambda: s3.put_object(Bucket=bucket, Key="plant-b/secrets.csv", Body=b"overwritten"),
        lambda: s3.put_object(Bucket=bucket, Key=f"{folder}/model_diagnostics_results.json.gz", Body=b""),
        lambda: s3.put_object_acl(
            Bucket=bucket, Key=f"{folder}/model_diagnostics_summary.json", ACL="public-read"
        ),
        lambda: s3.put_bucket_lifecycle_configuration(
            Bucket=bucket,
            LifecycleConfiguration={
                "Rules": [
                    {"ID": "wipe", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 1}}
                ]
            },
        ),
    ]
    assert [error_of(call)[0] for call in refused] == ["AccessDenied"] * len(refused)


def test_a_manual_action_of_an_operator_not_named_as_publisher_is_alerted_by_the_next_tick(
    full_stack: LocalStack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """full_stack names no AlertPublisherArns: SNS refuses the operator, the alert waits in the
    ledger, and the watch function (a stack role) sends it."""
    inbox = subscribe_inbox(full_stack, "manual-action-inbox")
    seed_active_model(full_stack, "pump-manual")
    version = full_stack.lookout.add_version("pump-manual", model_metrics=PRIOR)

    code = cli.main(
        [
            "promote", "pump-manual", str(version), "--force", "--actor", "alice", "--reason", "bench test",
            "--table", full_stack.resources["LedgerTable"], "--topic", full_stack.outputs["AlertTopicArn"],
        ]
    )  # fmt: skip

    assert code == 0, capsys.readouterr()
    assert full_stack.lookout.active_version("pump-manual") == version
    assert inbox.for_model("pump-manual") == []
    full_stack.invoke("WatchFunction", {"kind": "tick"})
    (alert,) = inbox.for_model("pump-manual")
    assert alert["alert"]["kind"] == "MANUAL_ACTION"
    assert "alice" in alert["alert"]["summary"]
