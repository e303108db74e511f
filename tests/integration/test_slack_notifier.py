"""The Slack notifier, deployed from template.yaml, against a local Slack webhook over real HTTP.

The webhook server answers like Slack (200 ok, 429 + Retry-After, 5xx, and the refusals 400
invalid_payload, 403 invalid_token, 404 no_service, 410 channel_is_archived); refused alerts must
land in the Slack dead-letter queue (read back from moto SQS) without the handler raising, lasting
transient failures must raise, and the webhook URL must appear in no log and no dead letter.
"""

from __future__ import annotations

import copy
import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest

from model_steward.adapters.secrets import SecretsManagerWebhook
from model_steward.adapters.slack import MAX_RETRIES
from model_steward.compose.slack_notifier import slack_notifier_service
from model_steward.domain.messages import render_slack, sns_message
from model_steward.domain.samples import sample_alert
from model_steward.errors import ConfigurationError, SlackPostError
from model_steward.models.alerts import Alert, AlertKind
from model_steward.models.settings import SlackNotifierSettings, load_settings
from tests.fakes.slack_server import WEBHOOK_PATH, LocalStackWithSlackSecret, Reply, SlackServer
from tests.helpers import load_event

SECRET_TOKEN = WEBHOOK_PATH.rsplit("/", 1)[1]


@pytest.fixture(scope="module")
def slack(slack_server: SlackServer) -> SlackServer:
    """The shared local Slack webhook (tests/conftest.py)."""
    return slack_server


@pytest.fixture(scope="module")
def stack(slack: SlackServer) -> Iterator[LocalStackWithSlackSecret]:
    deployed = LocalStackWithSlackSecret(slack.url)
    with deployed:
        yield deployed


@pytest.fixture(autouse=True)
def fresh(slack: SlackServer, stack: LocalStackWithSlackSecret) -> Iterator[None]:
    slack.reset()
    stack.set_webhook_secret(slack.url)
    dead_letters(stack)
    yield
    slack.reset()


