"""A failed SQS record is reported to the queue and logged with its reason, never silently."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from model_steward.errors import OutOfTime, TransientError
from model_steward.handlers.batch import LoggedBatchProcessor


def sqs_event(*bodies: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"m-{index}",
                "receiptHandle": "r",
                "body": body,
                "attributes": {},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:evaluate",
                "awsRegion": "eu-west-1",
            }
            for index, body in enumerate(bodies)
        ]
    }


def handle(record: SQSRecord) -> str:
    if record.body == "throttled":
        raise TransientError("DescribeModel pump-02: ThrottlingException: Rate exceeded")
    if record.body == "late":
        raise OutOfTime("evaluation of pump-03 not started: it may take 30 s and 2 s are left")
    return "ok"


def logged(caplog: pytest.LogCaptureFixture) -> dict[str, logging.LogRecord]:
    return {getattr(r, "message_id", ""): r for r in caplog.records if hasattr(r, "message_id")}


def test_each_failed_record_is_logged_with_its_message_id_and_reason(
    caplog: pytest.LogCaptureFixture,
) -> None:
    response = process_partial_response(
        event=sqs_event("fine", "throttled", "late"), record_handler=handle, processor=LoggedBatchProcessor()
    )

    assert response == {"batchItemFailures": [{"itemIdentifier": "m-1"}, {"itemIdentifier": "m-2"}]}
    records = logged(caplog)
    assert sorted(records) == ["m-1", "m-2"]
    throttled, late = records["m-1"], records["m-2"]
    assert throttled.levelname == "ERROR"
    assert throttled.error_type == "TransientError"  # type: ignore[attr-defined]
    assert "ThrottlingException: Rate exceeded" in throttled.error  # type: ignore[attr-defined]
    assert throttled.exc_info is not None  # the traceback is logged too
    assert late.levelname == "INFO"
    assert late.getMessage().startswith("record stopped for lack of time")


def test_a_batch_where_every_record_failed_is_reported_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    response = process_partial_response(
        event=sqs_event("late", "late"), record_handler=handle, processor=LoggedBatchProcessor()
    )

    assert response == {"batchItemFailures": [{"itemIdentifier": "m-0"}, {"itemIdentifier": "m-1"}]}
    assert sorted(logged(caplog)) == ["m-0", "m-1"]
