"""Summarise one announced ``model_diagnostics_results.json.gz``: summary, report, ledger, alert.

The flow for one object (bucket, key, ETag):

1. Link it to the model version whose ``DescribeModelVersion.ModelDiagnosticsResultsObject`` names
   it: first the version the key's layout suggests (``.../<model>/model-version-<n>/...``, confirmed
   with one DescribeModelVersion, since the real layout is undocumented), else a search: ListModels
   (500 a call) for the models whose diagnostics output goes to this bucket and prefix, then the
   newest versions of each. A file no version names is still summarised, as *unlinked*.
2. If the ledger already has this file version's item, stop: S3 announces at least once, and the
   first delivery did everything.
3. Stream the object (pinned to the announced ETag) into :func:`read_diagnostics`, then write the
   summary JSON (the contract) and the HTML report next to it, or under ``REPORTS_PREFIX`` + the
   source key's folder. Their names do not end in the trigger's suffix, so writing them next to the
   source never announces them.
4. Raise the alert (``raise_alert`` records it once per id, then publishes it), add the report's
   location to the version record if there is one, and finally record the file's item. The item is
   written last, so a crash before it only makes the next delivery redo idempotent steps: the same
   objects are rewritten and the alert, already recorded under its deterministic id, is not sent
   again.

A file that is not what the service writes (:class:`DiagnosticsFormatError`) gets no summary and no
report: its failure is recorded and alerted, and the function does not fail (retrying cannot mend a
broken file). Throttling, 5xx and network errors raise :class:`TransientError`, so Lambda's
asynchronous retries and then the on-failure destination take over.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterator
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict

from model_steward.adapters import lookout, s3
from model_steward.adapters.ledger import Ledger
from model_steward.domain import alerts
from model_steward.domain.diagnostics import DiagnosticsFormatError, DiagnosticsResult, read_diagnostics
from model_steward.domain.report import render_report
from model_steward.errors import ConflictError, InvalidInputError, NotFoundError, StewardError, TransientError
from model_steward.models.alerts import Alert, AlertSeverity, Links
from model_steward.models.diagnostics import DiagnosticsSummary
from model_steward.models.ledger import model_pk
from model_steward.models.s3_events import ObjectRef
from model_steward.models.settings import DiagnosticsSettings
from model_steward.observability import logger, tracer
from model_steward.service import alerting

SOURCE_FILE = "model_diagnostics_results.json.gz"
SUMMARY_FILE = "model_diagnostics_summary.json"
REPORT_FILE = "model_diagnostics_report.html"
SUMMARY_CONTENT_TYPE = "application/json"
REPORT_CONTENT_TYPE = "text/html; charset=utf-8"
UNLINKED_PK = "DIAGNOSTICS"
"""Ledger partition of the files no model version names."""
SEARCH_VERSIONS_PER_MODEL = 5
"""Newest versions of each candidate model whose DescribeModelVersion is read when searching."""
SEARCH_DESCRIBE_BUDGET = 50
"""Most DescribeModelVersion calls one search makes (ListModels pages are not counted)."""

_VERSION_SEGMENT = re.compile(r"^model[-_]?version[-_=]?(\d{1,9})$", re.IGNORECASE)
_MODEL_NAME = re.compile(r"^[0-9a-zA-Z_-]{1,200}$")


class FileStatus(StrEnum):
    SUMMARISED = "SUMMARISED"  # summary and report written, alerted
    BROKEN = "BROKEN"  # not a diagnostics file the parser accepts: recorded and alerted, no summary
    DUPLICATE = "DUPLICATE"  # the ledger has this file version already: nothing done again
    GONE = "GONE"  # deleted before it could be read: nothing to summarise
    REPLACED = "REPLACED"  # overwritten since announced: the newer object's own event covers it


class VersionLink(BaseModel):
    model_config = ConfigDict(frozen=True, protected_namespaces=())

    model_name: str
    version: int
    found_by: Literal["key", "search"]


class DiagnosticsOutcome(BaseModel):
    """What happened to one announced object (the handler returns these as JSON)."""

    model_config = ConfigDict(frozen=True, protected_namespaces=())

    source_uri: str
    etag: str | None
    status: FileStatus
    model_name: str | None = None
    version: int | None = None
    linked: bool = False
    found_by: Literal["key", "search"] | None = None
    link_note: str | None = None
    summary_uri: str | None = None
    report_uri: str | None = None
    alert_id: str | None = None
    alert_sent: bool = False
    rows: int | None = None
    anomalous_rows: int | None = None
    event_count: int | None = None
    error: str | None = None


class DiagnosticsRecord(BaseModel):
    """The ledger item of one diagnostics file version (see :func:`diagnostics_sk`)."""

    model_config = ConfigDict(frozen=True, protected_namespaces=())

    item_type: Literal["DIAGNOSTICS"] = "DIAGNOSTICS"
    status: FileStatus
    bucket: str
    key: str
    etag: str
    source_uri: str
    model_name: str | None = None
    version: int | None = None
    linked: bool
    found_by: Literal["key", "search"] | None = None
    link_note: str | None = None
    summary_uri: str | None = None
    report_uri: str | None = None
    alert_id: str
    rows: int | None = None
    anomalous_rows: int | None = None
    anomalous_fraction: float | None = None
    event_count: int | None = None
    events_per_day: float | None = None
    first_timestamp: str | None = None
    last_timestamp: str | None = None
    top_sensors: list[str] = []
    anomaly_score_max: float | None = None
    error: str | None = None
    error_line: int | None = None
    error_offset: int | None = None
    bytes_read: int | None = None
    processed_at: datetime


# --------------------------------------------------------------------------------------------------
# Names and places


def diagnostics_sk(bucket: str, key: str, etag: str) -> str:
    return f"DIAGNOSTICS#{bucket}/{key}#{etag}"


def alert_id_for(bucket: str, key: str, etag: str) -> str:
    """One alert per file version, whatever happens to it and however often it is announced."""
    return "diagnostics#" + hashlib.sha256(f"{bucket}/{key}#{etag}".encode()).hexdigest()[:16]


def output_keys(key: str, reports_prefix: str) -> tuple[str, str]:
    """(summary key, report key): in the source key's folder, under ``reports_prefix`` if set."""
    folder = key.rpartition("/")[0]
    base = reports_prefix + (folder + "/" if folder else "")
    return base + SUMMARY_FILE, base + REPORT_FILE


