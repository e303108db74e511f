"""watch: on each EventBridge Scheduler tick, queue the watched models that have news.

The schedule's input says which kind of tick it is: ``tick`` (cheap: one ListModels sweep) or
``full-sweep`` (every watched model is queued, to catch imported and manually trained versions).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from model_steward.adapters.ledger import Ledger
from model_steward.models.messages import ScheduleInput
from model_steward.models.settings import WatchSettings, load_settings
from model_steward.observability import logger, metrics, tracer
from model_steward.service import watch


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = load_settings(WatchSettings)
    schedule = ScheduleInput.model_validate(event)
    report = watch.tick(
        settings,
        Ledger(settings.ledger_table_name),
        now=datetime.now(UTC),
        full_sweep=schedule.kind == "full-sweep",
    )
    return asdict(report)
