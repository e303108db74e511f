"""watch: on the EventBridge Scheduler tick, find the watched models (ListModels, 500 a call).

Foundation stage: lists and counts the watched models. Detecting new versions and queueing them
for evaluation arrives with the retraining-watch issue (#3).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from model_steward.adapters import lookout
from model_steward.models.settings import WatchSettings, load_settings
from model_steward.observability import logger, metrics, tracer


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = load_settings(WatchSettings)
    watched = [
        summary["ModelName"] for summary in lookout.iter_models() if settings.watches(summary["ModelName"])
    ]
    metrics.add_metric(name="WatchedModels", unit=MetricUnit.Count, value=len(watched))
    logger.info("watched models listed", extra={"watched_models": len(watched)})
    return {"watched_models": watched}
