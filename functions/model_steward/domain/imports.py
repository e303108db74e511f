"""Cross-account promotion, the pure part: approvals, import identity, lineage, the source model's
resource policy, and the alerts an import raises.

- An approval is sent for a PROMOTE or WOULD_PROMOTE decision only, once per decision (its ledger
  id is the version's), carrying the source version's ARN, the decision's fingerprint, and what the
  source compared the version with (its PriorModelMetrics and the active version's ARN), so that
  the target can compare like with like.
- An import's ClientToken is derived from what it imports into where (source version ARN, target
  model, dataset) and the attempt: the same request, repeated or delivered twice, is the same call
  to the service, which answers it with the same version.
- An imported version is compared with the source's PriorModelMetrics only when the target's
  active version was itself imported from the version the source compared with (the same model on
  the same window: ``PriorBasis.SAME_WINDOW``). Otherwise it is compared with the active version's
  own metrics, on another window (``PriorBasis.OTHER_WINDOW``), which the policy never promotes on.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from model_steward.models.alerts import Alert, AlertKind, AlertSeverity, Links, NumberRow
from model_steward.models.decision import (
    Decision,
    ModelFacts,
    Outcome,
    PriorBasis,
    SourceType,
    VersionFacts,
    VersionStatus,
)
from model_steward.models.imports import ApprovalEvent, ImportRecord, ImportRequest, SourceDecision

IMPORT_ACTION = "lookoutequipment:ImportModelVersion"
SHARE_SID_PREFIX = "ModelStewardImportBy"
_APPROVED = (Outcome.PROMOTE, Outcome.WOULD_PROMOTE)


def _digest(*parts: str, length: int = 24) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:length]


# ---------------------------------------------------------------------------------------------
# Approvals (the source deployment).


def decision_fingerprint(decision: Decision) -> str:
    """A short, stable hash of what was decided and why (not when): the model and version, the
    outcome, the policy's fingerprint and every rule's outcome."""
    canonical = json.dumps(
        {
            "model": decision.model_name,
            "version": decision.version,
            "outcome": decision.outcome.value,
            "policy": decision.policy_fingerprint,
            "rules": [[r.rule.value, r.outcome.value] for r in decision.rule_results],
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return _digest(canonical, length=16)


def approval_for(
    decision: Decision, facts: VersionFacts, model: ModelFacts, *, environment: str
) -> ApprovalEvent | None:
    """The approval a decision sends (PROMOTE or WOULD_PROMOTE of a version whose ARN is known)."""
    if decision.outcome not in _APPROVED or facts.version_arn is None:
        return None
    return ApprovalEvent(
        source_version_arn=facts.version_arn,
        model_name=facts.model_name,
        version=facts.version,
        decision=SourceDecision(
            outcome="PROMOTE" if decision.outcome is Outcome.PROMOTE else "WOULD_PROMOTE",
            decision_fingerprint=decision_fingerprint(decision),
            policy_fingerprint=decision.policy_fingerprint,
            summary=decision.summary,
            decided_at=decision.decided_at
            if decision.decided_at.tzinfo
            else decision.decided_at.replace(tzinfo=UTC),
            environment=environment,
            prior_model_metrics=(
                facts.prior_model_metrics if facts.prior_basis is PriorBasis.SAME_WINDOW else None
            ),
            compared_with_version_arn=model.active_version_arn,
        ),
    )


def approval_id(model_name: str, version: int) -> str:
    """The ledger id of a version's approval: one per version, so one per decision that approves."""
    return f"{model_name}#v{version}#APPROVAL"


# ---------------------------------------------------------------------------------------------
# Imports (the target deployment).


def import_key(request: ImportRequest) -> str:
    """What an import is: this source version, into this model, with this dataset."""
    return _digest(request.source_version_arn, request.model_name, request.dataset_name)


def client_token(key: str, attempt: int) -> str:
    """ImportModelVersion's ClientToken for an attempt (1 for the first request)."""
    return f"steward-{key}-{attempt}"


def lineage_line(record: ImportRecord) -> str:
    """One sentence: where an imported version comes from, who asked and why."""
    source = record.request.source
    text = (
        f"Imported from {source.model_name} v{source.version} in account {source.account_id} "
        f"({record.request.source_version_arn}) at the request of {record.request.requested_by}: "
        f"{record.request.reason}"
    )
    decision = record.request.source_decision
    if decision is not None:
        where = f" in {decision.environment}" if decision.environment else ""
        text += (
            f"; the source decided {decision.outcome}{where} "
            f"(decision {decision.decision_fingerprint}, policy {decision.policy_fingerprint})"
        )
    return text if text.endswith(".") else text + "."


def compared_like_with_like(
    facts: VersionFacts, record: ImportRecord | None, active: VersionFacts | None
) -> VersionFacts:
    """An imported version's facts with the prior metrics the policy compares it with (see the
    module docstring); any other version's facts unchanged."""
    if facts.source_type is not SourceType.IMPORT:
        return facts
    decision = record.request.source_decision if record is not None else None
    lineage = {active.version_arn, active.source_version_arn} - {None} if active is not None else set()
    if (
        decision is not None
        and decision.prior_model_metrics
        and decision.compared_with_version_arn is not None
        and decision.compared_with_version_arn in lineage
    ):
        where = f" in {decision.environment}" if decision.environment else ""
        return facts.model_copy(
            update={
                "prior_model_metrics": decision.prior_model_metrics,
                "prior_basis": PriorBasis.SAME_WINDOW,
                "prior_description": (
                    f"the source deployment's PriorModelMetrics{where}: the model the active version was "
                    "imported from, scored on the same window"
                ),
            }
        )
    if active is None:
        return facts.model_copy(update={"prior_model_metrics": None, "prior_basis": PriorBasis.SAME_WINDOW})
    return facts.model_copy(
        update={
            "prior_model_metrics": active.model_metrics,
            "prior_basis": PriorBasis.OTHER_WINDOW,
            "prior_description": f"version {active.version}'s own metrics, on its own evaluation window",
        }
    )


