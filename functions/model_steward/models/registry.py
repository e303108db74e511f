"""What a model registry (Amazon Lookout for Equipment today) tells Model Steward, in its own terms.

The registry port (``model_steward.ports.ModelRegistry``) answers with these and with
``VersionFacts`` / ``ModelFacts`` (``models.decision``), never with a service's response shapes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from model_steward.models.decision import ObjectLocation


@dataclass(frozen=True)
class ModelListing:
    """One governed model as the registry's cheap listing shows it (one call for many models)."""

    model_name: str
    fingerprint: str
    """Moves when the model has news (a new active version, a retraining started or ended)."""
    scheduler_status: str | None = None
    next_retraining: datetime | None = None
    """When the registry plans the next retraining (an overdue one is in the past)."""
    diagnostics_output: ObjectLocation | None = None
    """Where the model writes its diagnostics files (bucket and key prefix), when the listing says."""


@dataclass(frozen=True)
class VersionRef:
    model_name: str
    version: int


@dataclass(frozen=True)
class ModelSnapshot:
    """One model as the registry and the ledger show it now (``steward status``)."""

    model_name: str
    in_lookout: bool = True
    """The registry knows the model (the field's name predates other registries)."""
    label: str | None = None
    """How people know the model when model_name is an id (SiteWise: model / asset)."""
    active_version: int | None = None
    active_since: datetime | None = None
    promote_mode: str | None = None  # None: no retraining scheduler
    scheduler_status: str | None = None
    retraining_frequency: str | None = None
    lookback_window: str | None = None
    scheduler_start: datetime | None = None
    latest_retraining_version: int | None = None
    latest_retraining_status: str | None = None
    latest_retraining_started: datetime | None = None
    latest_retraining_failed_reason: str | None = None
    available_data_days: int | None = None
    next_retraining: datetime | None = None
    pending_alerts: int = 0
