"""`steward status`: one line per watched model, then what needs attention.

    steward status [--prefix TEXT] [--grace-days N] [--min-data-days N] [--json]
                   [--stack NAME | --table NAME] [--region REGION]

Watched models are those in the ledger plus those ListModels returns (``--prefix`` narrows both).
Per model: the active version and since when, the newest version and its ledger state (UNSEEN:
not recorded yet), the last outcome and why, the next scheduled retraining, and findings
(see model_steward.domain.status): MANAGED scheduler, latest retraining failed, retraining overdue
(frequency + ``--grace-days``, default 2), not enough data (below ``--min-data-days``, default the
scheduler's LookbackWindow), scheduler stopped, no active version, alerts not yet delivered.

Exit codes: 0 nothing CRITICAL; 1 at least one CRITICAL finding (MANAGED scheduler, latest
retraining FAILED, retraining overdue), so a cron job can page on it; 2 bad input; 3 AWS error.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from typing import Any

from model_steward.cli.common import (
    add_stack_arguments,
    print_json,
    render_table,
    resolve_target,
    shorten,
)
from model_steward.domain.formatting import timestamp
from model_steward.domain.status import Level, exit_code
from model_steward.service.status import ModelStatus, fleet_status


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("status", help="one line per watched model, and what needs attention")
    parser.add_argument(
        "--prefix", default="", metavar="TEXT", help="only models whose name starts with this"
    )
    parser.add_argument(
        "--grace-days", type=float, default=2.0, metavar="N", help="overdue after frequency + N days (2)"
    )
    parser.add_argument(
        "--min-data-days", type=int, metavar="N", help="warn below N days of data (default: lookback window)"
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    add_stack_arguments(parser)
    parser.set_defaults(handler=run)


def _row(status: ModelStatus) -> list[str]:
    snap = status.snapshot
    newest = f"v{status.newest_version} {status.newest_state}" if status.newest_version is not None else "-"
    outcome = "-"
    if status.last_outcome:
        outcome = f"v{status.last_outcome_version} {status.last_outcome}: {shorten(status.last_summary, 70)}"
    critical = sum(f.level is Level.CRITICAL for f in status.findings)
    flags = (
        f"{len(status.findings)}" + (f" ({critical} critical)" if critical else "")
        if status.findings
        else "ok"
    )
    return [
        f"{snap.label} ({snap.model_name})" if snap.label else snap.model_name,
        f"v{snap.active_version}" if snap.active_version is not None else "-",
        timestamp(snap.active_since),
        newest,
        timestamp(snap.next_retraining),
        flags,
        outcome,
    ]


def render(statuses: list[ModelStatus]) -> list[str]:
    if not statuses:
        return ["no watched models: the ledger and ListModels know none"]
    lines = render_table(
        ["MODEL", "ACTIVE", "SINCE", "NEWEST", "NEXT RETRAINING", "ATTENTION", "LAST OUTCOME"],
        [_row(status) for status in statuses],
    ).splitlines()
    attention = [(s.snapshot.label or s.snapshot.model_name, f) for s in statuses for f in s.findings]
    if attention:
        lines.append("")
        lines.extend(f"{f.level.value:<8} {name}: {f.message}" for name, f in attention)
    return lines


def run(args: argparse.Namespace) -> int:
    target = resolve_target(args)
    statuses = fleet_status(
        target.ledger(),
        target.registry(),
        datetime.now(UTC),
        prefix=args.prefix,
        grace=timedelta(days=args.grace_days),
        min_data_days=args.min_data_days,
    )
    code = exit_code(f for s in statuses for f in s.findings)
    if args.json:
        print_json({"models": [s.as_json() for s in statuses], "critical": code == 1})
    else:
        print("\n".join(render(statuses)))
    return code