def console_object_url(bucket: str, key: str, region: str) -> str:
    """The S3 console page of an object (opens for anyone signed in with read access)."""
    return (
        f"https://{region}.console.aws.amazon.com/s3/object/{bucket}"
        f"?region={region}&prefix={quote(key, safe='')}"
    )


# --------------------------------------------------------------------------------------------------
# Linking a file to its model version


def _layout_guess(key: str) -> tuple[str, int] | None:
    """``.../<model>/model-version-<n>/<file>`` (the emulator's and a likely real layout)."""
    parts = key.split("/")
    for index in range(len(parts) - 2, 0, -1):
        match = _VERSION_SEGMENT.match(parts[index])
        if match and _MODEL_NAME.match(parts[index - 1]):
            return parts[index - 1], int(match.group(1))
    return None


def _names(bucket: str, key: str, response: dict[str, Any]) -> bool:
    target = response.get("ModelDiagnosticsResultsObject") or {}
    return bool(target.get("Bucket") == bucket and target.get("Key") == key)


def _confirmed(model_name: str, version: int, bucket: str, key: str) -> bool:
    try:
        response = lookout.describe_model_version(model_name, version)
    except (NotFoundError, InvalidInputError):
        return False
    return _names(bucket, key, response)


def _candidate_models(bucket: str, key: str) -> list[str]:
    """Models whose diagnostics output goes to this bucket and a prefix of this key; the models
    the key names come first (and are kept even when their summary omits the output location)."""
    segments = set(key.split("/")[:-1])
    ranked: list[tuple[int, int, str]] = []
    for summary in lookout.iter_models():
        name = summary["ModelName"]
        configuration: dict[str, Any] = dict(summary.get("ModelDiagnosticsOutputConfiguration") or {})
        output: dict[str, Any] | None = configuration.get("S3OutputConfiguration")
        named = name in segments
        if output is None:
            if named:
                ranked.append((0, 0, name))
            continue
        prefix = output.get("Prefix") or ""
        if output.get("Bucket") == bucket and key.startswith(prefix):
            ranked.append((0 if named else 1, -len(prefix), name))
    return [name for _, _, name in sorted(ranked)]


