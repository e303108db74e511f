"""The ledger's conditional writes: a version record and its alert are written together, once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from moto import mock_aws

from model_steward.adapters.aws import reset_clients
from model_steward.adapters.ledger import PENDING_ALERTS_INDEX, Ledger
from model_steward.models.ledger import AlertRecord, AlertState, VersionRecord, VersionState, model_pk

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


@pytest.fixture
def ledger(monkeypatch: pytest.MonkeyPatch) -> Iterator[Ledger]:
    for key, value in {
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "t",
        "AWS_SECRET_ACCESS_KEY": "t",
    }.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        reset_clients()
        client = boto3.client("dynamodb")
        client.create_table(
            TableName="ledger",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[
                {"AttributeName": name, "AttributeType": "S"}
                for name in ("pk", "sk", "alert_pending", "created_at")
            ],
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": PENDING_ALERTS_INDEX,
                    "KeySchema": [
                        {"AttributeName": "alert_pending", "KeyType": "HASH"},
                        {"AttributeName": "created_at", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
        )
        yield Ledger("ledger")
    reset_clients()


def held(outcome: str = "HOLD") -> VersionRecord:
    return VersionRecord(
        model_name="pump-01",
        version=4,
        state=VersionState.DECIDED,
        status="SUCCESS",
        outcome=outcome,
        first_seen_at=NOW,
        updated_at=NOW,
    )


def alert(alert_id: str = "pump-01#v4#HELD") -> AlertRecord:
    return AlertRecord(
        pk=model_pk("pump-01"), alert_id=alert_id, state=AlertState.PENDING, payload_json="{}", created_at=NOW
    )


def test_given_no_record_when_recorded_then_the_version_and_its_pending_alert_are_written(
    ledger: Ledger,
) -> None:
    assert ledger.record(held(), replaces=[None], alert=alert())

    assert ledger.version("pump-01", 4) == held()
    assert [a.alert_id for a in ledger.pending_alerts()] == ["pump-01#v4#HELD"]


def test_given_a_final_record_when_a_duplicate_writes_then_nothing_is_written(ledger: Ledger) -> None:
    ledger.record(held(), replaces=[None], alert=alert())

    assert not ledger.record(held("PROMOTE"), replaces=[None, VersionState.IN_PROGRESS], alert=alert("other"))

    assert ledger.version("pump-01", 4).outcome == "HOLD"
    assert ledger.alert(model_pk("pump-01"), "other") is None


def test_given_the_alert_exists_when_the_record_is_rewritten_then_the_alert_is_not_sent_again(
    ledger: Ledger,
) -> None:
    ledger.record(held(), replaces=[None], alert=alert())
    ledger.alert_sent(model_pk("pump-01"), "pump-01#v4#HELD", "message-1", NOW + timedelta(seconds=1))

    assert ledger.record(held(), replaces=[VersionState.DECIDED], alert=alert())

    sent = ledger.alert(model_pk("pump-01"), "pump-01#v4#HELD")
    assert sent is not None
    assert sent.state is AlertState.SENT
    assert sent.message_id == "message-1"
    assert ledger.pending_alerts() == []
