"""What the deployed roles and resource policies allow, read from the transformed template.

No AWS and no moto: the template is transformed as ``sam deploy`` would (aws-sam-translator), its
conditions resolved for a parameter set, and every intrinsic function evaluated against
deterministic physical names (account ``123456789012``, region ``eu-west-1``). On that,
:func:`kms_findings` checks what moto cannot see: AWS services use KMS keys on the caller's behalf.
For every encrypted resource a principal writes to, the principal must hold the KMS actions AWS
documents for that write, on that key, and the key policy must let it (directly, or by delegating to
the account's IAM policies):

========================================  =========================================  ==========
Write                                     KMS actions on the resource's key          Documented
========================================  =========================================  ==========
``sns:Publish`` to a topic (KmsMasterKeyId)  ``kms:GenerateDataKey``, ``kms:Decrypt``     [SNS]_
``sqs:SendMessage`` to a queue (KmsMasterKeyId)  ``kms:GenerateDataKey``, ``kms:Decrypt``  [SQS]_
``s3:PutObject`` with SSE-KMS              ``kms:GenerateDataKey``                     [S3]_
``s3:GetObject`` of an SSE-KMS object      ``kms:Decrypt``                             [S3]_
DynamoDB item calls, table with a customer key  ``kms:Decrypt`` (the table key)        [DDB]_
CloudWatch alarm action to an encrypted topic  key policy: ``cloudwatch.amazonaws.com``
                                          ``kms:GenerateDataKey``, ``kms:Decrypt``    [CW]_
========================================  =========================================  ==========

Each call is evaluated in the context AWS gives it (``kms:ViaService`` of the writing service,
``aws:SecureTransport`` true, ``aws:SourceArn`` / ``aws:SourceAccount`` for a service principal).
The resource policy of the written resource (topic, queue) must not deny the write either, and a
service principal needs that resource policy to allow it.

.. [SNS] https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html
.. [SQS] https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html
.. [S3] https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html
.. [DDB] https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/encryption.howitworks.html
.. [CW] https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html

Cross-account promotion (:func:`cross_account_findings`) is checked on two deployments of the
template, a source (staging) and a target (production) in two accounts
(:data:`CROSS_ACCOUNT_SETS`): each source function that sends approvals may put them on the target's
bus, and the bus policy lets it (a cross-account request needs both); the target's rule matches the
source account; the import function may import into the mapped models and datasets only and pass
the named role to Lookout for Equipment only; and the resource policy ``steward share`` attaches
to a source model lets the target's import function import it.

``python -m emulators.permissions [TEMPLATE]`` prints the findings for the standard parameter sets
(:data:`PARAMETER_SETS`, :data:`CROSS_ACCOUNT_SETS`) and exits 1 when there is any.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emulators import cfn
from emulators.iam_policy import (
    Caller,
    Decision,
    as_list,
    evaluate,
    principal_matches,
    statement_applies,
    wildcard_match,
)

__all__ = [
    "CROSS_ACCOUNT_SETS",
    "PARAMETER_SETS",
    "Caller",
    "Decision",
    "DeployedTemplate",
    "cross_account_findings",
    "deployments",
    "encrypted_writes",
    "evaluate",
    "kms_findings",
    "wildcard_match",
]

ACCOUNT_ID = "123456789012"
REGION = "eu-west-1"
PARTITION = "aws"
STACK_NAME = "model-steward"
TEMPLATE = Path(__file__).resolve().parent.parent / "template.yaml"

#: Parameter sets the checks run with: every optional part off, then on in each combination that
#: changes who writes to what. Parameters a template does not declare are left out.
PARAMETER_SETS: dict[str, dict[str, str]] = {
    "minimal": {},
    "stack-bucket, e-mail, Slack, Amazon Q, named models": {
        "DiagnosticsSource": "stack-bucket",
        "AlertEmail": "reliability@example.com",
        "SlackWebhookSecretArn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:slack-AbCdEf",
        "ChatbotSlackWorkspaceId": "T0123ABC",
        "ChatbotSlackChannelId": "C0123ABC",
        "WatchedModels": "pump-01,compressor-07",
        "WatchedModelPrefix": "line-a-",
    },
    "existing bucket encrypted with a KMS key, all models": {
        "DiagnosticsSource": "existing-bucket",
        "DiagnosticsBucketName": "acme-lookout-diagnostics",
        "DiagnosticsKmsKeyArn": "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "WatchAllModels": "true",
    },
}


# ------------------------------------------------------------------------------------ the template
@dataclass(frozen=True)
class Resource:
    logical_id: str
    type: str
    properties: Mapping[str, Any]


@dataclass(frozen=True)
class ExternalBucket:
    """A bucket the template does not create but names through parameters, with its key."""

    bucket_parameter: str
    key_parameter: str


#: Model Steward's existing-bucket mode: the customer's bucket and the key of its objects.
EXTERNAL_BUCKETS = (ExternalBucket("DiagnosticsBucketName", "DiagnosticsKmsKeyArn"),)

_NAME_PROPERTY = {
    "AWS::S3::Bucket": "BucketName",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::IAM::Role": "RoleName",
    "AWS::CloudWatch::Alarm": "AlarmName",
    "AWS::Events::Rule": "Name",
    "AWS::Scheduler::Schedule": "Name",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::Events::EventBus": "Name",
}


class DeployedTemplate:
    """The transformed template for one parameter set, every intrinsic function evaluated."""

    def __init__(
        self,
        source: Mapping[str, Any],
        overrides: Mapping[str, str] | None = None,
        *,
        account_id: str = ACCOUNT_ID,
        stack_name: str = STACK_NAME,
    ) -> None:
        self.account_id = account_id
        self.stack_name = stack_name
        declared = source.get("Parameters", {})
        self.parameters = cfn.parameter_values(
            source, {name: value for name, value in (overrides or {}).items() if name in declared}
        )
        with _region(REGION):
            transformed = cfn.transform(
                cfn.with_code_location(source, "artifacts", dict.fromkeys(cfn.code_uris(source), "code.zip")),
                self.parameters,
            )
        resolved = cfn.resolve_conditions(transformed, self.parameters)
        self.mappings: Mapping[str, Any] = resolved.get("Mappings", {})
        raw = resolved["Resources"]
        self._types = {name: body["Type"] for name, body in raw.items()}
        self._raw_properties = {name: body.get("Properties", {}) for name, body in raw.items()}
        self.resources = {
            name: Resource(name, body["Type"], self.resolve(body.get("Properties", {})))
            for name, body in raw.items()
        }

    @classmethod
    def load(cls, path: Path, overrides: Mapping[str, str] | None = None, **where: str) -> DeployedTemplate:
        return cls(cfn.load_template(path), overrides, **where)

    def of_type(self, kind: str) -> dict[str, Resource]:
        return {name: r for name, r in self.resources.items() if r.type == kind}

    # ---------------------------------------------------------------- names and ARNs
    def name(self, logical_id: str) -> str:
        """The physical name: the one the template gives, else one as CloudFormation makes it."""
        prop = _NAME_PROPERTY.get(self._types[logical_id])
        given = self._raw_properties[logical_id].get(prop) if prop else None
        return str(self.resolve(given)) if given is not None else f"{self.stack_name}-{logical_id}-GENERATED"

    def ref(self, logical_id: str) -> str:
        if logical_id in self.parameters:
            return self.parameters[logical_id]
        pseudo = {
            "AWS::AccountId": self.account_id,
            "AWS::Region": REGION,
            "AWS::Partition": PARTITION,
            "AWS::StackName": self.stack_name,
            "AWS::URLSuffix": "amazonaws.com",
        }
        if logical_id in pseudo:
            return pseudo[logical_id]
        kind = self._types[logical_id]
        if kind in ("AWS::SNS::Topic", "AWS::IAM::ManagedPolicy"):
            return self.get_att(logical_id, "Arn")
        if kind == "AWS::SQS::Queue":
            return f"https://sqs.{REGION}.amazonaws.com/{self.account_id}/{self.name(logical_id)}"
        return self.name(logical_id)

    def get_att(self, logical_id: str, attribute: str) -> str:
        kind, name = self._types[logical_id], self.name(logical_id)
        account = self.account_id
        if attribute in ("QueueName", "TopicName", "KeyId", "RoleId", "Name"):
            return name
        if attribute == "QueueUrl":
            return self.ref(logical_id)
        if attribute != "Arn":
            raise cfn.TemplateError(f"Fn::GetAtt {logical_id}.{attribute} is not resolvable statically")
        arns = {
            "AWS::SNS::Topic": f"arn:aws:sns:{REGION}:{account}:{name}",
            "AWS::SQS::Queue": f"arn:aws:sqs:{REGION}:{account}:{name}",
            "AWS::KMS::Key": f"arn:aws:kms:{REGION}:{account}:key/{name}",
            "AWS::IAM::Role": f"arn:aws:iam::{account}:role/{name}",
            "AWS::IAM::ManagedPolicy": f"arn:aws:iam::{account}:policy/{name}",
            "AWS::Lambda::Function": f"arn:aws:lambda:{REGION}:{account}:function:{name}",
            "AWS::DynamoDB::Table": f"arn:aws:dynamodb:{REGION}:{account}:table/{name}",
            "AWS::S3::Bucket": f"arn:aws:s3:::{name}",
            "AWS::CloudWatch::Alarm": f"arn:aws:cloudwatch:{REGION}:{account}:alarm:{name}",
            "AWS::Events::Rule": f"arn:aws:events:{REGION}:{account}:rule/{name}",
            "AWS::Scheduler::Schedule": f"arn:aws:scheduler:{REGION}:{account}:schedule/default/{name}",
            "AWS::Events::EventBus": f"arn:aws:events:{REGION}:{account}:event-bus/{name}",
        }
        if kind not in arns:
            raise cfn.TemplateError(f"Fn::GetAtt {logical_id}.Arn ({kind}) is not resolvable statically")
        return arns[kind]

    def arn(self, logical_id: str) -> str:
        return self.get_att(logical_id, "Arn")

    def key_arn(self, key: str) -> str:
        """A key reference as a topic or bucket gives it (logical key's id, key ARN) -> key ARN."""
        if key.startswith("arn:"):
            return key
        key_ids = {self.name(n): n for n in self.of_type("AWS::KMS::Key")}
        return (
            self.arn(key_ids[key]) if key in key_ids else f"arn:aws:kms:{REGION}:{self.account_id}:key/{key}"
        )

    # ---------------------------------------------------------------- intrinsic functions
    def resolve(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self.resolve(item) for item in node]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((function, args),) = node.items()
            if function == "Ref":
                return self.ref(args)
            if function == "Fn::GetAtt":
                logical_id, attribute = args.split(".", 1) if isinstance(args, str) else args
                return self.get_att(logical_id, attribute)
            if function == "Fn::Sub":
                return self._sub(args)
            if function == "Fn::Join":
                return str(args[0]).join(str(item) for item in self.resolve(args[1]))
            if function == "Fn::Split":
                return str(self.resolve(args[1])).split(args[0])
            if function == "Fn::Select":
                return self.resolve(args[1])[int(self.resolve(args[0]))]
            if function == "Fn::FindInMap":
                mapping, top, second = (self.resolve(part) for part in args)
                return self.mappings[mapping][top][second]
            if function.startswith("Fn::"):
                raise cfn.TemplateError(f"{function} is not resolvable statically")
        return {key: self.resolve(value) for key, value in node.items()}

    def _sub(self, spec: str | list[Any]) -> str:
        text, variables = (spec, {}) if isinstance(spec, str) else (spec[0], self.resolve(spec[1]))

        def replace(match: re.Match[str]) -> str:
            token = match.group(1)
            if token.startswith("!"):
                return "${" + token[1:] + "}"
            if token in variables:
                return str(variables[token])
            if "." in token and not token.startswith("AWS::"):
                logical_id, attribute = token.split(".", 1)
                return self.get_att(logical_id, attribute)
            return self.ref(token)

        return re.sub(r"\$\{([^}]+)\}", replace, text)

    # ---------------------------------------------------------------- principals
    def roles(self) -> dict[str, Role]:
        """Every role of the template with its identity policies (inline and the template's managed)."""
        managed = {
            self.arn(n): r.properties["PolicyDocument"]
            for n, r in self.of_type("AWS::IAM::ManagedPolicy").items()
        }
        roles = {}
        for name, role in self.of_type("AWS::IAM::Role").items():
            documents = [policy["PolicyDocument"] for policy in role.properties.get("Policies", [])]
            documents += [
                managed[arn] for arn in role.properties.get("ManagedPolicyArns", []) if arn in managed
            ]
            roles[name] = Role(name, self.arn(name), tuple(documents))
        return roles

    def function_roles(self) -> dict[str, str]:
        """Function logical id -> the logical id of its execution role."""
        by_arn = {self.arn(n): n for n in self.of_type("AWS::IAM::Role")}
        return {
            name: by_arn[f.properties["Role"]] for name, f in self.of_type("AWS::Lambda::Function").items()
        }


@contextlib.contextmanager
def _region(region: str) -> Iterator[None]:
    saved = os.environ.get("AWS_DEFAULT_REGION")
    os.environ["AWS_DEFAULT_REGION"] = region
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("AWS_DEFAULT_REGION", None)
        else:
            os.environ["AWS_DEFAULT_REGION"] = saved


# ------------------------------------------------------------------------------------ evaluation
@dataclass(frozen=True)
class Role:
    logical_id: str
    arn: str
    documents: tuple[Mapping[str, Any], ...]


def delegates_to_iam(principal: Any) -> bool:
    """A key policy principal that hands the decision to the account's IAM policies."""
    if principal == "*" or not isinstance(principal, dict):
        return False
    return any(
        value in (ACCOUNT_ID, f"arn:aws:iam::{ACCOUNT_ID}:root")
        for value in as_list(principal.get("AWS", []))
    )


def key_policy_decision(
    key_policy: Mapping[str, Any], role: Role, action: str, key_arn: str, context: Mapping[str, str]
) -> Decision:
    """KMS: the key policy allows the role itself, or delegates to IAM and the role's policies allow."""
    caller = Caller(arn=role.arn)
    for statement in as_list(key_policy.get("Statement", [])):
        principal = statement.get("Principal", {})
        if not (principal_matches(principal, caller) or delegates_to_iam(principal)):
            continue
        if statement["Effect"] == "Deny" and statement_applies(statement, action, key_arn, context):
            return Decision.DENY
    direct = evaluate([key_policy], action, key_arn, context, caller=caller)
    if direct == Decision.ALLOW:
        return Decision.ALLOW
    delegated = any(
        statement["Effect"] == "Allow"
        and delegates_to_iam(statement.get("Principal", {}))
        and statement_applies(statement, action, key_arn, context)
        for statement in as_list(key_policy.get("Statement", []))
    )
    if delegated and evaluate(role.documents, action, key_arn, context) == Decision.ALLOW:
        return Decision.ALLOW
    return Decision.NONE


# ------------------------------------------------------------------------------------ KMS rules
@dataclass(frozen=True)
class Write:
    """A principal's write to an encrypted resource, and the KMS actions it takes."""

    writer: str  # role logical id, or the service principal
    action: str
    resource: str  # logical id or ARN
    resource_arn: str
    key_arn: str
    key_logical_id: str | None
    kms_actions: tuple[str, ...]
    via: str
    resource_policy: Mapping[str, Any] | None = None
    context: Mapping[str, str] = field(default_factory=dict)


def _context(via: str) -> dict[str, str]:
    return {
        "kms:ViaService": f"{via}.{REGION}.amazonaws.com",
        "kms:CallerAccount": ACCOUNT_ID,
        "aws:SecureTransport": "true",
    }


def _topic_policies(t: DeployedTemplate) -> dict[str, Mapping[str, Any]]:
    found: dict[str, Mapping[str, Any]] = {}
    for policy in t.of_type("AWS::SNS::TopicPolicy").values():
        for topic in policy.properties["Topics"]:
            found[topic] = policy.properties["PolicyDocument"]
    return found


def _queue_policies(t: DeployedTemplate) -> dict[str, Mapping[str, Any]]:
    found: dict[str, Mapping[str, Any]] = {}
    for policy in t.of_type("AWS::SQS::QueuePolicy").values():
        for url in policy.properties["Queues"]:
            found[url] = policy.properties["PolicyDocument"]
    return found


def _key_logical_id(t: DeployedTemplate, key_arn: str) -> str | None:
    return next((n for n in t.of_type("AWS::KMS::Key") if t.arn(n) == key_arn), None)


@dataclass(frozen=True)
class _Target:
    """An encrypted resource, one write to it, and the KMS actions that write takes."""

    label: str
    action: str
    arn: str
    kms_actions: tuple[str, ...]
    via: str
    key: str
    policy: Mapping[str, Any] | None = None


_SEND = ("kms:GenerateDataKey", "kms:Decrypt")
_DYNAMODB_ITEM_CALLS = (
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:BatchWriteItem",
)


def _targets(t: DeployedTemplate, external: Sequence[ExternalBucket]) -> list[_Target]:
    topic_policies, queue_policies = _topic_policies(t), _queue_policies(t)
    targets: list[_Target] = []
    for name, topic in t.of_type("AWS::SNS::Topic").items():
        if key := topic.properties.get("KmsMasterKeyId"):
            policy = topic_policies.get(t.ref(name))
            targets.append(_Target(name, "sns:Publish", t.arn(name), _SEND, "sns", key, policy))
    for name, queue in t.of_type("AWS::SQS::Queue").items():
        if key := queue.properties.get("KmsMasterKeyId"):
            policy = queue_policies.get(t.ref(name))
            targets.append(_Target(name, "sqs:SendMessage", t.arn(name), _SEND, "sqs", key, policy))
    buckets: list[tuple[str, str]] = []
    for name, resource in t.of_type("AWS::S3::Bucket").items():
        encryption = resource.properties.get("BucketEncryption", {})
        for rule in encryption.get("ServerSideEncryptionConfiguration", []):
            default = rule.get("ServerSideEncryptionByDefault", {})
            if default.get("SSEAlgorithm", "").startswith("aws:kms") and default.get("KMSMasterKeyID"):
                buckets.append((t.name(name), default["KMSMasterKeyID"]))
    for spec in external:
        bucket_name = t.parameters.get(spec.bucket_parameter, "")
        key_arn = t.parameters.get(spec.key_parameter, "")
        if bucket_name and key_arn:
            buckets.append((bucket_name, key_arn))
    for bucket_name, key in buckets:
        objects = f"arn:aws:s3:::{bucket_name}/*"
        targets.append(_Target(bucket_name, "s3:PutObject", objects, ("kms:GenerateDataKey",), "s3", key))
        targets.append(_Target(bucket_name, "s3:GetObject", objects, ("kms:Decrypt",), "s3", key))
    for name, table in t.of_type("AWS::DynamoDB::Table").items():
        if key := table.properties.get("SSESpecification", {}).get("KMSMasterKeyId"):
            for action in _DYNAMODB_ITEM_CALLS:
                targets.append(_Target(name, action, t.arn(name), ("kms:Decrypt",), "dynamodb", key))
    return targets


def encrypted_writes(
    t: DeployedTemplate, external: Sequence[ExternalBucket] = EXTERNAL_BUCKETS
) -> list[Write]:
    """Every write a role of the template may make to a resource encrypted with a customer key, and
    every CloudWatch alarm action to an encrypted topic (made by the CloudWatch service principal)."""
    writes: list[Write] = []
    roles = t.roles()
    for target in _targets(t, external):
        key_arn = t.key_arn(target.key)
        for role in roles.values():
            if _may(role, target.action, target.arn):
                writes.append(
                    Write(
                        role.logical_id,
                        target.action,
                        target.label,
                        target.arn,
                        key_arn,
                        _key_logical_id(t, key_arn),
                        target.kms_actions,
                        target.via,
                        target.policy,
                    )
                )
    topics = {t.arn(name): name for name in t.of_type("AWS::SNS::Topic")}
    topic_policies = _topic_policies(t)
    for alarm_name, alarm in t.of_type("AWS::CloudWatch::Alarm").items():
        for action_arn in {*alarm.properties.get("AlarmActions", []), *alarm.properties.get("OKActions", [])}:
            topic_name = topics.get(action_arn)
            key = t.resources[topic_name].properties.get("KmsMasterKeyId") if topic_name else None
            if not key:
                continue
            key_arn = t.key_arn(key)
            writes.append(
                Write(
                    "cloudwatch.amazonaws.com",
                    "sns:Publish",
                    f"{topic_name} (alarm {alarm_name})",
                    action_arn,
                    key_arn,
                    _key_logical_id(t, key_arn),
                    _SEND,
                    "sns",
                    topic_policies.get(action_arn),
                    {"aws:SourceArn": t.arn(alarm_name), "aws:SourceAccount": ACCOUNT_ID},
                )
            )
    return writes


def _may(role: Role, action: str, resource_arn: str) -> bool:
    """Whether a role's policies allow ``action`` on the resource (any object, for ``bucket/*``)."""
    if not resource_arn.endswith("/*"):
        return evaluate(role.documents, action, resource_arn) == Decision.ALLOW
    prefix = resource_arn[:-1]
    for document in role.documents:
        for statement in as_list(document.get("Statement", [])):
            if statement["Effect"] != "Allow" or not any(
                wildcard_match(a, action, ignore_case=True) for a in as_list(statement["Action"])
            ):
                continue
            for pattern in as_list(statement.get("Resource", "*")):
                literal = re.split(r"[*?]", pattern, maxsplit=1)[0]
                if literal.startswith(prefix) or prefix.startswith(literal):
                    return True
    return False


def kms_findings(t: DeployedTemplate, external: Sequence[ExternalBucket] = EXTERNAL_BUCKETS) -> list[str]:
    """What is missing for each encrypted write (empty when every write would succeed)."""
    findings: list[str] = []
    roles = t.roles()
    for write in encrypted_writes(t, external):
        what = f"{write.writer}: {write.action} to {write.resource} needs"
        context = {**_context(write.via), **write.context}
        role = roles.get(write.writer)
        caller = Caller(arn=role.arn) if role else Caller(service=write.writer)
        key_policy = (
            t.resources[write.key_logical_id].properties["KeyPolicy"] if write.key_logical_id else None
        )
        for kms_action in write.kms_actions:
            problem = _kms_problem(
                role, caller, key_policy=key_policy, action=kms_action, key_arn=write.key_arn, context=context
            )
            if problem:
                findings.append(f"{what} {kms_action} on {write.key_arn}: {problem}")
        if write.resource_policy is not None:
            decision = evaluate(
                [write.resource_policy], write.action, write.resource_arn, context, caller=caller
            )
            if decision == Decision.DENY:
                findings.append(f"{what} the resource policy's consent: it denies the write")
            elif role is None and decision != Decision.ALLOW:
                findings.append(f"{what} the resource policy's consent: it does not allow {write.writer}")
    return findings


def _kms_problem(
    role: Role | None,
    caller: Caller,
    *,
    key_policy: Mapping[str, Any] | None,
    action: str,
    key_arn: str,
    context: Mapping[str, str],
) -> str:
    """Why ``action`` on the key would be refused ("" when it would not)."""
    if role is None:  # a service principal: only the key policy can let it
        if (
            key_policy is not None
            and evaluate([key_policy], action, key_arn, context, caller=caller) == Decision.ALLOW
        ):
            return ""
        return f"the key policy does not allow {caller.service}"
    identity = evaluate(role.documents, action, key_arn, context)
    if key_policy is None:  # a key outside the template: its policy cannot be checked here
        return "" if identity == Decision.ALLOW else f"{identity.value} by the role's policies"
    decision = key_policy_decision(key_policy, role, action, key_arn, context)
    if decision == Decision.ALLOW:
        return ""
    if decision == Decision.DENY:
        return "denied by the key policy"
    if identity != Decision.ALLOW:
        return f"{identity.value} by the role's policies (and the key policy does not name the role)"
    return "the key policy neither names the role nor lets the account's IAM policies decide"


# ------------------------------------------------------------------------------------ cross-account
SOURCE_ACCOUNT = "111111111111"
TARGET_ACCOUNT = "222222222222"
SOURCE_STACK, TARGET_STACK = "model-steward-staging", "model-steward-prod"
_APPROVALS = {"events:source": "model-steward", "events:detail-type": "Model Version Approved"}
_UNMAPPED = "not-mapped"
_UNKNOWN_ID = "00000000-0000-0000-0000-000000000000"

#: (source parameters, target parameters) of a staging and a production deployment.
CROSS_ACCOUNT_SETS: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "staging -> production, two mapped models, an import role": (
        {
            "Environment": "staging",
            "WatchAllModels": "true",
            "ApprovalBusArn": f"arn:aws:events:{REGION}:{TARGET_ACCOUNT}:event-bus/{TARGET_STACK}-approvals",
        },
        {
            "Environment": "prod",
            "WatchedModelPrefix": "pump-",
            "ImportSourceAccounts": SOURCE_ACCOUNT,
            "ImportModelMap": "pump-01=pump-01:pump-data,pump-02=pump-2-prod:pump-2-data",
            "ImportRoleArn": f"arn:aws:iam::{TARGET_ACCOUNT}:role/LookoutImport",
        },
    ),
}


