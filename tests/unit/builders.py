"""Small builders for policy and metrics tests: every argument has a sensible default."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from emulators.samples import metrics_json, unlabelled_metrics_json
from model_steward.models.decision import ModelFacts, VersionFacts

__all__ = ["NOW", "metrics_json", "model_facts", "unlabelled_metrics_json", "version_facts"]

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
_OMIT: Any = object()


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
