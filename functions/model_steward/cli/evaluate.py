"""`steward evaluate`: what the policy decides for a model version, without acting.

    steward evaluate --model NAME [--version N] [--policy FILE] [--json]

Reads the model and the version from Lookout for Equipment (default: the newest version), applies
the policy (Policy() defaults, or an overrides document with --policy) and prints every rule's
result. Nothing is recorded, promoted or alerted.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from model_steward.cli.common import registry
from model_steward.cli.policy import _load
from model_steward.domain.policy import decide
from model_steward.errors import NotFoundError
from model_steward.models.decision import Decision
from model_steward.models.policy import Policy, resolve_policy

if TYPE_CHECKING:
    from model_steward.ports import ModelRegistry

_MARK = {"PASS": "pass", "FAIL": "FAIL", "NOT_MEASURABLE": "n/m ", "SKIPPED": "skip"}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "evaluate", help="explain what the policy decides for a version (no action)"
    )
    parser.add_argument(
        "--model",
        required=True,
        metavar="NAME",
        help="the model (Lookout for Equipment name, or SiteWise sw-<model>-<asset>)",
    )
    parser.add_argument("--version", type=int, metavar="N", help="the version (default: the newest)")
    parser.add_argument("--policy", metavar="FILE", help="a policy overrides document to apply")
    parser.add_argument("--json", action="store_true", help="the full decision as JSON")
    parser.set_defaults(handler=run)


def explain(models: ModelRegistry, model_name: str, version: int | None, policy_file: str | None) -> Decision:
    overrides = _load(policy_file) if policy_file else None
    policy = resolve_policy(Policy(), overrides, model_name)
    model = models.describe_model(model_name)
    if version is None:
        numbers = models.version_numbers(model_name)
        if not numbers:
            raise NotFoundError(f"model {model_name} has no versions")
        version = max(numbers)
    facts = models.describe_version(model_name, version)
    return decide(facts, model, policy, datetime.now(UTC))


def run(args: argparse.Namespace) -> int:
    decision = explain(registry(args), args.model, args.version, args.policy)
    if args.json:
        print(json.dumps(decision.model_dump(mode="json"), indent=2))
        return 0
    head = f"{decision.model_name} v{decision.version} (active: v{decision.active_version})"
    print(f"{head}: {decision.outcome.value}")
    print(f"  {decision.summary}")
    for result in decision.rule_results:
        print(f"  [{_MARK[result.outcome.value]}] {result.rule.value:<22} {result.message}")
    for item in decision.look_at:
        print(f"  look at: {item}")
    service = decision.service_auto_promotion
    print(f"  service: {service.message}")
    print(f"  policy fingerprint {decision.policy_fingerprint}; nothing was recorded or changed")
    return 0
