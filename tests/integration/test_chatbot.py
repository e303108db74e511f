"""The Amazon Q Developer (AWS Chatbot) alternative: its topic receives custom notifications."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from emulators.stack import LocalStack
from model_steward import cli
from tests.aws import subscribe_inbox as aws_subscribe
from tests.integration.conftest import OPERATOR_ARN
from tests.integration.retraining import GOOD, PRIOR, retrain, seed_active_model, subscribe_inbox, tick


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    parameters = {
        "DryRun": "false",
        "PolicyCooldownHours": "0",
        "ChatbotSlackWorkspaceId": "T0123ABCD",
        "ChatbotSlackChannelId": "C0123456789",
        "WatchAllModels": "true",
        "AlertPublisherArns": OPERATOR_ARN,  # the operator's manual actions alert at once
    }
    with LocalStack(parameters) as deployed:
        yield deployed


def chatbot_inbox(stack: LocalStack, name: str) -> Callable[[], list[dict[str, Any]]]:
    """An SQS queue subscribed to the Amazon Q Developer topic; returns a reader of its notifications."""
    inbox = aws_subscribe(stack.client("sns"), stack.client("sqs"), stack.outputs["ChatbotTopicArn"], name)
    return lambda: [message["alert"] for message in inbox.read()]


def test_the_channel_configuration_is_declared_and_reported_as_not_emulated(stack: LocalStack) -> None:
    assert stack.not_emulated.get("ChatbotChannel") == "AWS::Chatbot::SlackChannelConfiguration"
    for function in stack.functions.values():
        assert function.environment["ALERT_CHATBOT_TOPIC_ARN"] == stack.outputs["ChatbotTopicArn"]


def test_a_promotion_reaches_the_chatbot_topic_as_a_custom_notification(stack: LocalStack) -> None:
    notifications = chatbot_inbox(stack, "chatbot-inbox")
    alerts = subscribe_inbox(stack)
    seed_active_model(stack, "pump-chat")
    tick(stack)

    version = retrain(stack, "pump-chat", model_metrics=GOOD, prior_model_metrics=PRIOR)
    tick(stack)

    (notification,) = notifications()
    assert notification["version"] == "1.0"
    assert notification["source"] == "custom"
    assert notification["id"] == f"pump-chat#v{version}#PROMOTED"
    assert notification["content"]["textType"] == "client-markdown"
    assert "pump-chat" in notification["content"]["title"]
    assert notification["metadata"]["threadId"] == "pump-chat"
    assert [a["alert"]["kind"] for a in alerts.read()] == ["PROMOTED"]  # the alert topic still gets it


def test_a_manual_promotion_and_a_rollback_reach_the_chatbot_topic(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for name in ("STEWARD_TABLE", "STEWARD_TOPIC", "STEWARD_CHATBOT_TOPIC", "STEWARD_STACK"):
        monkeypatch.delenv(name, raising=False)
    seed_active_model(stack, "pump-hands")
    tick(stack)
    second = stack.lookout.add_version("pump-hands", model_metrics=GOOD, prior_model_metrics=PRIOR)
    notifications = chatbot_inbox(stack, "chatbot-inbox-manual")
    no_cooldown = tmp_path / "policy.json"
    no_cooldown.write_text(json.dumps({"version": 1, "defaults": {"cooldown_hours": 0}}))
    deployment = ["--stack", stack.stack_name, "--actor", "alice", "--policy", str(no_cooldown)]

    promoted = cli.main(["promote", "pump-hands", str(second), "--reason", "new sensors", *deployment])
    rolled_back = cli.main(["rollback", "pump-hands", "--reason", "false alarms", *deployment])

    assert (promoted, rolled_back) == (0, 0), capsys.readouterr()
    assert stack.lookout.active_version("pump-hands") == 1
    received = notifications()
    assert [n["id"] for n in received] == [n["id"] for n in received if n["id"].startswith("pump-hands#v")]
    titles = sorted(n["content"]["title"] for n in received)
    assert len(titles) == 2
    assert any("promoted by hand" in title for title in titles)
    assert any("rolled back to v1" in title for title in titles)
