"""The diagnostics function's wiring."""

from __future__ import annotations

from typing import TYPE_CHECKING

from model_steward.compose import alerter_for, cli_target, deployment_registry, ledger, within

if TYPE_CHECKING:
    from model_steward.domain.budget import Budget
    from model_steward.models.settings import DiagnosticsSettings
    from model_steward.service.diagnostics import DiagnosticsService


def diagnostics_service(settings: DiagnosticsSettings, budget: Budget | None = None) -> DiagnosticsService:
    from model_steward.adapters.s3 import S3ObjectStore
    from model_steward.domain.budget import Budget
    from model_steward.service.diagnostics import DiagnosticsService

    within(budget)
    table = ledger(settings.ledger_table_name)
    return DiagnosticsService(
        ledger=table,
        registry=deployment_registry(settings),
        store=S3ObjectStore(settings.diagnostics_kms_key_arn),
        alerter=alerter_for(settings, table, budget),
        region=settings.region,
        reports_prefix=settings.reports_prefix,
        alert_policy=settings.alert_policy(),
        cli_target=cli_target(settings),
        budget=budget or Budget.unlimited(),
    )
