"""The Slack webhook URL is never logged, at any log level: botocore logs every response body at
DEBUG, GetSecretValue's included, so wire content is kept out of the logs process-wide."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import boto3
import pytest

from model_steward.adapters.secrets import SecretsManagerWebhook
from model_steward.observability import logger as powertools_logger
from tests.aws import AwsSandbox

URL = "https://hooks.slack.com/services/T0000/B0000/XXXXsecretXXXX"


class Everything(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def every_record() -> Iterator[Everything]:
    """DEBUG everywhere, as an operator chasing a problem might set it, and every record kept."""
    handler = Everything()
    names = ["", "botocore", "botocore.parsers", "botocore.endpoint", "urllib3", powertools_logger.name]
    loggers = [logging.getLogger(name) for name in names]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
    logging.getLogger().addHandler(handler)
    logging.getLogger("botocore.parsers").addHandler(handler)
    boto3.set_stream_logger("botocore", logging.DEBUG)
    try:
        yield handler
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger("botocore.parsers").removeHandler(handler)
        for stream in [
            h for h in logging.getLogger("botocore").handlers if isinstance(h, logging.StreamHandler)
        ]:
            logging.getLogger("botocore").removeHandler(stream)
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def test_reading_the_webhook_secret_at_debug_logs_no_part_of_it(
    aws_sandbox: AwsSandbox, every_record: Everything
) -> None:
    arn = aws_sandbox.client("secretsmanager").create_secret(Name="slack", SecretString=URL)["ARN"]
    every_record.records.clear()

    assert SecretsManagerWebhook(arn).url(force_fetch=True) == URL

    assert every_record.records  # DEBUG logging was on: botocore did log the call
    for record in every_record.records:
        text = " ".join(
            [record.getMessage(), repr(record.args), str(record.exc_text or ""), repr(record.__dict__)]
        )
        assert "XXXXsecretXXXX" not in text, f"{record.name} logged the secret"