def _versions_to_try(model_name: str, hint: int | None) -> Iterator[int]:
    numbers = sorted({v["ModelVersion"] for v in lookout.iter_model_versions(model_name)}, reverse=True)
    if hint is not None and hint in numbers:
        yield hint
    yield from (n for n in numbers[:SEARCH_VERSIONS_PER_MODEL] if n != hint)


@tracer.capture_method(capture_response=False)
def find_version(bucket: str, key: str) -> tuple[VersionLink | None, str | None]:
    """The model version whose diagnostics object is this one, and a note when there is none.

    TransientError propagates (a retry may find it); any other Lookout for Equipment failure leaves
    the file unlinked, with the reason in the note.
    """
    guess = _layout_guess(key)
    try:
        if guess is not None and _confirmed(*guess, bucket, key):
            return VersionLink(model_name=guess[0], version=guess[1], found_by="key"), None
        budget = SEARCH_DESCRIBE_BUDGET
        for model_name in _candidate_models(bucket, key):
            for version in _versions_to_try(model_name, guess[1] if guess else None):
                if budget == 0:
                    return None, (
                        f"no model version names this file among the first {SEARCH_DESCRIBE_BUDGET} "
                        "candidate versions searched"
                    )
                budget -= 1
                if _confirmed(model_name, version, bucket, key):
                    return VersionLink(model_name=model_name, version=version, found_by="search"), None
    except TransientError:
        raise
    except StewardError as exc:
        logger.warning("diagnostics file left unlinked", extra={"error": str(exc)})
        return None, f"Lookout for Equipment could not be searched: {exc}"
    return None, (
        "no model version names this file: neither the key's layout nor the newest "
        f"{SEARCH_VERSIONS_PER_MODEL} versions of the models writing diagnostics to s3://{bucket}/"
    )


# --------------------------------------------------------------------------------------------------
# The flow


def _links(
    settings: DiagnosticsSettings, link: VersionLink | None, bucket: str, keys: tuple[str, str]
) -> Links:
    region = settings.region
    return Links(
        console_url=Links.console(link.model_name, region) if link else None,
        ledger=f"steward history {link.model_name}" if link else None,
        summary_url=console_object_url(bucket, keys[0], region),
        report_url=console_object_url(bucket, keys[1], region),
    )


def _title(link: VersionLink | None) -> str:
    return f"{link.model_name} v{link.version} diagnostics" if link else "Diagnostics (no model version)"


def _summary_alert(
    summary: DiagnosticsSummary,
    *,
    ref: ObjectRef,
    link: VersionLink | None,
    link_note: str | None,
    links: Links,
    alert_id: str,
    outputs: tuple[str, str],
    now: datetime,
) -> Alert:
    alert = alerts.for_diagnostics(
        summary,
        model_name=link.model_name if link else None,
        version=link.version if link else None,
        source_uri=ref.uri,
        links=links,
        now=now,
    )
    reasons = [*alert.reasons, f"Summary: {outputs[0]}; report: {outputs[1]}."]
    if link is None:
        reasons.append(f"Not linked to a model version: {link_note}.")
    return alert.model_copy(update={"alert_id": alert_id, "reasons": reasons})


