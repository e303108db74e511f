"""Every item of the ledger table as plain values, for `steward ledger export` (a paginated Scan).

Numbers come back as int (whole) or float, not DynamoDB's Decimal; everything else as DynamoDB
returns it after type deserialisation (strings, lists, maps, booleans)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from model_steward.adapters import aws
from model_steward.adapters.errors import translate
from model_steward.adapters.ledger import plain_item


def scan_items(table_name: str) -> Iterator[dict[str, Any]]:
    """Every item of the table, as plain values (consistent read, page by page)."""
    client = aws.dynamodb_client()
    try:
        for page in client.get_paginator("scan").paginate(TableName=table_name, ConsistentRead=True):
            for item in page.get("Items", []):
                yield plain_item(item)
    except (ClientError, BotoCoreError) as exc:
        raise translate(exc, f"Scan {table_name}") from exc
