"""What needs an operator's attention about a watched model (pure: `steward status`, the watch tick).

A finding's severity is the alert severity of the same event (``domain.alerts.SEVERITY``: one
scale, one mapping, so e-mail, Slack and `steward status` never disagree); findings that are never
alerted are placed on the same scale. WARNING and CRITICAL need a person (``steward status``
exits 1 when any finding does):

- WARNING ``held``: the newest decided version was held for a person (HELD alert).
- WARNING ``conflict``: the newest version was not decided because the scheduler was MANAGED
  (CONFIGURATION_PROBLEM alert for one model).
- WARNING ``managed-scheduler``: the retraining scheduler is MANAGED (SiteWise: SERVICE_MANAGED)
  now, so the service activates versions itself and Model Steward acts on nothing for the model
  (CONFIGURATION_PROBLEM).
- WARNING ``retraining-failed``: the latest scheduled retraining FAILED (RETRAINING_FAILED);
  NOTICE when it was CANCELED (RETRAINING_CANCELED).
- CRITICAL ``retraining-overdue``: no retraining started for longer than the scheduler's
  RetrainingFrequency plus a grace period (or its NextScheduledRetrainingStartDate is that far in
  the past) while the scheduler is PENDING or RUNNING (the stack's overdue alarm, CRITICAL).
- WARNING ``scheduler-stopped``, ``no-active-version``, ``not-in-lookout``.
- NOTICE ``not-enough-data``: the latest retraining had fewer RetrainingAvailableDataInDays than
  the threshold (given, else the scheduler's LookbackWindow); ``alerts-pending``: alerts not
  delivered yet (the next watch tick retries them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from model_steward.domain.alerts import SEVERITY
from model_steward.domain.durations import Duration, try_parse_duration
from model_steward.domain.formatting import duration
from model_steward.domain.links import promote_command
from model_steward.models.alerts import AlertKind, AlertSeverity
from model_steward.models.registry import ModelListing, ModelSnapshot

DEFAULT_GRACE = timedelta(days=2)
OVERDUE_SEVERITY = AlertSeverity.CRITICAL
"""A retraining overdue is what the stack's overdue alarm reports (an ALARM is CRITICAL)."""
_SCHEDULED = frozenset({"PENDING", "RUNNING"})


NEEDS_PERSON = AlertSeverity.WARNING
"""The lowest severity that needs a person."""


@dataclass(frozen=True)
class Finding:
    level: AlertSeverity
    code: str
    message: str

    @property
    def needs_person(self) -> bool:
        return self.level.rank >= NEEDS_PERSON.rank


@dataclass(frozen=True)
class WaitingDecision:
    """The newest decided version, when its decision waits for a person (HOLD or CONFLICT)."""

    version: int
    outcome: str
    summary: str  # why, in a sentence or two


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def retraining_due(
    *,
    next_start: datetime | None,
    latest_start: datetime | None,
    frequency: Duration | None,
    scheduler_start: datetime | None = None,
) -> datetime | None:
    """When the next retraining should have started at the latest, from what is known; None if
    nothing is known. The earliest of: the service's next start date, and the latest start plus
    the frequency (or the scheduler's own start date when it never ran)."""
    candidates = [moment for moment in (_utc(next_start),) if moment is not None]
    latest = _utc(latest_start)
    if latest is not None and frequency is not None:
        candidates.append(frequency.after(latest))
    elif latest is None and (start := _utc(scheduler_start)) is not None:
        candidates.append(start)
    return min(candidates) if candidates else None


def overdue_by(
    *,
    scheduler_status: str | None,
    next_start: datetime | None,
    latest_start: datetime | None,
    frequency: Duration | None,
    now: datetime,
    grace: timedelta = DEFAULT_GRACE,
    scheduler_start: datetime | None = None,
) -> timedelta | None:
    """How long past due (beyond the grace period) a scheduled retraining is; None if it is not."""
    if scheduler_status not in _SCHEDULED:
        return None
    due = retraining_due(
        next_start=next_start, latest_start=latest_start, frequency=frequency, scheduler_start=scheduler_start
    )
    now = _utc(now) or now
    if due is None or now <= due + grace:
        return None
    return now - due


def count_overdue(listings: Iterable[ModelListing], now: datetime, grace: timedelta = DEFAULT_GRACE) -> int:
    """How many listed models show a scheduled retraining overdue (the watch tick's metric).

    A listing carries no retraining frequency: its next retraining date, which the registry moves
    forward when a retraining starts, is the due date.
    """
    return sum(
        overdue_by(
            scheduler_status=listing.scheduler_status,
            next_start=listing.next_retraining,
            latest_start=None,
            frequency=None,
            now=now,
            grace=grace,
        )
        is not None
        for listing in listings
    )


