"""What the operator commands share: finding the deployed stack, and printing.

A command that reads the ledger or publishes alerts finds them, first match wins:

1. ``--table NAME`` (and ``--topic ARN``, ``--chatbot-topic ARN`` for commands that alert);
2. ``--stack NAME``: the CloudFormation stack's Outputs ``LedgerTableName``, ``AlertTopicArn`` and
   ``ChatbotTopicArn`` (the Amazon Q Developer topic, when the stack has one);
3. the environment: ``STEWARD_TABLE`` / ``STEWARD_TOPIC`` / ``STEWARD_CHATBOT_TOPIC``, else
   ``STEWARD_STACK``.

Which model registry the deployment governs comes from the stack's Outputs ``ModelRegistry``,
``SiteWiseFacts`` and ``SiteWiseComputationModelIds``, else ``STEWARD_REGISTRY`` (``lookout``,
``sitewise`` or ``both``; default ``lookout``), ``STEWARD_SITEWISE_FACTS`` and
``STEWARD_SITEWISE_MODELS``.

A command that alerts sends to every channel it finds: an operator's action reaches the same
channels as the automation's.

With none of them the command stops with exit 2 and one line saying what to pass. ``--region``
sets the AWS region for every client of the command (otherwise the SDK's usual resolution).

Output: :func:`render_table` aligns rows for a terminal; :func:`print_json` is what ``--json``
prints (datetimes as ISO 8601, UTC).
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from model_steward import compose
from model_steward.adapters import aws, deployment
from model_steward.errors import InvalidInputError

if TYPE_CHECKING:
    from model_steward.ports import Ledger, ModelRegistry
    from model_steward.service.alerting import Alerter

TABLE_OUTPUT = "LedgerTableName"
TOPIC_OUTPUT = "AlertTopicArn"
CHATBOT_TOPIC_OUTPUT = "ChatbotTopicArn"
ENV_TABLE, ENV_TOPIC, ENV_STACK = "STEWARD_TABLE", "STEWARD_TOPIC", "STEWARD_STACK"
ENV_CHATBOT_TOPIC = "STEWARD_CHATBOT_TOPIC"
REGISTRY_OUTPUTS = {
    "backend": ("ModelRegistry", "STEWARD_REGISTRY"),
    "sitewise_facts": ("SiteWiseFacts", "STEWARD_SITEWISE_FACTS"),
    "sitewise_models": ("SiteWiseComputationModelIds", "STEWARD_SITEWISE_MODELS"),
}


def add_stack_arguments(parser: argparse.ArgumentParser, *, topic: bool = False) -> None:
    group = parser.add_argument_group("deployed stack (else $STEWARD_TABLE/$STEWARD_TOPIC or $STEWARD_STACK)")
    group.add_argument("--stack", metavar="NAME", help="read the ledger table (and topic) from this stack")
    group.add_argument("--table", metavar="NAME", help="the ledger's DynamoDB table")
    if topic:
        group.add_argument("--topic", metavar="ARN", help="the alert topic")
        group.add_argument("--chatbot-topic", metavar="ARN", help="the Amazon Q Developer topic, if any")
    group.add_argument("--region", metavar="REGION", help="the AWS region (default: the SDK's)")


@dataclass(frozen=True)
class Target:
    table: str
    topic: str | None
    region: str
    chatbot_topic: str | None = None
    registries: Mapping[str, str] | None = None  # backend, sitewise_facts, sitewise_models (text)

    def ledger(self) -> Ledger:
        return compose.ledger(self.table)

    def registry(self) -> ModelRegistry:
        return _registry(self.region, self.registries or _registry_settings({}))

    def alerter(self, ledger: Ledger) -> Alerter:
        """Every channel this deployment alerts on (needs the alert topic)."""
        if not self.topic:
            raise InvalidInputError(f"no alert topic: pass --topic ARN or --stack NAME, or set {ENV_TOPIC}")
        return compose.alerter(ledger, self.topic, chatbot_topic_arn=self.chatbot_topic)


def apply_region(args: argparse.Namespace) -> str:
    """Honour ``--region`` for every client this process creates; return the region in force."""
    region: str | None = getattr(args, "region", None)
    if region:
        os.environ["AWS_DEFAULT_REGION"] = region
        aws.reset_clients()
    return region or deployment.default_region()


def resolve_target(args: argparse.Namespace, *, need_topic: bool = False) -> Target:
    """The ledger table (and alert topic) a command works on; see the module docstring."""
    target = find_target(args, need_topic=need_topic)
    if target is None:
        raise InvalidInputError(
            f"which deployment? pass --stack NAME or --table NAME, or set {ENV_STACK} or {ENV_TABLE}"
        )
    return target


def find_target(args: argparse.Namespace, *, need_topic: bool = False) -> Target | None:
    """Like :func:`resolve_target`, but None when nothing names a deployment."""
    region = apply_region(args)
    table: str | None = getattr(args, "table", None)
    topic: str | None = getattr(args, "topic", None)
    chatbot: str | None = getattr(args, "chatbot_topic", None)
    stack: str | None = getattr(args, "stack", None)
    if not table and not stack:
        table = os.environ.get(ENV_TABLE) or None
        topic = topic or os.environ.get(ENV_TOPIC) or None
        chatbot = chatbot or os.environ.get(ENV_CHATBOT_TOPIC) or None
        if not table:
            stack = os.environ.get(ENV_STACK) or None
    outputs: dict[str, str] = {}
    if stack and (not table or need_topic):
        outputs = deployment.stack_outputs(stack)
        table = table or outputs.get(TABLE_OUTPUT)
        topic = topic or outputs.get(TOPIC_OUTPUT)
        chatbot = chatbot or outputs.get(CHATBOT_TOPIC_OUTPUT)
        if not table:
            raise InvalidInputError(
                f"stack {stack} has no {TABLE_OUTPUT} output: is it a Model Steward stack?"
            )
    if not table:
        return None
    if need_topic and not topic:
        raise InvalidInputError(f"no alert topic: pass --topic ARN or --stack NAME, or set {ENV_TOPIC}")
    return Target(
        table=table, topic=topic, region=region, chatbot_topic=chatbot, registries=_registry_settings(outputs)
    )


def _registry_settings(outputs: Mapping[str, str]) -> dict[str, str]:
    """backend, sitewise_facts, sitewise_models: from a stack's Outputs, else the environment."""
    return {
        name: outputs.get(output) or os.environ.get(variable, "")
        for name, (output, variable) in REGISTRY_OUTPUTS.items()
    }