def dead_letters(stack: LocalStackWithSlackSecret) -> list[dict[str, Any]]:
    """Every message on the Slack dead-letter queue (received and deleted)."""
    sqs = stack.client("sqs")
    url = stack.resources["SlackDeadLetterQueue"]
    found: list[dict[str, Any]] = []
    while True:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get(
            "Messages", []
        )
        if not batch:
            return found
        for message in batch:
            found.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def logged(capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> str:
    """Everything written to stdout/stderr, and every log record with all its attributes (the
    Powertools logger's JSON goes to the stdout it captured at import; its records reach caplog)."""
    captured = capfd.readouterr()
    records = json.dumps([vars(r) for r in caplog.records], default=str)
    return captured.out + captured.err + caplog.text + records


def sns_event(alert: Alert) -> dict[str, Any]:
    """The sample SNS delivery, carrying what publish_alert sends to the lambda protocol."""
    event = copy.deepcopy(load_event("sns-alert-delivery.json"))
    request = sns_message(alert)
    record = event["Records"][0]["Sns"]
    record["Message"] = json.loads(request["Message"])["lambda"]
    record["Subject"] = request["Subject"]
    record["MessageAttributes"] = {
        name: {"Type": value["DataType"], "Value": value["StringValue"]}
        for name, value in request["MessageAttributes"].items()
    }
    return event


HELD = sample_alert(AlertKind.HELD)


def test_an_alert_is_posted_as_block_kit(slack: SlackServer, stack: LocalStackWithSlackSecret) -> None:
    result = stack.invoke("SlackNotifierFunction", sns_event(HELD))

    assert result == {"delivered": [HELD.alert_id], "dead_lettered": []}
    (received,) = slack.received
    assert received.path == WEBHOOK_PATH
    assert received.body == json.loads(json.dumps(render_slack(HELD)))
    assert dead_letters(stack) == []


def test_a_rate_limit_is_waited_out_as_retry_after_says(
    slack: SlackServer, stack: LocalStackWithSlackSecret
) -> None:
    slack.script([Reply.rate_limited(retry_after=1)])
    started = time.monotonic()

    result = stack.invoke("SlackNotifierFunction", sns_event(HELD))

    assert result["delivered"] == [HELD.alert_id]
    assert len(slack.received) == 2
    assert time.monotonic() - started >= 1.0


def test_a_server_error_is_retried(slack: SlackServer, stack: LocalStackWithSlackSecret) -> None:
    slack.script([Reply.error(500, "rollup_error")])

    result = stack.invoke("SlackNotifierFunction", sns_event(HELD))

    assert result["delivered"] == [HELD.alert_id]
    assert len(slack.received) == 2


@pytest.mark.parametrize(
    ("status", "code"),
    [(400, "invalid_payload"), (403, "invalid_token"), (404, "no_service"), (410, "channel_is_archived")],
)
def test_a_refusal_goes_to_the_dead_letter_queue_without_raising(
    slack: SlackServer,
    stack: LocalStackWithSlackSecret,
    status: int,
    code: str,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="slack_sdk")
    slack.script([], default=Reply.error(status, code))

    result = stack.invoke("SlackNotifierFunction", sns_event(HELD))

    assert result == {
        "delivered": [],
        "dead_lettered": [{"alert_id": HELD.alert_id, "status": status, "slack_error": code}],
    }
    (letter,) = dead_letters(stack)
    assert letter["reason"] == "slack_rejected"
    assert (letter["status"], letter["slack_error"]) == (status, code)
    assert Alert.model_validate(letter["alert"]) == HELD
    assert letter["sns_message_id"] == "95df01b4-ee98-5cb9-9903-4c221d41eb5e"
    # 400: posted again as plain text once; 403/404/410: the secret is re-read (unchanged), no repost.
    assert len(slack.received) == (2 if status == 400 else 1)
    if status == 400:
        assert slack.received[1].body == {"text": render_slack(HELD)["text"]}
    everything = logged(capfd, caplog) + json.dumps(letter)
    assert f'"slack_error": "{code}"' in everything  # the error is logged...
    assert SECRET_TOKEN not in everything  # ...the webhook never
    assert slack.url not in everything


def test_a_lasting_server_error_raises_for_lambda_to_retry(
    slack: SlackServer,
    stack: LocalStackWithSlackSecret,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="slack_sdk")
    slack.script([], default=Reply.error(500, "rollup_error"))

    with pytest.raises(SlackPostError, match="500 rollup_error") as raised:
        stack.invoke("SlackNotifierFunction", sns_event(HELD))

    assert len(slack.received) == 1 + MAX_RETRIES
    assert dead_letters(stack) == []  # Lambda's on-failure destination takes it from here
    assert SECRET_TOKEN not in logged(capfd, caplog) + str(raised.value)


def test_an_unreachable_slack_raises_without_logging_the_webhook(
    slack: SlackServer,
    stack: LocalStackWithSlackSecret,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="slack_sdk")
    stack.set_webhook_secret(f"http://127.0.0.1:9{WEBHOOK_PATH}")  # nothing listens on port 9

    with pytest.raises(SlackPostError, match="could not be reached") as raised:
        stack.invoke("SlackNotifierFunction", sns_event(HELD))

    everything = logged(capfd, caplog) + repr(raised.value) + str(raised.value.__cause__)
    assert "Failed to send a request to Slack" in caplog.text  # slack_sdk did log the failure
    assert SECRET_TOKEN not in everything


def test_a_rotated_webhook_is_read_again_when_slack_refuses_the_cached_one(
    slack: SlackServer, stack: LocalStackWithSlackSecret
) -> None:
    with stack.function_environment("SlackNotifierFunction"):
        settings = load_settings(SlackNotifierSettings)
        stack.set_webhook_secret(slack.base_url + "/services/T0/B0/revoked")
        assert SecretsManagerWebhook(settings.slack_webhook_secret_arn).url().endswith("/revoked")
        stack.set_webhook_secret(slack.url)  # rotated; the cached value is now stale

        delivery = slack_notifier_service(settings).deliver(HELD)

    assert delivery.status == 200
    assert [r.path for r in slack.received] == ["/services/T0/B0/revoked", WEBHOOK_PATH]


def test_the_secret_may_be_a_json_object(slack: SlackServer, stack: LocalStackWithSlackSecret) -> None:
    stack.set_webhook_secret(json.dumps({"webhook_url": slack.url, "channel": "#reliability"}))

    result = stack.invoke("SlackNotifierFunction", sns_event(HELD))

    assert result["delivered"] == [HELD.alert_id]


def test_a_secret_without_a_url_is_a_configuration_error_that_does_not_echo_it(
    stack: LocalStackWithSlackSecret,
) -> None:
    stack.set_webhook_secret('{"token": "xoxb-not-a-url"}')

    with pytest.raises(ConfigurationError) as raised:
        stack.invoke("SlackNotifierFunction", sns_event(HELD))

    assert "xoxb" not in str(raised.value)


def test_a_cloudwatch_alarm_on_the_topic_is_posted_too(
    slack: SlackServer, stack: LocalStackWithSlackSecret
) -> None:
    event = load_event("sns-alert-delivery.json")
    event["Records"][0]["Sns"]["Message"] = json.dumps(
        {
            "AlarmName": "model-steward-dev-EvaluateDeadLetterAlarm",
            "AlarmDescription": "Messages for models that could not be evaluated after 5 attempts.",
            "NewStateValue": "ALARM",
            "OldStateValue": "OK",
            "NewStateReason": "Threshold Crossed: 1 datapoint [2.0] was greater than the threshold (0.0).",
            "StateChangeTime": "2026-11-22T09:21:00.000+0000",
        }
    )

    result = stack.invoke("SlackNotifierFunction", event)

    assert len(result["delivered"]) == 1
    header = slack.received[0].body["blocks"][0]["text"]["text"]
    assert header == ":red_circle: Alarm model-steward-dev-EvaluateDeadLetterAlarm is ALARM"  # CRITICAL
