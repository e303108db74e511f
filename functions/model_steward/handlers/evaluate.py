"""evaluate: consumes the evaluate queue (one message per model with something new).

Foundation stage: validates each message and fails it honestly: the policy and promotion arrive
with the retraining-watch issue (#3). Failures are reported per message (partial batch failure),
so one model never blocks the others, and unprocessable messages end in the dead-letter queue.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from model_steward.models.messages import EvaluateRequest
from model_steward.models.settings import EvaluateSettings, load_settings
from model_steward.observability import logger, metrics, tracer

processor = BatchProcessor(event_type=EventType.SQS)


@tracer.capture_method
def evaluate_record(record: SQSRecord) -> None:
    request = EvaluateRequest.model_validate_json(record.body)
    logger.append_keys(model_name=request.model_name)
    raise NotImplementedError(f"evaluation of {request.model_name} arrives with issue #3")


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    load_settings(EvaluateSettings)
    return process_partial_response(
        event=event, record_handler=evaluate_record, processor=processor, context=context
    )