def deployments(
    source: Mapping[str, Any], pair: tuple[Mapping[str, str], Mapping[str, str]]
) -> tuple[DeployedTemplate, DeployedTemplate]:
    """The source and the target deployment of a cross-account parameter set."""
    staging = DeployedTemplate(source, pair[0], account_id=SOURCE_ACCOUNT, stack_name=SOURCE_STACK)
    production = DeployedTemplate(source, pair[1], account_id=TARGET_ACCOUNT, stack_name=TARGET_STACK)
    return staging, production


def _lookout(t: DeployedTemplate, resource: str) -> str:
    return f"arn:aws:lookoutequipment:{REGION}:{t.account_id}:{resource}"


def _bus_policy(t: DeployedTemplate, bus: str) -> dict[str, Any]:
    statements = [
        {**r.properties["Statement"], "Sid": r.properties["StatementId"]}
        for r in t.of_type("AWS::Events::EventBusPolicy").values()
        if str(r.properties.get("EventBusName", "")).rsplit("/", 1)[-1] == t.name(bus)
    ]
    return {"Version": "2012-10-17", "Statement": statements}


def cross_account_findings(source: DeployedTemplate, target: DeployedTemplate) -> list[str]:
    """What would stop approvals or imports between the two deployments, or let them go further
    than the mapping (empty when everything holds)."""
    from model_steward.domain.imports import share_policy

    findings: list[str] = []
    bus_arn = source.parameters.get("ApprovalBusArn", "")
    bus = next((n for n in target.of_type("AWS::Events::EventBus") if target.arn(n) == bus_arn), None)
    if bus is None:
        return [f"the source sends approvals to {bus_arn or 'no bus'}, which the target does not create"]
    roles, function_roles = source.roles(), source.function_roles()
    senders = [
        roles[function_roles[name]]
        for name, f in source.of_type("AWS::Lambda::Function").items()
        if f.properties.get("Environment", {}).get("Variables", {}).get("APPROVAL_BUS_ARN") == bus_arn
    ]
    if not senders:
        findings.append("no source function sends approvals (APPROVAL_BUS_ARN)")
    policy = _bus_policy(target, bus)
    context = {**_APPROVALS, "aws:SecureTransport": "true", "aws:PrincipalAccount": source.account_id}
    for role in senders:
        if evaluate(role.documents, "events:PutEvents", bus_arn, context) is not Decision.ALLOW:
            findings.append(f"{role.logical_id}: its policies do not allow events:PutEvents on {bus_arn}")
        caller = Caller(arn=role.arn, account=source.account_id)
        if (
            evaluate(
                [policy],
                "events:PutEvents",
                bus_arn,
                {**context, "aws:PrincipalArn": role.arn},
                caller=caller,
            )
            is not Decision.ALLOW
        ):
            who = f"account {source.account_id}"
            findings.append(
                f"{role.logical_id}: the bus policy of {bus_arn} does not let {who} put approvals"
            )
    stranger = Caller(arn="arn:aws:iam::999999999999:role/any", account="999999999999")
    if evaluate([policy], "events:PutEvents", bus_arn, context, caller=stranger) is Decision.ALLOW:
        findings.append(f"the bus policy of {bus_arn} lets accounts that are not named put events")
    for name, rule in target.of_type("AWS::Events::Rule").items():
        if str(rule.properties.get("EventBusName", "")).rsplit("/", 1)[-1] != target.name(bus):
            continue
        accounts = as_list(rule.properties.get("EventPattern", {}).get("account", []))
        if source.account_id not in accounts:
            findings.append(f"{name}: its pattern does not match events of account {source.account_id}")
        if "999999999999" in accounts or not accounts:
            findings.append(f"{name}: its pattern matches accounts that are not named")
    findings += _import_role_findings(target)
    importer = target.roles()[target.function_roles()["ImportFunction"]]
    model = _lookout(source, f"model/pump-01/{_UNKNOWN_ID}")
    shared = share_policy(None, model, target.account_id)
    caller = Caller(arn=importer.arn, account=target.account_id)
    version = f"{model}/model-version/7"
    if (
        evaluate([shared], "lookoutequipment:ImportModelVersion", version, caller=caller)
        is not Decision.ALLOW
    ):
        findings.append(
            "the policy `steward share` attaches does not let the target's import function import"
        )
    return findings


