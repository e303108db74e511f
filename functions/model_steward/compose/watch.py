"""The watch function's wiring."""

from __future__ import annotations

from typing import TYPE_CHECKING

from model_steward.compose import alerter_for, deployment_registry, ledger, within

if TYPE_CHECKING:
    from model_steward.domain.budget import Budget
    from model_steward.models.settings import WatchSettings
    from model_steward.service.watch import WatchService


def watch_service(settings: WatchSettings, budget: Budget | None = None) -> WatchService:
    from model_steward.adapters.parameters import SsmPolicyDocument
    from model_steward.adapters.queue import SqsEvaluateQueue
    from model_steward.domain.budget import Budget
    from model_steward.service.watch import WatchService

    within(budget)
    table = ledger(settings.ledger_table_name)
    name = settings.policy_parameter_name
    return WatchService(
        settings=settings,
        ledger=table,
        registry=deployment_registry(settings),
        queue=SqsEvaluateQueue(settings.evaluate_queue_url),
        alerter=alerter_for(settings, table, budget),
        policy_document=SsmPolicyDocument(name) if name else None,
        budget=budget or Budget.unlimited(),
    )
