"""SQS batches with partial failures, where a failed record is never silent.

Powertools' BatchProcessor reports each failed record to SQS (``batchItemFailures``) but logs
nothing about why. This one logs every failure with the message id and the reason (a record
stopped for lack of time, not started or cut short before a call that could not end in time, at
INFO: the queue delivers it again; anything else at ERROR, with its traceback), and reports a
batch whose every record failed like any other partial failure instead of raising, so records not
reached before the timeout come back without failing the invocation.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.batch.base import FailureResponse
from aws_lambda_powertools.utilities.batch.exceptions import ExceptionInfo

from model_steward.errors import OutOfTime
from model_steward.observability import logger


class LoggedBatchProcessor(BatchProcessor):
    def __init__(self) -> None:
        super().__init__(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

    def failure_handler(self, record: Any, exception: ExceptionInfo) -> FailureResponse:
        kind, error, _ = exception
        details = {
            "message_id": getattr(record, "message_id", None),
            "error_type": kind.__name__ if kind else None,
            "error": str(error),
        }
        if isinstance(error, OutOfTime):
            logger.info("record stopped for lack of time; the queue delivers it again", extra=details)
        else:
            logger.error("record failed; the queue delivers it again", extra=details, exc_info=error)
        return super().failure_handler(record, exception)
