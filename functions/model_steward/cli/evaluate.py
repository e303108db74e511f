"""`steward evaluate`: what the policy decides for a model version, without acting.

    steward evaluate MODEL [--version N] [--policy FILE] [--json] [--stack NAME] [--region REGION]

Reads the model and the version from Lookout for Equipment (default: the newest version), applies
the policy and prints every rule's result. The policy is the deployed one when a stack is named
(``--stack`` or ``STEWARD_STACK``: the evaluate function's ``Policy*`` parameters and its overrides
document; ``--policy FILE`` replaces the document), else the built-in defaults; the output names
it and its fingerprint (`steward backtest` prints the same one for the same policy). Nothing is
recorded, promoted or alerted.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from model_steward.cli import summary
from model_steward.cli.common import (
    PolicyInUse,
    add_stack_arguments,
    find_target,
    policy_in_use,
    print_json,
    registry,
)
from model_steward.domain.policy import decide
from model_steward.errors import InvalidInputError, NotFoundError

if TYPE_CHECKING:
    from model_steward.models.decision import Decision
    from model_steward.ports import ModelRegistry

_MARK = {"PASS": "pass", "FAIL": "FAIL", "NOT_MEASURABLE": "n/m ", "SKIPPED": "skip"}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("evaluate", help=summary("evaluate"))
    parser.add_argument(
        "model",
        nargs="?",
        metavar="MODEL",
        help="the model (Lookout for Equipment name, or SiteWise sw-<model id>-<asset id>)",
    )
    parser.add_argument("--model", dest="model_option", metavar="NAME", help=argparse.SUPPRESS)
    parser.add_argument("--version", type=int, metavar="N", help="the version (default: the newest)")
    parser.add_argument(
        "--policy", metavar="FILE", help="apply this overrides document instead of the deployed one"
    )
    parser.add_argument("--json", action="store_true", help="the full decision as JSON")
    add_stack_arguments(parser)
    parser.set_defaults(handler=run)


def explain(models: ModelRegistry, model_name: str, version: int | None, policy: PolicyInUse) -> Decision:
    model = models.describe_model(model_name)
    if version is None:
        numbers = models.version_numbers(model_name)
        if not numbers:
            raise NotFoundError(f"model {model_name} has no versions")
        version = max(numbers)
    facts = models.describe_version(model_name, version)
    return decide(facts, model, policy.policy, datetime.now(UTC))


def run(args: argparse.Namespace) -> int:
    model_name = args.model or args.model_option
    if not model_name:
        raise InvalidInputError("which model? steward evaluate MODEL")
    target = find_target(args)
    policy = policy_in_use(target, model_name, args.policy)
    decision = explain(target.registry() if target else registry(args), model_name, args.version, policy)
    if args.json:
        print_json({**decision.model_dump(mode="json"), "policy": policy.as_json()})
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
    print(f"  {policy.describe()}")
    print("  nothing was recorded or changed")
    return 0
