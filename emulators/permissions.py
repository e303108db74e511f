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

``python -m emulators.permissions [TEMPLATE]`` prints the findings for the standard parameter sets
(:data:`PARAMETER_SETS`) and exits 1 when there is any.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from emulators import cfn

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
}


class DeployedTemplate:
    """The transformed template for one parameter set, every intrinsic function evaluated."""

    def __init__(self, source: Mapping[str, Any], overrides: Mapping[str, str] | None = None) -> None:
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
    def load(cls, path: Path, overrides: Mapping[str, str] | None = None) -> DeployedTemplate:
        return cls(cfn.load_template(path), overrides)

    def of_type(self, kind: str) -> dict[str, Resource]:
        return {name: r for name, r in self.resources.items() if r.type == kind}

    # ---------------------------------------------------------------- names and ARNs
    def name(self, logical_id: str) -> str:
        """The physical name: the one the template gives, else one as CloudFormation makes it."""
        prop = _NAME_PROPERTY.get(self._types[logical_id])
        given = self._raw_properties[logical_id].get(prop) if prop else None
        return str(self.resolve(given)) if given is not None else f"{STACK_NAME}-{logical_id}-GENERATED"

    def ref(self, logical_id: str) -> str:
        if logical_id in self.parameters:
            return self.parameters[logical_id]
        pseudo = {
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Region": REGION,
            "AWS::Partition": PARTITION,
            "AWS::StackName": STACK_NAME,
            "AWS::URLSuffix": "amazonaws.com",
        }
        if logical_id in pseudo:
            return pseudo[logical_id]
        kind = self._types[logical_id]
        if kind in ("AWS::SNS::Topic", "AWS::IAM::ManagedPolicy"):
            return self.get_att(logical_id, "Arn")
        if kind == "AWS::SQS::Queue":
            return f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT_ID}/{self.name(logical_id)}"
        return self.name(logical_id)

    def get_att(self, logical_id: str, attribute: str) -> str:
        kind, name = self._types[logical_id], self.name(logical_id)
        if attribute in ("QueueName", "TopicName", "KeyId", "RoleId", "Name"):
            return name
        if attribute == "QueueUrl":
            return self.ref(logical_id)
        if attribute != "Arn":
            raise cfn.TemplateError(f"Fn::GetAtt {logical_id}.{attribute} is not resolvable statically")
        arns = {
            "AWS::SNS::Topic": f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:{name}",
            "AWS::SQS::Queue": f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{name}",
            "AWS::KMS::Key": f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:key/{name}",
            "AWS::IAM::Role": f"arn:aws:iam::{ACCOUNT_ID}:role/{name}",
            "AWS::IAM::ManagedPolicy": f"arn:aws:iam::{ACCOUNT_ID}:policy/{name}",
            "AWS::Lambda::Function": f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}",
            "AWS::DynamoDB::Table": f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{name}",
            "AWS::S3::Bucket": f"arn:aws:s3:::{name}",
            "AWS::CloudWatch::Alarm": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT_ID}:alarm:{name}",
            "AWS::Events::Rule": f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{name}",
            "AWS::Scheduler::Schedule": f"arn:aws:scheduler:{REGION}:{ACCOUNT_ID}:schedule/default/{name}",
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
        return self.arn(key_ids[key]) if key in key_ids else f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:key/{key}"

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
class Decision(Enum):
    ALLOW = "allow"
    DENY = "deny"
    NONE = "not allowed"


@dataclass(frozen=True)
class Role:
    logical_id: str
    arn: str
    documents: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class Caller:
    """Who makes a request: a role (by ARN) or an AWS service principal."""

    arn: str = ""
    service: str = ""


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM's ``*`` (any run of characters, ``/`` and ``:`` included) and ``?`` (one character)."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.IGNORECASE if ignore_case else 0) is not None


_STRING_OPERATORS: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": lambda expected, actual: actual == expected,
    "StringLike": wildcard_match,
    "ArnEquals": lambda expected, actual: actual == expected,
    "ArnLike": wildcard_match,
    "Bool": lambda expected, actual: str(actual).lower() == str(expected).lower(),
}


