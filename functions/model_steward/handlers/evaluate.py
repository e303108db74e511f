"""evaluate: consumes the evaluate queue, one message per model with something new.

Failures are reported per message (partial batch failure), so one model never blocks the others;
a message that keeps failing ends in the dead-letter queue, whose alarm alerts.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from model_steward.adapters.ledger import Ledger
from model_steward.models.messages import EvaluateRequest
from model_steward.models.settings import EvaluateSettings, load_settings
from model_steward.observability import logger, metrics, tracer
from model_steward.service.evaluate import ModelEvaluator, PolicySource

processor = BatchProcessor(event_type=EventType.SQS)


@tracer.capture_method
def evaluate_record(record: SQSRecord) -> dict[str, Any]:
    request = EvaluateRequest.model_validate_json(record.body)
    logger.append_keys(model_name=request.model_name)
    settings = load_settings(EvaluateSettings)
    evaluator = ModelEvaluator(
        settings,
        Ledger(settings.ledger_table_name),
        PolicySource(settings),
        region=settings.region,
        now=datetime.now(UTC),
    )
    result = evaluator.evaluate(request)
    logger.info("model evaluated", extra={"outcomes": result.outcomes, "promoted": result.promoted})
    return {"model_name": result.model_name, "outcomes": result.outcomes, "promoted": result.promoted}


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    load_settings(EvaluateSettings)  # an invalid configuration fails the whole batch, loudly
    return process_partial_response(
        event=event, record_handler=evaluate_record, processor=processor, context=context
    )
