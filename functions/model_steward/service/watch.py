"""The watch tick: one sweep of ListModels, one SQS message per watched model with news.

Lookout for Equipment calls per tick: ceil(models / 500) ListModels pages, nothing else. What a
model's summary cannot show (imported or manually trained versions) is caught by the full sweep,
a second, slower schedule that queues every watched model.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from aws_lambda_powertools.metrics import MetricUnit

from model_steward.domain import alerts
from model_steward.domain.status import count_overdue
from model_steward.domain.watch import plan_tick
from model_steward.models.settings import WatchSettings
from model_steward.observability import logger, metrics, tracer
from model_steward.ports import EvaluateQueue, Ledger, ModelRegistry
from model_steward.service.alerting import Alerter


@dataclass
class TickReport:
    tick_id: str
    kind: str
    watched: int = 0
    queued: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    alerts_retried: int = 0
    alerts_still_pending: int = 0


@dataclass(frozen=True)
class WatchService:
    """What one watch invocation works with (built once per invocation)."""

    settings: WatchSettings
    ledger: Ledger
    registry: ModelRegistry
    queue: EvaluateQueue
    alerter: Alerter

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
        retried = self.alerter.retry_pending(now)
        self.queue.send_evaluate_requests(requests)
        report.queued = [request.model_name for request in plan.requests]
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
            },
        )
        return report
