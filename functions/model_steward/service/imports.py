"""Imports from another account, governed: request, start, retry, follow to the end, share.

An import is recorded before it is asked for (REQUESTED), so nothing is lost: a throttled call, a
model busy with another import or retraining, a service quota (ConflictError, TransientError) leave
it REQUESTED with the error and a retry time, and the import function's retry tick asks again with
the same ClientToken (``domain.imports.client_token``), which the service answers with the same
version however often it is asked. A request the service refuses (access denied by the source's
resource policy, an unknown dataset or role) is REFUSED and alerted; so is one still not accepted
after :data:`RETRY_WINDOW`. Once accepted (IMPORTING), the watch is asked to look at the model: the
imported version is then followed like any version (``service.evaluate``), and :class:`ImportLineage`
closes the import record when the version ends (IMPORTED, or FAILED with the service's reason,
alerted once whoever sees it end first: the CLI waiting, or the evaluate flow).

The same request made twice (a duplicate delivery, an operator repeating a command) is the same
import: nothing new is asked. A FAILED or REFUSED import is asked again only when a person says so
(``again``), with a new ClientToken.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from model_steward.domain import imports as domain
from model_steward.domain.budget import Budget
from model_steward.domain.links import ledger_command
from model_steward.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    StewardError,
    TransientError,
)
from model_steward.models.alerts import Alert, Links
from model_steward.models.decision import ModelFacts, SourceType, VersionFacts, VersionStatus
from model_steward.models.imports import (
    ApprovalEvent,
    ImportRecord,
    ImportRequest,
    ImportSettings,
    ImportState,
    SourceVersion,
)
from model_steward.observability import logger, metrics
from model_steward.ports import ImportRegistry, Ledger, ModelRegistry, RoleDirectory
from model_steward.service.alerting import Alerter, record_for

RETRY_WINDOW = timedelta(hours=6)
"""How long an import the service keeps refusing as busy or throttled is asked again."""
RECORD_SECONDS = 30.0
"""Time left (beyond the budget's margin) without which an import is not started: a few ledger
calls, one ImportModelVersion and one alert, about a second on a good day. An attempt that still
could not end in time is refused by the clients' own guard (``adapters.aws``); the record stays
REQUESTED (or its message is delivered again) and the ClientToken makes the retry idempotent."""
_RUNNING = frozenset({VersionStatus.IN_PROGRESS, VersionStatus.IMPORT_IN_PROGRESS})
_ENDED_BADLY = frozenset({VersionStatus.FAILED, VersionStatus.CANCELED})


def _retry_delay(tries: int) -> timedelta:
    return timedelta(minutes=min(2 ** max(tries - 1, 0), 60))


def _links(registry: ModelRegistry, model_name: str) -> Links:
    return Links(console_url=registry.console_url(model_name), ledger=ledger_command(model_name))


# ---------------------------------------------------------------------------------------------
# What the evaluate flow asks about imported versions.


class ImportLineage:
    """An evaluation's view of imported versions: their import records, a like-for-like comparison
    when the lineage allows one, the import's own failure alert, and the import record closed."""

    def __init__(self, ledger: Ledger, registry: ModelRegistry, *, now: datetime) -> None:
        self.ledger = ledger
        self.registry = registry
        self.now = now
        self._records: dict[str, list[ImportRecord]] = {}

    def record_of(self, facts: VersionFacts) -> ImportRecord | None:
        if facts.source_type is not SourceType.IMPORT:
            return None
        if facts.model_name not in self._records:
            self._records[facts.model_name] = self.ledger.imports_of(facts.model_name)
        return next((r for r in self._records[facts.model_name] if r.version == facts.version), None)

    def ended(self, facts: VersionFacts) -> None:
        """Close the import record of an imported version that has ended (no alert here: the
        evaluate flow alerts a failed version, and decides a successful one)."""
        record = self.record_of(facts)
        if record is None or record.state is not ImportState.IMPORTING or facts.status in _RUNNING:
            return
        closed = _closed(record, facts, self.now)
        if self.ledger.put_import(closed, replaces=[ImportState.IMPORTING]):
            records = self._records[facts.model_name]
            records[records.index(record)] = closed
        else:  # closed meanwhile by someone else: read what they wrote
            self._records.pop(facts.model_name, None)

    def failure_alert(self, facts: VersionFacts, links: Links) -> Alert | None:
        """The alert of an imported version that ended FAILED or CANCELED (None for others)."""
        if facts.source_type is not SourceType.IMPORT or facts.status not in _ENDED_BADLY:
            return None
        return domain.for_failed_import(facts, self.record_of(facts), links=links, now=self.now)

    def comparable(self, facts: VersionFacts, model: ModelFacts) -> VersionFacts:
        """The facts the policy decides on: an imported version compared like with like, or
        plainly unlike (``domain.imports.compared_like_with_like``)."""
        if facts.source_type is not SourceType.IMPORT:
            return facts
        active = None
        if model.active_version is not None and model.active_version != facts.version:
            active = self.registry.describe_version(model.model_name, model.active_version)
        return domain.compared_like_with_like(facts, self.record_of(facts), active)

    def annotate(self, alert: Alert, facts: VersionFacts) -> Alert:
        """A decision's alert, with where an imported version comes from as its first reason."""
        record = self.record_of(facts)
        if record is None:
            return alert
        return alert.model_copy(update={"reasons": [domain.lineage_line(record), *alert.reasons]})


def _closed(record: ImportRecord, facts: VersionFacts, now: datetime) -> ImportRecord:
    state = ImportState.IMPORTED if facts.status is VersionStatus.SUCCESS else ImportState.FAILED
    return record.model_copy(
        update={
            "state": state,
            "status": facts.status.value,
            "failed_reason": facts.failed_reason,
            "ended_at": facts.import_ended_at or now,
            "imported_data_bytes": facts.imported_data_bytes,
            "updated_at": now,
        }
    )


# ---------------------------------------------------------------------------------------------
# Imports.


@dataclass(frozen=True)
class ImportService:
    """Imports into this account (the operator's `steward import`, and the import function)."""

    ledger: Ledger
    registry: ModelRegistry
    imports: ImportRegistry
    alerter: Alerter
    roles: RoleDirectory | None = None
    retry_window: timedelta = RETRY_WINDOW
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    budget: Budget = field(default_factory=Budget.unlimited)

    # ------------------------------------------------------------------ checks (the operator's)
    def check(self, request: ImportRequest) -> None:
        """What `steward import` checks before anything is recorded: the dataset exists here, and
        so does the role (when IAM lets us look). NotFoundError with one clear sentence."""
        if not self.imports.dataset_exists(request.dataset_name):
            raise NotFoundError(
                f"unknown dataset {request.dataset_name}: it does not exist in this account and region "
                "(import or create it first)"
            )
        if request.role_arn and self.roles is not None and self.roles.role_exists(request.role_arn) is False:
            raise NotFoundError(f"missing role {request.role_arn}: it does not exist in this account")

    # ------------------------------------------------------------------ the import
    def request(self, request: ImportRequest, now: datetime, *, again: bool = False) -> ImportRecord:
        """Record the import (once) and ask the service for it; ``again`` asks once more for an
        import that FAILED or was REFUSED."""
        key = domain.import_key(request)
        existing = self.ledger.import_record(request.model_name, key)
        attempt: int = 1
        replaces: list[ImportState | None] = [None]
        if existing is not None:
            if existing.state is ImportState.REQUESTED:
                return self.start(existing, now)
            if existing.state in (ImportState.IMPORTING, ImportState.IMPORTED) or not again:
                logger.info("import already recorded", extra={"key": key, "state": existing.state})
                return existing
            attempt, replaces = existing.attempt + 1, [existing.state]
        record = ImportRecord(
            model_name=request.model_name,
            key=key,
            attempt=attempt,
            client_token=domain.client_token(key, attempt),
            state=ImportState.REQUESTED,
            request=request,
            source_account=request.source.account_id,
            retry_at=now,
            requested_at=now,
            updated_at=now,
        )
        if not self.ledger.put_import(record, replaces=replaces):  # recorded concurrently
            found = self.ledger.import_record(request.model_name, key)
            assert found is not None
            return self.start(found, now) if found.state is ImportState.REQUESTED else found
        return self.start(record, now)

    def start(self, record: ImportRecord, now: datetime) -> ImportRecord:
        """Ask the service for a REQUESTED import (again, with the same ClientToken)."""
        tries = record.tries + 1
        try:
            started = self.imports.import_version(record.request, record.client_token)
        except (ConflictError, TransientError) as exc:
            if now - record.requested_at >= self.retry_window:
                waited = f"still not accepted after {self.retry_window}: {exc}"
                return self._refuse(record, waited, now, tries=tries)
            later = record.model_copy(
                update={
                    "tries": tries,
                    "last_error": str(exc)[:1000],
                    "retry_at": now + _retry_delay(tries),
                    "updated_at": now,
                }
            )
            self.ledger.put_import(later, replaces=[ImportState.REQUESTED])
            logger.info("import deferred", extra={"key": record.key, "error": str(exc)})
            metrics.add_metric(name="ImportsDeferred", unit=MetricUnit.Count, value=1)
            return later
        except StewardError as exc:
            return self._refuse(record, str(exc), now, tries=tries)
        importing = record.model_copy(
            update={
                "state": ImportState.IMPORTING,
                "tries": tries,
                "version": started.version,
                "version_arn": started.version_arn,
                "status": started.status,
                "last_error": None,
                "retry_at": None,
                "started_at": now,
                "updated_at": now,
            }
        )
        if not self.ledger.put_import(importing, replaces=[ImportState.REQUESTED]):
            found = self.ledger.import_record(record.model_name, record.key)
            return found or importing
        self.ledger.revisit(record.model_name, now)  # the watch follows the new version from here
        metrics.add_metric(name="ImportsStarted", unit=MetricUnit.Count, value=1)
        logger.info("import started", extra={"key": record.key, "version": started.version})
        return importing

    def _refuse(self, record: ImportRecord, error: str, now: datetime, *, tries: int) -> ImportRecord:
        refused = record.model_copy(
            update={
                "state": ImportState.REFUSED,
                "tries": tries,
                "last_error": error[:1000],
                "retry_at": None,
                "updated_at": now,
                "ended_at": now,
            }
        )
        alert = domain.for_refused_import(
            refused, error, links=_links(self.registry, record.model_name), now=now
        )
        alert_record = record_for(alert)
        if self.ledger.put_import(refused, replaces=[ImportState.REQUESTED], alert=alert_record):
            self.alerter.send([alert_record], now)
            metrics.add_metric(name="ImportsRefused", unit=MetricUnit.Count, value=1)
        return refused

    def retry_due(self, now: datetime) -> list[ImportRecord]:
        """Ask again for every REQUESTED import whose retry time has come, while the invocation
        has time for one more (the others stay REQUESTED and due: the next tick asks for them)."""
        due = [r for r in self.ledger.pending_imports() if r.retry_at is None or r.retry_at <= now]
        started: list[ImportRecord] = []
        for record in due:
            if not self.budget.allows(RECORD_SECONDS):
                logger.info(
                    "retry tick out of time; the next tick asks for the rest",
                    extra={"asked": len(started), "left_for_next_tick": len(due) - len(started)},
                )
                break
            started.append(self.start(record, now))
        return started

    # ------------------------------------------------------------------ to the end (the operator's)
    def wait(
        self,
        record: ImportRecord,
        *,
        now: Callable[[], datetime],
        timeout: timedelta,
        poll_seconds: float = 15,
    ) -> ImportRecord:
        """Follow an IMPORTING import until its version ends (or ``timeout``: the watch follows it
        from there), then close it and alert: an operator's successful import, or the failure with
        the service's reason."""
        if record.state is not ImportState.IMPORTING or record.version is None:
            return record
        deadline = now() + timeout
        while True:
            facts = self.registry.describe_version(record.model_name, record.version)
            if facts.status not in _RUNNING:
                return self.finish(record, facts, now())
            if now() >= deadline:
                return record
            self.sleep(poll_seconds)

    def finish(self, record: ImportRecord, facts: VersionFacts, now: datetime) -> ImportRecord:
        closed = _closed(record, facts, now)
        links = _links(self.registry, record.model_name)
        if closed.state is ImportState.IMPORTED:
            alert = domain.for_operator_import(closed, links=links, now=now)
        else:
            alert = domain.for_failed_import(facts, closed, links=links, now=now)
        alert_record = record_for(alert)
        if self.ledger.put_import(closed, replaces=[ImportState.IMPORTING], alert=alert_record):
            self.alerter.send([alert_record], now)
            return closed
        return self.ledger.import_record(record.model_name, record.key) or closed

    # ------------------------------------------------------------------ approvals (the import function)
    def on_approval(
        self, event: Mapping[str, Any], settings: ImportSettings, now: datetime
    ) -> ImportRecord | None:
        """An approval event from the bus: imported as the mapping says, if it comes from a named
        account and names one of that account's versions; otherwise refused and alerted."""
        account = str(event.get("account", ""))
        try:
            approval = ApprovalEvent.model_validate(event.get("detail"))
        except ValueError as exc:
            self._problem(
                f"An approval event from account {account or 'unknown'} is not readable: {exc}", now
            )
            return None
        source = SourceVersion.parse(approval.source_version_arn)
        assert source is not None  # the field's pattern
        if account not in settings.source_accounts:
            self._problem(
                f"An approval event from account {account}, which IMPORT_SOURCE_ACCOUNTS does not name, "
                f"was refused ({approval.source_version_arn}).",
                now,
            )
            return None
        if source.account_id != account:
            self._problem(
                f"An approval event from account {account} names a version of account "
                f"{source.account_id} ({approval.source_version_arn}); it was refused.",
                now,
            )
            return None
        mapping = settings.model_map.get(source.model_name)
        if mapping is None:
            self._problem(
                f"Approved {source.model_name} v{source.version} from account {account} has no mapping "
                "in ImportModelMap; nothing was imported.",
                now,
            )
            return None
        if not settings.watches(mapping.model_name):
            self._problem(
                f"{mapping.model_name} (mapped from {source.model_name}) is not watched by this "
                "deployment: an imported version would not be governed, so nothing was imported.",
                now,
                model_name=mapping.model_name,
            )
            return None
        decision = approval.decision
        where = decision.environment or f"account {account}"
        request = ImportRequest(
            source_version_arn=approval.source_version_arn,
            model_name=mapping.model_name,
            dataset_name=mapping.dataset_name,
            role_arn=settings.role_arn or None,
            inference_data=settings.inference_data,
            reason=f"approved by the policy in {where} ({decision.outcome})",
            requested_by=f"approval from account {account}",
            source_decision=decision,
        )
        return self.request(request, now)

    def on_approval_message(self, body: str, settings: ImportSettings, now: datetime) -> dict[str, Any]:
        """One queue message (an EventBridge event, as the rule delivers it to SQS); OutOfTime,
        so that the queue delivers it again, when the invocation has not time enough to start it."""
        self.budget.require(RECORD_SECONDS, "import of an approved version")
        try:
            event = json.loads(body)
        except ValueError as exc:
            raise InvalidInputError(f"the approval queue carried a message that is not JSON: {exc}") from exc
        record = self.on_approval(event if isinstance(event, dict) else {}, settings, now)
        if record is None:
            return {"imported": None}
        return {"model_name": record.model_name, "state": record.state.value, "version": record.version}

    def _problem(self, problem: str, now: datetime, *, model_name: str | None = None) -> None:
        from model_steward.domain import alerts

        logger.warning("approval refused", extra={"problem": problem})
        self.alerter.raise_alert(
            alerts.for_configuration_problem(problem, model_name=model_name, now=now), now
        )


# ---------------------------------------------------------------------------------------------
# Sharing a model with another account (the source side's `steward share`).


@dataclass(frozen=True)
class SharePlan:
    model_name: str
    model_arn: str
    account_id: str
    revision: str | None
    policy: dict[str, Any]
    unchanged: bool


def plan_share(imports: ImportRegistry, model_name: str, account_id: str) -> SharePlan:
    """The resource policy that lets ``account_id`` import the model's versions (not yet applied)."""
    model_arn = imports.model_arn(model_name)
    current = imports.resource_policy(model_arn)
    document, revision = current if current else (None, None)
    policy = domain.share_policy(document, model_arn, account_id)
    unchanged = document is not None and json.loads(document) == policy
    return SharePlan(model_name, model_arn, account_id, revision, policy, unchanged)


def apply_share(imports: ImportRegistry, plan: SharePlan) -> str:
    """Attach the planned policy (ConflictError if the policy changed since it was planned)."""
    return imports.put_resource_policy(
        plan.model_arn,
        json.dumps(plan.policy),
        revision=plan.revision,
        client_token=domain.share_token(plan.model_arn, plan.policy),
    )
