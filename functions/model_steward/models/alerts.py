"""Alerts: what Model Steward tells people, whatever the channel (e-mail, Slack, anything on SNS).

An ``Alert`` is built by :mod:`model_steward.domain.alerts` from a decision, a failed version, a
diagnostics summary, a problem or an operator's action, and rendered per channel by
:mod:`model_steward.domain.messages`. Its JSON (``model_dump(mode="json")``) is the structured
payload SNS delivers to Lambda, SQS and HTTPS subscribers; ``schema_version`` versions that contract.

``alert_id`` is deterministic (same input, same id), so the ledger can refuse to alert twice.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from model_steward.models.decision import Decision
from model_steward.models.diagnostics import DiagnosticsSummary
from model_steward.models.policy import Off

ALERT_SCHEMA_VERSION: Literal[1] = 1


class AlertKind(StrEnum):
    PROMOTED = "PROMOTED"
    WOULD_PROMOTE = "WOULD_PROMOTE"
    HELD = "HELD"
    REJECTED = "REJECTED"
    RETRAINING_FAILED = "RETRAINING_FAILED"
    RETRAINING_CANCELED = "RETRAINING_CANCELED"
    IMPORT_FAILED = "IMPORT_FAILED"
    """An import from another account failed, was canceled, or was refused by the service."""
    DIAGNOSTICS_SUMMARY = "DIAGNOSTICS_SUMMARY"
    CONFIGURATION_PROBLEM = "CONFIGURATION_PROBLEM"
    """An invalid policy document, a MANAGED retraining scheduler on a watched model, ..."""
    SYSTEM_ERROR = "SYSTEM_ERROR"
    MANUAL_ACTION = "MANUAL_ACTION"
    """An operator promoted or rolled back a model by hand."""
    DIGEST = "DIGEST"
    """Several alerts in one message (a tick that produced too many to send one by one)."""


class AlertSeverity(StrEnum):
    """INFO < NOTICE < WARNING < CRITICAL.

    - INFO: nothing changed and nothing is asked (dry-run decisions, diagnostics summaries).
    - NOTICE: something changed or was refused as designed; read when convenient.
    - WARNING: a person must act on one model (a held version, a failed retraining).
    - CRITICAL: Model Steward cannot do its job (system error, invalid configuration for everyone).
    """

    INFO = "INFO"
    NOTICE = "NOTICE"
    WARNING = "WARNING"
    CRITICAL = "CRITICAL"

    @property
    def rank(self) -> int:
        """1 (INFO) .. 4 (CRITICAL); published as the ``severity_rank`` Number message attribute."""
        return _RANK[self]

    @classmethod
    def from_rank(cls, rank: int) -> AlertSeverity:
        return next(s for s in cls if s.rank == rank)

    @classmethod
    def at_least(cls, minimum: AlertSeverity | str) -> list[str]:
        """The severity names at or above ``minimum``, for an SNS filter policy on ``severity``:
        ``{"severity": AlertSeverity.at_least("WARNING")}`` -> ``["WARNING", "CRITICAL"]``."""
        floor = cls(minimum).rank
        return [s.value for s in cls if s.rank >= floor]

    @classmethod
    def highest(cls, severities: list[AlertSeverity]) -> AlertSeverity:
        return max(severities, key=lambda s: s.rank, default=cls.INFO)


_RANK = {
    AlertSeverity.INFO: 1,
    AlertSeverity.NOTICE: 2,
    AlertSeverity.WARNING: 3,
    AlertSeverity.CRITICAL: 4,
}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", protected_namespaces=())


class DiagnosticsAlertPolicy(_Frozen):
    """When a diagnostics summary needs a person: its alert is WARNING when the file crosses a
    threshold, INFO otherwise (the ``DiagnosticsWarn*`` parameters; ``"off"`` or null: never)."""

    warn_anomalous_fraction: Annotated[float | None, Off] = Field(
        0.05, ge=0.0, le=1.0, description="WARNING when more than this share of the rows is anomalous."
    )
    warn_longest_event_hours: Annotated[float | None, Off] = Field(
        4.0, gt=0.0, le=8760.0, description="WARNING when an anomalous event lasts longer than this."
    )


class Links(_Frozen):
    console_url: str | None = Field(None, description="The model registry's console page of the model.")
    ledger: str | None = Field(
        None, description="How to see the record: a `steward history NAME` command or a console URL."
    )
    report_url: str | None = Field(None, description="The diagnostics report (HTML), if any.")
    summary_url: str | None = Field(None, description="The diagnostics summary (JSON), if any.")

    def labelled(self) -> list[tuple[str, str]]:
        """(label, target) for every link present, in reading order."""
        pairs = [
            (_console_label(self.console_url), self.console_url),
            ("Diagnostics report", self.report_url),
            ("Diagnostics summary", self.summary_url),
            ("Ledger record", self.ledger),
        ]
        return [(label, target) for label, target in pairs if target]


def _console_label(url: str | None) -> str:
    return "AWS IoT SiteWise console" if url and "/iotsitewise/" in url else "Lookout for Equipment console"


class NumberRow(_Frozen):
    """One row of the side-by-side table: a metric for the new version and for the prior model."""

    label: str
    new: str | None = None
    prior: str | None = None
    change: str | None = None


class Alert(_Frozen):
    schema_version: Literal[1] = ALERT_SCHEMA_VERSION
    alert_id: str = Field(min_length=1, description="Deterministic; the ledger dedupes on it.")
    kind: AlertKind
    severity: AlertSeverity
    model_name: str | None = None
    model_label: str | None = Field(
        None, description="How people know the model when model_name is an id (SiteWise: model / asset)."
    )
    version: int | None = None
    title: str = Field(description="Short: what happened to what.")
    summary: str = Field(description="One sentence, the decision first.")
    reasons: list[str] = Field(default_factory=list, description="Why, most important first.")
    numbers: list[NumberRow] = Field(default_factory=list)
    look_at: list[str] = Field(default_factory=list, description="What a person should check.")
    links: Links = Field(default_factory=Links)
    created_at: AwareDatetime
    decision: Decision | None = None
    diagnostics: DiagnosticsSummary | None = None
    included_alert_ids: list[str] = Field(
        default_factory=list, description="DIGEST: the alerts this message stands for."
    )
    truncated: list[str] = Field(
        default_factory=list, description="What was shortened to fit a channel's size limit."
    )
