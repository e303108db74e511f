"""An in-memory ledger (``ports.Ledger``) with the DynamoDB ledger's guarantees (tests/contract runs
the same assertions against both):

- a version record is written only when the stored one is in a state the writer allows, and its
  alert in the same "transaction" (an alert that exists already is left as it is, the record is
  still written);
- the promotion claim is a lease: held until released or until ``claim_until`` passes, and taking
  it creates the model's WATCH item when there is none (as DynamoDB's UpdateItem does);
- alerts are created once per id, leased for sending (PENDING, or SENDING whose lease ran out),
  listed as pending until marked sent, oldest first;
- diagnostics files are recorded once; linking a diagnostics file to a version needs the record;
- an import record is written only when the stored one is in a state the writer allows (with its
  alert), and listed as pending while REQUESTED; a revisit request keeps the earliest time.

Every read returns a copy (pydantic models are frozen), so a test cannot change what is stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from model_steward.models.diagnostics_files import DiagnosticsRecord, diagnostics_key
from model_steward.models.imports import ImportRecord, ImportState
from model_steward.models.ledger import (
    AlertRecord,
    AlertState,
    ModelState,
    PolicyDocumentRecord,
    VersionRecord,
    VersionState,
    model_pk,
)


@dataclass
class Claim:
    claim_id: str
    version: int
    until: datetime


class FakeLedger:
    def __init__(self) -> None:
        self.states: dict[str, ModelState] = {}
        self.claims: dict[str, Claim] = {}
        self.records: dict[tuple[str, int], VersionRecord] = {}
        self.record_links: dict[tuple[str, int], dict[str, str]] = {}
        self.alert_items: dict[tuple[str, str], AlertRecord] = {}
        self.files: dict[tuple[str, str], DiagnosticsRecord] = {}
        self.documents: dict[str, PolicyDocumentRecord] = {}
        self.import_items: dict[tuple[str, str], ImportRecord] = {}
        self.writes = 0

    # ------------------------------------------------------------------ model states
    def model_states(self) -> dict[str, ModelState]:
        return dict(self.states)

    def model_state(self, model_name: str) -> ModelState | None:
        return self.states.get(model_name)

    def save_model_state(self, state: ModelState) -> None:
        self.writes += 1
        self.states[state.model_name] = state

    # ------------------------------------------------------------------ versions
    def version(self, model_name: str, version: int) -> VersionRecord | None:
        return self.records.get((model_name, version))

    def versions(self, model_name: str) -> list[VersionRecord]:
        found = [r for (name, _), r in self.records.items() if name == model_name]
        return sorted(found, key=lambda r: r.version, reverse=True)

    def record(
        self,
        record: VersionRecord,
        *,
        replaces: Iterable[VersionState | None],
        alert: AlertRecord | None = None,
        outbox: Sequence[AlertRecord] = (),
    ) -> bool:
        key = (record.model_name, record.version)
        existing = self.records.get(key)
        if (existing.state if existing else None) not in set(replaces):
            return False
        self.writes += 1
        self.records[key] = record
        for item in [*([alert] if alert is not None else []), *outbox]:
            self.alert_items.setdefault((item.pk, item.alert_id), item)
        return True

    def revisit(self, model_name: str, at: datetime) -> None:
        state = self.states.get(model_name) or ModelState(model_name=model_name)
        if state.revisit_at is None or state.revisit_at > at:
            self.states[model_name] = state.model_copy(update={"revisit_at": at})

    # ------------------------------------------------------------------ promotion claim
    def claim_promotion(
        self, model_name: str, version: int, claim_id: str, now: datetime, lease: timedelta
    ) -> bool:
        held = self.claims.get(model_name)
        if held is not None and not held.until < now and held.claim_id != claim_id:
            return False
        self.claims[model_name] = Claim(claim_id, version, now + lease)
        self.states.setdefault(model_name, ModelState(model_name=model_name))
        return True

    def release_promotion(self, model_name: str, claim_id: str) -> None:
        held = self.claims.get(model_name)
        if held is not None and held.claim_id == claim_id:
            del self.claims[model_name]

    # ------------------------------------------------------------------ alerts
    def add_alert(self, alert: AlertRecord) -> bool:
        key = (alert.pk, alert.alert_id)
        if key in self.alert_items:
            return False
        self.alert_items[key] = alert
        return True

    def alert(self, pk: str, alert_id: str) -> AlertRecord | None:
        return self.alert_items.get((pk, alert_id))

    def alerts(self, pk: str) -> list[AlertRecord]:
        return sorted((a for (p, _), a in self.alert_items.items() if p == pk), key=lambda a: a.alert_id)

    def pending_alerts(self) -> list[AlertRecord]:
        pending = [a for a in self.alert_items.values() if a.state is not AlertState.SENT]
        return sorted(pending, key=lambda a: a.created_at)

    def lease_alert(self, pk: str, alert_id: str, now: datetime, lease: timedelta) -> bool:
        item = self.alert_items.get((pk, alert_id))
        if item is None:
            return False
        free = item.state is AlertState.PENDING or (
            item.state is AlertState.SENDING and item.lease_until is not None and item.lease_until < now
        )
        if not free:
            return False
        self.alert_items[(pk, alert_id)] = item.model_copy(
            update={"state": AlertState.SENDING, "lease_until": now + lease, "attempts": item.attempts + 1}
        )
        return True

    def alert_sent(self, pk: str, alert_id: str, message_id: str, now: datetime) -> None:
        item = self.alert_items[(pk, alert_id)]
        self.alert_items[(pk, alert_id)] = item.model_copy(
            update={"state": AlertState.SENT, "message_id": message_id, "sent_at": now, "lease_until": None}
        )

    def alert_failed(self, pk: str, alert_id: str, error: str) -> None:
        item = self.alert_items[(pk, alert_id)]
        self.alert_items[(pk, alert_id)] = item.model_copy(
            update={"state": AlertState.PENDING, "last_error": error[:1000], "lease_until": None}
        )

    # ------------------------------------------------------------------ diagnostics files
    def policy_document(self, parameter_name: str) -> PolicyDocumentRecord | None:
        return self.documents.get(parameter_name)

    def save_policy_document(
        self, record: PolicyDocumentRecord, *, replaces: str | None, alert: AlertRecord | None = None
    ) -> bool:
        stored = self.documents.get(record.parameter_name)
        if (stored.fingerprint if stored else None) != replaces:
            return False
        if alert is not None and (alert.pk, alert.alert_id) in self.alert_items:
            return False  # DynamoDB cancels the whole transaction when the alert exists
        self.writes += 1
        self.documents[record.parameter_name] = record
        if alert is not None:
            self.alert_items[(alert.pk, alert.alert_id)] = alert
        return True

    def diagnostics_file(
        self, model_name: str | None, bucket: str, key: str, etag: str
    ) -> DiagnosticsRecord | None:
        return self.files.get(diagnostics_key(model_name, bucket, key, etag))

    def add_diagnostics_file(self, record: DiagnosticsRecord) -> bool:
        if record.ledger_key in self.files:
            return False
        self.files[record.ledger_key] = record
        return True

    def link_diagnostics(self, model_name: str, version: int, values: Mapping[str, str]) -> bool:
        if (model_name, version) not in self.records:
            return False
        self.record_links.setdefault((model_name, version), {}).update(values)
        return True

    def diagnostics_of(self, model_name: str) -> list[DiagnosticsRecord]:
        pk = model_pk(model_name)
        return [record for (p, _), record in sorted(self.files.items()) if p == pk]

    # ------------------------------------------------------------------ imports
    def import_record(self, model_name: str, key: str) -> ImportRecord | None:
        return self.import_items.get((model_name, key))

    def imports_of(self, model_name: str) -> list[ImportRecord]:
        found = [r for (name, _), r in self.import_items.items() if name == model_name]
        return sorted(found, key=lambda r: r.requested_at)

    def put_import(
        self,
        record: ImportRecord,
        *,
        replaces: Iterable[ImportState | None],
        alert: AlertRecord | None = None,
    ) -> bool:
        key = (record.model_name, record.key)
        existing = self.import_items.get(key)
        if (existing.state if existing else None) not in set(replaces):
            return False
        self.writes += 1
        self.import_items[key] = record
        if alert is not None:
            self.alert_items.setdefault((alert.pk, alert.alert_id), alert)
        return True

    def pending_imports(self) -> list[ImportRecord]:
        pending = [r for r in self.import_items.values() if r.state is ImportState.REQUESTED]
        return sorted(pending, key=lambda r: r.requested_at)
