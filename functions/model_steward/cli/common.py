"""What the operator commands share: finding the deployed stack, the policy it applies, printing.

A command that reads the ledger or publishes alerts finds them, first match wins:

1. ``--table NAME`` (and ``--topic ARN``, ``--chatbot-topic ARN`` for commands that alert);
2. ``--stack NAME``: the CloudFormation stack's Outputs ``LedgerTableName``, ``AlertTopicArn``,
   ``ChatbotTopicArn`` (the Amazon Q Developer topic, when the stack has one) and
   ``EvaluateFunctionName`` (whose configuration holds the deployed policy);
3. the environment: ``STEWARD_TABLE`` / ``STEWARD_TOPIC`` / ``STEWARD_CHATBOT_TOPIC``, else
   ``STEWARD_STACK``.

Which model registry the deployment governs comes from the stack's Outputs ``ModelRegistry``,
``SiteWiseFacts`` and ``SiteWiseComputationModelIds``, else ``STEWARD_REGISTRY`` (``lookout``,
``sitewise`` or ``both``; default ``lookout``), ``STEWARD_SITEWISE_FACTS`` and
``STEWARD_SITEWISE_MODELS``.

A command that alerts sends to every channel it finds: an operator's action reaches the same
channels as the automation's.

With none of them the command stops with exit 2 and one line saying what to pass. ``--region``
sets the AWS region for every client of the command (otherwise the SDK's usual resolution: the
``AWS_DEFAULT_REGION`` variable, then the profile); with no region at all the
command stops with one line saying so.

The policy a command judges with (:func:`policy_in_use`): the deployed one, i.e. the evaluate
function's ``Policy*`` parameters and the overrides document it reads from SSM Parameter Store,
when the deployment is named by a stack; ``--policy FILE`` replaces the deployed overrides
document; with no stack, the built-in defaults. Every command says which it used.

Output: :func:`render_table` aligns rows for a terminal; :func:`print_json` is what ``--json``
prints (datetimes as ISO 8601, UTC).
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from model_steward import compose
from model_steward.adapters import aws, deployment
from model_steward.compose import cli as compose_cli
from model_steward.errors import ConfigurationError, InvalidInputError
from model_steward.models.policy import (
    Policy,
    PolicyOverrides,
    resolve_policy_explained,
)

if TYPE_CHECKING:
    from model_steward.ports import Ledger, ModelRegistry
    from model_steward.service.alerting import Alerter

TABLE_OUTPUT = "LedgerTableName"
TOPIC_OUTPUT = "AlertTopicArn"
CHATBOT_TOPIC_OUTPUT = "ChatbotTopicArn"
EVALUATE_FUNCTION_OUTPUT = "EvaluateFunctionName"
ENV_TABLE, ENV_TOPIC, ENV_STACK = "STEWARD_TABLE", "STEWARD_TOPIC", "STEWARD_STACK"
ENV_CHATBOT_TOPIC = "STEWARD_CHATBOT_TOPIC"
REGISTRY_OUTPUTS = {
    "backend": ("ModelRegistry", "STEWARD_REGISTRY"),
    "sitewise_facts": ("SiteWiseFacts", "STEWARD_SITEWISE_FACTS"),
    "sitewise_models": ("SiteWiseComputationModelIds", "STEWARD_SITEWISE_MODELS"),
}


def add_stack_arguments(parser: argparse.ArgumentParser, *, topic: bool = False) -> None:
    group = parser.add_argument_group("deployed stack (else $STEWARD_TABLE/$STEWARD_TOPIC or $STEWARD_STACK)")
    group.add_argument("--stack", metavar="NAME", help="the Model Steward stack (its outputs name the rest)")
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
    stack: str | None = None
    evaluate_function: str | None = None
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


CLI_MAX_ATTEMPTS = 3
"""Tries per AWS call (the SDK's default): an unreachable endpoint fails within seconds."""


def apply_region(args: argparse.Namespace) -> str:
    """Honour ``--region`` for every client this process creates; return the region in force
    (ConfigurationError when there is none). Every command that calls AWS starts here."""
    aws.set_max_attempts(CLI_MAX_ATTEMPTS)
    region: str | None = getattr(args, "region", None)
    if region:
        os.environ["AWS_DEFAULT_REGION"] = region
        aws.reset_clients()
        return region
    found = deployment.configured_region()
    if not found:
        raise ConfigurationError(
            "no AWS region is configured: pass --region REGION or set AWS_DEFAULT_REGION "
            "(or a region in your AWS profile)"
        )
    return found


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
    evaluate_function: str | None = None
    if not table and not stack:
        table = os.environ.get(ENV_TABLE) or None
        topic = topic or os.environ.get(ENV_TOPIC) or None
        chatbot = chatbot or os.environ.get(ENV_CHATBOT_TOPIC) or None
        if not table:
            stack = os.environ.get(ENV_STACK) or None
    outputs: dict[str, str] = {}
    if stack:
        outputs = deployment.stack_outputs(stack)
        if TABLE_OUTPUT not in outputs:
            raise InvalidInputError(
                f"stack {stack} has no {TABLE_OUTPUT} output: is it a Model Steward stack?"
            )
        table = table or outputs[TABLE_OUTPUT]
        topic = topic or outputs.get(TOPIC_OUTPUT)
        chatbot = chatbot or outputs.get(CHATBOT_TOPIC_OUTPUT)
        evaluate_function = outputs.get(EVALUATE_FUNCTION_OUTPUT)
    if not table:
        return None
    if need_topic and not topic:
        raise InvalidInputError(f"no alert topic: pass --topic ARN or --stack NAME, or set {ENV_TOPIC}")
    return Target(
        table=table,
        topic=topic,
        region=region,
        chatbot_topic=chatbot,
        stack=stack,
        evaluate_function=evaluate_function,
        registries=_registry_settings(outputs),
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


# ---------------------------------------------------------------------------------------------- policy


@dataclass(frozen=True)
class PolicyInUse:
    """The policy a command judges a model with, and where it came from."""

    policy: Policy
    base: str  # where the base policy came from
    document: str | None  # the overrides document applied, if any
    layers: list[str] = field(default_factory=list)  # base < defaults < prefix < model
    problem: str | None = None  # a deployed document that cannot be used (the automation holds)

    @property
    def fingerprint(self) -> str:
        return self.policy.fingerprint()

    def describe(self) -> str:
        """One line: ``policy 1a2b...: the parameters of stack S + SSM parameter /p (base < model m)``."""
        parts = [self.base]
        if self.document:
            parts.append(f"overrides document {self.document}")
        text = f"policy {self.fingerprint}: " + " + ".join(parts)
        if len(self.layers) > 1:
            text += f" ({' < '.join(self.layers)})"
        if self.problem:
            text += (
                f"; the deployed overrides document cannot be used, so the automation holds: {self.problem}"
            )
        return text

    def as_json(self) -> dict[str, Any]:
        return {
            "fingerprint": self.fingerprint,
            "base": self.base,
            "overrides_document": self.document,
            "layers": self.layers,
            "problem": self.problem,
            "values": self.policy.model_dump(mode="json"),
        }


def read_policy_file(path: str) -> PolicyOverrides:
    """An overrides document from a file (``-``: standard input)."""
    from model_steward.cli.policy import load_document

    return load_document(path)


def policy_in_use(target: Target | None, model_name: str | None, policy_file: str | None) -> PolicyInUse:
    """The deployed policy for ``model_name`` (see the module docstring), ``--policy FILE``
    replacing the deployed overrides document."""
    base, base_label = Policy(), "the built-in defaults (no stack named: pass --stack or set STEWARD_STACK)"
    overrides: PolicyOverrides | None = None
    document: str | None = None
    problem: str | None = None
    deployed = None
    if target is not None and target.evaluate_function:
        deployed = compose_cli.deployed_policies(target.evaluate_function)
        base, base_label = deployed.base, f"the Policy* parameters of stack {target.stack}"
    elif target is not None:
        base_label = "the built-in defaults (the deployment was named by its table, not its stack)"
    if policy_file:
        overrides, document = read_policy_file(policy_file), policy_file
    elif deployed is not None and deployed.document is not None:
        document = f"SSM parameter {deployed.document.name}"
        overrides, problem = deployed.overrides()
    policy, layers = resolve_policy_explained(base, overrides, model_name)
    return PolicyInUse(policy=policy, base=base_label, document=document, layers=layers, problem=problem)


# ---------------------------------------------------------------------------------------------- other


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
