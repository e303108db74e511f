"""What moto's CloudFormation leaves out, applied through the service APIs moto does implement.

moto's CloudFormation cannot create some resource types (subscriptions, alarms, schedules, invoke
configurations, topic, queue, event bus and bucket policies) and ignores a bucket's
``NotificationConfiguration``.
After the stack exists, each of these is created with the matching API call, its properties
resolved against the deployed resources, so the local wiring stays the template's.

Topic and queue policies are set on their topics and queues; moto stores them without evaluating
them, and ``emulators.iam`` evaluates them for each request as AWS would over TLS (the local
endpoints are plain HTTP; the SDK uses TLS in AWS). Anything no applier covers stays listed in
``LocalStack.not_emulated``: notably the bucket policy, whose TLS-only deny moto's S3 would enforce
on the plain-HTTP endpoint (refusing every local call).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from emulators.stack import LocalStack


class Resolver:
    """Resolves Ref / Fn::GetAtt / Fn::Sub / Fn::Join / Fn::Split / Fn::Select / Fn::FindInMap against a
    deployed local stack."""

    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack
        self.pseudo = {
            "AWS::AccountId": stack.account_id,
            "AWS::Region": stack.region,
            "AWS::Partition": "aws",
            "AWS::StackName": stack.stack_name,
            "AWS::URLSuffix": "amazonaws.com",
        }

    def resolve(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self.resolve(item) for item in node]
        if not isinstance(node, dict):
            return node
        if set(node) == {"Ref"}:
            return self.ref(node["Ref"])
        if set(node) == {"Fn::GetAtt"}:
            target = node["Fn::GetAtt"]
            name, attribute = target.split(".", 1) if isinstance(target, str) else target
            return self.get_att(name, attribute)
        if set(node) == {"Fn::Sub"}:
            return self.sub(node["Fn::Sub"])
        if set(node) == {"Fn::FindInMap"}:
            mapping, top, second = (self.resolve(part) for part in node["Fn::FindInMap"])
            return self.stack.mappings[mapping][top][second]
        if set(node) == {"Fn::Join"}:
            separator, items = node["Fn::Join"]
            return separator.join(str(self.resolve(item)) for item in items)
        if set(node) == {"Fn::Split"}:
            separator, text = node["Fn::Split"]
            return str(self.resolve(text)).split(separator)
        if set(node) == {"Fn::Select"}:
            index, items = node["Fn::Select"]
            return self.resolve(items)[int(index)]
        return {key: self.resolve(value) for key, value in node.items()}

    def ref(self, name: str) -> str:
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.stack.parameters:
            return self.stack.parameters[name]
        return self.stack.resources[name]

    def get_att(self, name: str, attribute: str) -> str:
        kind = self.stack.resource_types[name]
        physical = self.stack.resources[name]
        account, region = self.stack.account_id, self.stack.region
        if attribute == "Arn":
            if kind == "AWS::Lambda::Function":
                return self.stack.functions[name].arn
            if kind == "AWS::SQS::Queue":
                return f"arn:aws:sqs:{region}:{account}:{physical.rsplit('/', 1)[1]}"
            if kind == "AWS::SNS::Topic":
                return physical
            if kind == "AWS::IAM::Role":
                return f"arn:aws:iam::{account}:role/{physical}"
            if kind == "AWS::KMS::Key":
                return f"arn:aws:kms:{region}:{account}:key/{physical}"
            if kind == "AWS::CloudWatch::Alarm":
                return f"arn:aws:cloudwatch:{region}:{account}:alarm:{physical}"
            if kind == "AWS::Events::Rule":
                return f"arn:aws:events:{region}:{account}:rule/{physical.rsplit('/', 1)[-1]}"
            if kind == "AWS::Events::EventBus":
                return f"arn:aws:events:{region}:{account}:event-bus/{physical.rsplit('/', 1)[-1]}"
        if attribute == "Name" and kind == "AWS::Events::EventBus":
            return physical.rsplit("/", 1)[-1]
        if attribute == "QueueName" and kind == "AWS::SQS::Queue":
            return physical.rsplit("/", 1)[1]
        if attribute == "TopicName" and kind == "AWS::SNS::Topic":
            return physical.rsplit(":", 1)[1]
        raise KeyError(f"Fn::GetAtt {name}.{attribute} ({kind}) is not resolvable locally")

    def sub(self, spec: str | list[Any]) -> str:
        text, variables = (spec, {}) if isinstance(spec, str) else (spec[0], self.resolve(spec[1]))

        def replace(match: re.Match[str]) -> str:
            token = match.group(1)
            if token in variables:
                return str(variables[token])
            if "." in token:
                name, attribute = token.split(".", 1)
                return self.get_att(name, attribute)
            return self.ref(token)

        return re.sub(r"\$\{([^!}][^}]*)\}", replace, text)


Applier = Callable[["LocalStack", Resolver, str, Mapping[str, Any]], None]


_SUBSCRIPTION_ATTRIBUTES = ("FilterPolicy", "FilterPolicyScope", "RawMessageDelivery", "RedrivePolicy")


def _subscription(stack: LocalStack, resolver: Resolver, name: str, props: Mapping[str, Any]) -> None:
    attributes = {}
    for key in _SUBSCRIPTION_ATTRIBUTES:
        if key in props:
            value = resolver.resolve(props[key])
            attributes[key] = json.dumps(value) if isinstance(value, dict) else str(value).lower()
    if "FilterPolicyScope" in attributes:
        attributes["FilterPolicyScope"] = str(props["FilterPolicyScope"])
    stack.client("sns").subscribe(
        TopicArn=resolver.resolve(props["TopicArn"]),
        Protocol=props["Protocol"],
        Endpoint=resolver.resolve(props["Endpoint"]),
        Attributes=attributes,
    )


def _alarm(stack: LocalStack, resolver: Resolver, name: str, props: Mapping[str, Any]) -> None:
    resolved = resolver.resolve(dict(props))
    resolved.setdefault("AlarmName", f"{stack.stack_name}-{name}")
    stack.client("cloudwatch").put_metric_alarm(**resolved)
    stack.resources[name] = resolved["AlarmName"]


def _dashboard(stack: LocalStack, resolver: Resolver, name: str, props: Mapping[str, Any]) -> None:
    resolved = resolver.resolve(dict(props))
    resolved.setdefault("DashboardName", f"{stack.stack_name}-{name}")
    json.loads(resolved["DashboardBody"])  # CloudWatch refuses a body that is not JSON; so do we
    stack.client("cloudwatch").put_dashboard(**resolved)
    stack.resources[name] = resolved["DashboardName"]


def _schedule(stack: LocalStack, resolver: Resolver, name: str, props: Mapping[str, Any]) -> None:
    resolved = resolver.resolve(dict(props))
    stack.client("scheduler").create_schedule(**resolved)


def _invoke_config(stack: LocalStack, resolver: Resolver, name: str, props: Mapping[str, Any]) -> None:
    resolved = resolver.resolve(dict(props))
    resolved["FunctionName"] = resolved.pop("FunctionName")
    resolved["Qualifier"] = resolved.pop("Qualifier", "$LATEST")
    stack.client("lambda").put_function_event_invoke_config(**resolved)


def _topic_policy(stack: LocalStack, resolver: Resolver, name: str, props: Mapping[str, Any]) -> None:
    document = json.dumps(resolver.resolve(props["PolicyDocument"]))
    for topic in resolver.resolve(props["Topics"]):
        stack.client("sns").set_topic_attributes(
            TopicArn=topic, AttributeName="Policy", AttributeValue=document
        )


def _queue_policy(stack: LocalStack, resolver: Resolver, name: str, props: Mapping[str, Any]) -> None:
    document = json.dumps(resolver.resolve(props["PolicyDocument"]))
    for queue_url in resolver.resolve(props["Queues"]):
        stack.client("sqs").set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": document})


def _event_bus_policy(stack: LocalStack, resolver: Resolver, name: str, props: Mapping[str, Any]) -> None:
    statement = {**resolver.resolve(props["Statement"]), "Sid": resolver.resolve(props["StatementId"])}
    bus = str(resolver.resolve(props.get("EventBusName", "default"))).rsplit("/", 1)[-1]
    stack.client("events").put_permission(
        EventBusName=bus, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    )


APPLIERS: dict[str, Applier] = {
    "AWS::SNS::TopicPolicy": _topic_policy,
    "AWS::SQS::QueuePolicy": _queue_policy,
    "AWS::SNS::Subscription": _subscription,
    "AWS::CloudWatch::Alarm": _alarm,
    "AWS::CloudWatch::Dashboard": _dashboard,
    "AWS::Scheduler::Schedule": _schedule,
    "AWS::Lambda::EventInvokeConfig": _invoke_config,
    "AWS::Events::EventBusPolicy": _event_bus_policy,
}


def bucket_notifications(stack: LocalStack, resolver: Resolver, name: str, props: Mapping[str, Any]) -> None:
    """A bucket's NotificationConfiguration (moto's CloudFormation creates the bucket without it)."""
    config = props.get("NotificationConfiguration", {})
    lambdas = [
        {
            "LambdaFunctionArn": resolver.resolve(item["Function"]),
            "Events": [item["Event"]],
            "Filter": {
                "Key": {
                    "FilterRules": resolver.resolve(item.get("Filter", {}).get("S3Key", {}).get("Rules", []))
                }
            },
        }
        for item in config.get("LambdaConfigurations", [])
    ]
    if lambdas:
        stack.client("s3").put_bucket_notification_configuration(
            Bucket=stack.resources[name], NotificationConfiguration={"LambdaFunctionConfigurations": lambdas}
        )


def complete(stack: LocalStack, resources: Mapping[str, Any]) -> dict[str, str]:
    """Apply what moto's CloudFormation skipped; returns what is still not emulated (id -> type)."""
    resolver = Resolver(stack)
    still_missing = {}
    for name, body in resources.items():  # moto's CloudFormation gives an event bus no physical id
        if body["Type"] == "AWS::Events::EventBus" and not stack.resources.get(name, "x"):
            stack.resources[name] = str(resolver.resolve(body["Properties"]["Name"]))
    for name, body in resources.items():
        kind, props = body["Type"], body.get("Properties", {})
        if kind == "AWS::S3::Bucket" and name in stack.resources:
            bucket_notifications(stack, resolver, name, props)
        if name not in stack.not_emulated:
            continue
        applier = APPLIERS.get(kind)
        if applier is None:
            still_missing[name] = kind
            continue
        stack.resources.setdefault(name, name)
        applier(stack, resolver, name, props)
    return still_missing
