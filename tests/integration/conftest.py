"""Fixtures that deploy template.yaml into moto and the Lookout for Equipment emulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from emulators.iam import operator_arn
from emulators.stack import ACCOUNT_ID, LocalStack

SLACK_SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:model-steward/slack-AbCdEf"
# Who tests and the CLI act as; a stack lets it publish alerts only when it is named here.
OPERATOR_ARN = operator_arn(ACCOUNT_ID)


@pytest.fixture(scope="module")
def full_stack() -> Iterator[LocalStack]:
    """Every optional part switched on: stack-owned diagnostics bucket, e-mail, Slack, imports from
    another account's approvals."""
    with LocalStack(
        {
            "DiagnosticsSource": "stack-bucket",
            "AlertEmail": "reliability@example.com",
            "SlackWebhookSecretArn": SLACK_SECRET_ARN,
            "WatchedModelPrefix": "pump-",
            "WatchedModels": "compressor-07",
            "ImportSourceAccounts": "111111111111",
            "ImportModelMap": "pump-01=pump-01:pump-data",
        }
    ) as stack:
        yield stack
