"""The data behind `steward status`: every watched model as the registry and the ledger show it now,
with its findings (domain.status).

Watched models: the ledger's WATCH partition plus the registry's listing (optionally by name
prefix). Per model: the registry's snapshot, the ledger's version records and alert items.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from model_steward.domain.status import (
    DEFAULT_GRACE,
    Finding,
    ModelSnapshot,
    WaitingDecision,
    findings,
    highest,
)
from model_steward.errors import NotFoundError
from model_steward.models.decision import Decision
from model_steward.models.ledger import AlertState, VersionRecord, VersionState, model_pk
from model_steward.ports import Ledger, ModelRegistry


@dataclass(frozen=True)
class ModelStatus:
    snapshot: ModelSnapshot
    newest_version: int | None
    newest_state: str | None  # the ledger's state, or UNSEEN when Model Steward has no record yet
    last_outcome: str | None
    last_outcome_version: int | None
    last_summary: str | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def needs_person(self) -> bool:
        return any(f.needs_person for f in self.findings)

    def as_json(self) -> dict[str, Any]:
        snap = self.snapshot
        level = highest(self.findings)
        return {
            "model_name": snap.model_name,
            "label": snap.label,
            "in_lookout": snap.in_lookout,
            "active_version": snap.active_version,
            "active_since": snap.active_since,
            "newest_version": self.newest_version,
            "newest_state": self.newest_state,
            "last_outcome": self.last_outcome,
            "last_outcome_version": self.last_outcome_version,
            "last_summary": self.last_summary,
            "next_retraining": snap.next_retraining,
            "promote_mode": snap.promote_mode,
            "scheduler_status": snap.scheduler_status,
            "retraining_frequency": snap.retraining_frequency,
            "latest_retraining_status": snap.latest_retraining_status,
            "pending_alerts": snap.pending_alerts,
            "severity": level.value if level else None,
            "needs_person": self.needs_person,
            "findings": [
                {
                    "severity": f.level.value,
                    "code": f.code,
                    "message": f.message,
                    "needs_person": f.needs_person,
                }
                for f in self.findings
            ],
        }


def watched_names(ledger: Ledger, registry: ModelRegistry, prefix: str = "") -> list[str]:
    names = set(ledger.model_states()) | {m.model_name for m in registry.list_models(prefix)}
    return sorted(name for name in names if name.startswith(prefix))


def snapshot(ledger: Ledger, registry: ModelRegistry, name: str) -> ModelSnapshot:
    pending = sum(alert.state is not AlertState.SENT for alert in ledger.alerts(model_pk(name)))
    try:
        found = registry.model_snapshot(name)
    except NotFoundError:
        return ModelSnapshot(model_name=name, in_lookout=False, pending_alerts=pending)
    return replace(found, pending_alerts=pending)


def _last_outcome(records: list[VersionRecord]) -> VersionRecord | None:
    return next((r for r in records if r.outcome and r.state is not VersionState.BASELINE), None)


_WAITS_FOR_A_PERSON = frozenset({"HOLD", "CONFLICT"})


def _why(record: VersionRecord) -> str:
    """What blocked a recorded decision, in the rules' own words (else its summary)."""
    try:
        decision = Decision.model_validate_json(record.decision_json or "")
    except ValueError:  # no decision, or one written by another release
        return record.summary
    return " ".join(r.message for r in decision.blocking_rules) or record.summary


def _waiting(last: VersionRecord | None) -> WaitingDecision | None:
    """The last decision, when it is a HOLD or a CONFLICT nobody has acted on yet."""
    if last is None or last.state is not VersionState.DECIDED or last.outcome not in _WAITS_FOR_A_PERSON:
        return None
    return WaitingDecision(version=last.version, outcome=last.outcome, summary=_why(last))


def model_status(
    ledger: Ledger,
    registry: ModelRegistry,
    name: str,
    now: datetime,
    *,
    grace: timedelta = DEFAULT_GRACE,
    min_data_days: int | None = None,
) -> ModelStatus:
    snap = snapshot(ledger, registry, name)
    records = ledger.versions(name)  # newest first
    recorded = records[0].version if records else None
    known = [v for v in (recorded, snap.latest_retraining_version, snap.active_version) if v is not None]
    newest = max(known) if known else None
    newest_state = None
    if newest is not None:
        newest_state = records[0].state.value if newest == recorded else "UNSEEN"
    last = _last_outcome(records)
    return ModelStatus(
        snapshot=snap,
        newest_version=newest,
        newest_state=newest_state,
        last_outcome=last.outcome if last else None,
        last_outcome_version=last.version if last else None,
        last_summary=last.summary if last else None,
        findings=findings(snap, now, grace=grace, min_data_days=min_data_days, waiting=_waiting(last)),
    )


def fleet_status(
    ledger: Ledger,
    registry: ModelRegistry,
    now: datetime,
    *,
    prefix: str = "",
    grace: timedelta = DEFAULT_GRACE,
    min_data_days: int | None = None,
) -> list[ModelStatus]:
    return [
        model_status(ledger, registry, name, now, grace=grace, min_data_days=min_data_days)
        for name in watched_names(ledger, registry, prefix)
    ]
