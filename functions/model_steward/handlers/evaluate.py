"""evaluate: consumes the evaluate queue, one message per model with something new.

Failures are reported per message (partial batch failure) and logged with their reason, so one
model never blocks the others; a message that keeps failing ends in the dead-letter queue, whose
alarm alerts. A message is started only while the invocation has time for it (its budget, from
the Lambda context): the others are returned as failures and delivered again.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from model_steward.compose.evaluate import evaluate_service
from model_steward.domain.budget import Budget
from model_steward.handlers.batch import LoggedBatchProcessor
from model_steward.models.settings import EvaluateSettings, load_settings
from model_steward.observability import logger, metrics, tracer

processor = LoggedBatchProcessor()


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    budget = Budget(context.get_remaining_time_in_millis)
    service = evaluate_service(load_settings(EvaluateSettings), budget)

    def evaluate_record(record: SQSRecord) -> dict[str, Any]:
        return service.evaluate_message(record.body)

    return process_partial_response(
        event=event, record_handler=evaluate_record, processor=processor, context=context
    )
