"""What the operator CLI learns about a deployment: stack outputs, who is calling, the region."""

from __future__ import annotations

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from model_steward.adapters import aws
from model_steward.adapters.errors import translate
from model_steward.errors import NotFoundError


def default_region() -> str:
    return boto3.session.Session().region_name or "us-east-1"


def stack_outputs(stack_name: str) -> dict[str, str]:
    """A CloudFormation stack's Outputs (DescribeStacks). CloudFormation answers ``ValidationError``
    for a stack that does not exist (the name is the request's only input), so for this call that
    code is a NotFoundError."""
    client = boto3.session.Session().client("cloudformation", config=aws.RETRY_CONFIG)
    try:
        stacks = client.describe_stacks(StackName=stack_name)["Stacks"]
    except (ClientError, BotoCoreError) as exc:
        error = translate(exc, f"DescribeStacks {stack_name}", overrides={"ValidationError": NotFoundError})
        if isinstance(error, NotFoundError):
            raise NotFoundError(f"stack {stack_name} does not exist in this account and region") from exc
        raise error from exc
    return {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", []) if "OutputValue" in o}


def caller_arn() -> str | None:
    """The AWS caller identity's ARN (STS), or None when it cannot be had."""
    try:
        client = boto3.session.Session().client("sts", config=aws.RETRY_CONFIG)
        return str(client.get_caller_identity()["Arn"])
    except (ClientError, BotoCoreError, KeyError):
        return None
