"""`steward promote` and `steward rollback`: activate a version by hand, through the same guards.

    steward promote MODEL VERSION --reason TEXT [--force] [--actor NAME] [--policy FILE] [--json]
    steward rollback MODEL [--to VERSION] --reason TEXT [--force] [--actor NAME] [--policy FILE] [--json]
        [--stack NAME | --table NAME --topic ARN] [--region REGION]

The version is judged with the deployed policy (the stack's ``Policy*`` parameters and overrides
document; ``--policy FILE`` replaces the document; see ``cli.common.policy_in_use``), which the
output names with its fingerprint. A failing rule refuses the action unless --force, which is
recorded with who and why. A rollback goes to --to VERSION or the model's
PreviousActiveModelVersion and bypasses only the ``newer_than_active`` and ``cooldown`` rules. The
actor is --actor, else the AWS caller identity, else the OS user. Every action is recorded in the
ledger (PROMOTING, then PROMOTED) and alerted on every channel the deployment has (the alert
topic, and the Amazon Q Developer topic when it has one).

Exit codes: 0 done (or the version was already active); 1 refused (failing rules listed, or a
concurrent evaluation or activation); 2 unknown model or version, a version that is not SUCCESS,
no previous version to roll back to, no deployment given; 3 AWS error.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from model_steward.cli import EXIT_OK, EXIT_REFUSED, summary
from model_steward.cli.common import (
    PolicyInUse,
    add_stack_arguments,
    operator_name,
    policy_in_use,
    print_json,
    resolve_target,
)
from model_steward.domain.links import cli_target
from model_steward.errors import InvalidInputError
from model_steward.service.manual import ManualAction, ManualOutcome, ManualRequest, Result


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--reason", required=True, metavar="TEXT", help="why (recorded and alerted)")
    parser.add_argument("--force", action="store_true", help="override failing policy rules (recorded)")
    parser.add_argument("--actor", metavar="NAME", help="who acts (default: the AWS caller identity)")
    parser.add_argument(
        "--policy", metavar="FILE", help="judge with this overrides document instead of the deployed one"
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    add_stack_arguments(parser, topic=True)


def register(subparsers: Any) -> None:
    promote = subparsers.add_parser("promote", help=summary("promote"))
    promote.add_argument(
        "model",
        metavar="MODEL",
        help="the model (Lookout for Equipment name, or SiteWise sw-<model id>-<asset id>)",
    )
    promote.add_argument("version", type=int, metavar="VERSION", help="the version to activate")
    _common(promote)
    promote.set_defaults(handler=run, action="promote")

    rollback = subparsers.add_parser("rollback", help=summary("rollback"))
    rollback.add_argument(
        "model",
        metavar="MODEL",
        help="the model (Lookout for Equipment name, or SiteWise sw-<model id>-<asset id>)",
    )
    rollback.add_argument(
        "--to", type=int, metavar="VERSION", help="the version (default: the previous active version)"
    )
    _common(rollback)
    rollback.set_defaults(handler=run, action="rollback")


def render(outcome: ManualOutcome, policy: PolicyInUse) -> list[str]:
    lines = [outcome.message]
    if outcome.refusing:
        label = "overridden" if outcome.forced else "failing"
        lines += [f"  {label}: [FAIL] {r.rule.value:<22} {r.message}" for r in outcome.refusing]
    lines += [f"  bypassed by the rollback: {r.rule.value:<22} {r.message}" for r in outcome.bypassed]
    if outcome.decision is not None:
        lines.append(f"  judged with {policy.describe()}; an operator's action is never a dry run")
    if outcome.result is Result.DONE:
        lines.append(f"  reason: {outcome.reason}")
        sent = "sent" if outcome.alert_sent else "recorded, not sent yet (the next watch tick retries)"
        lines.append(f"  ledger: v{outcome.version} PROMOTED by {outcome.actor}; alert {sent}")
    return lines


def run(args: argparse.Namespace) -> int:
    if not args.reason.strip():
        raise InvalidInputError("--reason must say why")
    target = resolve_target(args, need_topic=True)
    policy = policy_in_use(target, args.model, args.policy)
    request = ManualRequest(
        model_name=args.model,
        action=args.action,
        version=args.version if args.action == "promote" else args.to,
        reason=args.reason,
        actor=operator_name(args.actor),
        force=args.force,
    )
    ledger = target.ledger()
    action = ManualAction(
        ledger,
        target.registry(),
        target.alerter(ledger),
        policy.policy,
        now=datetime.now(UTC),
        cli_target=cli_target(target.stack, target.region),
    )
    outcome = action.perform(request)
    if args.json:
        print_json({**outcome.as_json(), "policy": policy.as_json()})
    else:
        print("\n".join(render(outcome, policy)))
    return EXIT_REFUSED if outcome.result is Result.REFUSED else EXIT_OK
