"""What the operator CLI learns about a deployment: the region, stack outputs, a function's
configuration, who is calling."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from model_steward.adapters import aws
from model_steward.adapters.errors import translate
from model_steward.errors import NotFoundError


def configured_region() -> str | None:
    """The region the SDK resolves (``AWS_DEFAULT_REGION``, then the profile), or None."""
    try:
        return boto3.session.Session().region_name or None
    except BotoCoreError as exc:  # e.g. a profile named in AWS_PROFILE that does not exist
        raise translate(exc, "reading the AWS configuration") from exc


def _client(service: str) -> Any:
    try:
        return boto3.session.Session().client(service, config=aws.config_for(service))  # type: ignore[call-overload]
    except BotoCoreError as exc:
        raise translate(exc, f"creating the {service} client") from exc


def stack_outputs(stack_name: str) -> dict[str, str]:
    """A CloudFormation stack's Outputs (DescribeStacks). CloudFormation answers ``ValidationError``
    for a stack that does not exist (the name is the request's only input), so for this call that
    code is a NotFoundError."""
    client = _client("cloudformation")
    try:
        stacks = client.describe_stacks(StackName=stack_name)["Stacks"]
    except (ClientError, BotoCoreError) as exc:
        error = translate(exc, f"DescribeStacks {stack_name}", overrides={"ValidationError": NotFoundError})
        if isinstance(error, NotFoundError):
            region = client.meta.region_name
            raise NotFoundError(f"stack {stack_name} does not exist in this account in {region}") from exc
        raise error from exc
    return {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", []) if "OutputValue" in o}


def function_environment(function_name: str) -> dict[str, str]:
    """A Lambda function's environment variables as deployed (GetFunctionConfiguration)."""
    client = _client("lambda")
    try:
        config = client.get_function_configuration(FunctionName=function_name)
    except (ClientError, BotoCoreError) as exc:
        raise translate(exc, f"GetFunctionConfiguration {function_name}") from exc
    variables = config.get("Environment", {}).get("Variables", {})
    return {str(name): str(value) for name, value in variables.items()}


def caller_arn() -> str | None:
    """The AWS caller identity's ARN (STS), or None when it cannot be had."""
    try:
        client = boto3.session.Session().client("sts", config=aws.config_for("sts"))
        return str(client.get_caller_identity()["Arn"])
    except (ClientError, BotoCoreError, KeyError):
        return None