def _waiting(model: ModelSnapshot, waiting: WaitingDecision) -> Finding:
    name, version, active = model.model_name, waiting.version, model.active_version
    keep = f"to keep v{active}, do nothing" if active is not None else "to leave it inactive, do nothing"
    decide = f"To activate it: {promote_command(name, version)}; {keep}."
    if waiting.outcome == "CONFLICT":
        return Finding(
            SEVERITY[AlertKind.CONFIGURATION_PROBLEM],
            "conflict",
            f"v{version} was not decided because the retraining scheduler was MANAGED. {decide}",
        )
    return Finding(
        SEVERITY[AlertKind.HELD], "held", f"v{version} is held for a person: {waiting.summary} {decide}"
    )


def findings(
    model: ModelSnapshot,
    now: datetime,
    *,
    grace: timedelta = DEFAULT_GRACE,
    min_data_days: int | None = None,
    waiting: WaitingDecision | None = None,
) -> list[Finding]:
    """Every finding about one model, most severe first. ``waiting``: the newest decided version
    when it waits for a person (the ledger knows it, not the registry)."""
    found: list[Finding] = []
    if not model.in_lookout:
        found.append(
            Finding(
                AlertSeverity.WARNING,
                "not-in-lookout",
                "In the ledger but not in Lookout for Equipment (deleted?).",
            )
        )
        return found
    if waiting is not None and (model.active_version is None or waiting.version > model.active_version):
        found.append(_waiting(model, waiting))
    if model.promote_mode == "MANAGED":
        found.append(
            Finding(
                SEVERITY[AlertKind.CONFIGURATION_PROBLEM],
                "managed-scheduler",
                "MANAGED retraining scheduler: the service activates versions itself and Model Steward "
                "acts on nothing; set PromoteMode MANUAL.",
            )
        )
    elif model.promote_mode == "SERVICE_MANAGED":
        found.append(
            Finding(
                SEVERITY[AlertKind.CONFIGURATION_PROBLEM],
                "managed-scheduler",
                "SERVICE_MANAGED retraining scheduler: the service activates versions itself and Model "
                "Steward acts on nothing; restart it with promotion CUSTOMER_MANAGED.",
            )
        )
    status = model.latest_retraining_status
    if status in ("FAILED", "CANCELED"):
        reason = f": {model.latest_retraining_failed_reason}" if model.latest_retraining_failed_reason else ""
        kind = AlertKind.RETRAINING_FAILED if status == "FAILED" else AlertKind.RETRAINING_CANCELED
        found.append(
            Finding(
                SEVERITY[kind],
                "retraining-failed",
                f"The latest retraining (v{model.latest_retraining_version}) {status}{reason}",
            )
        )
    frequency = try_parse_duration(model.retraining_frequency)
    late = overdue_by(
        scheduler_status=model.scheduler_status,
        next_start=model.next_retraining,
        latest_start=model.latest_retraining_started,
        frequency=frequency,
        now=now,
        grace=grace,
        scheduler_start=model.scheduler_start,
    )
    if late is not None:
        every = f" (every {model.retraining_frequency})" if model.retraining_frequency else ""
        by, allowed = duration(late.total_seconds()), duration(grace.total_seconds())
        found.append(
            Finding(
                OVERDUE_SEVERITY,
                "retraining-overdue",
                f"Scheduled retraining{every} is overdue by {by} (grace period {allowed}).",
            )
        )
    if model.scheduler_status in ("STOPPED", "STOPPING"):
        found.append(
            Finding(
                AlertSeverity.WARNING,
                "scheduler-stopped",
                f"The retraining scheduler is {model.scheduler_status}: no retraining will run.",
            )
        )
    threshold = min_data_days
    if threshold is None:
        window = try_parse_duration(model.lookback_window)
        threshold = round(window.nominal_days) if window is not None else None
    if (
        threshold is not None
        and model.available_data_days is not None
        and model.available_data_days < threshold
    ):
        found.append(
            Finding(
                AlertSeverity.NOTICE,
                "not-enough-data",
                f"The latest retraining had {model.available_data_days} days of data; {threshold} expected.",
            )
        )
    if model.active_version is None:
        found.append(Finding(AlertSeverity.WARNING, "no-active-version", "No version is active."))
    if model.pending_alerts:
        plural = "s" if model.pending_alerts != 1 else ""
        found.append(
            Finding(
                AlertSeverity.NOTICE,
                "alerts-pending",
                f"{model.pending_alerts} alert{plural} not delivered yet (the next watch tick retries).",
            )
        )
    return sorted(found, key=lambda f: -f.level.rank)


def highest(all_findings: Iterable[Finding]) -> AlertSeverity | None:
    """The most severe level among the findings, or None when there are none."""
    levels = [f.level for f in all_findings]
    return AlertSeverity.highest(levels) if levels else None


def exit_code(all_findings: Iterable[Finding]) -> int:
    """0 when nothing needs a person, else 1."""
    return 1 if any(f.needs_person for f in all_findings) else 0


__all__ = [
    "DEFAULT_GRACE",
    "NEEDS_PERSON",
    "Finding",
    "ModelSnapshot",
    "WaitingDecision",
    "count_overdue",
    "exit_code",
    "findings",
    "highest",
    "overdue_by",
    "retraining_due",
]
