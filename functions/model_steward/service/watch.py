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

from model_steward.adapters import lookout, queue
from model_steward.adapters.ledger import Ledger
from model_steward.domain import alerts
from model_steward.domain.status import count_overdue
from model_steward.domain.watch import plan_tick
from model_steward.models.settings import WatchSettings
from model_steward.observability import logger, metrics, tracer
from model_steward.service import alerting


@dataclass
class TickReport:
    tick_id: str
    kind: str
    watched: int = 0
    queued: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    alerts_retried: int = 0
    alerts_still_pending: int = 0


@tracer.capture_method
def tick(settings: WatchSettings, ledger: Ledger, *, now: datetime, full_sweep: bool = False) -> TickReport:
    report = TickReport(tick_id=str(uuid.uuid4()), kind="full-sweep" if full_sweep else "tick")
    # Only a prefix alone can be pushed to the service; explicit names may lie outside it.
    server_prefix = settings.watched_model_prefix if not settings.watched_models else ""
    listed = list(lookout.iter_models(server_prefix))
    summaries = [(s["ModelName"], lookout.summary_fingerprint(s)) for s in listed]
    overdue = count_overdue([s for s in listed if settings.watches(s["ModelName"])], now)
    plan = plan_tick(
        summaries,
        ledger.model_states(),
        watches=settings.watches,
        explicit_names=settings.watched_models,
        now=now,
        full_sweep=full_sweep,
        tick_id=report.tick_id,
    )
    report.watched, report.missing = plan.watched, plan.missing
    requests = plan.requests
    # A flood of news (not the routine full sweep) defers alerts: the next tick sends one digest.
    with_news = [r for r in requests if {"new-model", "summary-changed"} & set(r.reasons)]
    if len(with_news) > settings.alert_digest_threshold:
        requests = [request.model_copy(update={"defer_alerts": True}) for request in requests]
    retried = alerting.retry_pending(
        ledger,
        settings.alert_topic_arn,
        now,
        settings.alert_digest_threshold,
        chatbot_topic_arn=settings.chatbot_topic_arn,
    )
    queue.send_evaluate_requests(settings.evaluate_queue_url, requests)
    report.queued = [request.model_name for request in plan.requests]
    for name in plan.missing:
        alert = alerts.for_configuration_problem(
            f"Watched model {name} does not exist in this account and region.",
            model_name=name,
            details=[
                "It is named in the WatchedModels parameter, but ListModels does not return it.",
                "Fix the parameter (a typo?) or create the model; until then it is not watched.",
            ],
        )
        alerting.raise_alert(
            ledger, settings.alert_topic_arn, alert, now, chatbot_topic_arn=settings.chatbot_topic_arn
        )
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
