"""`steward notify preview KIND [--json]`: what an alert looks like, in e-mail and in Slack.

KIND is an alert kind (``promoted``, ``held``, ``diagnostics_summary``...) or ``all``. The samples
are built from real domain objects (the promotion policy applied to sample facts, a diagnostics
summary of a generated file), so the preview shows what Model Steward would really send.
Text by default: the e-mail subject and body, then the Slack message as JSON (paste it into Slack's
Block Kit Builder). ``--json`` prints, per kind, the e-mail, the Slack message and the SNS request.
"""

from __future__ import annotations

import argparse
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from model_steward.domain import alerts
from model_steward.domain.diagnostics import summarize_diagnostics
from model_steward.domain.messages import render_email, render_slack, sns_message
from model_steward.domain.policy import decide
from model_steward.models.alerts import Alert, AlertKind, Links
from model_steward.models.decision import ModelFacts, VersionFacts
from model_steward.models.policy import Policy

SAMPLE_NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
SAMPLE_REGION = "eu-west-1"
_DAY = 86_400.0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("notify", help="preview the alerts Model Steward sends")
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
# Samples: real decisions on sample facts.


def _metrics(
    *, labeled: int = 8, identified: int = 8, warning_days: float = 8.0, unknown: int = 8, ranges: int = 6
) -> str:
    predicted = [
        {
            "start": f"2024-03-{day:02d}T00:00:00.000000",
            "end": f"2024-03-{day:02d}T05:00:00.000000",
            "diagnostics": [{"name": "pump\\Sensor0", "value": 0.05}],
        }
        for day in range(1, ranges + 1)
    ]
    return json.dumps(
        {
            "labeled_ranges": [{"start": "2024-03-02T00:00:00.000000", "end": "2024-03-03T00:00:00.000000"}],
            "predicted_ranges": predicted,
            "labeled_event_metrics": {
                "num_labeled": labeled,
                "num_identified": identified,
                "total_warning_time_in_seconds": warning_days * _DAY,
            },
            "unknown_event_metrics": {
                "num_identified": unknown,
                "total_duration_in_seconds": unknown * 1800.0,
            },
        }
    )


def _version(**overrides: Any) -> VersionFacts:
    values: dict[str, Any] = {
        "model_name": "pump-01",
        "version": 5,
        "status": "SUCCESS",
        "source_type": "RETRAINING",
        "model_quality": "QUALITY_THRESHOLD_MET",
        "model_metrics": _metrics(identified=8, warning_days=9.5, unknown=6),
        "prior_model_metrics": _metrics(identified=7, warning_days=8.0, unknown=8),
        "retraining_available_data_in_days": 180,
        "created_at": SAMPLE_NOW - timedelta(hours=1),
        "auto_promotion_result": "MODEL_NOT_PROMOTED",
        "auto_promotion_result_reason": "Promote mode is MANUAL",
    }
    values.update(overrides)
    return VersionFacts.model_validate(values)


def _model(**overrides: Any) -> ModelFacts:
    values: dict[str, Any] = {
        "model_name": "pump-01",
        "active_version": 4,
        "active_version_activated_at": SAMPLE_NOW - timedelta(days=30),
        "promote_mode": "MANUAL",
        "scheduler_status": "RUNNING",
    }
    values.update(overrides)
    return ModelFacts.model_validate(values)


def _links(model_name: str = "pump-01", **extra: str) -> Links:
    return Links(
        console_url=Links.console(model_name, SAMPLE_REGION),
        ledger=f"steward history {model_name}",
        **extra,
    )


def _decision_alert(version: VersionFacts, model: ModelFacts, policy: Policy) -> Alert:
    decision = decide(version, model, policy, SAMPLE_NOW)
    return alerts.for_decision(decision, links=_links(version.model_name), version=version)