def _condition_holds(operator: str, key: str, expected: Any, context: Mapping[str, str]) -> bool:
    if_exists = operator.endswith("IfExists")
    base = operator.removesuffix("IfExists")
    negated = base in ("StringNotEquals", "StringNotLike", "ArnNotEquals", "ArnNotLike")
    positive = base.replace("Not", "", 1) if negated else base
    if positive not in _STRING_OPERATORS:
        raise ValueError(f"condition operator {operator} is not evaluated by this check")
    # Condition keys are case-insensitive (aws:SourceArn, AWS:SourceOwner...)
    actual = next((value for name, value in context.items() if name.lower() == key.lower()), None)
    if actual is None:
        return negated or if_exists
    matches = any(_STRING_OPERATORS[positive](str(e), actual) for e in _as_list(expected))
    return not matches if negated else matches


def _conditions_hold(statement: Mapping[str, Any], context: Mapping[str, str]) -> bool:
    return all(
        _condition_holds(operator, key, expected, context)
        for operator, pairs in statement.get("Condition", {}).items()
        for key, expected in pairs.items()
    )


def _principal_matches(principal: Any, caller: Caller) -> bool:
    if principal == "*":
        return True
    for kind, values in principal.items():
        for value in _as_list(values):
            if kind == "Service" and caller.service and value == caller.service:
                return True
            if kind == "AWS" and caller.arn and value in ("*", caller.arn):
                return True
    return False


def delegates_to_iam(principal: Any) -> bool:
    """A key policy principal that hands the decision to the account's IAM policies."""
    if principal == "*" or not isinstance(principal, dict):
        return False
    return any(
        value in (ACCOUNT_ID, f"arn:aws:iam::{ACCOUNT_ID}:root")
        for value in _as_list(principal.get("AWS", []))
    )


def _applies(statement: Mapping[str, Any], action: str, resource: str, context: Mapping[str, str]) -> bool:
    if "NotAction" in statement or "NotResource" in statement:
        raise ValueError("NotAction / NotResource are not evaluated by this check")
    if not any(wildcard_match(a, action, ignore_case=True) for a in _as_list(statement["Action"])):
        return False
    if not any(wildcard_match(r, resource) for r in _as_list(statement.get("Resource", "*"))):
        return False
    return _conditions_hold(statement, context)


def evaluate(
    documents: Sequence[Mapping[str, Any]],
    action: str,
    resource: str,
    context: Mapping[str, str] | None = None,
    *,
    caller: Caller | None = None,
) -> Decision:
    """The decision of policy documents (identity ones, or a resource policy for ``caller``)."""
    decision = Decision.NONE
    for document in documents:
        for statement in _as_list(document.get("Statement", [])):
            if caller is not None and not _principal_matches(statement.get("Principal", {}), caller):
                continue
            if _applies(statement, action, resource, context or {}):
                if statement["Effect"] == "Deny":
                    return Decision.DENY
                decision = Decision.ALLOW
    return decision


def key_policy_decision(
    key_policy: Mapping[str, Any], role: Role, action: str, key_arn: str, context: Mapping[str, str]
) -> Decision:
    """KMS: the key policy allows the role itself, or delegates to IAM and the role's policies allow."""
    caller = Caller(arn=role.arn)
    for statement in _as_list(key_policy.get("Statement", [])):
        principal = statement.get("Principal", {})
        if not (_principal_matches(principal, caller) or delegates_to_iam(principal)):
            continue
        if statement["Effect"] == "Deny" and _applies(statement, action, key_arn, context):
            return Decision.DENY
    direct = evaluate([key_policy], action, key_arn, context, caller=caller)
    if direct == Decision.ALLOW:
        return Decision.ALLOW
    delegated = any(
        statement["Effect"] == "Allow"
        and delegates_to_iam(statement.get("Principal", {}))
        and _applies(statement, action, key_arn, context)
        for statement in _as_list(key_policy.get("Statement", []))
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
        for statement in _as_list(document.get("Statement", [])):
            if statement["Effect"] != "Allow" or not any(
                wildcard_match(a, action, ignore_case=True) for a in _as_list(statement["Action"])
            ):
                continue
            for pattern in _as_list(statement.get("Resource", "*")):
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
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
