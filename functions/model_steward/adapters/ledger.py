"""The ledger in DynamoDB: the only module that reads or writes the table.

Every write that guards against duplicates is conditional: a version's final record is written
once (a second evaluation of the same version finds it final and does nothing), an alert item is
created once, in the same transaction as the record it reports on, and a model's promotion claim
is held by one invocation at a time.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import Binary, TypeDeserializer, TypeSerializer
from botocore.exceptions import BotoCoreError, ClientError

from model_steward.adapters import aws
from model_steward.adapters.errors import call, error_code, translate
from model_steward.errors import ConditionFailed
from model_steward.models.diagnostics_files import DiagnosticsRecord, diagnostics_key
from model_steward.models.ledger import (
    ALERT_SK_PREFIX,
    DIAGNOSTICS_SK_PREFIX,
    IMPORT_SK_PREFIX,
    PENDING_IMPORT,
    SYSTEM_PK,
    VERSION_SK_PREFIX,
    WATCH_PK,
    AlertRecord,
    AlertState,
    ModelState,
    PolicyDocumentRecord,
    VersionRecord,
    VersionState,
    alert_sk,
    model_pk,
    policy_document_sk,
    version_sk,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from model_steward.models.imports import ImportRecord, ImportState

PENDING_ALERTS_INDEX = "pending-alerts"
_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def _item(values: Mapping[str, Any]) -> dict[str, Any]:
    """A DynamoDB item from plain values (datetimes as ISO 8601 strings, floats as DynamoDB numbers,
    None dropped)."""
    return {
        key: _serializer.serialize(_storable(value)) for key, value in values.items() if value is not None
    }


def _storable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, Mapping):
        return {key: _storable(inner) for key, inner in value.items()}
    if isinstance(value, list | tuple):
        return [_storable(inner) for inner in value]
    return value


def plain_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """A DynamoDB item as plain values: numbers as int (whole) or float, not Decimal; sets as lists,
    binary as hex; the rest as the type deserialiser returns it (strings, lists, maps, booleans)."""
    return {key: _plain(_deserializer.deserialize(value)) for key, value in item.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Mapping):
        return {key: _plain(inner) for key, inner in value.items()}
    if isinstance(value, list | set | frozenset):
        return [_plain(inner) for inner in value]
    if isinstance(value, Binary):  # what the deserialiser makes of B and BS values
        return bytes(value.value).hex()  # type: ignore[attr-defined]
    return value


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


class DynamoLedger:
    """``ports.Ledger`` on one DynamoDB table (the template's ``LedgerTable``)."""

    def __init__(self, table_name: str, client: DynamoDBClient | None = None) -> None:
        self.table_name = table_name
        self._client = client

    @property
    def client(self) -> DynamoDBClient:
        return self._client or aws.dynamodb_client()

    def _call(self, operation: str, what: str, **params: Any) -> dict[str, Any]:
        return call(self.client, operation, what, TableName=self.table_name, **params)

    def _query(self, what: str, **params: Any) -> Iterator[dict[str, Any]]:
        while True:
            page = self._call("query", what, **params)
            for item in page.get("Items", []):
                yield plain_item(item)
            if "LastEvaluatedKey" not in page:
                return
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # ------------------------------------------------------------------ model states
    def model_states(self) -> dict[str, ModelState]:
        """Every watched model's state, from one partition (a few pages for thousands of models)."""
        items = self._query(
            "read model states",
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": WATCH_PK}},
        )
        states = (ModelState.model_validate(item) for item in items)
        return {state.model_name: state for state in states}

    def model_state(self, model_name: str) -> ModelState | None:
        item = self._call(
            "get_item", f"read state of {model_name}", Key=_item({"pk": WATCH_PK, "sk": model_pk(model_name)})
        ).get("Item")
        return ModelState.model_validate(plain_item(item)) if item else None

    def save_model_state(self, state: ModelState) -> None:
        """Update the state's fields; the promotion claim on the same item is left alone."""
        values = state.model_dump(exclude_none=False)
        names = {f"#{key}": key for key in values}
        sets = [f"#{key} = :{key}" for key, value in values.items() if value is not None]
        removes = [f"#{key}" for key, value in values.items() if value is None]
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        self._call(
            "update_item",
            f"save state of {state.model_name}",
            Key=_item({"pk": WATCH_PK, "sk": model_pk(state.model_name)}),
            UpdateExpression=expression,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=_item(
                {f":{key}": value for key, value in values.items() if value is not None}
            ),
        )

    # ------------------------------------------------------------------ versions
    def version(self, model_name: str, version: int) -> VersionRecord | None:
        item = self._call(
            "get_item",
            f"read {model_name} v{version}",
            Key=_item({"pk": model_pk(model_name), "sk": version_sk(version)}),
            ConsistentRead=True,
        ).get("Item")
        return VersionRecord.model_validate(plain_item(item)) if item else None

    def versions(self, model_name: str) -> list[VersionRecord]:
        """Every recorded version of a model, newest first."""
        items = self._query(
            f"read versions of {model_name}",
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues=_item({":pk": model_pk(model_name), ":prefix": VERSION_SK_PREFIX}),
            ScanIndexForward=False,
            ConsistentRead=True,
        )
        return [VersionRecord.model_validate(item) for item in items]

    def record(
        self,
        record: VersionRecord,
        *,
        replaces: Iterable[VersionState | None],
        alert: AlertRecord | None = None,
        outbox: Sequence[AlertRecord] = (),
    ) -> bool:
        """Write a version record, and its alert and outbox items in the same transaction.

        ``replaces``: the states the existing item may be in (``None`` = no item yet). Returns False
        when the item is in another state (a duplicate or concurrent evaluation got there first);
        then nothing is written. An alert or outbox item whose id already exists is not written
        again.
        """
        allowed = list(replaces)
        version_put = self._guarded_put(
            {
                "pk": model_pk(record.model_name),
                "sk": version_sk(record.version),
                **record.model_dump(mode="json"),
            },
            allowed,
        )
        extras = [*([alert] if alert is not None else []), *outbox]
        return self._transact(version_put, extras, f"record {record.model_name} v{record.version}")

    def _guarded_put(self, item: Mapping[str, Any], allowed: Sequence[StrEnum | None]) -> dict[str, Any]:
        """A transaction Put of ``item`` when the stored item's ``state`` is one of ``allowed``."""
        conditions = []
        values: dict[str, Any] = {}
        if None in allowed:
            conditions.append("attribute_not_exists(pk)")
        states = [state for state in allowed if state is not None]
        if states:
            placeholders = []
            for index, state in enumerate(states):
                values[f":s{index}"] = state.value
                placeholders.append(f":s{index}")
            conditions.append(f"#state IN ({', '.join(placeholders)})")
        put: dict[str, Any] = {
            "TableName": self.table_name,
            "Item": _item(item),
            "ConditionExpression": " OR ".join(conditions),
        }
        if states:
            put["ExpressionAttributeNames"] = {"#state": "state"}
            put["ExpressionAttributeValues"] = _item(values)
        return put

    def _transact(self, guarded: dict[str, Any], alerts: list[AlertRecord], what: str) -> bool:
        """Put ``guarded`` and create each alert item (once per id) in one transaction. False when
        ``guarded``'s condition fails; alerts that exist already are left out and it is retried."""
        items: list[dict[str, Any]] = [{"Put": guarded}]
        items += [{"Put": self._alert_put(alert)} for alert in alerts]  # conditional on absence
        try:
            self.client.transact_write_items(TransactItems=items)  # type: ignore[arg-type]
        except (ClientError, BotoCoreError) as exc:
            if not isinstance(exc, ClientError) or error_code(exc) != "TransactionCanceledException":
                raise translate(exc, what) from exc
            reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
            if reasons and reasons[0] == "ConditionalCheckFailed":
                return False
            existing = {i for i, code in enumerate(reasons[1:]) if code == "ConditionalCheckFailed"}
            if existing:  # those alerts exist already: write the rest without them
                return self._transact(guarded, [a for i, a in enumerate(alerts) if i not in existing], what)
            raise translate(exc, what) from exc
        return True

    def revisit(self, model_name: str, at: datetime) -> None:
        with contextlib.suppress(ConditionFailed):  # an earlier request stands
            self._call(
                "update_item",
                f"ask to revisit {model_name}",
                Key=_item({"pk": WATCH_PK, "sk": model_pk(model_name)}),
                UpdateExpression="SET revisit_at = :at, model_name = :m",
                ConditionExpression="attribute_not_exists(revisit_at) OR revisit_at > :at",
                ExpressionAttributeValues=_item({":at": _iso(at), ":m": model_name}),
            )

    # ------------------------------------------------------------------ promotion claim
    def claim_promotion(
        self, model_name: str, version: int, claim_id: str, now: datetime, lease: timedelta
    ) -> bool:
        """Take the model's promotion claim; False if another live claim holds it. Taking it
        again with the same ``claim_id`` succeeds: a retried call whose first attempt was applied
        but not answered finds its own claim."""
        try:
            self._call(
                "update_item",
                f"claim promotion of {model_name} v{version}",
                Key=_item({"pk": WATCH_PK, "sk": model_pk(model_name)}),
                UpdateExpression=(
                    "SET claim_id = :id, claim_version = :v, claim_until = :until, model_name = :m"
                ),
                ConditionExpression="attribute_not_exists(claim_id) OR claim_until < :now OR claim_id = :id",
                ExpressionAttributeValues=_item(
                    {
                        ":id": claim_id,
                        ":v": version,
                        ":until": _iso(now + lease),
                        ":now": _iso(now),
                        ":m": model_name,
                    }
                ),
            )
        except ConditionFailed:
            return False
        return True

    def release_promotion(self, model_name: str, claim_id: str) -> None:
        # If the lease ran out and someone else holds the claim now, it is theirs to release.
        with contextlib.suppress(ConditionFailed):
            self._call(
                "update_item",
                f"release promotion claim of {model_name}",
                Key=_item({"pk": WATCH_PK, "sk": model_pk(model_name)}),
                UpdateExpression="REMOVE claim_id, claim_version, claim_until",
                ConditionExpression="claim_id = :id",
                ExpressionAttributeValues=_item({":id": claim_id}),
            )

    # ------------------------------------------------------------------ alerts
    def _alert_put(self, alert: AlertRecord) -> dict[str, Any]:
        return {
            "TableName": self.table_name,
            "Item": _item(
                {
                    "sk": alert_sk(alert.alert_id),
                    "alert_pending": "1" if alert.state is not AlertState.SENT else None,
                    **alert.model_dump(mode="json"),
                }
            ),
            "ConditionExpression": "attribute_not_exists(pk)",
        }

    def add_alert(self, alert: AlertRecord) -> bool:
        """Create an alert item on its own (alerts not tied to a version record); once per id."""
        try:
            self._call(
                "put_item", f"record alert {alert.alert_id}", **self._without_table(self._alert_put(alert))
            )
        except ConditionFailed:
            return False
        return True

    @staticmethod
    def _without_table(request: Mapping[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in request.items() if key != "TableName"}

    def alert(self, pk: str, alert_id: str) -> AlertRecord | None:
        item = self._call(
            "get_item",
            f"read alert {alert_id}",
            Key=_item({"pk": pk, "sk": alert_sk(alert_id)}),
            ConsistentRead=True,
        ).get("Item")
        return AlertRecord.model_validate(plain_item(item)) if item else None

    def pending_alerts(self) -> list[AlertRecord]:
        """Alerts not yet accepted by SNS, oldest first (the sparse pending-alerts index)."""
        items = self._query(
            "read pending alerts",
            IndexName=PENDING_ALERTS_INDEX,
            KeyConditionExpression="alert_pending = :p",
            ExpressionAttributeValues=_item({":p": "1"}),
        )
        return [AlertRecord.model_validate(item) for item in items]

    def lease_alert(self, pk: str, alert_id: str, now: datetime, lease: timedelta) -> bool:
        """Take the right to send an alert: PENDING, or SENDING whose lease ran out."""
        try:
            self._call(
                "update_item",
                f"lease alert {alert_id}",
                Key=_item({"pk": pk, "sk": alert_sk(alert_id)}),
                UpdateExpression="SET #state = :sending, lease_until = :until ADD attempts :one",
                ConditionExpression="#state = :pending OR (#state = :sending AND lease_until < :now)",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues=_item(
                    {
                        ":sending": AlertState.SENDING.value,
                        ":pending": AlertState.PENDING.value,
                        ":until": _iso(now + lease),
                        ":now": _iso(now),
                        ":one": 1,
                    }
                ),
            )
        except ConditionFailed:
            return False
        return True

    def alert_sent(self, pk: str, alert_id: str, message_id: str, now: datetime) -> None:
        self._call(
            "update_item",
            f"mark alert {alert_id} sent",
            Key=_item({"pk": pk, "sk": alert_sk(alert_id)}),
            UpdateExpression=(
                "SET #state = :sent, message_id = :mid, sent_at = :now REMOVE alert_pending, lease_until"
            ),
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues=_item(
                {":sent": AlertState.SENT.value, ":mid": message_id, ":now": _iso(now)}
            ),
        )

    def alert_failed(self, pk: str, alert_id: str, error: str) -> None:
        self._call(
            "update_item",
            f"mark alert {alert_id} pending again",
            Key=_item({"pk": pk, "sk": alert_sk(alert_id)}),
            UpdateExpression="SET #state = :pending, last_error = :error REMOVE lease_until",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues=_item({":pending": AlertState.PENDING.value, ":error": error[:1000]}),
        )

    def alerts(self, pk: str) -> list[AlertRecord]:
        items = self._query(
            f"read alerts of {pk}",
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues=_item({":pk": pk, ":prefix": ALERT_SK_PREFIX}),
            ConsistentRead=True,
        )
        return [AlertRecord.model_validate(item) for item in items]

    # ------------------------------------------------------------------ the policy document
    def policy_document(self, parameter_name: str) -> PolicyDocumentRecord | None:
        item = self._call(
            "get_item",
            f"read policy document record {parameter_name}",
            Key=_item({"pk": SYSTEM_PK, "sk": policy_document_sk(parameter_name)}),
            ConsistentRead=True,
        ).get("Item")
        return PolicyDocumentRecord.model_validate(plain_item(item)) if item else None

    def save_policy_document(
        self, record: PolicyDocumentRecord, *, replaces: str | None, alert: AlertRecord | None = None
    ) -> bool:
        """Write the document's record if the stored one has fingerprint ``replaces`` (None: no
        record yet), with the change's alert in the same transaction; False when it has not."""
        put: dict[str, Any] = {
            "TableName": self.table_name,
            "Item": _item(
                {
                    "pk": SYSTEM_PK,
                    "sk": policy_document_sk(record.parameter_name),
                    **record.model_dump(mode="json"),
                }
            ),
        }
        if replaces is None:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put["ConditionExpression"] = "fingerprint = :previous"
            put["ExpressionAttributeValues"] = _item({":previous": replaces})
        items: list[dict[str, Any]] = [{"Put": put}]
        if alert is not None:
            items.append({"Put": self._alert_put(alert)})
        try:
            self.client.transact_write_items(TransactItems=items)  # type: ignore[arg-type]
        except (ClientError, BotoCoreError) as exc:
            what = f"record policy document {record.parameter_name}"
            if isinstance(exc, ClientError) and error_code(exc) == "TransactionCanceledException":
                reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
                if "ConditionalCheckFailed" in reasons:
                    return False
            raise translate(exc, what) from exc
        return True

    # ------------------------------------------------------------------ diagnostics files
    # Items ``MODEL#<name>`` (or ``DIAGNOSTICS`` when no version names the file) /
    # ``DIAGNOSTICS#<bucket>/<key>#<etag>``: one per diagnostics file version, written once.

    def diagnostics_file(
        self, model_name: str | None, bucket: str, key: str, etag: str
    ) -> DiagnosticsRecord | None:
        pk, sk = diagnostics_key(model_name, bucket, key, etag)
        item = self._call(
            "get_item", f"read diagnostics {sk}", Key=_item({"pk": pk, "sk": sk}), ConsistentRead=True
        ).get("Item")
        return DiagnosticsRecord.model_validate(plain_item(item)) if item else None

    def add_diagnostics_file(self, record: DiagnosticsRecord) -> bool:
        """Create a diagnostics file's item once; False when it exists already (nothing written)."""
        pk, sk = record.ledger_key
        values = record.model_dump(mode="json", exclude_none=True)
        try:
            self._call(
                "put_item",
                f"record diagnostics {sk}",
                Item=_item({**values, "pk": pk, "sk": sk}),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ConditionFailed:
            return False
        return True

    def link_diagnostics(self, model_name: str, version: int, values: Mapping[str, str]) -> bool:
        """Set ``values`` (e.g. the report's location) on an existing version record; False when the
        version has no record (nothing is created). Other attributes of the record are left alone."""
        names = {f"#{key}": key for key in values}
        try:
            self._call(
                "update_item",
                f"link diagnostics to {model_name} v{version}",
                Key=_item({"pk": model_pk(model_name), "sk": version_sk(version)}),
                UpdateExpression="SET " + ", ".join(f"#{key} = :{key}" for key in values),
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=_item({f":{key}": value for key, value in values.items()}),
            )
        except ConditionFailed:
            return False
        return True

    def diagnostics_of(self, model_name: str) -> list[DiagnosticsRecord]:
        """Every diagnostics file item linked to a model (``MODEL#<name>`` / ``DIAGNOSTICS#...``)."""
        items = self._query(
            f"read diagnostics of {model_name}",
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues=_item({":pk": model_pk(model_name), ":prefix": DIAGNOSTICS_SK_PREFIX}),
        )
        return [DiagnosticsRecord.model_validate(item) for item in items]

    # ------------------------------------------------------------------ imports
    # Items ``MODEL#<name>`` / ``IMPORT#<key>``: one per import into the model; on the pending index
    # (``alert_pending`` = IMPORT, by ``created_at``) while REQUESTED.

    def import_record(self, model_name: str, key: str) -> ImportRecord | None:
        from model_steward.models.imports import ImportRecord  # only imports load the model

        item = self._call(
            "get_item",
            f"read import {key} of {model_name}",
            Key=_item({"pk": model_pk(model_name), "sk": f"{IMPORT_SK_PREFIX}{key}"}),
            ConsistentRead=True,
        ).get("Item")
        return ImportRecord.model_validate(plain_item(item)) if item else None

    def imports_of(self, model_name: str) -> list[ImportRecord]:
        from model_steward.models.imports import ImportRecord

        items = self._query(
            f"read imports of {model_name}",
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues=_item({":pk": model_pk(model_name), ":prefix": IMPORT_SK_PREFIX}),
            ConsistentRead=True,
        )
        return sorted((ImportRecord.model_validate(item) for item in items), key=lambda r: r.requested_at)

    def put_import(
        self,
        record: ImportRecord,
        *,
        replaces: Iterable[ImportState | None],
        alert: AlertRecord | None = None,
    ) -> bool:
        from model_steward.models.imports import ImportState

        item = {
            "pk": model_pk(record.model_name),
            "sk": f"{IMPORT_SK_PREFIX}{record.key}",
            **record.model_dump(mode="json"),
            "alert_pending": PENDING_IMPORT if record.state is ImportState.REQUESTED else None,
            "created_at": _iso(record.requested_at),
        }
        guarded = self._guarded_put(item, list(replaces))
        return self._transact(
            guarded, [alert] if alert else [], f"record import {record.key} of {record.model_name}"
        )

    def pending_imports(self) -> list[ImportRecord]:
        from model_steward.models.imports import ImportRecord

        items = self._query(
            "read pending imports",
            IndexName=PENDING_ALERTS_INDEX,
            KeyConditionExpression="alert_pending = :p",
            ExpressionAttributeValues=_item({":p": PENDING_IMPORT}),
        )
        return [ImportRecord.model_validate(item) for item in items]