def _import_role_findings(target: DeployedTemplate) -> list[str]:
    findings: list[str] = []
    importer = target.roles()[target.function_roles()["ImportFunction"]]
    action = "lookoutequipment:ImportModelVersion"
    mapped = [entry.split("=", 1)[1].split(":") for entry in target.parameters["ImportModelMap"].split(",")]
    for model, dataset in mapped:
        for resource in (f"model/{model}/{_UNKNOWN_ID}", f"dataset/{dataset}/{_UNKNOWN_ID}"):
            if evaluate(importer.documents, action, _lookout(target, resource)) is not Decision.ALLOW:
                findings.append(
                    f"ImportFunction: may not import with {resource.split('/')[0]} {resource.split('/')[1]}"
                )
    for resource in (f"model/{_UNMAPPED}/{_UNKNOWN_ID}", f"dataset/{_UNMAPPED}/{_UNKNOWN_ID}"):
        if evaluate(importer.documents, action, _lookout(target, resource)) is Decision.ALLOW:
            findings.append(f"ImportFunction: may import with a {resource.split('/')[0]} that is not mapped")
    role = target.parameters.get("ImportRoleArn", "")
    to_lookout = {"iam:PassedToService": "lookoutequipment.amazonaws.com"}
    if role and evaluate(importer.documents, "iam:PassRole", role, to_lookout) is not Decision.ALLOW:
        findings.append(f"ImportFunction: may not pass {role} to Lookout for Equipment")
    for other, context in (
        (f"arn:aws:iam::{target.account_id}:role/Admin", to_lookout),
        (
            role or f"arn:aws:iam::{target.account_id}:role/Admin",
            {"iam:PassedToService": "ec2.amazonaws.com"},
        ),
    ):
        if evaluate(importer.documents, "iam:PassRole", other, context) is Decision.ALLOW:
            findings.append(f"ImportFunction: may pass {other} to {context['iam:PassedToService']}")
    return findings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m emulators.permissions", description=__doc__.splitlines()[0]
    )
    parser.add_argument("template", nargs="?", type=Path, default=TEMPLATE)
    args = parser.parse_args(argv)
    logging.getLogger("samtranslator").setLevel(logging.ERROR)  # its metrics nag at exit
    source = cfn.load_template(args.template)
    total = 0
    for label, overrides in PARAMETER_SETS.items():
        findings = kms_findings(DeployedTemplate(source, overrides))
        total += len(findings)
        print(f"{label}: {len(findings)} finding(s)")
        for finding in findings:
            print(f"  {finding}")
    for label, pair in CROSS_ACCOUNT_SETS.items():
        findings = cross_account_findings(*deployments(source, pair))
        total += len(findings)
        print(f"{label}: {len(findings)} finding(s)")
        for finding in findings:
            print(f"  {finding}")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
