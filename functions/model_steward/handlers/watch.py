"""watch: on each EventBridge Scheduler tick, queue the watched models that have news.

The schedule's input says which kind of tick it is: ``tick`` (cheap: one ListModels sweep) or
``full-sweep`` (every watched model is queued, to catch imported and manually trained versions).
The tick queues first and spends only the time left (its budget, from the Lambda context) on
alerts earlier invocations could not send.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from model_steward.compose.watch import watch_service
from model_steward.domain.budget import Budget
from model_steward.models.messages import ScheduleInput
from model_steward.models.settings import WatchSettings, load_settings
from model_steward.observability import logger, metrics, tracer


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    service = watch_service(load_settings(WatchSettings), Budget(context.get_remaining_time_in_millis))
    schedule = ScheduleInput.model_validate(event)
    report = service.tick(now=datetime.now(UTC), full_sweep=schedule.kind == "full-sweep")
    return asdict(report)
