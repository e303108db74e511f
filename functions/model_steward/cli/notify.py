"""`steward notify preview KIND [--json]`: what an alert looks like, in e-mail and in Slack.

KIND is an alert kind (``promoted``, ``held``, ``diagnostics_summary``...) or ``all``. The samples
are built from real domain objects (the promotion policy applied to sample facts, a diagnostics
summary of a generated file), so the preview shows what Model Steward would really send.
Text by default: the e-mail subject and body, then the Slack message as JSON (paste it into Slack's
Block Kit Builder). ``--json`` prints, per kind, the e-mail, the Slack message and the SNS request.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from model_steward.cli import summary
from model_steward.domain.messages import render_email, render_slack, sns_message
from model_steward.domain.samples import sample_alert
from model_steward.models.alerts import AlertKind

__all__ = ["preview", "register", "run_preview", "sample_alert"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("notify", help=summary("notify"))
    commands = parser.add_subparsers(dest="notify_command", metavar="SUBCOMMAND", required=True)
    preview = commands.add_parser(
        "preview",
        help="render a sample alert of a kind as e-mail and Slack",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    choices = ["all", *(k.value.lower() for k in AlertKind)]
    preview.add_argument(
        "kind",
        metavar="KIND",
        type=str.lower,
        choices=choices,
        help="one of: " + ", ".join(choices),
    )
    preview.add_argument("--json", action="store_true", help="print e-mail, Slack and SNS request as JSON")
    preview.set_defaults(handler=run_preview)


# ---------------------------------------------------------------------------------------------
# The command.


def preview(kind: AlertKind) -> dict[str, Any]:
    alert = sample_alert(kind)
    email_subject, body = render_email(alert)
    return {
        "alert_id": alert.alert_id,
        "severity": alert.severity.value,
        "email": {"subject": email_subject, "body": body},
        "slack": render_slack(alert),
        "sns": sns_message(alert),
    }


def run_preview(args: argparse.Namespace) -> int:
    kinds = list(AlertKind) if args.kind == "all" else [AlertKind(args.kind.upper())]
    previews = {kind.value: preview(kind) for kind in kinds}
    if args.json:
        print(json.dumps(previews, indent=2, ensure_ascii=False))
        return 0
    for kind, shown in previews.items():
        rule = "=" * 100
        print(f"{rule}\n{kind} ({shown['severity']})\n{rule}")
        print(f"Subject: {shown['email']['subject']}\n")
        print(shown["email"]["body"])
        print("--- Slack message (Block Kit JSON) ---")
        print(json.dumps(shown["slack"], indent=2, ensure_ascii=False))
        print()
    return 0
