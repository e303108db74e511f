"""What the operator CLI learns about a deployment: the region, stack outputs, a function's
configuration, who is calling."""

from __future__ import annotations

import boto3
from botocore.exceptions import BotoCoreError

from model_steward.adapters import aws
from model_steward.adapters.errors import call, translate
from model_steward.errors import NotFoundError, StewardError


def configured_region() -> str | None:
    """The region the SDK resolves (``AWS_DEFAULT_REGION``, then the profile), or None."""
    try:
        return boto3.session.Session().region_name or None
    except BotoCoreError as exc:  # e.g. a profile named in AWS_PROFILE that does not exist
        raise translate(exc, "reading the AWS configuration") from exc


def stack_outputs(stack_name: str) -> dict[str, str]:
    """A CloudFormation stack's Outputs (DescribeStacks). CloudFormation answers ``ValidationError``
    for a stack that does not exist (the name is the request's only input), so for this call that
    code is a NotFoundError."""
    client = aws.client("cloudformation")
    try:
        stacks = call(
            client,
            "describe_stacks",
            f"DescribeStacks {stack_name}",
            overrides={"ValidationError": NotFoundError},
            StackName=stack_name,
        )["Stacks"]
    except NotFoundError as exc:
        region = client.meta.region_name
        raise NotFoundError(f"stack {stack_name} does not exist in this account in {region}") from exc
    return {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", []) if "OutputValue" in o}


def function_environment(function_name: str) -> dict[str, str]:
    """A Lambda function's environment variables as deployed (GetFunctionConfiguration)."""
    config = call(
        aws.client("lambda"),
        "get_function_configuration",
        f"GetFunctionConfiguration {function_name}",
        FunctionName=function_name,
    )
    variables = config.get("Environment", {}).get("Variables", {})
    return {str(name): str(value) for name, value in variables.items()}


def caller_arn() -> str | None:
    """The AWS caller identity's ARN (STS), or None when it cannot be had."""
    try:
        return str(call(aws.client("sts"), "get_caller_identity", "GetCallerIdentity")["Arn"])
    except (StewardError, KeyError):
        return None
