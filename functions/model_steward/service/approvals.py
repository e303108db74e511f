"""Approvals for another deployment: what a PROMOTE or WOULD_PROMOTE decision adds to the ledger.

A deployment with an approval target (the ApprovalBusArn parameter) writes, in the same transaction
as the decision that approves a version, one approval item under the version's id
(``domain.imports.approval_id``): so an approval exists exactly when its decision does, a
repeated or concurrent evaluation cannot write a second one, and the alerter delivers it like an
alert (lease, publish, mark sent; the next watch tick retries what failed). Nothing is lost when
the target's bus is unreachable: the item stays pending, and the ``ApprovalsFailed`` metric counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from model_steward.domain.imports import approval_for, approval_id
from model_steward.models.decision import Decision, ModelFacts, VersionFacts
from model_steward.models.ledger import AlertRecord, AlertState, Channel, model_pk


@dataclass(frozen=True)
class Approvals:
    """The approvals this deployment sends (``environment``: its Environment parameter)."""

    environment: str

    def outbox(
        self, decision: Decision, facts: VersionFacts, model: ModelFacts, now: datetime
    ) -> list[AlertRecord]:
        """The approval item to write with ``decision`` (none unless it approves the version)."""
        event = approval_for(decision, facts, model, environment=self.environment)
        if event is None:
            return []
        return [
            AlertRecord(
                pk=model_pk(facts.model_name),
                alert_id=approval_id(facts.model_name, facts.version),
                state=AlertState.PENDING,
                payload_json=event.model_dump_json(),
                channel=Channel.APPROVAL,
                created_at=now,
            )
        ]
