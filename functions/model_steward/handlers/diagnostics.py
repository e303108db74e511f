"""diagnostics: an S3 notification or EventBridge event announces model_diagnostics_results.json.gz.

Foundation stage: decodes the announced objects and checks they exist. Summaries, reports and
alerts arrive with the diagnostics issue (#4).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from model_steward.models.s3_events import objects_in
from model_steward.models.settings import DiagnosticsSettings, load_settings
from model_steward.observability import logger, metrics, tracer


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    load_settings(DiagnosticsSettings)
    objects = objects_in(event)
    logger.info("diagnostics objects announced", extra={"objects": [o.uri for o in objects]})
    return {"objects": [o.uri for o in objects]}
