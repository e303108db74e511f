"""Every alert kind renders as an Amazon Q Developer custom notification of the documented shape."""

from __future__ import annotations

import json

import pytest

from model_steward.cli.notify import sample_alert
from model_steward.domain.messages import (
    CHATBOT_DESCRIPTION_LIMIT,
    CHATBOT_NEXT_STEPS,
    CHATBOT_TITLE_LIMIT,
    chatbot_notification,
)
from model_steward.models.alerts import AlertKind


@pytest.mark.parametrize("kind", list(AlertKind))
def test_each_kind_has_the_schema_fields_within_bounds(kind: AlertKind) -> None:
    alert = sample_alert(kind)

    notification = chatbot_notification(alert)

    assert (notification["version"], notification["source"]) == ("1.0", "custom")
    content = notification["content"]
    assert content["textType"] == "client-markdown"
    assert 0 < len(content["title"]) <= CHATBOT_TITLE_LIMIT
    assert alert.summary[:40] in content["description"]
    assert len(content["description"]) <= CHATBOT_DESCRIPTION_LIMIT
    assert len(content["nextSteps"]) <= CHATBOT_NEXT_STEPS
    assert notification["metadata"]["eventType"] == kind.value
    assert len(json.dumps(notification).encode()) < 256 * 1024
