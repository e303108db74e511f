"""The local stack enforces IAM: each function runs as its deployed role, and a call the role does
not allow fails as it would in AWS (moto, and the Lookout for Equipment emulator through moto)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from emulators.iam import ADMIN_USER, Credentials
from emulators.stack import LocalStack
from model_steward.adapters import aws


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


def test_publishing_to_the_encrypted_topic_needs_the_kms_actions_sns_uses(full_stack: LocalStack) -> None:
    topic = full_stack.outputs["AlertTopicArn"]
    key = full_stack.outputs["AlertKeyArn"]
    publish_only = {"Effect": "Allow", "Action": "sns:Publish", "Resource": topic}
    via_sns = {"StringEquals": {"kms:ViaService": "sns.eu-west-1.amazonaws.com"}}
    encrypt_only = {"Effect": "Allow", "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": key}
    data_keys = {**encrypt_only, "Action": ["kms:GenerateDataKey*", "kms:Decrypt"], "Condition": via_sns}

    without_data_keys = publisher(full_stack, "publisher-encrypt-only", [publish_only, encrypt_only])
    with_data_keys = publisher(full_stack, "publisher-data-keys", [publish_only, data_keys])

    code, message = error_of(lambda: without_data_keys.publish(TopicArn=topic, Message="hello"))
    assert code == "KMSAccessDenied"
    assert f"kms:GenerateDataKey on resource: {key}" in message
    assert with_data_keys.publish(TopicArn=topic, Message="hello")["MessageId"]


def publisher(stack: LocalStack, name: str, statements: list[dict[str, Any]]) -> Any:
    """An SNS client of a new role holding only ``statements`` (created by the operator)."""
    iam = stack.client("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{stack.account_id}:user/{ADMIN_USER}"},
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
