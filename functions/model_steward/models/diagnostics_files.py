"""What happens to one announced diagnostics file: its ledger record, the function's answer, and
the names of the objects written next to it (the summary contract itself is ``models.diagnostics``).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict

from model_steward.models.ledger import DIAGNOSTICS_PK, diagnostics_sk, model_pk

SUMMARY_FILE = "model_diagnostics_summary.json"
REPORT_FILE = "model_diagnostics_report.html"
SUMMARY_CONTENT_TYPE = "application/json"
REPORT_CONTENT_TYPE = "text/html; charset=utf-8"

FoundBy = Literal["key", "search"]


def output_keys(key: str, reports_prefix: str) -> tuple[str, str]:
    """(summary key, report key): in the source key's folder, under ``reports_prefix`` if set.
    Neither ends in the trigger's suffix, so writing them next to the source announces nothing."""
    folder = key.rpartition("/")[0]
    base = reports_prefix + (folder + "/" if folder else "")
    return base + SUMMARY_FILE, base + REPORT_FILE


class FileStatus(StrEnum):
    SUMMARISED = "SUMMARISED"  # summary and report written, alerted
    BROKEN = "BROKEN"  # not a diagnostics file the parser accepts: recorded and alerted, no summary
    DUPLICATE = "DUPLICATE"  # the ledger has this file version already: nothing done again
    GONE = "GONE"  # deleted before it could be read: nothing to summarise
    REPLACED = "REPLACED"  # overwritten since announced: the newer object's own event covers it


class VersionLink(BaseModel):
    """The model version whose diagnostics object a file is."""

    model_config = ConfigDict(frozen=True, protected_namespaces=())

    model_name: str
    version: int
    found_by: FoundBy
    label: str | None = None
    """How people know the model (SiteWise: model / asset), when the registry says."""


class _Linked(BaseModel):
    """The file and the version it is linked to (if any): what the record and the answer share."""

    model_config = ConfigDict(frozen=True, protected_namespaces=())

    source_uri: str
    model_name: str | None = None
    version: int | None = None
    linked: bool = False
    found_by: FoundBy | None = None
    link_note: str | None = None
    summary_uri: str | None = None
    report_uri: str | None = None
    rows: int | None = None
    anomalous_rows: int | None = None
    event_count: int | None = None
    error: str | None = None


class DiagnosticsOutcome(_Linked):
    """What happened to one announced object (the handler returns these as JSON)."""

    etag: str | None
    status: FileStatus
    alert_id: str | None = None
    alert_sent: bool = False


class DiagnosticsRecord(_Linked):
    """The ledger item of one diagnostics file version, written once (see :attr:`key`)."""

    item_type: Literal["DIAGNOSTICS"] = "DIAGNOSTICS"
    status: FileStatus
    bucket: str
    key: str
    etag: str
    alert_id: str
    anomalous_fraction: float | None = None
    events_per_day: float | None = None
    first_timestamp: str | None = None
    last_timestamp: str | None = None
    top_sensors: list[str] = []
    anomaly_score_max: float | None = None
    error_line: int | None = None
    error_offset: int | None = None
    bytes_read: int | None = None
    processed_at: datetime

    @property
    def ledger_key(self) -> tuple[str, str]:
        """(pk, sk): under its model, or the DIAGNOSTICS partition when no version names it."""
        return diagnostics_key(self.model_name, self.bucket, self.key, self.etag)

    def outcome(self, *, alert_sent: bool) -> DiagnosticsOutcome:
        """The function's answer for this record."""
        shared = self.model_dump(include=set(_Linked.model_fields))
        return DiagnosticsOutcome(
            **shared, etag=self.etag, status=self.status, alert_id=self.alert_id, alert_sent=alert_sent
        )


def diagnostics_key(model_name: str | None, bucket: str, key: str, etag: str) -> tuple[str, str]:
    return (model_pk(model_name) if model_name else DIAGNOSTICS_PK), diagnostics_sk(bucket, key, etag)