def _diagnostics_file() -> io.BytesIO:
    """A day of 5-minute records with two anomalous periods."""
    lines = []
    start = datetime(2024, 3, 11, 0, 0, tzinfo=UTC)
    for i in range(288):
        timestamp = (start + timedelta(minutes=5 * i)).strftime("%Y-%m-%dT%H:%M:%S.000000")
        anomalous = 60 <= i < 84 or 200 <= i < 206
        record: dict[str, Any] = {
            "timestamp": timestamp,
            "prediction": int(anomalous),
            "anomaly_score": round(0.92 if anomalous else 0.05 + (i % 7) / 100, 3),
        }
        if anomalous:
            record["diagnostics"] = [
                {"name": "pump\\Sensor4", "value": 0.41},
                {"name": "pump\\Sensor1", "value": 0.22},
                {"name": "motor\\Sensor7", "value": 0.13},
                {"name": "pump\\Sensor0", "value": 0.04},
            ]
        lines.append(json.dumps(record))
    return io.BytesIO("\n".join(lines).encode())


def _sample_builders() -> dict[AlertKind, Callable[[], Alert]]:
    base = Policy()
    live = base.model_copy(update={"dry_run": False})
    uri = "s3://steward-dev-diag/pump-01/5/model_diagnostics_results.json.gz"
    return {
        AlertKind.PROMOTED: lambda: _decision_alert(_version(), _model(), live),
        AlertKind.WOULD_PROMOTE: lambda: _decision_alert(_version(), _model(), base),
        AlertKind.HELD: lambda: _decision_alert(
            _version(
                model_quality="CANNOT_DETERMINE_QUALITY", model_metrics=_metrics(labeled=0, identified=0)
            ),
            _model(),
            live,
        ),
        AlertKind.REJECTED: lambda: _decision_alert(
            _version(model_metrics=_metrics(identified=5, warning_days=4.0, unknown=15)), _model(), live
        ),
        AlertKind.CONFIGURATION_PROBLEM: lambda: _decision_alert(
            _version(auto_promotion_result="MODEL_PROMOTED", auto_promotion_result_reason=None),
            _model(promote_mode="MANAGED"),
            live,
        ),
        AlertKind.RETRAINING_FAILED: lambda: alerts.for_failed_version(
            _version(
                status="FAILED",
                model_quality=None,
                model_metrics=None,
                failed_reason="The data ingestion job found no data for the sensors in the lookback window.",
                auto_promotion_result="RETRAINING_CUSTOMER_ERROR",
                auto_promotion_result_reason="Insufficient data",
            ),
            links=_links(),
        ),
        AlertKind.RETRAINING_CANCELED: lambda: alerts.for_failed_version(
            _version(
                status="CANCELED",
                model_quality=None,
                model_metrics=None,
                auto_promotion_result="RETRAINING_CANCELLED",
                auto_promotion_result_reason=None,
            ),
            links=_links(),
        ),
        AlertKind.DIAGNOSTICS_SUMMARY: lambda: alerts.for_diagnostics(
            summarize_diagnostics(_diagnostics_file()),
            model_name="pump-01",
            version=5,
            source_uri=uri,
            links=_links(
                report_url="https://steward-dev-diag.s3.eu-west-1.amazonaws.com/pump-01/5/report.html",
                summary_url="https://steward-dev-diag.s3.eu-west-1.amazonaws.com/pump-01/5/summary.json",
            ),
            now=SAMPLE_NOW,
        ),
        AlertKind.SYSTEM_ERROR: lambda: alerts.for_system_error(
            "The watch function could not list models: AccessDeniedException",
            details=["lookoutequipment:ListModels was denied for the function's role."],
            now=SAMPLE_NOW,
        ),
        AlertKind.MANUAL_ACTION: lambda: alerts.for_manual_action(
            "pump-01",
            5,
            "promote",
            actor="arn:aws:sts::123456789012:assumed-role/reliability/alice",
            reason="Recall is lower but the new sensor set is what the plant runs now",
            forced=True,
            previous_version=4,
            links=_links(),
            now=SAMPLE_NOW,
        ),
    }


def sample_alert(kind: AlertKind) -> Alert:
    """A realistic alert of ``kind`` (a DIGEST stands for one alert of every other kind)."""
    builders = _sample_builders()
    if kind is AlertKind.DIGEST:
        return alerts.digest([build() for build in builders.values()], now=SAMPLE_NOW)
    return builders[kind]()


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
