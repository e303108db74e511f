"""The watch tick: one sweep of ListModels, one SQS message per watched model with news.

Lookout for Equipment calls per tick: ceil(models / 500) ListModels pages, nothing else. What a
model's summary cannot show (imported or manually trained versions) is caught by the full sweep,
a second, slower schedule that queues every watched model.

The tick queues its evaluations first; only then does it spend the time left (its budget) on the
policy document and on alerts earlier invocations could not send, one alert at a time while its
worst case still fits (``Alerter``), so an SNS outage never keeps models from being evaluated.

Each tick also compares the policy overrides document with the one the ledger last recorded: a
change is recorded (the previous document kept) and alerted once, with the keys that changed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from aws_lambda_powertools.metrics import MetricUnit

from model_steward.domain import alerts, policy_document
from model_steward.domain.budget import Budget
from model_steward.domain.status import count_overdue
from model_steward.domain.watch import plan_tick
from model_steward.errors import NotFoundError, StewardError
from model_steward.models.ledger import PolicyDocumentRecord
from model_steward.models.settings import WatchSettings
from model_steward.observability import logger, metrics, tracer
from model_steward.ports import EvaluateQueue, Ledger, ModelRegistry, PolicyDocument
from model_steward.service.alerting import Alerter, record_for


@dataclass
class TickReport:
    tick_id: str
    kind: str
    watched: int = 0
    queued: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    alerts_retried: int = 0
    alerts_still_pending: int = 0
    alerts_deferred: int = 0  # not attempted for lack of time: the next tick sends them
    policy_document: str | None = None  # "recorded", "changed" (and alerted) or "unreadable"


@dataclass(frozen=True)
class WatchService:
    """What one watch invocation works with (built once per invocation)."""

    settings: WatchSettings
    ledger: Ledger
    registry: ModelRegistry
    queue: EvaluateQueue
    alerter: Alerter
    policy_document: PolicyDocument | None = None
    budget: Budget = field(default_factory=Budget.unlimited)

    @tracer.capture_method
    def tick(self, *, now: datetime, full_sweep: bool = False) -> TickReport:
        settings = self.settings
        report = TickReport(tick_id=str(uuid.uuid4()), kind="full-sweep" if full_sweep else "tick")
        # Only a prefix alone can be pushed to the registry; explicit names may lie outside it.
        server_prefix = settings.watched_model_prefix if not settings.watched_models else ""
        listed = list(self.registry.list_models(server_prefix))
        overdue = count_overdue([m for m in listed if settings.watches(m.model_name)], now)
        plan = plan_tick(
            [(m.model_name, m.fingerprint) for m in listed],
            self.ledger.model_states(),
            watches=settings.watches,
            explicit_names=settings.watched_models,
            now=now,
            full_sweep=full_sweep,
            tick_id=report.tick_id,
            registry=self.registry.registry_id,
        )
        report.watched, report.missing = plan.watched, plan.missing
        requests = plan.requests
        # A flood of news (not the routine full sweep) defers alerts: the next tick sends one digest.
        with_news = [r for r in requests if {"new-model", "summary-changed"} & set(r.reasons)]
        if len(with_news) > settings.alert_digest_threshold:
            requests = [request.model_copy(update={"defer_alerts": True}) for request in requests]
        self.queue.send_evaluate_requests(requests)
        report.queued = [request.model_name for request in plan.requests]
        # An SSM read and two ledger calls: no longer, at worst, than one alert (the same budget).
        if self.budget.allows(self.alerter.seconds_per_alert):
            report.policy_document = self.check_policy_document(now)
        retried = self.alerter.retry_pending(now)
        for name in plan.missing:
            alert = alerts.for_configuration_problem(
                f"Watched model {name} does not exist in this account and region.",
                model_name=name,
                details=[
                    "It is named in the WatchedModels parameter, but ListModels does not return it.",
                    "Fix the parameter (a typo?) or create the model; until then it is not watched.",
                ],
                now=now,
            )
            self.alerter.raise_alert(alert, now)
        report.alerts_retried, report.alerts_still_pending = retried.sent, retried.failed
        report.alerts_deferred = retried.deferred
        metrics.add_metric(name="WatchedModels", unit=MetricUnit.Count, value=report.watched)
        metrics.add_metric(name="ModelsQueued", unit=MetricUnit.Count, value=len(report.queued))
        metrics.add_metric(name="OverdueRetrainings", unit=MetricUnit.Count, value=overdue)
        logger.info(
            "watch tick done",
            extra={
                "tick_id": report.tick_id,
                "kind": report.kind,
                "watched": report.watched,
                "queued": len(report.queued),
                "missing": report.missing,
                "alerts_retried": report.alerts_retried,
                "alerts_deferred": report.alerts_deferred,
                "seconds_left": round(self.budget.left(), 1) if self.budget.limited else None,
            },
        )
        return report

    def check_policy_document(self, now: datetime) -> str | None:
        """Record the overrides document; alert a change (once: the record is conditional on the
        fingerprint it replaces, and written with its alert)."""
        document = self.policy_document
        if document is None:
            return None
        try:
            text: str | None = document.read()
        except NotFoundError:
            text = None
        except StewardError as exc:  # evaluations hold promotions and alert it; next tick retries
            logger.warning("policy document not readable", extra={"error": str(exc)})
            return "unreadable"
        stored = self.ledger.policy_document(document.name)
        current = policy_document.fingerprint(text)
        if stored is not None and stored.fingerprint == current:
            return None
        record = PolicyDocumentRecord(
            parameter_name=document.name,
            fingerprint=current,
            text=text,
            seen_at=now,
            previous_fingerprint=stored.fingerprint if stored else None,
            previous_text=stored.text if stored else None,
            changed_at=now if stored else None,
        )
        if stored is None:  # the first document seen is the baseline
            self.ledger.save_policy_document(record, replaces=None)
            return "recorded"
        found = policy_document.changes(stored.text, text)
        alert = alerts.for_policy_document_change(
            document.name,
            [change.sentence() for change in found],
            loosened=[change.sentence() for change in policy_document.loosened(found)],
            old_fingerprint=stored.fingerprint,
            new_fingerprint=current,
            now=now,
        )
        alert_record = record_for(alert)
        if not self.ledger.save_policy_document(record, replaces=stored.fingerprint, alert=alert_record):
            return None  # another tick recorded (and alerted) this change
        logger.warning(
            "policy document changed",
            extra={"parameter": document.name, "keys": [change.key for change in found][:50]},
        )
        self.alerter.send([alert_record], now)
        return "changed"
