"""`steward status`: one line per watched model, then what needs attention.

    steward status [--prefix TEXT] [--grace-days N] [--min-data-days N] [--json]
                   [--stack NAME | --table NAME] [--region REGION]

Watched models are those in the ledger plus those ListModels returns (``--prefix`` narrows both).
Per model: the active version and since when, the newest version and its ledger state (UNSEEN:
not recorded yet), the next scheduled retraining, what needs attention (the most severe finding)
and the last outcome and why; then every finding, most severe first (see
model_steward.domain.status): a version held for a person, a version not decided because of a
MANAGED scheduler, a MANAGED scheduler, latest retraining failed, retraining overdue (frequency +
``--grace-days``, default 2), scheduler stopped, no active version, not enough data (below
``--min-data-days``, default the scheduler's LookbackWindow), alerts not yet delivered. Severities
are the alerts' own (INFO < NOTICE < WARNING < CRITICAL).

Exit codes: 0 nothing needs a person; 1 at least one finding needs a person (WARNING or
CRITICAL: a held or undecided version, a MANAGED scheduler, a failed or overdue retraining...), so
a cron job can page on it; 2 bad input; 3 AWS error.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from typing import Any

from model_steward.cli import summary
from model_steward.cli.common import (
    add_stack_arguments,
    print_json,
    render_table,
    resolve_target,
    shorten,
)
from model_steward.domain.formatting import timestamp
from model_steward.domain.status import exit_code, highest
from model_steward.service.status import ModelStatus, fleet_status


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("status", help=summary("status"))
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
    return [
        f"{snap.label} ({snap.model_name})" if snap.label else snap.model_name,
        f"v{snap.active_version}" if snap.active_version is not None else "-",
        timestamp(snap.active_since),
        newest,
        timestamp(snap.next_retraining),
        attention(status),
        outcome,
    ]


def attention(status: ModelStatus) -> str:
    """``ok``, or the most severe finding: ``WARNING held`` (``+2``: two more findings)."""
    if not status.findings:
        return "ok"
    first = status.findings[0]  # the most severe: domain.status.findings sorts them
    more = f" +{len(status.findings) - 1}" if len(status.findings) > 1 else ""
    return f"{first.level.value} {first.code}{more}"


def render(statuses: list[ModelStatus]) -> list[str]:
    if not statuses:
        return ["no watched models: the ledger and ListModels know none"]
    lines = render_table(
        ["MODEL", "ACTIVE", "SINCE", "NEWEST", "NEXT RETRAINING", "ATTENTION", "LAST OUTCOME"],
        [_row(status) for status in statuses],
    ).splitlines()
    found = sorted(
        ((s.snapshot.label or s.snapshot.model_name, f) for s in statuses for f in s.findings),
        key=lambda pair: -pair[1].level.rank,
    )
    if found:
        lines.append("")
        lines.extend(f"{f.level.value:<8} {name}: {f.message}" for name, f in found)
        people = sum(s.needs_person for s in statuses)
        if people:
            lines.append(
                f"{people} model{'s' if people != 1 else ''} need{'s' if people == 1 else ''} a person."
            )
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
    level = highest(f for s in statuses for f in s.findings)
    if args.json:
        print_json(
            {
                "models": [s.as_json() for s in statuses],
                "needs_person": code == 1,
                "severity": level.value if level else None,
            }
        )
    else:
        print("\n".join(render(statuses)))
    return code
