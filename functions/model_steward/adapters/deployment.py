"""What the operator CLI learns about a deployment: stack outputs, who is calling, the region."""

from __future__ import annotations

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from model_steward.adapters import aws
from model_steward.errors import NotFoundError, StewardError


def default_region() -> str:
    return boto3.session.Session().region_name or "us-east-1"


def stack_outputs(stack_name: str) -> dict[str, str]:
    """A CloudFormation stack's Outputs (DescribeStacks)."""
    client = boto3.session.Session().client("cloudformation", config=aws.RETRY_CONFIG)
    try:
        stacks = client.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as exc:
        message = exc.response.get("Error", {}).get("Message", "")
        if "does not exist" in message:
            raise NotFoundError(f"stack {stack_name} does not exist in this account and region") from None
        code = exc.response.get("Error", {}).get("Code", "")
        raise StewardError(f"DescribeStacks {stack_name}: {code}: {message}") from exc
    except BotoCoreError as exc:
        raise StewardError(f"DescribeStacks {stack_name}: {exc}") from exc
    return {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", []) if "OutputValue" in o}


def caller_arn() -> str | None:
    """The AWS caller identity's ARN (STS), or None when it cannot be had."""
    try:
        client = boto3.session.Session().client("sts", config=aws.RETRY_CONFIG)
        return str(client.get_caller_identity()["Arn"])
    except (ClientError, BotoCoreError, KeyError):
        return None
