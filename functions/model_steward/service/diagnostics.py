"""Summarise one announced ``model_diagnostics_results.json.gz``: summary, report, ledger, alert.

The flow for one object (bucket, key, ETag):

1. Link it to the model version whose diagnostics object it is (the registry's ``VersionFacts``):
   first the version the key's layout suggests (the registry's ``diagnostics_hint``, confirmed with
   one describe, since the real layout is undocumented), else a search: the registry's listing for
   the models whose diagnostics output goes to this bucket and prefix, then the newest versions of
   each, within a budget of describes. A file no version names is still summarised, as *unlinked*.
2. If the ledger already has this file version's item, stop: S3 announces at least once, and the
   first delivery did everything.
3. Stream the object (pinned to the announced ETag) into :func:`read_diagnostics`, then write the
   summary JSON (the contract) and the HTML report next to it, or under ``REPORTS_PREFIX`` + the
   source key's folder (``models.diagnostics_files.output_keys``). Their names do not end in the
   trigger's suffix, so writing them next to the source never announces them.
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

import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from model_steward.domain import alerts
from model_steward.domain.budget import Budget
from model_steward.domain.diagnostics import (
    DiagnosticsFormatError,
    DiagnosticsResult,
    ScoreSeries,
    read_diagnostics,
)
from model_steward.domain.links import ledger_command, s3_object_console
from model_steward.domain.report import render_report
from model_steward.domain.sensor_names import relabelled, sensor_names
from model_steward.errors import ConflictError, InvalidInputError, NotFoundError, StewardError, TransientError
from model_steward.models.alerts import Alert, AlertSeverity, DiagnosticsAlertPolicy, Links
from model_steward.models.decision import ObjectLocation, VersionFacts
from model_steward.models.diagnostics import DiagnosticsSummary
from model_steward.models.diagnostics_files import (
    REPORT_CONTENT_TYPE,
    SUMMARY_CONTENT_TYPE,
    DiagnosticsOutcome,
    DiagnosticsRecord,
    FileStatus,
    VersionLink,
    output_keys,
)
from model_steward.models.registry import VersionRef
from model_steward.models.s3_events import ObjectRef, objects_in
from model_steward.observability import logger, metrics, tracer
from model_steward.ports import Ledger, ModelRegistry, ObjectStore
from model_steward.service.alerting import Alerter

SEARCH_VERSIONS_PER_MODEL = 5
"""Newest versions of each candidate model whose facts are read when searching."""
OBJECT_SECONDS = 60.0
"""Time left without which an announced file is not started: 1 GB of JSON streams and summarises
in about 10 s (27 s pessimistic) on Lambda, plus the link search and a few writes."""
SEARCH_DESCRIBE_BUDGET = 50
"""Most version describes one search makes (listing pages are not counted)."""


@dataclass(frozen=True)
class DiagnosticsService:
    """What one diagnostics invocation works with (built once per invocation)."""

    ledger: Ledger
    registry: ModelRegistry
    store: ObjectStore
    alerter: Alerter
    region: str
    reports_prefix: str = ""
    alert_policy: DiagnosticsAlertPolicy = field(default_factory=DiagnosticsAlertPolicy)
    cli_target: str = ""  # how `steward` commands in alerts reach this deployment (links.cli_target)
    budget: Budget = field(default_factory=Budget.unlimited)
    """The invocation's time: an announced object is started only with OBJECT_SECONDS left."""

    # ---------------------------------------------------------------------------------- the event
    def process_event(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """Every object an S3 notification or EventBridge event announces; the answer as JSON."""
        objects = objects_in(event)
        logger.info("diagnostics objects announced", extra={"objects": [o.uri for o in objects]})
        outcomes = []
        for ref in objects:  # OutOfTime: Lambda retries the event; files done are not done twice
            self.budget.require(OBJECT_SECONDS, f"summary of {ref.uri}")
            outcomes.append(self.process_object(ref, now=datetime.now(UTC)))
        processed = sum(o.status in (FileStatus.SUMMARISED, FileStatus.BROKEN) for o in outcomes)
        broken = sum(o.status is FileStatus.BROKEN for o in outcomes)
        metrics.add_metric(name="DiagnosticsFilesProcessed", unit=MetricUnit.Count, value=processed)
        if broken:
            metrics.add_metric(name="DiagnosticsFilesBroken", unit=MetricUnit.Count, value=broken)
        return {"files": [o.model_dump(mode="json", exclude_none=True) for o in outcomes]}

    # ---------------------------------------------------------------------------------- linking
    def _confirmed(self, model_name: str, version: int, source: ObjectLocation) -> VersionFacts | None:
        """The version's facts when its diagnostics object is ``source``."""
        try:
            facts = self.registry.describe_version(model_name, version)
        except (NotFoundError, InvalidInputError):
            return None
        return facts if facts.diagnostics_object == source else None

    def _candidate_models(self, source: ObjectLocation) -> list[str]:
        """Models whose diagnostics output goes to this bucket and a prefix of this key; the models
        the key names come first (and are kept even when their listing omits the output location)."""
        segments = set(source.key.split("/")[:-1])
        ranked: list[tuple[int, int, str]] = []
        for listing in self.registry.list_models():
            name, output = listing.model_name, listing.diagnostics_output
            named = name in segments
            if output is None:
                if named:
                    ranked.append((0, 0, name))
                continue
            if output.bucket == source.bucket and source.key.startswith(output.key):
                ranked.append((0 if named else 1, -len(output.key), name))
        return [name for _, _, name in sorted(ranked)]

    def _versions_to_try(self, model_name: str, hint: VersionRef | None) -> Iterator[int]:
        """The hinted version number first, then the newest ones; never the hinted version itself
        (:meth:`find_version` described it before searching)."""
        numbers = sorted(self.registry.version_numbers(model_name), reverse=True)
        first = hint.version if hint is not None else None
        if hint is not None and hint.version in numbers and hint.model_name != model_name:
            yield hint.version
        yield from (n for n in numbers[:SEARCH_VERSIONS_PER_MODEL] if n != first)

    @tracer.capture_method(capture_response=False)
    def find_version(self, bucket: str, key: str) -> tuple[VersionLink | None, str | None]:
        """The model version whose diagnostics object is this one, and a note when there is none.

        TransientError propagates (a retry may find it); any other registry failure leaves the file
        unlinked, with the reason in the note.
        """
        source = ObjectLocation(bucket=bucket, key=key)
        hint = self.registry.diagnostics_hint(key)
        try:
            confirmed = self._confirmed(hint.model_name, hint.version, source) if hint is not None else None
            if hint is not None and confirmed is not None:
                link = VersionLink(model_name=hint.model_name, version=hint.version, found_by="key")
                return link.model_copy(update={"label": confirmed.label}), None
            budget = SEARCH_DESCRIBE_BUDGET
            for model_name in self._candidate_models(source):
                for version in self._versions_to_try(model_name, hint):
                    if budget == 0:
                        return None, (
                            f"no model version names this file among the first {SEARCH_DESCRIBE_BUDGET} "
                            "candidate versions searched"
                        )
                    budget -= 1
                    facts = self._confirmed(model_name, version, source)
                    if facts is not None:
                        link = VersionLink(model_name=model_name, version=version, found_by="search")
                        return link.model_copy(update={"label": facts.label}), None
        except TransientError:
            raise
        except StewardError as exc:
            logger.warning("diagnostics file left unlinked", extra={"error": str(exc)})
            return None, f"the model registry could not be searched: {exc}"
        return None, (
            "no model version names this file: neither the key's layout nor the newest "
            f"{SEARCH_VERSIONS_PER_MODEL} versions of the models writing diagnostics to s3://{bucket}/"
        )

    # ---------------------------------------------------------------------------------- the flow
    def _links(self, link: VersionLink | None, bucket: str, keys: tuple[str, str]) -> Links:
        return Links(
            console_url=self.registry.console_url(link.model_name) if link else None,
            ledger=ledger_command(link.model_name, self.cli_target) if link else None,
            summary_url=s3_object_console(bucket, keys[0], self.region),
            report_url=s3_object_console(bucket, keys[1], self.region),
        )

    @tracer.capture_method(capture_response=False)  # the series is large
    def _summarise(self, ref: ObjectRef, etag: str) -> tuple[DiagnosticsResult, int, float]:
        began = time.perf_counter()
        with self.store.open(ref.bucket, ref.key, etag=etag) as stream:
            result = read_diagnostics(stream)
            return result, stream.bytes_read, time.perf_counter() - began

    def _shown(self, summary: DiagnosticsSummary) -> DiagnosticsSummary:
        """The summary as the report and the alert show it: sensors by the names the registry resolves."""
        try:
            labels = self.registry.sensor_labels(sensor_names(summary))
        except TransientError:
            raise
        except StewardError as exc:  # names are a courtesy: the summary stands without them
            logger.warning("sensor names not resolved", extra={"error": str(exc)})
            labels = {}
        return relabelled(summary, labels)

    def _write_outputs(
        self,
        ref: ObjectRef,
        link: VersionLink | None,
        summary: DiagnosticsSummary,
        *,
        shown: DiagnosticsSummary,
        series: ScoreSeries,
        links: Links,
    ) -> None:
        summary_key, report_key = output_keys(ref.key, self.reports_prefix)
        self.store.put_text(
            ref.bucket, summary_key, summary.model_dump_json(indent=2), content_type=SUMMARY_CONTENT_TYPE
        )
        who = link.label or link.model_name if link else None
        title = f"{who} v{link.version} diagnostics" if link else "Diagnostics (no model version)"
        report = render_report(
            shown,
            title=title,
            source_uri=ref.uri,
            series=series,
            model_name=who,
            model_version=link.version if link else None,
            console_url=links.console_url,
            history_command=links.ledger,
        )
        self.store.put_text(ref.bucket, report_key, report, content_type=REPORT_CONTENT_TYPE)

    @tracer.capture_method(capture_response=False)
    def process_object(self, ref: ObjectRef, *, now: datetime) -> DiagnosticsOutcome:
        """Summarise, report, link, record and alert one announced diagnostics file (once per ETag)."""
        logger.append_keys(source_uri=ref.uri)
        etag = ref.etag
        if not etag:
            try:
                etag = self.store.head(ref.bucket, ref.key).etag
            except NotFoundError:
                return self._not_found(ref, None, now)

        link, link_note = self.find_version(ref.bucket, ref.key)
        model_name, version = (link.model_name, link.version) if link else (None, None)
        linked: dict[str, Any] = {
            "source_uri": ref.uri,
            "model_name": model_name,
            "version": version,
            "linked": link is not None,
            "found_by": link.found_by if link else None,
            "link_note": link_note,
        }
        existing = self.ledger.diagnostics_file(model_name, ref.bucket, ref.key, etag)
        if existing is not None:
            logger.info("diagnostics file already processed", extra={"status": existing.status})
            return DiagnosticsOutcome(
                status=FileStatus.DUPLICATE, etag=etag, alert_id=existing.alert_id, **linked
            )

        alert_id = alerts.diagnostics_alert_id(ref.bucket, ref.key, etag)
        outputs = output_keys(ref.key, self.reports_prefix)
        links = self._links(link, ref.bucket, outputs)
        summary_uri, report_uri = (f"s3://{ref.bucket}/{key}" for key in outputs)
        shaped: dict[str, Any] = {
            "source_uri": ref.uri,
            "model_name": model_name,
            "version": version,
            "link_note": link_note,
            "links": links,
            "alert_id": alert_id,
            "now": now,
            "model_label": link.label if link else None,
        }
        alert: Alert
        elapsed: float | None = None
        try:
            result, bytes_read, seconds = self._summarise(ref, etag)
        except NotFoundError:
            return self._not_found(ref, etag, now)
        except ConflictError:
            logger.warning("diagnostics file replaced since it was announced; its own event covers it")
            return DiagnosticsOutcome(status=FileStatus.REPLACED, etag=etag, **linked)
        except DiagnosticsFormatError as error:
            logger.warning("diagnostics file unreadable", extra={"error": str(error)})
            alert = alerts.for_unreadable_file(str(error), **shaped)
            specific: dict[str, Any] = {
                "status": FileStatus.BROKEN,
                "error": str(error),
                "error_line": error.line if error.line is not None else error.record,
                "error_offset": error.offset,
            }
        else:
            summary = result.summary.linked_to(link.model_name, link.version) if link else result.summary
            elapsed = round(seconds, 3)
            shown = self._shown(summary)
            self._write_outputs(ref, link, summary, shown=shown, series=result.series, links=links)
            alert = alerts.for_summarised_file(
                shown, outputs=(summary_uri, report_uri), policy=self.alert_policy, **shaped
            )
            specific = {
                "status": FileStatus.SUMMARISED,
                "summary_uri": summary_uri,
                "report_uri": report_uri,
                "rows": summary.rows,
                "anomalous_rows": summary.anomalous_rows,
                "anomalous_fraction": summary.anomalous_fraction,
                "event_count": summary.event_count,
                "events_per_day": summary.events_per_day,
                "first_timestamp": summary.first_timestamp,
                "last_timestamp": summary.last_timestamp,
                "top_sensors": [sensor.name for sensor in summary.top_sensors],
                "anomaly_score_max": summary.anomaly_score.max,
                "bytes_read": bytes_read,
            }
        record = DiagnosticsRecord(
            **linked,
            **specific,
            bucket=ref.bucket,
            key=ref.key,
            etag=etag,
            alert_id=alert_id,
            processed_at=now,
        )
        delivery = self.alerter.raise_alert(alert, now)
        version_record_linked = False
        if record.status is FileStatus.SUMMARISED and link is not None:
            version_record_linked = self.ledger.link_diagnostics(
                link.model_name,
                link.version,
                {
                    "diagnostics_summary_uri": summary_uri,
                    "diagnostics_report_uri": report_uri,
                    "diagnostics_source_uri": ref.uri,
                    "diagnostics_sk": record.ledger_key[1],
                },
            )
        self.ledger.add_diagnostics_file(record)
        logger.info(
            "diagnostics file recorded",
            extra={
                "status": record.status,
                "model_name": model_name,
                "version": version,
                "found_by": record.found_by,
                "version_record_linked": version_record_linked,
                "rows": record.rows,
                "event_count": record.event_count,
                "bytes_read": record.bytes_read,
                "seconds": elapsed,
                "alert_sent": delivery.sent > 0,
            },
        )
        return record.outcome(alert_sent=delivery.sent > 0)

    def _not_found(self, ref: ObjectRef, etag: str | None, now: datetime) -> DiagnosticsOutcome:
        """The announced key names no object: the other reading of the key (``ObjectRef.other_keys``)
        is tried; if that names none either, the file is recorded GONE and alerted once."""
        for key in ref.other_keys:
            try:
                head = self.store.head(ref.bucket, key)
            except NotFoundError:
                continue
            logger.info("diagnostics file found under the other reading of its key", extra={"key": key})
            found = ref.model_copy(update={"key": key, "other_keys": (), "etag": ref.etag or head.etag})
            return self.process_object(found, now=now)
        version_etag = etag or "unknown"
        existing = self.ledger.diagnostics_file(None, ref.bucket, ref.key, version_etag)
        if existing is not None:
            return existing.outcome(alert_sent=False).model_copy(update={"status": FileStatus.DUPLICATE})
        tried = " or ".join(f"s3://{ref.bucket}/{key}" for key in ref.readings())
        problem = f"The diagnostics file announced as {ref.uri} was not found ({tried})."
        logger.warning("diagnostics file not found", extra={"keys": list(ref.readings()), "etag": etag})
        alert_id = alerts.diagnostics_alert_id(ref.bucket, ref.key, version_etag)
        hint = self.registry.diagnostics_hint(ref.key)
        details = [
            "It was deleted or overwritten before it could be read, or the event named a key that "
            "S3 does not have; no summary or report was written.",
            *([f"Its key suggests {hint.model_name} version {hint.version}."] if hint else []),
        ]
        alert = alerts.for_configuration_problem(problem, details=details, now=now).model_copy(
            update={
                "alert_id": alert_id,
                "severity": AlertSeverity.WARNING,
                "title": "Diagnostics file not found",
                "look_at": [
                    "Whether the file exists under another key (the bucket's listing), and what deletes "
                    "or renames files under the diagnostics prefix."
                ],
            }
        )
        record = DiagnosticsRecord(
            source_uri=ref.uri,
            status=FileStatus.GONE,
            bucket=ref.bucket,
            key=ref.key,
            etag=version_etag,
            alert_id=alert_id,
            error=problem,
            link_note="not read: the file was not found",
            processed_at=now,
        )
        delivery = self.alerter.raise_alert(alert, now)
        self.ledger.add_diagnostics_file(record)
        return record.outcome(alert_sent=delivery.sent > 0)
