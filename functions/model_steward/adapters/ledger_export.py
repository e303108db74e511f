"""Every item of the ledger table as plain values, for `steward ledger export` (a paginated Scan).

Numbers come back as int (whole) or float, not DynamoDB's Decimal; everything else as DynamoDB
returns it after type deserialisation (strings, lists, maps, booleans)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import BotoCoreError, ClientError

from model_steward.adapters import aws
from model_steward.adapters.errors import translate

_deserializer = TypeDeserializer()


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: _plain(inner) for key, inner in value.items()}
    if isinstance(value, list | set | frozenset):
        return [_plain(inner) for inner in value]
    if isinstance(value, bytes | bytearray):
        return value.hex()
    return value


def scan_items(table_name: str) -> Iterator[dict[str, Any]]:
    """Every item of the table, as plain values (consistent read, page by page)."""
    client = aws.dynamodb_client()
    try:
        for page in client.get_paginator("scan").paginate(TableName=table_name, ConsistentRead=True):
            for item in page.get("Items", []):
                yield {key: _plain(_deserializer.deserialize(value)) for key, value in item.items()}
    except (ClientError, BotoCoreError) as exc:
        raise translate(exc, f"Scan {table_name}") from exc
