"""The import function's wiring (and the operator's `steward import`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from model_steward.compose import alerter_for, ledger, registry

if TYPE_CHECKING:
    from model_steward.models.imports import ImportSettings
    from model_steward.service.imports import ImportService


def import_service(settings: ImportSettings) -> ImportService:
    from model_steward.adapters.lookout_imports import LookoutImports
    from model_steward.service.imports import ImportService

    table = ledger(settings.ledger_table_name)
    return ImportService(
        ledger=table,
        registry=registry(settings.region),
        imports=LookoutImports(),
        alerter=alerter_for(settings, table),
    )