def _broken_alert(
    error: DiagnosticsFormatError,
    *,
    ref: ObjectRef,
    link: VersionLink | None,
    link_note: str | None,
    links: Links,
    alert_id: str,
    now: datetime,
) -> Alert:
    """CONFIGURATION_PROBLEM, WARNING: a person must look at what wrote the file; nothing of Model
    Steward's own is broken (not a SYSTEM_ERROR) and no promotion depends on the file."""
    who = f"{link.model_name} v{link.version}" if link else None
    details = ["No summary or report was written for this file."]
    if link is None:
        details.append(f"Not linked to a model version: {link_note}")
    alert = alerts.for_configuration_problem(
        f"The diagnostics file {ref.uri} cannot be read: {error}",
        model_name=link.model_name if link else None,
        details=details,
        links=links.model_copy(update={"report_url": None, "summary_url": None}),
        now=now,
    )
    return alert.model_copy(
        update={
            "alert_id": alert_id,
            "severity": AlertSeverity.WARNING,
            "version": link.version if link else None,
            "title": f"{alerts.short_name(who)}: diagnostics file unreadable"
            if who
            else "Diagnostics file unreadable",
            "look_at": [
                "The file where it broke (named above): whether it was written completely, and by "
                "Lookout for Equipment; a changed file format would break every later file too."
            ],
        }
    )


@tracer.capture_method(capture_response=False)  # the series is large
def _summarise(ref: ObjectRef, etag: str) -> tuple[DiagnosticsResult, int, float]:
    began = time.perf_counter()
    with s3.open_object(ref.bucket, ref.key, etag=etag) as stream:
        result = read_diagnostics(stream)
        return result, stream.bytes_read, time.perf_counter() - began


