"""The Slack notifier's delivery policy on fakes of its ports (the secret, the webhook transport, the
dead-letter queue); the transport itself is tested over real HTTP in tests/integration."""

from __future__ import annotations

import json

import pytest

from model_steward.domain.messages import payload, render_slack, sns_message
from model_steward.domain.samples import sample_alert
from model_steward.errors import SlackPostError, TransientError
from model_steward.models.alerts import AlertKind
from model_steward.service.slack import DEAD_LETTER_REASON, SlackNotifier, TopicMessage
from tests.fakes.channels import FakeDeadLetterQueue, FakeWebhookSecret, FakeWebhookTransport

HELD = sample_alert(AlertKind.HELD)
ROTATED = "https://hooks.slack.test/services/T0/B0/rotated"


def notifier(
    transport: FakeWebhookTransport | None = None,
    secret: FakeWebhookSecret | None = None,
    dead_letters: FakeDeadLetterQueue | None = None,
) -> SlackNotifier:
    return SlackNotifier(
        secret=secret or FakeWebhookSecret(),
        transport=transport or FakeWebhookTransport(),
        dead_letters=dead_letters or FakeDeadLetterQueue(),
    )


def topic_message(alert_json: str, subject: str | None = "[Model Steward] x") -> TopicMessage:
    return TopicMessage(subject=subject, message=alert_json, message_id="sns-1")


def test_an_alert_from_the_topic_is_posted_as_block_kit() -> None:
    transport = FakeWebhookTransport()
    lambda_message = json.loads(sns_message(HELD)["Message"])["lambda"]

    answer = notifier(transport).deliver_all([topic_message(lambda_message)])

    assert answer == {"delivered": [HELD.alert_id], "dead_lettered": []}
    (posted,) = transport.posts
    assert posted.body == render_slack(HELD)


def test_a_cloudwatch_alarm_and_a_stranger_message_are_shown_too() -> None:
    transport = FakeWebhookTransport()
    alarm = json.dumps({"AlarmName": "evaluate-dlq", "NewStateValue": "ALARM", "NewStateReason": "1 message"})

    notifier(transport).deliver_all([topic_message(alarm), topic_message("hello from someone else")])

    alarm_post, stranger_post = transport.posts
    assert "Alarm evaluate-dlq is ALARM" in alarm_post.body["blocks"][0]["text"]["text"]
    assert "did not write" in stranger_post.body["text"]
    assert "hello from someone else" in json.dumps(stranger_post.body)  # its text is shown, not dropped


def test_a_refused_webhook_is_read_again_once_in_case_it_was_rotated() -> None:
    secret = FakeWebhookSecret()
    old = secret.url()
    secret.value = ROTATED
    transport = FakeWebhookTransport(refused_urls={old})

    delivery = notifier(transport, secret).deliver(HELD)

    assert (delivery.status, delivery.dead_lettered) == (200, False)
    assert [p.url for p in transport.posts] == [old, ROTATED]


def test_a_refused_webhook_that_was_not_rotated_is_dead_lettered_without_the_url() -> None:
    secret = FakeWebhookSecret()
    dead = FakeDeadLetterQueue()
    transport = FakeWebhookTransport(refused_urls={secret.value})

    delivery = notifier(transport, secret, dead).deliver(HELD, sns_message_id="sns-9")

    assert (delivery.status, delivery.slack_error, delivery.dead_lettered) == (403, "invalid_token", True)
    assert len(transport.posts) == 1
    (body,) = dead.bodies
    assert (body["reason"], body["status"], body["sns_message_id"]) == (DEAD_LETTER_REASON, 403, "sns-9")
    assert body["alert"] == payload(HELD)
    assert secret.value not in json.dumps(body)


def test_rejected_blocks_are_posted_again_as_plain_text() -> None:
    transport = FakeWebhookTransport(replies=[(400, "invalid_blocks")])

    delivery = notifier(transport).deliver(HELD)

    assert (delivery.status, delivery.plain_text_fallback) == (200, True)
    assert transport.posts[1].body == {"text": render_slack(HELD)["text"]}


@pytest.mark.parametrize("status", [429, 500, 503])
def test_a_lasting_transient_failure_raises_for_lambda_to_retry(status: int) -> None:
    transport = FakeWebhookTransport(replies=[(status, "busy")])
    dead = FakeDeadLetterQueue()

    with pytest.raises(SlackPostError, match=f"Slack answered {status} busy after 2 retries"):
        notifier(transport, dead_letters=dead).deliver(HELD)

    assert dead.bodies == []


def test_a_dead_letter_queue_that_fails_raises_so_nothing_is_lost() -> None:
    dead = FakeDeadLetterQueue(fail=[TransientError("SendMessage: ServiceUnavailable")])
    transport = FakeWebhookTransport(replies=[(410, "channel_is_archived")])

    with pytest.raises(TransientError):
        notifier(transport, dead_letters=dead).deliver(HELD)