def _registry(region: str, settings: Mapping[str, str]) -> ModelRegistry:
    backend = settings.get("backend") or "lookout"
    if backend not in ("lookout", "sitewise", "both"):
        raise InvalidInputError(f"model registry {backend!r}: expected lookout, sitewise or both")
    models = tuple(m.strip() for m in settings.get("sitewise_models", "").split(",") if m.strip())
    return compose.registry(
        region,
        backend=backend,
        sitewise_facts=settings.get("sitewise_facts", ""),
        sitewise_models=None if models in ((), ("*",)) else models,  # an operator may look at any
    )


def registry(args: argparse.Namespace) -> ModelRegistry:
    """The model registry in the region the command works in (the deployment's, when one is named)."""
    region = apply_region(args)
    stack: str | None = getattr(args, "stack", None) or os.environ.get(ENV_STACK) or None
    outputs = deployment.stack_outputs(stack) if stack else {}
    return _registry(region, _registry_settings(outputs))


def operator_name(explicit: str | None) -> str:
    """Who acts: ``--actor``, else the AWS caller identity's ARN (STS), else the OS user."""
    if explicit and explicit.strip():
        return explicit.strip()
    arn = deployment.caller_arn()
    if arn:
        return arn
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown operator"


# ---------------------------------------------------------------------------------------------- output


def shorten(text: str | None, width: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def render_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Rows aligned under their headers, two spaces apart; the last column is never padded."""
    cells = [[str(h) for h in headers], *[["-" if c is None else str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for row in cells:
        padded = [cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])] + [row[-1]]
        lines.append("  ".join(padded).rstrip())
    return "\n".join(lines)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def to_json(value: Any) -> str:
    return json.dumps(value, indent=2, default=_jsonable)


def print_json(value: Mapping[str, Any] | Sequence[Any]) -> None:
    print(to_json(value))
