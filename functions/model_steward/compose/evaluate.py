"""The evaluate function's wiring."""

from __future__ import annotations

from typing import TYPE_CHECKING

from model_steward.compose import (
    alerter_for,
    approval_bus_arn,
    cli_target,
    deployment_registry,
    ledger,
    registries_by_id,
    within,
)

if TYPE_CHECKING:
    from model_steward.domain.budget import Budget
    from model_steward.models.settings import EvaluateSettings
    from model_steward.service.evaluate import EvaluateService


def evaluate_service(settings: EvaluateSettings, budget: Budget | None = None) -> EvaluateService:
    from model_steward.adapters.parameters import SsmPolicyDocument
    from model_steward.domain.budget import Budget
    from model_steward.service.approvals import Approvals
    from model_steward.service.evaluate import EvaluateService, PolicySource

    within(budget)
    table = ledger(settings.ledger_table_name)
    governed = deployment_registry(settings)
    document = SsmPolicyDocument(settings.policy_parameter_name) if settings.policy_parameter_name else None
    return EvaluateService(
        ledger=table,
        registries=registries_by_id(governed),
        policies=PolicySource(settings.base_policy(), document),
        alerter=alerter_for(settings, table, budget),
        watches=settings.watches,
        scope=settings.scope(),
        decide_existing=settings.decide_existing_versions,
        cli_target=cli_target(settings),
        approvals=Approvals(settings.environment) if approval_bus_arn() else None,
        budget=budget or Budget.unlimited(),
    )
