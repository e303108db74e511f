"""Sample facts and alerts, made by the real domain code: what `steward notify preview` shows and
what the tests build on (pure; one definition each).

``version_facts()`` is a healthy SUCCESS retraining result (pump-01 version 5, as good as its
prior); ``model_facts()`` is pump-01 with version 4 active for 30 days under a MANUAL scheduler;
every argument can be overridden. ``sample_alert(kind)`` applies the promotion policy (or the
diagnostics summariser) to sample facts, so a preview shows what Model Steward would really send.
ModelMetrics documents follow the shape the service documents in DescribeModelVersion
(https://docs.aws.amazon.com/lookout-for-equipment/latest/ug/API_DescribeModelVersion.html).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from model_steward.domain import alerts, imports
from model_steward.domain.diagnostics import read_diagnostics
from model_steward.domain.links import ledger_command, lookout_model_console
from model_steward.domain.policy import decide
from model_steward.models.alerts import Alert, AlertKind, Links
from model_steward.models.decision import ModelFacts, VersionFacts
from model_steward.models.policy import Policy

SAMPLE_NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
SAMPLE_REGION = "eu-west-1"
_SAMPLE_MODEL_ARN = (
    "arn:aws:lookoutequipment:eu-west-1:222222222222:model/pump-01/4f6a1c52-7d8e-4c1b-9a57-0f3e2d1c9b8a"
)
_SAMPLE_SOURCE_ARN = (
    "arn:aws:lookoutequipment:eu-west-1:111111111111:model/pump-01/"
    "9b2e7f10-3c4d-4e5f-8a9b-0c1d2e3f4a5b/model-version/5"
)
DAY = 86_400.0


def metrics_json(
    *,
    num_labeled: int | None = 8,
    num_identified: int | None = 8,
    warning_seconds: float | None = 8 * 24 * 3600.0,
    unknown: int | None = 8,
    unknown_seconds: float | None = 4200.0,
    predicted: list[tuple[str, str]] | None = None,
    labeled_block: bool = True,
    unknown_block: bool = True,
    extra: dict[str, Any] | None = None,
) -> str:
    """A ModelMetrics-shaped JSON string. ``num_identified`` of ``num_labeled`` gives the recall;
    ``warning_seconds`` is the total forewarning (mean = warning_seconds / num_identified)."""
    doc: dict[str, Any] = {
        "labeled_ranges": [{"start": "2019-08-08T00:00:00.000000", "end": "2019-08-09T00:00:00.000000"}],
        "predicted_ranges": [
            {"start": start, "end": end, "diagnostics": [{"name": "pump\\Sensor0", "value": 0.05}]}
            for start, end in (
                predicted
                if predicted is not None
                else [("2019-08-07T00:00:00.000000", "2019-08-07T06:00:00.000000")]
            )
        ],
    }
    if labeled_block:
        block: dict[str, Any] = {}
        if num_labeled is not None:
            block["num_labeled"] = num_labeled
        if num_identified is not None:
            block["num_identified"] = num_identified
        if warning_seconds is not None:
            block["total_warning_time_in_seconds"] = warning_seconds
        doc["labeled_event_metrics"] = block
    if unknown_block:
        ublock: dict[str, Any] = {}
        if unknown is not None:
            ublock["num_identified"] = unknown
        if unknown_seconds is not None:
            ublock["total_duration_in_seconds"] = unknown_seconds
        doc["unknown_event_metrics"] = ublock
    doc.update(extra or {})
    return json.dumps(doc)


def unlabelled_metrics_json(*, unknown: int = 5, ranges: int = 3) -> str:
    """What an unlabelled model's metrics look like: no labelled ranges or label metrics."""
    predicted = [(f"2019-08-0{d}T00:00:00", f"2019-08-0{d}T01:00:00") for d in range(1, ranges + 1)]
    doc = json.loads(metrics_json(labeled_block=False, unknown=unknown, predicted=predicted))
    doc.pop("labeled_ranges")
    return json.dumps(doc)


def version_facts(**overrides: Any) -> VersionFacts:
    """A healthy SUCCESS retraining result, version 5, as good as its prior."""
    values: dict[str, Any] = {
        "model_name": "pump-01",
        "version": 5,
        "status": "SUCCESS",
        "source_type": "RETRAINING",
        "model_quality": "QUALITY_THRESHOLD_MET",
        "model_metrics": metrics_json(),
        "prior_model_metrics": metrics_json(),
        "retraining_available_data_in_days": 180,
        "created_at": SAMPLE_NOW - timedelta(hours=1),
        "auto_promotion_result": "MODEL_NOT_PROMOTED",
        "auto_promotion_result_reason": "Promote mode is MANUAL",
    }
    values.update(overrides)
    return VersionFacts.model_validate(values)


