"""Fixtures that deploy template.yaml into moto and the Lookout for Equipment emulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from emulators.stack import LocalStack

SLACK_SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:model-steward/slack-AbCdEf"


@pytest.fixture(scope="module")
def full_stack() -> Iterator[LocalStack]:
    """Every optional part switched on: stack-owned diagnostics bucket, e-mail, Slack."""
    with LocalStack(
        {
            "DiagnosticsSource": "stack-bucket",
            "AlertEmail": "reliability@example.com",
            "SlackWebhookSecretArn": SLACK_SECRET_ARN,
            "WatchedModelPrefix": "pump-",
            "WatchedModels": "compressor-07",
        }
    ) as stack:
        yield stack
