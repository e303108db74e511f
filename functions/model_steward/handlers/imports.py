"""imports: approval events from the named source accounts (an SQS queue the approval rule feeds),
and a retry tick for imports the service has not accepted yet.

Each approval is recorded, then imported (``service.imports``); one that cannot be imported is
refused and alerted, never raised, so only a failure to reach the ledger is retried by SQS (and
then sent to the dead-letter queue, whose alarm alerts). The retry tick asks again for every
REQUESTED import whose time has come. Both keep to the invocation's remaining time: an approval
not started in time is delivered again, a retry not asked for waits for the next tick.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from model_steward.compose.imports import import_service
from model_steward.domain.budget import Budget
from model_steward.handlers.batch import LoggedBatchProcessor
from model_steward.models.imports import ImportSettings
from model_steward.models.settings import load_settings
from model_steward.observability import logger, metrics, tracer

processor = LoggedBatchProcessor()  # each failed record logged with its reason


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> Any:
    settings = load_settings(ImportSettings)
    service = import_service(settings, Budget(context.get_remaining_time_in_millis))
    if "Records" not in event:  # the retry schedule
        retried = service.retry_due(datetime.now(UTC))
        return {"retried": len(retried), "states": [r.state.value for r in retried]}

    def import_record(record: SQSRecord) -> dict[str, Any]:
        return service.on_approval_message(record.body, settings, datetime.now(UTC))

    return process_partial_response(
        event=event, record_handler=import_record, processor=processor, context=context
    )