# ---------------------------------------------------------------------------------------------
# The source model's resource policy (`steward share`).


def share_sid(account_id: str) -> str:
    return f"{SHARE_SID_PREFIX}{account_id}"


def share_policy(existing: str | None, model_arn: str, account_id: str) -> dict[str, Any]:
    """The model's resource policy with a statement that lets ``account_id`` import its versions
    (replacing Model Steward's earlier statement for that account; other statements kept)."""
    document: dict[str, Any] = (
        json.loads(existing) if existing else {"Version": "2012-10-17", "Statement": []}
    )
    statements = document.get("Statement", [])
    statements = [statements] if isinstance(statements, Mapping) else list(statements)
    sid = share_sid(account_id)
    kept = [s for s in statements if not (isinstance(s, Mapping) and s.get("Sid") == sid)]
    kept.append(
        {
            "Sid": sid,
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
            "Action": IMPORT_ACTION,
            "Resource": [model_arn, f"{model_arn}/model-version/*"],
        }
    )
    return {**document, "Version": document.get("Version", "2012-10-17"), "Statement": kept}


def share_token(model_arn: str, policy: Mapping[str, Any]) -> str:
    """PutResourcePolicy's ClientToken: the same policy on the same model is the same request."""
    return "steward-" + _digest(model_arn, json.dumps(policy, sort_keys=True))


# ---------------------------------------------------------------------------------------------
# Alerts.


def _when(now: datetime | None) -> datetime:
    moment = now or datetime.now(UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def import_failed_id(model_name: str, version: int) -> str:
    """One alert per imported version that ended badly, whoever sees it end first."""
    return f"{model_name}#v{version}#{AlertKind.IMPORT_FAILED}"


def for_failed_import(
    facts: VersionFacts, record: ImportRecord | None, *, links: Links, now: datetime | None = None
) -> Alert:
    """An imported version that ended FAILED or CANCELED, with the service's reason."""
    ended = "was canceled" if facts.status is VersionStatus.CANCELED else "failed"
    reason = facts.failed_reason or "the service gave no reason"
    source = facts.source_version_arn or (
        record.request.source_version_arn if record else "an unknown source"
    )
    reasons = [
        f"FailedReason: {facts.failed_reason}" if facts.failed_reason else "The service gave no reason."
    ]
    if record is not None:
        reasons.append(lineage_line(record))
    return Alert(
        alert_id=import_failed_id(facts.model_name, facts.version),
        kind=AlertKind.IMPORT_FAILED,
        severity=AlertSeverity.WARNING,
        model_name=facts.model_name,
        version=facts.version,
        title=f"{facts.model_name} v{facts.version} import {ended}",
        summary=(
            f"The import of {source} into {facts.model_name} {ended} ({facts.status}): {reason.rstrip('.')}. "
            "The active version is unchanged."
        ),
        reasons=reasons,
        numbers=[NumberRow(label="Status", new=facts.status.value)],
        look_at=[
            "Read the reason; when it is fixed (the source's resource policy, the dataset, the role), "
            "import again: steward import SOURCE_VERSION_ARN --model MODEL --dataset DATASET --reason ..."
        ],
        links=links,
        created_at=_when(facts.import_ended_at or now),
    )


def for_refused_import(
    record: ImportRecord, error: str, *, links: Links, now: datetime | None = None
) -> Alert:
    """The service refused an import (access denied by the source's resource policy, an unknown
    dataset, a role it cannot use...), or it could not be made: nothing was imported."""
    created = _when(now)
    return Alert(
        alert_id=f"{record.model_name}#{AlertKind.IMPORT_FAILED}#{record.key}#{record.attempt}",
        kind=AlertKind.IMPORT_FAILED,
        severity=AlertSeverity.WARNING,
        model_name=record.model_name,
        title=f"{record.model_name}: import refused",
        summary=(f"Nothing was imported into {record.model_name}: {error.rstrip('.')}."),
        reasons=[lineage_line(record)],
        look_at=[
            "If access was denied, the source account must allow this account to import the model: "
            "run `steward share MODEL --account THIS_ACCOUNT` there. Check the dataset and the role "
            "named in the request exist here.",
        ],
        links=links,
        created_at=created,
    )


def for_operator_import(record: ImportRecord, *, links: Links, now: datetime | None = None) -> Alert:
    """An operator imported a version by hand, and it succeeded: the policy decides it next."""
    version = record.version
    return Alert(
        alert_id=f"{record.model_name}#v{version}#{AlertKind.MANUAL_ACTION}#import",
        kind=AlertKind.MANUAL_ACTION,
        severity=AlertSeverity.NOTICE,
        model_name=record.model_name,
        version=version,
        title=f"{record.model_name} v{version} imported by hand",
        summary=(
            f"{record.request.requested_by} imported {record.request.source_version_arn} into "
            f"{record.model_name} as version {version}; the promotion policy decides it next."
        ),
        reasons=[lineage_line(record)],
        numbers=[
            NumberRow(
                label="Imported data",
                new=None if record.imported_data_bytes is None else f"{record.imported_data_bytes:,} bytes",
            )
        ],
        links=links,
        created_at=_when(now),
    )
