"""A ledger write whose response is lost is not lost: the DynamoDB adapter's conditional
transaction, retried by botocore with the same ClientRequestToken after a read timeout, succeeds
once (DynamoDB's idempotent transactions; moto gets them from ``emulators.dynamodb``). Without
the token the retry's condition would fail against the item its first attempt wrote, and the
flow would read "changed meanwhile" and leave a promotion half-recorded."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, ReadTimeoutError

from model_steward.adapters.ledger import DynamoLedger
from model_steward.models.ledger import AlertRecord, AlertState, VersionRecord, VersionState, model_pk
from tests.aws import AwsSandbox

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def promoting() -> VersionRecord:
    return VersionRecord(
        model_name="pump-01",
        version=2,
        state=VersionState.PROMOTING,
        status="SUCCESS",
        outcome="PROMOTE",
        first_seen_at=NOW,
        updated_at=NOW,
    )


def lose_first_response(ledger: DynamoLedger) -> list[str]:
    """The first TransactWriteItems reaches DynamoDB and is applied; its response never comes back
    (a read timeout). Returns the tokens of every attempt."""
    tokens: list[str] = []
    applier = boto3.client("dynamodb")

    def before_send(request: Any, **_: Any) -> None:
        body = json.loads(request.body)
        tokens.append(body["ClientRequestToken"])
        if len(tokens) == 1:
            applier.transact_write_items(**body)
            raise ReadTimeoutError(endpoint_url=request.url)

    ledger.client.meta.events.register_first("before-send.dynamodb.TransactWriteItems", before_send)
    return tokens


def test_a_transaction_applied_but_unanswered_succeeds_on_its_retry_once(aws_sandbox: AwsSandbox) -> None:
    ledger = DynamoLedger(aws_sandbox.create_ledger_table())
    alert = AlertRecord(
        pk=model_pk("pump-01"),
        alert_id="pump-01#v2#PROMOTED",
        state=AlertState.PENDING,
        payload_json="{}",
        created_at=NOW,
    )
    tokens = lose_first_response(ledger)

    written = ledger.record(promoting(), replaces=[None], alert=alert)

    assert written
    assert len(set(tokens)) == 1  # one call, retried with its token
    assert len(tokens) == 2
    assert ledger.version("pump-01", 2) == promoting()
    assert [a.alert_id for a in ledger.pending_alerts()] == ["pump-01#v2#PROMOTED"]


def test_the_token_is_what_makes_the_retry_succeed(aws_sandbox: AwsSandbox) -> None:
    table = aws_sandbox.create_ledger_table()
    client = boto3.client("dynamodb")
    put = {
        "Put": {
            "TableName": table,
            "Item": {"pk": {"S": "MODEL#pump-01"}, "sk": {"S": "VERSION#0000000002"}},
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }
    client.transact_write_items(TransactItems=[put], ClientRequestToken="t-1")

    client.transact_write_items(TransactItems=[put], ClientRequestToken="t-1")  # the same call again
    with pytest.raises(ClientError) as another_call:
        client.transact_write_items(TransactItems=[put], ClientRequestToken="t-2")
    other_items = {"Put": {**put["Put"], "Item": {**put["Put"]["Item"], "note": {"S": "changed"}}}}
    with pytest.raises(ClientError) as reused:
        client.transact_write_items(TransactItems=[other_items], ClientRequestToken="t-1")

    assert another_call.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert reused.value.response["Error"]["Code"] == "IdempotentParameterMismatchException"
    assert "note" not in client.get_item(TableName=table, Key=put["Put"]["Item"])["Item"]
