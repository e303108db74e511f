"""Alert delivery through the ledger: nothing lost, nothing sent twice.

An alert is first written to the ledger (``PENDING``), in the same transaction as the record it
reports on, under its deterministic id, so a duplicate evaluation cannot create it again. Sending
takes a short lease on the item (so two senders never publish it together), publishes to SNS and
marks it ``SENT``. If SNS fails, the item returns to ``PENDING`` and the next watch tick retries it.
The one window left is a crash between SNS accepting a message and the ledger marking it sent:
the lease then runs out and the alert is sent a second time (at least once, never lost).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from aws_lambda_powertools.metrics import MetricUnit

from model_steward.adapters import sns
from model_steward.adapters.ledger import Ledger
from model_steward.domain import alerts
from model_steward.errors import StewardError
from model_steward.models.alerts import Alert
from model_steward.models.ledger import SYSTEM_PK, AlertRecord, AlertState, model_pk
from model_steward.observability import logger, metrics

SEND_LEASE = timedelta(minutes=2)


def record_for(alert: Alert) -> AlertRecord:
    """The ledger item for an alert (under its model, or SYSTEM for alerts about no one model)."""
    return AlertRecord(
        pk=model_pk(alert.model_name) if alert.model_name else SYSTEM_PK,
        alert_id=alert.alert_id,
        state=AlertState.PENDING,
        payload_json=alert.model_dump_json(),
        created_at=alert.created_at,
    )


@dataclass
class Delivery:
    sent: int = 0
    failed: int = 0
    skipped: int = 0  # already sent, or leased by another sender


def send(
    ledger: Ledger,
    topic_arn: str,
    records: Iterable[AlertRecord],
    now: datetime,
    *,
    chatbot_topic_arn: str = "",
) -> Delivery:
    """Publish the given ledger alerts that are still unsent.

    With an Amazon Q Developer (AWS Chatbot) topic configured, each alert is also published there
    in its custom-notification schema, best effort: the alert topic (e-mail, Slack notifier) is
    the delivery of record, and a failed copy is logged and counted (ChatbotCopiesFailed).
    """
    delivery = Delivery()
    for record in records:
        if not ledger.lease_alert(record.pk, record.alert_id, now, SEND_LEASE):
            delivery.skipped += 1
            continue
        alert = Alert.model_validate_json(record.payload_json)
        try:
            message_id = sns.publish_alert(topic_arn, alert)
        except StewardError as exc:
            ledger.alert_failed(record.pk, record.alert_id, str(exc))
            logger.warning(
                "alert not published; the next tick retries it", extra={"alert_id": record.alert_id}
            )
            metrics.add_metric(name="AlertsFailed", unit=MetricUnit.Count, value=1)
            delivery.failed += 1
            continue
        ledger.alert_sent(record.pk, record.alert_id, message_id, now)
        metrics.add_metric(name="AlertsSent", unit=MetricUnit.Count, value=1)
        delivery.sent += 1
        if chatbot_topic_arn:
            copy_to_chatbot(chatbot_topic_arn, alert)
    return delivery


def copy_to_chatbot(chatbot_topic_arn: str, alert: Alert) -> None:
    try:
        sns.publish_chatbot(chatbot_topic_arn, alert)
    except StewardError:
        logger.exception("Amazon Q Developer copy not published", extra={"alert_id": alert.alert_id})
        metrics.add_metric(name="ChatbotCopiesFailed", unit=MetricUnit.Count, value=1)


def raise_alert(
    ledger: Ledger, topic_arn: str, alert: Alert, now: datetime, *, chatbot_topic_arn: str = ""
) -> Delivery:
    """Record an alert that belongs to no version record, then send it (once per alert id)."""
    record = record_for(alert)
    if not ledger.add_alert(record):
        existing = ledger.alert(record.pk, record.alert_id)
        if existing is None or existing.state is AlertState.SENT:
            return Delivery(skipped=1)
        record = existing
    return send(ledger, topic_arn, [record], now, chatbot_topic_arn=chatbot_topic_arn)


def retry_pending(
    ledger: Ledger, topic_arn: str, now: datetime, digest_threshold: int, *, chatbot_topic_arn: str = ""
) -> Delivery:
    """Send what earlier invocations could not, or deferred (the watch tick calls this).

    More than ``digest_threshold`` of them go out as one digest message instead of a flood.
    """
    pending = ledger.pending_alerts()
    if len(pending) <= digest_threshold:
        return send(ledger, topic_arn, pending, now, chatbot_topic_arn=chatbot_topic_arn)
    return send_digest(ledger, topic_arn, pending, now, chatbot_topic_arn=chatbot_topic_arn)


def send_digest(
    ledger: Ledger,
    topic_arn: str,
    records: Iterable[AlertRecord],
    now: datetime,
    *,
    chatbot_topic_arn: str = "",
) -> Delivery:
    """One message for many alerts; each included alert is marked sent with the digest's id."""
    leased = [r for r in records if ledger.lease_alert(r.pk, r.alert_id, now, SEND_LEASE)]
    if not leased:
        return Delivery()
    digest = alerts.digest([Alert.model_validate_json(r.payload_json) for r in leased], now=now)
    try:
        message_id = sns.publish_alert(topic_arn, digest)
    except StewardError as exc:
        for record in leased:
            ledger.alert_failed(record.pk, record.alert_id, str(exc))
        metrics.add_metric(name="AlertsFailed", unit=MetricUnit.Count, value=len(leased))
        return Delivery(failed=len(leased))
    for record in leased:
        ledger.alert_sent(record.pk, record.alert_id, message_id, now)
    metrics.add_metric(name="AlertsSent", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="AlertsDigested", unit=MetricUnit.Count, value=len(leased))
    if chatbot_topic_arn:
        copy_to_chatbot(chatbot_topic_arn, digest)
    logger.info("digest sent", extra={"alerts": len(leased), "message_id": message_id})
    return Delivery(sent=len(leased))
