"""The promotion protocol: the one way Model Steward activates a version, automatically or by hand.

1. **Claim** the model's promotion claim in the ledger (a lease, so one invocation at a time and a
   dead invocation's claim expires);
2. **describe** the model afresh and check its active version is still acceptable (the caller
   says what is: never older over newer for the automation, exactly what the operator saw for a
   manual action); if the registry already has the version active, nothing is activated again;
3. record **PROMOTING**, conditionally on the state the record was read in;
4. **activate** the version in the registry and **verify** the active version it reports;
5. record **PROMOTED** with its alert, in one transaction;
6. **release** the claim, whatever happened.

If activation fails, the record is either left PROMOTING (the automation: the next evaluation
looks at it again, and finishes it if the registry did activate it) or restored to what it was,
with the failure in its note (a manual action: the operator sees the error at once).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from aws_lambda_powertools.metrics import MetricUnit

from model_steward.errors import ActivationRefused, StewardError
from model_steward.models.alerts import Alert
from model_steward.models.decision import Decision, VersionFacts
from model_steward.models.ledger import AlertRecord, VersionRecord, VersionState
from model_steward.observability import logger, metrics
from model_steward.ports import Ledger, ModelRegistry
from model_steward.service.alerting import record_for

CLAIM_LEASE = timedelta(minutes=5)  # longer than one evaluation; a dead invocation's claim expires
ALREADY_ACTIVE_NOTE = (
    "The registry already had this version active (an earlier invocation's call); it was not activated again."
)


class Status(StrEnum):
    PROMOTED = "PROMOTED"  # active and recorded PROMOTED (with its alert)
    CLAIM_HELD = "CLAIM_HELD"  # another invocation holds the model's promotion claim
    ACTIVE_CHANGED = "ACTIVE_CHANGED"  # the registry's active version is not acceptable any more
    RECORD_CHANGED = "RECORD_CHANGED"  # the version's record changed meanwhile: nothing activated
    REFUSED = "REFUSED"  # the registry refused to activate the version (its words in ``reason``)


@dataclass(frozen=True)
class PromotionRequest:
    promoting: VersionRecord
    """The version's record in state PROMOTING (decision, actor, note as they are to be kept)."""
    replaces: Sequence[VersionState | None]
    """The states the existing record may be in (None: no record yet)."""
    alert: Alert
    """The alert recorded with PROMOTED."""
    accepts_active: Callable[[int | None], bool]
    """Whether the registry's active version, read afresh, still allows the promotion."""
    restore: VersionRecord | None = None
    """After a failed activation: the record to restore (None: leave it PROMOTING)."""
    failure_note: str = ""
    """After a failed activation, with ``restore``: the note's opening words."""
    outbox: Sequence[AlertRecord] = ()
    """Written with PROMOTED, in the same transaction (an approval for another deployment)."""


@dataclass(frozen=True)
class PromotionResult:
    status: Status
    active: int | None = None  # the registry's active version when it was read afresh
    recorded: bool = False  # PROMOTED was written (False: another evaluation closed it first)
    alert: AlertRecord | None = None
    reason: str = ""


def version_record(
    facts: VersionFacts,
    state: VersionState,
    *,
    existing: VersionRecord | None,
    now: datetime,
    decision: Decision | None = None,
    outcome: str | None = None,
    summary: str = "",
) -> VersionRecord:
    """A version's ledger record as the registry's facts (and the decision, if there is one) show
    it now: what the evaluation and an operator's action record, PROMOTING included. ``outcome`` and
    ``summary`` default to the decision's."""
    return VersionRecord(
        model_name=facts.model_name,
        version=facts.version,
        state=state,
        status=facts.status.value,
        source_type=facts.source_type.value if facts.source_type else None,
        outcome=outcome or (decision.outcome.value if decision else None),
        summary=summary or (decision.summary if decision else ""),
        decision_json=decision.model_dump_json() if decision else None,
        policy_fingerprint=decision.policy_fingerprint if decision else None,
        failed_reason=facts.failed_reason,
        service_auto_promotion=facts.auto_promotion_result.value if facts.auto_promotion_result else None,
        registry_facts=facts.raw,
        first_seen_at=existing.first_seen_at if existing else now,
        updated_at=now,
        decided_at=now if decision else None,
    )


class Promotion:
    """Runs the protocol for one version at a time."""

    def __init__(
        self, ledger: Ledger, registry: ModelRegistry, *, now: datetime, lease: timedelta = CLAIM_LEASE
    ) -> None:
        self.ledger = ledger
        self.registry = registry
        self.now = now
        self.lease = lease

    def run(self, request: PromotionRequest) -> PromotionResult:
        record = request.promoting
        name, version = record.model_name, record.version
        claim_id = str(uuid.uuid4())
        if not self.ledger.claim_promotion(name, version, claim_id, self.now, self.lease):
            return PromotionResult(Status.CLAIM_HELD)
        try:
            return self._claimed(request)
        finally:
            self.ledger.release_promotion(name, claim_id)

    def _claimed(self, request: PromotionRequest) -> PromotionResult:
        promoting = request.promoting
        name, version = promoting.model_name, promoting.version
        active = self.registry.active_version(name)
        if not request.accepts_active(active):
            return PromotionResult(Status.ACTIVE_CHANGED, active=active)
        already = active == version
        if not self.ledger.record(promoting, replaces=request.replaces):
            logger.info("version record changed meanwhile; nothing activated", extra={"version": version})
            return PromotionResult(Status.RECORD_CHANGED, active=active)
        if not already:
            try:
                self._activate(name, version)
            except ActivationRefused as exc:
                self._restore(request, exc)
                return PromotionResult(Status.REFUSED, active=active, reason=str(exc))
            except StewardError as exc:
                self._restore(request, exc)
                raise
        note = ALREADY_ACTIVE_NOTE if already else promoting.note
        promoted = promoting.model_copy(
            update={"state": VersionState.PROMOTED, "promoted_at": self.now, "note": note}
        )
        alert = record_for(request.alert)
        recorded = self.ledger.record(
            promoted, replaces=[VersionState.PROMOTING], alert=alert, outbox=request.outbox
        )
        return PromotionResult(
            Status.PROMOTED,
            active=version,
            recorded=recorded,
            alert=alert,
        )

    def _activate(self, name: str, version: int) -> None:
        current = self.registry.activate(name, version)
        if current != version:
            raise StewardError(f"activating {name} v{version}: the registry reports v{current} active")
        metrics.add_metric(name="Promotions", unit=MetricUnit.Count, value=1)

    def _restore(self, request: PromotionRequest, exc: StewardError) -> None:
        if request.restore is None:
            return
        note = f"{request.failure_note} failed: {exc}"[:1000]
        self.ledger.record(
            request.restore.model_copy(update={"updated_at": self.now, "note": note}),
            replaces=[VersionState.PROMOTING],
        )
