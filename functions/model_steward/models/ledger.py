"""What the ledger (DynamoDB) holds: the audit trail and the guard against double actions.

Items (one table, ``pk`` / ``sk``):

- ``WATCH`` / ``MODEL#<name>``: a watched model's state: the fingerprint of its last ListModels
  summary, the highest version recorded, versions still open, when to look again, and the
  promotion claim (one per model, so two invocations never activate concurrently).
- ``MODEL#<name>`` / ``VERSION#<0000000007>``: one item per (model, version): state, outcome,
  every rule result, both derived metric sets, the policy fingerprint, times.
- ``MODEL#<name>`` (or ``DIAGNOSTICS`` when no version could be linked) /
  ``DIAGNOSTICS#<bucket>/<key>#<etag>``: one item per diagnostics file version: status
  (SUMMARISED or BROKEN), headline figures, where a broken file broke, the summary and report
  locations, the linked version and the alert id (``models.diagnostics_files.DiagnosticsRecord``).
- ``SYSTEM`` / ``POLICY#<parameter name>``: the policy overrides document as last seen (its text
  and fingerprint, and the previous ones), so a change is alerted once with what changed.
- ``MODEL#<name>`` (or ``SYSTEM``) / ``ALERT#<alert id>``: one item per alert. Created in the same
  transaction as the record it reports on (so no alert is lost) and only once (so none is sent
  twice); ``PENDING`` until SNS accepted it. The sparse ``pending-alerts`` index lists the unsent
  ones for the next watch tick to retry. An approval for another deployment (``channel``
  APPROVAL: an event for its event bus, ``models.imports.ApprovalEvent``) is such an item too,
  written with the decision it approves and delivered the same way.
- ``MODEL#<name>`` / ``IMPORT#<key>``: one item per import into the model, with its lineage
  (``models.imports.ImportRecord``); on the same index under ``IMPORT`` while it waits for a retry.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

WATCH_PK = "WATCH"
MODEL_PK_PREFIX = "MODEL#"
VERSION_SK_PREFIX = "VERSION#"
ALERT_SK_PREFIX = "ALERT#"
DIAGNOSTICS_SK_PREFIX = "DIAGNOSTICS#"
IMPORT_SK_PREFIX = "IMPORT#"
PENDING_IMPORT = "IMPORT"
"""The pending index's key for imports waiting for a retry (alerts use "1")."""
SYSTEM_PK = "SYSTEM"
DIAGNOSTICS_PK = "DIAGNOSTICS"
"""Partition of the diagnostics files no model version names."""


def model_pk(model_name: str) -> str:
    return f"{MODEL_PK_PREFIX}{model_name}"


def version_sk(version: int) -> str:
    return f"{VERSION_SK_PREFIX}{version:010d}"


def alert_sk(alert_id: str) -> str:
    return f"{ALERT_SK_PREFIX}{alert_id}"


def policy_document_sk(parameter_name: str) -> str:
    return f"POLICY#{parameter_name}"


def diagnostics_sk(bucket: str, key: str, etag: str) -> str:
    return f"{DIAGNOSTICS_SK_PREFIX}{bucket}/{key}#{etag}"


class VersionState(StrEnum):
    IN_PROGRESS = "IN_PROGRESS"  # training or import not finished: revisited on later ticks
    DECIDED = "DECIDED"  # a final decision (WOULD_PROMOTE, HOLD, REJECT, CONFLICT) is recorded
    PROMOTING = "PROMOTING"  # claimed: UpdateActiveModelVersion is being called
    PROMOTED = "PROMOTED"  # activated by Model Steward (automatically or by an operator)
    FAILED = "FAILED"  # the service's training/import FAILED or was CANCELED
    SUPERSEDED = "SUPERSEDED"  # a newer eligible version was decided in its place
    BASELINE = "BASELINE"  # existed when Model Steward first saw the model; not decided


OPEN_STATES = frozenset({VersionState.IN_PROGRESS, VersionState.PROMOTING})
"""Running or promoting: looked at again on every evaluation of the model (``domain.versions``)."""


class Channel(StrEnum):
    """Where an outgoing item of the ledger goes."""

    ALERT = "ALERT"  # the alert topics (its payload is an Alert)
    APPROVAL = "APPROVAL"  # another deployment's event bus (its payload is an ApprovalEvent)


class AlertState(StrEnum):
    PENDING = "PENDING"
    SENDING = "SENDING"  # leased by one sender; back to PENDING if the lease runs out
    SENT = "SENT"


class ModelState(BaseModel):
    """A watched model as the watch function last saw it."""

    model_config = ConfigDict(frozen=True, protected_namespaces=())

    model_name: str
    summary_fingerprint: str = ""
    last_seen_version: int = 0
    open_versions: tuple[int, ...] = ()
    revisit_at: AwareDatetime | None = Field(None, description="evaluate again at or after this time")
    last_evaluated_at: AwareDatetime | None = None
    last_full_sweep_at: AwareDatetime | None = None


class VersionRecord(BaseModel):
    """One (model, version) in the ledger. ``decision_json`` is the full Decision, as JSON."""

    model_config = ConfigDict(frozen=True, protected_namespaces=())

    model_name: str
    version: int
    state: VersionState
    status: str = Field(description="the service's status of the version when recorded")
    source_type: str | None = None
    outcome: str | None = Field(None, description="PROMOTE, WOULD_PROMOTE, HOLD, REJECT, CONFLICT, ...")
    summary: str = ""
    decision_json: str | None = None
    policy_fingerprint: str | None = None
    failed_reason: str | None = None
    superseded_by: int | None = None
    service_auto_promotion: str | None = None
    first_seen_at: datetime
    updated_at: datetime
    decided_at: datetime | None = None
    promoted_at: datetime | None = None
    revisit_at: datetime | None = None
    actor: str = Field("model-steward", description="who acted: the automation or an operator")
    note: str | None = None
    registry_facts: str | None = Field(
        None, description="the registry's own answers behind the facts (JSON: SiteWise's maps and payloads)"
    )


class AlertRecord(BaseModel):
    model_config = ConfigDict(frozen=True, protected_namespaces=())

    pk: str
    alert_id: str
    state: AlertState
    payload_json: str = Field(description="the Alert (or, for an approval, the ApprovalEvent), as JSON")
    channel: Channel = Channel.ALERT
    created_at: datetime
    attempts: int = 0
    last_error: str | None = None
    message_id: str | None = None
    sent_at: datetime | None = None
    lease_until: datetime | None = None


class PolicyDocumentRecord(BaseModel):
    """The policy overrides document as Model Steward last saw it (and the one before)."""

    model_config = ConfigDict(frozen=True, protected_namespaces=())

    parameter_name: str
    fingerprint: str = Field(description="sha256 prefix of the text, or 'absent'")
    text: str | None = Field(None, description="the document (None: it did not exist)")
    seen_at: datetime
    previous_fingerprint: str | None = None
    previous_text: str | None = None
    changed_at: datetime | None = Field(None, description="when the change from the previous was seen")
