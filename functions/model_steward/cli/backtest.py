"""`steward backtest`: replay a policy over every past version of a model, beside what happened.

    steward backtest MODEL [--policy FILE] [--json] [--stack NAME | --table NAME] [--region REGION]

The policy is the deployed one when a stack is named (its ``Policy*`` parameters and overrides
document; ``--policy FILE`` replaces the document), else the built-in defaults, as `steward
evaluate` and the manual actions choose it; the output names it with the same fingerprint
`steward evaluate` prints. A dry-run policy is replayed as if it were not a dry run.
The replay starts with the first SUCCESS version active and decides each later version in order
against the replay's own active version, at the version's CreatedAt (see domain.backtest). Beside
each verdict: whether the version was actually ever active, and the evidence (the ledger, when a
deployment is named; the service's AutoPromotionResult; the current and previous active
versions), or "unknown". Nothing is recorded, promoted or alerted.

Exit codes: 0; 2 unknown model, a model with no versions, a bad policy file; 3 AWS error.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from model_steward.cli import summary
from model_steward.cli.common import (
    PolicyInUse,
    add_stack_arguments,
    find_target,
    policy_in_use,
    print_json,
    registry,
    render_table,
    shorten,
)
from model_steward.domain.backtest import Backtest
from model_steward.domain.formatting import timestamp
from model_steward.service.backtest import backtest


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("backtest", help=summary("backtest"))
    parser.add_argument("model", metavar="MODEL", help="the Lookout for Equipment model")
    parser.add_argument(
        "--policy", metavar="FILE", help="replay with this overrides document instead of the deployed one"
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    add_stack_arguments(parser)
    parser.set_defaults(handler=run)


def as_json(result: Backtest, policy: PolicyInUse, *, ledger_consulted: bool) -> dict[str, Any]:
    return {
        "model_name": result.model_name,
        "policy_fingerprint": result.policy_fingerprint,
        "policy": policy.as_json(),
        "ledger_consulted": ledger_consulted,
        "summary": result.summary,
        "steps": [
            {
                "version": s.version,
                "status": s.status,
                "created_at": s.created_at,
                "replay_active_before": s.active_before,
                "verdict": s.verdict,
                "blocking_rules": s.reasons,
                "summary": s.summary,
                "would_activate": s.would_activate,
                "actually_activated": s.actual.activated,
                "evidence": s.actual.evidence,
                "agreement": s.agreement.value,
            }
            for s in result.steps
        ],
    }


def render(result: Backtest, policy: PolicyInUse, *, ledger_consulted: bool) -> list[str]:
    rows = [
        [
            f"v{s.version}",
            timestamp(s.created_at),
            s.status,
            f"v{s.active_before}" if s.active_before is not None else "-",
            s.verdict,
            s.actual.label,
            s.agreement.value.lower(),
            shorten(", ".join(s.reasons), 60) or "-",
        ]
        for s in result.steps
    ]
    lines = [f"{result.model_name}: {policy.describe()}, replayed over every version"]
    lines += render_table(
        ["VERSION", "CREATED", "STATUS", "REPLAY ACTIVE", "POLICY", "ACTUALLY ACTIVE", "MATCH", "BLOCKED BY"],
        rows,
    ).splitlines()
    lines.append(result.summary + ".")
    if not ledger_consulted:
        lines.append("The ledger was not consulted (no --stack/--table): evidence is the service's alone.")
    lines.append(
        "Metrics are each version's own ModelMetrics against its PriorModelMetrics (the model actually "
        "active then); the scheduler is taken as MANUAL"
        + ("; the policy's dry run is ignored in a replay." if policy.policy.dry_run else ".")
    )
    return lines


def run(args: argparse.Namespace) -> int:
    target = find_target(args)
    policy = policy_in_use(target, args.model, args.policy)
    result = backtest(
        args.model,
        policy.policy,
        registry=target.registry() if target else registry(args),
        ledger=target.ledger() if target else None,
        now=datetime.now(UTC),
    )
    if args.json:
        print_json(as_json(result, policy, ledger_consulted=target is not None))
    else:
        print("\n".join(render(result, policy, ledger_consulted=target is not None)))
    return 0