@tracer.capture_method(capture_response=False)
def process_object(
    ref: ObjectRef, *, settings: DiagnosticsSettings, ledger: Ledger, now: datetime
) -> DiagnosticsOutcome:
    """Summarise, report, link, record and alert one announced diagnostics file (once per ETag)."""
    logger.append_keys(source_uri=ref.uri)
    etag = ref.etag
    if not etag:
        try:
            etag = s3.head(ref.bucket, ref.key).etag
        except NotFoundError:
            logger.warning("diagnostics file gone before it was read")
            return DiagnosticsOutcome(source_uri=ref.uri, etag=None, status=FileStatus.GONE)

    link, link_note = find_version(ref.bucket, ref.key)
    pk = model_pk(link.model_name) if link else UNLINKED_PK
    sk = diagnostics_sk(ref.bucket, ref.key, etag)
    common: dict[str, Any] = {
        "source_uri": ref.uri,
        "etag": etag,
        "model_name": link.model_name if link else None,
        "version": link.version if link else None,
        "linked": link is not None,
        "found_by": link.found_by if link else None,
        "link_note": link_note,
    }
    existing = ledger.diagnostics(pk, sk)
    if existing is not None:
        logger.info("diagnostics file already processed", extra={"status": existing.get("status")})
        return DiagnosticsOutcome(status=FileStatus.DUPLICATE, alert_id=existing.get("alert_id"), **common)

    alert_id = alert_id_for(ref.bucket, ref.key, etag)
    outputs = output_keys(ref.key, settings.reports_prefix)
    links = _links(settings, link, ref.bucket, outputs)
    try:
        result, bytes_read, seconds = _summarise(ref, etag)
    except NotFoundError:
        logger.warning("diagnostics file gone before it was read")
        return DiagnosticsOutcome(status=FileStatus.GONE, **common)
    except ConflictError:
        logger.warning("diagnostics file replaced since it was announced; its own event covers it")
        return DiagnosticsOutcome(status=FileStatus.REPLACED, **common)
    except DiagnosticsFormatError as error:
        logger.warning("diagnostics file unreadable", extra={"error": str(error)})
        alert = _broken_alert(
            error, ref=ref, link=link, link_note=link_note, links=links, alert_id=alert_id, now=now
        )
        delivery = alerting.raise_alert(
            ledger, settings.alert_topic_arn, alert, now, chatbot_topic_arn=settings.chatbot_topic_arn
        )
        record = DiagnosticsRecord(
            status=FileStatus.BROKEN,
            bucket=ref.bucket,
            key=ref.key,
            etag=etag,
            source_uri=ref.uri,
            model_name=common["model_name"],
            version=common["version"],
            linked=link is not None,
            found_by=common["found_by"],
            link_note=link_note,
            alert_id=alert_id,
            error=str(error),
            error_line=error.line if error.line is not None else error.record,
            error_offset=error.offset,
            processed_at=now,
        )
        ledger.add_diagnostics(pk, sk, record.model_dump(mode="json", exclude_none=True))
        return DiagnosticsOutcome(
            status=FileStatus.BROKEN,
            alert_id=alert_id,
            alert_sent=delivery.sent > 0,
            error=str(error),
            **common,
        )

    summary = result.summary
    s3.put_text(ref.bucket, outputs[0], summary.model_dump_json(indent=2), content_type=SUMMARY_CONTENT_TYPE)
    s3.put_text(
        ref.bucket,
        outputs[1],
        render_report(summary, title=_title(link), source_uri=ref.uri, series=result.series),
        content_type=REPORT_CONTENT_TYPE,
    )
    summary_uri, report_uri = (f"s3://{ref.bucket}/{key}" for key in outputs)
    alert = _summary_alert(
        summary,
        ref=ref,
        link=link,
        link_note=link_note,
        links=links,
        alert_id=alert_id,
        outputs=(summary_uri, report_uri),
        now=now,
    )
    delivery = alerting.raise_alert(
        ledger, settings.alert_topic_arn, alert, now, chatbot_topic_arn=settings.chatbot_topic_arn
    )
    version_record_linked = False
    if link is not None:
        version_record_linked = ledger.link_diagnostics(
            link.model_name,
            link.version,
            {
                "diagnostics_summary_uri": summary_uri,
                "diagnostics_report_uri": report_uri,
                "diagnostics_source_uri": ref.uri,
                "diagnostics_sk": sk,
            },
        )
    record = DiagnosticsRecord(
        status=FileStatus.SUMMARISED,
        bucket=ref.bucket,
        key=ref.key,
        etag=etag,
        source_uri=ref.uri,
        model_name=common["model_name"],
        version=common["version"],
        linked=link is not None,
        found_by=common["found_by"],
        link_note=link_note,
        summary_uri=summary_uri,
        report_uri=report_uri,
        alert_id=alert_id,
        rows=summary.rows,
        anomalous_rows=summary.anomalous_rows,
        anomalous_fraction=summary.anomalous_fraction,
        event_count=summary.event_count,
        events_per_day=summary.events_per_day,
        first_timestamp=summary.first_timestamp,
        last_timestamp=summary.last_timestamp,
        top_sensors=[sensor.name for sensor in summary.top_sensors],
        anomaly_score_max=summary.anomaly_score.max,
        bytes_read=bytes_read,
        processed_at=now,
    )
    ledger.add_diagnostics(pk, sk, record.model_dump(mode="json", exclude_none=True))
    logger.info(
        "diagnostics file summarised",
        extra={
            "model_name": common["model_name"],
            "version": common["version"],
            "found_by": common["found_by"],
            "version_record_linked": version_record_linked,
            "rows": summary.rows,
            "event_count": summary.event_count,
            "bytes_read": bytes_read,
            "seconds": round(seconds, 3),
            "alert_sent": delivery.sent > 0,
        },
    )
    return DiagnosticsOutcome(
        status=FileStatus.SUMMARISED,
        summary_uri=summary_uri,
        report_uri=report_uri,
        alert_id=alert_id,
        alert_sent=delivery.sent > 0,
        rows=summary.rows,
        anomalous_rows=summary.anomalous_rows,
        event_count=summary.event_count,
        **common,
    )
