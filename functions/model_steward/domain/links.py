"""Where a person looks: console pages and ledger commands (pure; the one place for each link).

Console URL formats: the AWS Management Console's own deep links, as the consoles use them
(https://docs.aws.amazon.com/lookout-for-equipment/latest/ug/what-is.html,
https://docs.aws.amazon.com/AmazonS3/latest/userguide/view-object-properties.html).
"""

from __future__ import annotations

from urllib.parse import quote


def lookout_model_console(model_name: str, region: str) -> str:
    """The Amazon Lookout for Equipment console page of a model."""
    return (
        f"https://{region}.console.aws.amazon.com/lookoutequipment/home?region={region}#/models/{model_name}"
    )


def sitewise_console(region: str) -> str:
    """The AWS IoT SiteWise console of a region."""
    return f"https://{region}.console.aws.amazon.com/iotsitewise/home?region={region}#/"


def s3_object_console(bucket: str, key: str, region: str) -> str:
    """The Amazon S3 console page of an object (opens for anyone signed in with read access)."""
    return (
        f"https://{region}.console.aws.amazon.com/s3/object/{bucket}"
        f"?region={region}&prefix={quote(key, safe='')}"
    )


def ledger_command(model_name: str, target: str | None = None) -> str:
    """How an operator reads a model's ledger (``target``: :func:`cli_target`)."""
    return _with_target(f"steward history {model_name}", target)


def cli_target(stack: str | None, region: str | None = None) -> str:
    """How a `steward` command reaches a deployment: ``--stack NAME --region REGION`` (what is
    known of it; empty when nothing is)."""
    parts = [f"--stack {stack}" if stack else "", f"--region {region}" if stack and region else ""]
    return " ".join(part for part in parts if part)


def _with_target(command: str, target: str | None) -> str:
    return f"{command} {target}" if target else command


def promote_command(model_name: str, version: int, target: str | None = None, *, force: bool = False) -> str:
    """The command that activates a version by hand (through the policy's guards)."""
    forced = " --force" if force else ""
    return _with_target(f"steward promote {model_name} {version}", target) + f'{forced} --reason "…"'
