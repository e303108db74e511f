"""Small builders for policy and metrics tests: every argument has a sensible default."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from model_steward.models.decision import ModelFacts, VersionFacts

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
_OMIT: Any = object()


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
        "created_at": NOW - timedelta(hours=1),
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
        "active_version_activated_at": NOW - timedelta(days=30),
        "promote_mode": "MANUAL",
        "scheduler_status": "RUNNING",
    }
    values.update(overrides)
    return ModelFacts.model_validate(values)
