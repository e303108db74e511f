"""KMS permissions the local stack cannot see, checked on the transformed template (no AWS, no moto).

AWS services use a KMS key on the writer's behalf, with the writer's permissions, so a role that
may write to an encrypted resource must also hold the KMS actions that write takes, on that key,
and the key policy must let it (itself, or by delegating to the account's IAM policies):

* SNS Publish to a topic with a KMS key: ``kms:GenerateDataKey*`` and ``kms:Decrypt``
  (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html, "Allow a user to send
  messages to a topic with SSE"); CloudWatch alarms publishing to it need the same in the key policy
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html).
* SQS SendMessage to a queue with a KMS key: ``kms:GenerateDataKey`` and ``kms:Decrypt``
  (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html).
* S3 PutObject with SSE-KMS: ``kms:GenerateDataKey``; GetObject of such an object: ``kms:Decrypt``
  (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html).
* DynamoDB items in a table with a customer managed key: ``kms:Decrypt``
  (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/encryption.howitworks.html).

The check (emulators.permissions) derives every such write from the roles' policies. It found, on
the template at ff47092, that no function could publish an alert (kms:GenerateDataKey* missing);
the mutation tests below keep it from silently passing.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from emulators import cfn
from emulators.iam import trusts_lambda
from emulators.permissions import (
    PARAMETER_SETS,
    Caller,
    Decision,
    DeployedTemplate,
    encrypted_writes,
    evaluate,
    kms_findings,
    wildcard_match,
)
from tests.helpers import ROOT

SOURCE = cfn.load_template(ROOT / "template.yaml")
FULL = PARAMETER_SETS["stack-bucket, e-mail, Slack, Amazon Q, named models"]
EXISTING = PARAMETER_SETS["existing bucket encrypted with a KMS key, all models"]
PUBLISHERS = {"WatchFunctionRole", "EvaluateFunctionRole", "DiagnosticsFunctionRole"}


def template() -> dict[str, Any]:
    return copy.deepcopy(SOURCE)


def statements(node: Any) -> Iterator[dict[str, Any]]:
    """Every policy statement in a template fragment (SAM policies, key and resource policies)."""
    if isinstance(node, dict):
        if "Effect" in node and ("Action" in node or "NotAction" in node):
            yield node
        for value in node.values():
            yield from statements(value)
    elif isinstance(node, list):
        for value in node:
            yield from statements(value)


def actions_of(statement: dict[str, Any]) -> list[str]:
    return statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]


# ------------------------------------------------------------------------------------ the template
@pytest.mark.parametrize("label", sorted(PARAMETER_SETS))
def test_every_encrypted_write_has_its_kms_permissions_in_the_role_and_the_key_policy(label: str) -> None:
    deployed = DeployedTemplate(SOURCE, PARAMETER_SETS[label])

    assert kms_findings(deployed) == []


def test_the_check_sees_every_function_that_publishes_alerts_and_the_alarms() -> None:
    writes = encrypted_writes(DeployedTemplate(SOURCE, FULL))

    publishers = {w.writer for w in writes if w.action == "sns:Publish"}
    assert publishers == {*PUBLISHERS, "cloudwatch.amazonaws.com"}
    assert {w.resource for w in writes if w.writer == "WatchFunctionRole"} == {"AlertTopic", "ChatbotTopic"}


def test_the_diagnostics_objects_key_is_required_for_reading_and_writing_them() -> None:
    writes = encrypted_writes(DeployedTemplate(SOURCE, EXISTING))

    on_bucket = {
        (w.writer, w.action, w.kms_actions) for w in writes if w.resource == "acme-lookout-diagnostics"
    }
    assert on_bucket == {
        ("DiagnosticsFunctionRole", "s3:GetObject", ("kms:Decrypt",)),
        ("DiagnosticsFunctionRole", "s3:PutObject", ("kms:GenerateDataKey",)),
    }


# ------------------------------------------------------------------------------------ mutations
def test_a_publisher_without_kms_generate_data_key_is_found() -> None:
    broken = template()
    for statement in statements(broken["Resources"]):
        if "kms:GenerateDataKey*" in actions_of(statement) and "Principal" not in statement:
            statement["Action"] = ["kms:Encrypt", "kms:Decrypt"]  # what ff47092 granted

    findings = kms_findings(DeployedTemplate(broken, FULL))

    missing = {f.split(":", 1)[0] for f in findings if "needs kms:GenerateDataKey on" in f}
    assert missing == PUBLISHERS
    assert all("not allowed by the role's policies" in f for f in findings)


def test_a_grant_through_another_service_does_not_count() -> None:
    broken = template()
    for statement in statements(broken["Resources"]):
        if statement.get("Sid") == "PublishToEncryptedTopics":
            statement["Condition"] = {"StringEquals": {"kms:ViaService": "sqs.eu-west-1.amazonaws.com"}}

    findings = kms_findings(DeployedTemplate(broken, {}))

    assert {f.split(":", 1)[0] for f in findings} == {"WatchFunctionRole", "EvaluateFunctionRole"}


def test_a_key_policy_that_does_not_delegate_to_iam_is_found() -> None:
    broken = template()
    key_policy = broken["Resources"]["AlertKey"]["Properties"]["KeyPolicy"]
    key_policy["Statement"] = [s for s in key_policy["Statement"] if s.get("Sid") != "AccountAdministration"]

    findings = kms_findings(DeployedTemplate(broken, {}))

    assert findings
    assert all("the key policy neither names the role nor lets" in f for f in findings)


def test_a_key_policy_deny_is_found() -> None:
    broken = template()
    broken["Resources"]["AlertKey"]["Properties"]["KeyPolicy"]["Statement"].append(
        {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "kms:GenerateDataKey*", "Resource": "*"}
    )

    findings = kms_findings(DeployedTemplate(broken, {}))

    assert {f.split(":", 1)[0] for f in findings if "denied by the key policy" in f} == {
        "WatchFunctionRole",
        "EvaluateFunctionRole",
    }


def test_alarms_need_the_key_policy_to_let_cloudwatch_use_the_key() -> None:
    broken = template()
    key_policy = broken["Resources"]["AlertKey"]["Properties"]["KeyPolicy"]
    key_policy["Statement"] = [
        s for s in key_policy["Statement"] if s.get("Principal") != {"Service": "cloudwatch.amazonaws.com"}
    ]

    findings = kms_findings(DeployedTemplate(broken, {}))

    assert findings
    assert all(f.startswith("cloudwatch.amazonaws.com: sns:Publish to AlertTopic (alarm ") for f in findings)
    assert all("the key policy does not allow cloudwatch.amazonaws.com" in f for f in findings)


def test_a_kms_encrypted_queue_needs_the_senders_kms_permissions() -> None:
    broken = template()
    queue = broken["Resources"]["EvaluateQueue"]["Properties"]
    del queue["SqsManagedSseEnabled"]
    queue["KmsMasterKeyId"] = {"Ref": "AlertKey"}

    findings = kms_findings(DeployedTemplate(broken, {}))

    assert {f.split(" on ")[0] for f in findings} == {
        "WatchFunctionRole: sqs:SendMessage to EvaluateQueue needs kms:GenerateDataKey",
        "WatchFunctionRole: sqs:SendMessage to EvaluateQueue needs kms:Decrypt",
    }


def test_an_sse_kms_bucket_needs_generate_data_key_to_write_and_decrypt_to_read() -> None:
    broken = template()
    encryption = broken["Resources"]["DiagnosticsBucket"]["Properties"]["BucketEncryption"]
    encryption["ServerSideEncryptionConfiguration"] = [
        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": {"Ref": "AlertKey"}}}
    ]

    findings = kms_findings(DeployedTemplate(broken, FULL))

    bucket = "steward-dev-diag-123456789012-eu-west-1"
    assert {f.split(" on ")[0] for f in findings} == {
        f"DiagnosticsFunctionRole: s3:PutObject to {bucket} needs kms:GenerateDataKey",
        f"DiagnosticsFunctionRole: s3:GetObject to {bucket} needs kms:Decrypt",
    }


def test_a_ledger_with_a_customer_key_needs_decrypt_for_every_function() -> None:
    broken = template()
    broken["Resources"]["LedgerTable"]["Properties"]["SSESpecification"] = {
        "SSEEnabled": True,
        "SSEType": "KMS",
        "KMSMasterKeyId": {"Ref": "AlertKey"},
    }

    findings = kms_findings(DeployedTemplate(broken, FULL))

    assert {f.split(":", 1)[0] for f in findings} == PUBLISHERS
    assert all("needs kms:Decrypt" in f for f in findings)


# ------------------------------------------------------------------------------------ evaluation
def test_wildcards_match_as_iam_does() -> None:
    assert wildcard_match(
        "arn:aws:s3:::bucket/reports/*summary.json", "arn:aws:s3:::bucket/reports/a/b/x-summary.json"
    )
    assert not wildcard_match("arn:aws:s3:::bucket/reports/*", "arn:aws:s3:::bucket/other/x")
    assert wildcard_match("kms:GenerateDataKey*", "kms:generatedatakey", ignore_case=True)
    assert wildcard_match("model/pump-0?", "model/pump-01")


def test_an_explicit_deny_wins_and_conditions_must_hold() -> None:
    allow = {"Effect": "Allow", "Action": "sns:Publish", "Resource": "*"}
    deny_plain_http = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "sns:*",
        "Resource": "*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    document = {"Statement": [allow, deny_plain_http]}
    caller = Caller(arn="arn:aws:iam::123456789012:role/r")

    assert (
        evaluate([document], "sns:Publish", "t", {"aws:SecureTransport": "false"}, caller=caller)
        == Decision.DENY
    )
    assert evaluate([{"Statement": [allow]}], "sns:Publish", "t") == Decision.ALLOW
    assert evaluate([{"Statement": [allow]}], "sns:Subscribe", "t") == Decision.NONE


def test_an_unknown_condition_operator_is_an_error_not_a_silent_allow() -> None:
    statement = {
        "Effect": "Allow",
        "Action": "kms:Decrypt",
        "Resource": "*",
        "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
    }

    with pytest.raises(ValueError, match="NumericLessThan"):
        evaluate([{"Statement": [statement]}], "kms:Decrypt", "key")


@pytest.mark.parametrize(
    ("service", "trusted"), [("lambda.amazonaws.com", True), ("scheduler.amazonaws.com", False)]
)
def test_the_local_stack_runs_a_function_only_with_a_role_lambda_may_assume(
    service: str, trusted: bool
) -> None:
    trust = {
        "Statement": [{"Effect": "Allow", "Principal": {"Service": [service]}, "Action": ["sts:AssumeRole"]}]
    }
    role = {"Arn": "arn:aws:iam::123456789012:role/r", "AssumeRolePolicyDocument": trust}

    assert trusts_lambda(role) is trusted
