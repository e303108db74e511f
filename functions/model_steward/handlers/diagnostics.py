"""diagnostics: an S3 notification or EventBridge event announces model_diagnostics_results.json.gz.

Each announced object is summarised, reported, linked to its model version, recorded and alerted
once (:class:`model_steward.service.diagnostics.DiagnosticsService`). A broken file is alerted,
not raised; a transient failure raises, so Lambda retries the event and then sends it to the
on-failure destination (the diagnostics dead-letter queue, whose alarm alerts).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from model_steward.compose.diagnostics import diagnostics_service
from model_steward.domain.budget import Budget
from model_steward.models.settings import DiagnosticsSettings, load_settings
from model_steward.observability import logger, metrics, tracer


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    budget = Budget(context.get_remaining_time_in_millis)
    return diagnostics_service(load_settings(DiagnosticsSettings), budget).process_event(event)
