"""The Alerter on in-memory fakes: once per alert id, leased while sent, retried when the topic
refused it, and copied to the Amazon Q Developer topic without that copy ever blocking delivery."""

from __future__ import annotations

from datetime import timedelta

from model_steward.domain import alerts
from model_steward.errors import ConfigurationError, TransientError
from model_steward.models.ledger import AlertState
from model_steward.service.alerting import SEND_LEASE, Alerter, record_for
from tests.fakes.channels import FakePublisher
from tests.fakes.ledger import FakeLedger
from tests.service.conftest import START

PROBLEM = alerts.for_configuration_problem("The policy document is not JSON.", now=START)


def test_an_alert_is_raised_once_and_reaches_both_channels() -> None:
    ledger, topic, chatbot = FakeLedger(), FakePublisher(), FakePublisher(name="chatbot")
    alerter = Alerter(ledger, topic, chatbot)

    first = alerter.raise_alert(PROBLEM, START)
    again = alerter.raise_alert(PROBLEM, START)

    assert (first.sent, again.sent, again.skipped) == (1, 0, 1)
    assert topic.published == chatbot.published == [PROBLEM]
    stored = ledger.alert("SYSTEM", PROBLEM.alert_id)
    assert stored is not None
    assert (stored.state, stored.message_id) == (AlertState.SENT, "alerts-message-1")


def test_without_a_chatbot_topic_only_the_alert_topic_is_used() -> None:
    topic = FakePublisher()

    Alerter(FakeLedger(), topic).raise_alert(PROBLEM, START)

    assert topic.published == [PROBLEM]


def test_a_failed_copy_to_the_chatbot_topic_neither_fails_nor_repeats_the_delivery() -> None:
    ledger, topic = FakeLedger(), FakePublisher()
    chatbot = FakePublisher(name="chatbot", fail=[ConfigurationError("Publish: AuthorizationError")])
    alerter = Alerter(ledger, topic, chatbot)

    delivery = alerter.raise_alert(PROBLEM, START)

    assert delivery.sent == 1
    assert topic.published == [PROBLEM]
    assert chatbot.published == []
    assert alerter.retry_pending(START).sent == 0  # delivered: nothing left to retry


def test_an_alert_the_topic_refused_stays_pending_until_a_retry_sends_it() -> None:
    ledger = FakeLedger()
    topic = FakePublisher(fail=[TransientError("Publish: Throttled")])
    alerter = Alerter(ledger, topic)

    assert alerter.raise_alert(PROBLEM, START).failed == 1
    (pending,) = ledger.pending_alerts()
    assert (pending.state, pending.attempts, pending.last_error) == (
        AlertState.PENDING,
        1,
        "Publish: Throttled",
    )

    assert alerter.retry_pending(START + timedelta(minutes=5)).sent == 1
    assert topic.published == [PROBLEM]


def test_an_alert_leased_by_another_sender_is_skipped_until_the_lease_runs_out() -> None:
    ledger, topic = FakeLedger(), FakePublisher()
    record = record_for(PROBLEM)
    ledger.add_alert(record)
    assert ledger.lease_alert(record.pk, record.alert_id, START, SEND_LEASE)  # another sender, who died
    alerter = Alerter(ledger, topic)

    assert alerter.send([record], START + timedelta(seconds=30)).skipped == 1
    assert alerter.send([record], START + SEND_LEASE + timedelta(seconds=1)).sent == 1
    assert topic.published == [PROBLEM]


def test_more_pending_alerts_than_the_threshold_go_out_as_one_digest_on_both_channels() -> None:
    ledger, topic, chatbot = FakeLedger(), FakePublisher(), FakePublisher(name="chatbot")
    problems = [alerts.for_configuration_problem(f"Problem {i}.", now=START) for i in range(3)]
    for problem in problems:
        ledger.add_alert(record_for(problem))

    delivery = Alerter(ledger, topic, chatbot, digest_threshold=2).retry_pending(START)

    assert delivery.sent == 3
    (digest,) = topic.published
    assert digest.kind == "DIGEST"
    assert sorted(digest.included_alert_ids) == sorted(p.alert_id for p in problems)
    assert chatbot.published == [digest]
    assert all(
        ledger.alert(a.pk, a.alert_id).message_id == "alerts-message-1" for a in map(record_for, problems)
    )  # type: ignore[union-attr]
