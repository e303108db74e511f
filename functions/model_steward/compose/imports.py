"""The import function's wiring (and the operator's `steward import`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from model_steward.compose import alerter_for, ledger, registry, within

if TYPE_CHECKING:
    from model_steward.domain.budget import Budget
    from model_steward.models.imports import ImportSettings
    from model_steward.service.imports import ImportService


def import_service(settings: ImportSettings, budget: Budget | None = None) -> ImportService:
    from model_steward.adapters.lookout_imports import LookoutImports
    from model_steward.domain.budget import Budget
    from model_steward.service.imports import ImportService

    within(budget)
    table = ledger(settings.ledger_table_name)
    return ImportService(
        ledger=table,
        registry=registry(settings.region),
        imports=LookoutImports(),
        alerter=alerter_for(settings, table, budget),
        budget=budget or Budget.unlimited(),
    )
