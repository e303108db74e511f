"""Alert delivery through the ledger: nothing lost, nothing sent twice, every channel every time.

An alert is first written to the ledger (``PENDING``), in the same transaction as the record it
reports on, under its deterministic id, so a duplicate evaluation cannot create it again. Sending
takes a short lease on the item (so two senders never publish it together), publishes it and marks
it ``SENT``. If publishing fails, the item returns to ``PENDING`` and the next watch tick retries it.
The one window left is a crash between the channel accepting a message and the ledger marking it
sent: the lease then runs out and the alert is sent a second time (at least once, never lost).

One :class:`Alerter` is built per invocation with every configured channel (the alert topic and,
when configured, the Amazon Q Developer topic), so no caller can forget one. An approval for another
deployment (``Channel.APPROVAL``) travels the same way to that deployment's event bus: leased,
published, marked sent, retried by the next tick; never digested, never copied.

The Alerter keeps to the invocation's time budget: a message is taken only while there is time for
its worst case (``seconds_per_alert``: lease, publish, mark sent); the rest stay pending for the
next tick.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from aws_lambda_powertools.metrics import MetricUnit

from model_steward.domain import alerts
from model_steward.domain.budget import Budget
from model_steward.errors import StewardError
from model_steward.models.alerts import Alert
from model_steward.models.ledger import SYSTEM_PK, AlertRecord, AlertState, Channel, model_pk
from model_steward.observability import logger, metrics
from model_steward.ports import AlertPublisher, ApprovalPublisher, Ledger

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
    deferred: int = 0  # not attempted: no time left in this invocation (still pending)


class Alerter:
    """Sends the ledger's alerts to the alert topic (the delivery of record) and copies each one, best
    effort, to the Amazon Q Developer topic when one is configured: a failed copy is logged and
    counted (``ChatbotCopiesFailed``), never retried from the ledger."""

    def __init__(
        self,
        ledger: Ledger,
        publisher: AlertPublisher,
        copy_to: AlertPublisher | None = None,
        *,
        digest_threshold: int = 10,
        approvals: ApprovalPublisher | None = None,
        budget: Budget | None = None,
        seconds_per_alert: float = 0.0,
    ) -> None:
        self.ledger = ledger
        self.publisher = publisher
        self.copy_to = copy_to
        self.digest_threshold = digest_threshold
        self.approvals = approvals
        self.budget = budget or Budget.unlimited()
        self.seconds_per_alert = seconds_per_alert

    def send(self, records: Iterable[AlertRecord], now: datetime) -> Delivery:
        """Publish the given ledger alerts (and approvals, when this alerter has their bus) that are
        still unsent, while time allows."""
        delivery = Delivery()
        for record in records:
            if self.budget.allows(self.seconds_per_alert):
                self._deliver(record, now, delivery)
            else:
                delivery.deferred += 1
        if delivery.deferred:
            logger.info("alerts left pending for lack of time", extra={"deferred": delivery.deferred})
        return delivery

    def _deliver(self, record: AlertRecord, now: datetime, delivery: Delivery) -> None:
        """Lease, publish on the record's channel, mark sent (or failed: the next tick retries it)."""
        approval = record.channel is Channel.APPROVAL
        if approval and self.approvals is None:
            delivery.skipped += 1
            return
        if not self.ledger.lease_alert(record.pk, record.alert_id, now, SEND_LEASE):
            delivery.skipped += 1
            return
        noun, metric = ("approval", "Approvals") if approval else ("alert", "Alerts")
        alert = None if approval else Alert.model_validate_json(record.payload_json)
        try:
            message_id = (
                self.publisher.publish(alert) if alert is not None else self._publish_approval(record)
            )
        except StewardError as exc:
            self.ledger.alert_failed(record.pk, record.alert_id, str(exc))
            logger.warning(
                f"{noun} not published; the next tick retries it",
                extra={"alert_id": record.alert_id, "error": str(exc)},
            )
            metrics.add_metric(name=f"{metric}Failed", unit=MetricUnit.Count, value=1)
            delivery.failed += 1
            return
        self.ledger.alert_sent(record.pk, record.alert_id, message_id, now)
        metrics.add_metric(name=f"{metric}Sent", unit=MetricUnit.Count, value=1)
        delivery.sent += 1
        if alert is not None:
            self._copy(alert)

    def _publish_approval(self, record: AlertRecord) -> str:
        from model_steward.models.imports import ApprovalEvent  # only source deployments send them

        assert self.approvals is not None
        return self.approvals.publish(ApprovalEvent.model_validate_json(record.payload_json))

    def raise_alert(self, alert: Alert, now: datetime) -> Delivery:
        """Record an alert that belongs to no version record, then send it (once per alert id)."""
        record = record_for(alert)
        if not self.ledger.add_alert(record):
            existing = self.ledger.alert(record.pk, record.alert_id)
            if existing is None or existing.state is AlertState.SENT:
                return Delivery(skipped=1)
            record = existing
        return self.send([record], now)

    def retry_pending(self, now: datetime) -> Delivery:
        """Send what earlier invocations could not, or deferred (the watch tick calls this). More
        than ``digest_threshold`` of them go out as one digest message instead of a flood."""
        pending = self.ledger.pending_alerts()
        approvals = self.send([r for r in pending if r.channel is Channel.APPROVAL], now)
        messages = [r for r in pending if r.channel is not Channel.APPROVAL]
        sent = (
            self.send(messages, now)
            if len(messages) <= self.digest_threshold
            else self.send_digest(messages, now)
        )
        return Delivery(
            sent=sent.sent + approvals.sent,
            failed=sent.failed + approvals.failed,
            skipped=sent.skipped + approvals.skipped,
            deferred=sent.deferred + approvals.deferred,
        )

    def send_digest(self, records: Iterable[AlertRecord], now: datetime) -> Delivery:
        """One message for many alerts; each included alert is marked sent with the digest's id."""
        records = list(records)
        if not self.budget.allows(self.seconds_per_alert):
            return Delivery(deferred=len(records))
        leased = [r for r in records if self.ledger.lease_alert(r.pk, r.alert_id, now, SEND_LEASE)]
        if not leased:
            return Delivery()
        digest = alerts.digest([Alert.model_validate_json(r.payload_json) for r in leased], now=now)
        try:
            message_id = self.publisher.publish(digest)
        except StewardError as exc:
            for record in leased:
                self.ledger.alert_failed(record.pk, record.alert_id, str(exc))
            metrics.add_metric(name="AlertsFailed", unit=MetricUnit.Count, value=len(leased))
            return Delivery(failed=len(leased))
        for record in leased:
            self.ledger.alert_sent(record.pk, record.alert_id, message_id, now)
        metrics.add_metric(name="AlertsSent", unit=MetricUnit.Count, value=1)
        metrics.add_metric(name="AlertsDigested", unit=MetricUnit.Count, value=len(leased))
        self._copy(digest)
        logger.info("digest sent", extra={"alerts": len(leased), "message_id": message_id})
        return Delivery(sent=len(leased))

    def _copy(self, alert: Alert) -> None:
        if self.copy_to is None:
            return
        try:
            self.copy_to.publish(alert)
        except StewardError:
            logger.exception("Amazon Q Developer copy not published", extra={"alert_id": alert.alert_id})
            metrics.add_metric(name="ChatbotCopiesFailed", unit=MetricUnit.Count, value=1)