def model_facts(**overrides: Any) -> ModelFacts:
    """pump-01 with version 4 active for 30 days and a MANUAL retraining scheduler."""
    values: dict[str, Any] = {
        "model_name": "pump-01",
        "active_version": 4,
        "active_version_activated_at": SAMPLE_NOW - timedelta(days=30),
        "promote_mode": "MANUAL",
        "scheduler_status": "RUNNING",
    }
    values.update(overrides)
    return ModelFacts.model_validate(values)


def sample_links(model_name: str = "pump-01", **extra: str) -> Links:
    return Links(
        console_url=lookout_model_console(model_name, SAMPLE_REGION),
        ledger=ledger_command(model_name),
        **extra,
    )


def _preview_metrics(*, identified: int, warning_days: float, unknown: int) -> str:
    ranges = [
        (f"2024-03-{day:02d}T00:00:00.000000", f"2024-03-{day:02d}T05:00:00.000000") for day in range(1, 7)
    ]
    return metrics_json(
        num_labeled=8,
        num_identified=identified,
        warning_seconds=warning_days * DAY,
        unknown=unknown,
        unknown_seconds=unknown * 1800.0,
        predicted=ranges,
    )


def _better_version(**overrides: Any) -> VersionFacts:
    """Version 5, better than its prior on recall, forewarning and false alarms."""
    values: dict[str, Any] = {
        "model_metrics": _preview_metrics(identified=8, warning_days=9.5, unknown=6),
        "prior_model_metrics": _preview_metrics(identified=7, warning_days=8.0, unknown=8),
    }
    values.update(overrides)
    return version_facts(**values)


def _decision_alert(version: VersionFacts, model: ModelFacts, policy: Policy) -> Alert:
    decision = decide(version, model, policy, SAMPLE_NOW)
    return alerts.for_decision(decision, links=sample_links(version.model_name), version=version)


def diagnostics_file() -> io.BytesIO:
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
        AlertKind.PROMOTED: lambda: _decision_alert(_better_version(), model_facts(), live),
        AlertKind.WOULD_PROMOTE: lambda: _decision_alert(_better_version(), model_facts(), base),
        AlertKind.HELD: lambda: _decision_alert(
            _better_version(
                model_quality="CANNOT_DETERMINE_QUALITY",
                model_metrics=metrics_json(num_labeled=0, num_identified=0),
            ),
            model_facts(),
            live,
        ),
        AlertKind.REJECTED: lambda: _decision_alert(
            _better_version(model_metrics=_preview_metrics(identified=5, warning_days=4.0, unknown=15)),
            model_facts(),
            live,
        ),
        AlertKind.CONFIGURATION_PROBLEM: lambda: _decision_alert(
            _better_version(auto_promotion_result="MODEL_PROMOTED", auto_promotion_result_reason=None),
            model_facts(promote_mode="MANAGED"),
            live,
        ),
        AlertKind.RETRAINING_FAILED: lambda: alerts.for_failed_version(
            _better_version(
                status="FAILED",
                model_quality=None,
                model_metrics=None,
                failed_reason="The data ingestion job found no data for the sensors in the lookback window.",
                auto_promotion_result="RETRAINING_CUSTOMER_ERROR",
                auto_promotion_result_reason="Insufficient data",
            ),
            links=sample_links(),
        ),
        AlertKind.RETRAINING_CANCELED: lambda: alerts.for_failed_version(
            _better_version(
                status="CANCELED",
                model_quality=None,
                model_metrics=None,
                auto_promotion_result="RETRAINING_CANCELLED",
                auto_promotion_result_reason=None,
            ),
            links=sample_links(),
        ),
        AlertKind.IMPORT_FAILED: lambda: imports.for_failed_import(
            _better_version(
                source_type="IMPORT",
                status="FAILED",
                model_quality=None,
                model_metrics=None,
                version_arn=f"{_SAMPLE_MODEL_ARN}/model-version/5",
                source_version_arn=_SAMPLE_SOURCE_ARN,
                failed_reason="The source model's data could not be copied to this account.",
                auto_promotion_result=None,
                auto_promotion_result_reason=None,
            ),
            None,
            links=sample_links(),
        ),
        AlertKind.DIAGNOSTICS_SUMMARY: lambda: alerts.for_diagnostics(
            read_diagnostics(diagnostics_file()).summary,
            model_name="pump-01",
            version=5,
            source_uri=uri,
            links=sample_links(
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
            links=sample_links(),
            now=SAMPLE_NOW,
        ),
    }


def sample_alert(kind: AlertKind) -> Alert:
    """A realistic alert of ``kind`` (a DIGEST stands for one alert of every other kind)."""
    builders = _sample_builders()
    if kind is AlertKind.DIGEST:
        return alerts.digest([build() for build in builders.values()], now=SAMPLE_NOW)
    return builders[kind]()
