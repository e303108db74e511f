"""The ledger's contract, asserted against the in-memory fake and against the DynamoDB adapter on
moto (the table as template.yaml declares it): what the service suite relies on holds for both."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from model_steward.adapters.ledger import DynamoLedger
from model_steward.models.diagnostics_files import DiagnosticsRecord, FileStatus
from model_steward.models.imports import ImportRecord, ImportRequest, ImportState, SourceDecision
from model_steward.models.ledger import (
    SYSTEM_PK,
    AlertRecord,
    AlertState,
    Channel,
    ModelState,
    PolicyDocumentRecord,
    VersionRecord,
    VersionState,
    model_pk,
)
from model_steward.ports import Ledger
from tests.aws import AwsSandbox
from tests.fakes.ledger import FakeLedger

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)
PK = model_pk("pump-01")


@pytest.fixture(params=["fake", "dynamodb"])
def ledger(request: pytest.FixtureRequest) -> Iterator[Ledger]:
    if request.param == "fake":
        yield FakeLedger()
        return
    sandbox: AwsSandbox = request.getfixturevalue("aws_sandbox")
    yield DynamoLedger(sandbox.create_ledger_table())


def held(
    outcome: str = "HOLD", state: VersionState = VersionState.DECIDED, version: int = 4
) -> VersionRecord:
    return VersionRecord(
        model_name="pump-01",
        version=version,
        state=state,
        status="SUCCESS",
        outcome=outcome,
        first_seen_at=NOW,
        updated_at=NOW,
        revisit_at=NOW + timedelta(hours=3),
    )


def alert(alert_id: str = "pump-01#v4#HELD", created_at: datetime = NOW, pk: str = PK) -> AlertRecord:
    return AlertRecord(
        pk=pk, alert_id=alert_id, state=AlertState.PENDING, payload_json="{}", created_at=created_at
    )


# ------------------------------------------------------------------------------------------ versions


def test_a_new_record_and_its_alert_are_written_together(ledger: Ledger) -> None:
    assert ledger.record(held(), replaces=[None], alert=alert())

    assert ledger.version("pump-01", 4) == held()
    assert [a.alert_id for a in ledger.pending_alerts()] == ["pump-01#v4#HELD"]


def test_a_record_in_another_state_than_allowed_is_not_overwritten_nor_its_alert_written(
    ledger: Ledger,
) -> None:
    ledger.record(held(), replaces=[None], alert=alert())

    assert not ledger.record(held("PROMOTE"), replaces=[None, VersionState.IN_PROGRESS], alert=alert("other"))

    stored = ledger.version("pump-01", 4)
    assert stored is not None
    assert stored.outcome == "HOLD"
    assert ledger.alert(PK, "other") is None


def test_an_existing_alert_is_left_as_it_is_when_its_record_is_rewritten(ledger: Ledger) -> None:
    ledger.record(held(), replaces=[None], alert=alert())
    ledger.alert_sent(PK, "pump-01#v4#HELD", "message-1", NOW + timedelta(seconds=1))

    assert ledger.record(held(), replaces=[VersionState.DECIDED], alert=alert())

    sent = ledger.alert(PK, "pump-01#v4#HELD")
    assert sent is not None
    assert (sent.state, sent.message_id) == (AlertState.SENT, "message-1")
    assert ledger.pending_alerts() == []


def test_versions_are_listed_newest_first(ledger: Ledger) -> None:
    for version in (3, 12, 7):
        ledger.record(held(version=version), replaces=[None])

    assert [r.version for r in ledger.versions("pump-01")] == [12, 7, 3]
    assert ledger.versions("pump-02") == []


# ------------------------------------------------------------------------------------------ model states


def test_a_model_state_is_saved_and_read_back_whole(ledger: Ledger) -> None:
    state = ModelState(
        model_name="pump-01",
        summary_fingerprint="SUCCESS|4|5|SUCCESS|RUNNING",
        last_seen_version=5,
        open_versions=(5,),
        revisit_at=NOW,
        last_evaluated_at=NOW,
    )

    ledger.save_model_state(state)
    ledger.save_model_state(state.model_copy(update={"open_versions": (), "revisit_at": None}))

    assert ledger.model_state("pump-01") == state.model_copy(update={"open_versions": (), "revisit_at": None})
    assert ledger.model_states() == {"pump-01": ledger.model_state("pump-01")}


# ------------------------------------------------------------------------------------------ the claim


def test_the_promotion_claim_is_held_by_one_until_released_or_expired(ledger: Ledger) -> None:
    assert ledger.claim_promotion("pump-01", 5, "first", NOW, LEASE)
    assert not ledger.claim_promotion("pump-01", 5, "second", NOW + timedelta(minutes=1), LEASE)

    ledger.release_promotion("pump-01", "second")  # not its claim: nothing happens
    assert not ledger.claim_promotion("pump-01", 5, "third", NOW + timedelta(minutes=2), LEASE)

    ledger.release_promotion("pump-01", "first")
    assert ledger.claim_promotion("pump-01", 5, "third", NOW + timedelta(minutes=2), LEASE)
    assert ledger.claim_promotion("pump-01", 6, "fourth", NOW + LEASE + timedelta(minutes=3), LEASE)


def test_taking_ones_own_claim_again_succeeds(ledger: Ledger) -> None:
    # a retried call whose first attempt was applied but not answered
    assert ledger.claim_promotion("pump-01", 5, "first", NOW, LEASE)
    assert ledger.claim_promotion("pump-01", 5, "first", NOW, LEASE)
    assert not ledger.claim_promotion("pump-01", 5, "second", NOW, LEASE)


def test_a_claim_leaves_the_model_state_alone_and_creates_it_when_missing(ledger: Ledger) -> None:
    state = ModelState(model_name="pump-01", summary_fingerprint="f", last_seen_version=3)
    ledger.save_model_state(state)

    assert ledger.claim_promotion("pump-01", 4, "c", NOW, LEASE)
    assert ledger.claim_promotion("pump-02", 1, "c", NOW, LEASE)
    ledger.save_model_state(state.model_copy(update={"last_seen_version": 4}))

    assert ledger.model_state("pump-01") == state.model_copy(update={"last_seen_version": 4})
    assert not ledger.claim_promotion("pump-01", 4, "d", NOW, LEASE)  # saving kept the claim
    assert set(ledger.model_states()) == {"pump-01", "pump-02"}


# ------------------------------------------------------------------------------------------ alerts


def test_an_alert_is_created_once(ledger: Ledger) -> None:
    assert ledger.add_alert(alert())
    assert not ledger.add_alert(alert().model_copy(update={"payload_json": '{"other": 1}'}))

    stored = ledger.alert(PK, "pump-01#v4#HELD")
    assert stored is not None
    assert stored.payload_json == "{}"


def test_an_alert_is_leased_by_one_sender_until_the_lease_runs_out(ledger: Ledger) -> None:
    ledger.add_alert(alert())

    assert ledger.lease_alert(PK, "pump-01#v4#HELD", NOW, LEASE)
    assert not ledger.lease_alert(PK, "pump-01#v4#HELD", NOW + timedelta(minutes=1), LEASE)
    assert ledger.lease_alert(PK, "pump-01#v4#HELD", NOW + LEASE + timedelta(seconds=1), LEASE)

    leased = ledger.alert(PK, "pump-01#v4#HELD")
    assert leased is not None
    assert (leased.state, leased.attempts) == (AlertState.SENDING, 2)


def test_a_failed_send_returns_the_alert_to_pending_and_a_sent_one_leaves_the_pending_list(
    ledger: Ledger,
) -> None:
    ledger.add_alert(alert("a", created_at=NOW + timedelta(minutes=2)))
    ledger.add_alert(alert("b", created_at=NOW))
    ledger.add_alert(alert("c", created_at=NOW + timedelta(minutes=1), pk="SYSTEM"))
    ledger.lease_alert(PK, "a", NOW, LEASE)
    ledger.alert_failed(PK, "a", "Publish: Throttled " + "x" * 2000)
    ledger.lease_alert(PK, "b", NOW, LEASE)
    ledger.alert_sent(PK, "b", "message-b", NOW)

    pending = ledger.pending_alerts()

    assert [a.alert_id for a in pending] == ["c", "a"]  # oldest first
    failed = next(a for a in pending if a.alert_id == "a")
    assert (failed.state, len(failed.last_error or "")) == (AlertState.PENDING, 1000)
    assert ledger.lease_alert(PK, "a", NOW + timedelta(seconds=1), LEASE)  # pending again: free at once
    assert not ledger.lease_alert(PK, "b", NOW + timedelta(hours=1), LEASE)  # sent: never again
    assert [a.alert_id for a in ledger.alerts(PK)] == ["a", "b"]


# ------------------------------------------------------------------------------------------ diagnostics


def diagnostics_record(model_name: str | None = "pump-01", etag: str = "e1") -> DiagnosticsRecord:
    return DiagnosticsRecord(
        status=FileStatus.SUMMARISED,
        bucket="diag",
        key="lookout/pump-01/model-version-4/model_diagnostics_results.json.gz",
        etag=etag,
        source_uri="s3://diag/lookout/pump-01/model-version-4/model_diagnostics_results.json.gz",
        model_name=model_name,
        version=4 if model_name else None,
        linked=model_name is not None,
        alert_id="diagnostics#0123456789abcdef",
        rows=300,
        anomalous_fraction=0.125,
        events_per_day=2.5,
        top_sensors=["pump\\flow", "motor\\current"],
        processed_at=NOW,
    )


def test_a_diagnostics_file_is_recorded_once_under_its_model_or_unlinked(ledger: Ledger) -> None:
    linked, unlinked = diagnostics_record(), diagnostics_record(model_name=None, etag="e2")

    assert ledger.add_diagnostics_file(linked)
    assert not ledger.add_diagnostics_file(linked.model_copy(update={"rows": 1}))
    assert ledger.add_diagnostics_file(unlinked)

    assert ledger.diagnostics_file("pump-01", linked.bucket, linked.key, "e1") == linked
    assert ledger.diagnostics_file(None, unlinked.bucket, unlinked.key, "e2") == unlinked
    assert ledger.diagnostics_file("pump-01", linked.bucket, linked.key, "e2") is None
    assert ledger.diagnostics_of("pump-01") == [linked]


def test_linking_a_diagnostics_file_needs_the_version_record_and_leaves_the_rest_of_it(
    ledger: Ledger,
) -> None:
    values = {"diagnostics_report_uri": "s3://diag/report.html"}

    assert not ledger.link_diagnostics("pump-01", 4, values)
    assert ledger.version("pump-01", 4) is None

    ledger.record(held(), replaces=[None])
    assert ledger.link_diagnostics("pump-01", 4, values)
    assert ledger.version("pump-01", 4) == held()


# ------------------------------------------------------------------------------------------ outbox


def approval(version: int = 4) -> AlertRecord:
    return AlertRecord(
        pk=PK,
        alert_id=f"pump-01#v{version}#APPROVAL",
        state=AlertState.PENDING,
        payload_json='{"approval": true}',
        channel=Channel.APPROVAL,
        created_at=NOW,
    )


def test_an_approval_is_written_with_its_decision_once_and_pending_until_sent(ledger: Ledger) -> None:
    assert ledger.record(held("WOULD_PROMOTE"), replaces=[None], alert=alert(), outbox=[approval()])
    assert ledger.record(
        held("WOULD_PROMOTE"), replaces=[VersionState.DECIDED], alert=alert(), outbox=[approval()]
    )

    stored = ledger.alert(PK, "pump-01#v4#APPROVAL")
    assert stored is not None
    assert (stored.channel, stored.payload_json) == (Channel.APPROVAL, '{"approval": true}')
    assert sorted(a.alert_id for a in ledger.pending_alerts()) == ["pump-01#v4#APPROVAL", "pump-01#v4#HELD"]


def test_a_refused_record_writes_no_approval(ledger: Ledger) -> None:
    ledger.record(held(), replaces=[None])

    assert not ledger.record(held("PROMOTE"), replaces=[None], outbox=[approval()])

    assert ledger.alert(PK, "pump-01#v4#APPROVAL") is None


def test_a_revisit_request_keeps_the_earliest_time_and_the_rest_of_the_state(ledger: Ledger) -> None:
    ledger.save_model_state(ModelState(model_name="pump-01", summary_fingerprint="f", last_seen_version=3))

    ledger.revisit("pump-01", NOW + timedelta(hours=1))
    ledger.revisit("pump-01", NOW + timedelta(hours=2))
    ledger.revisit("new-model", NOW)

    state = ledger.model_state("pump-01")
    assert state is not None
    assert (state.revisit_at, state.last_seen_version, state.summary_fingerprint) == (
        NOW + timedelta(hours=1),
        3,
        "f",
    )
    fresh = ledger.model_state("new-model")
    assert fresh is not None
    assert fresh.revisit_at == NOW


# ------------------------------------------------------------------------------------------ imports

SOURCE = "arn:aws:lookoutequipment:eu-west-1:111111111111:model/pump-01/abc/model-version/7"


def import_record(state: ImportState = ImportState.REQUESTED, **changes: object) -> ImportRecord:
    request = ImportRequest(
        source_version_arn=SOURCE,
        model_name="pump-01",
        dataset_name="pump-data",
        reason="approved in staging",
        requested_by="approval from 111111111111",
        source_decision=SourceDecision(
            outcome="WOULD_PROMOTE",
            decision_fingerprint="0123456789abcdef",
            policy_fingerprint="fedcba9876543210",
            decided_at=NOW,
            prior_model_metrics='{"labeled_event_metrics": {"num_labeled": 8}}',
        ),
    )
    values: dict[str, object] = {
        "model_name": "pump-01",
        "key": "k1",
        "client_token": "steward-k1-1",
        "state": state,
        "request": request,
        "source_account": "111111111111",
        "requested_at": NOW,
        "updated_at": NOW,
        **changes,
    }
    return ImportRecord.model_validate(values)


def test_an_import_is_recorded_once_and_read_back_whole(ledger: Ledger) -> None:
    assert ledger.put_import(import_record(), replaces=[None])
    assert not ledger.put_import(import_record(), replaces=[None])

    assert ledger.import_record("pump-01", "k1") == import_record()
    assert ledger.imports_of("pump-01") == [import_record()]
    assert ledger.imports_of("pump-02") == []


def test_a_requested_import_is_pending_until_it_moves_on(ledger: Ledger) -> None:
    ledger.put_import(import_record(), replaces=[None])
    assert [r.key for r in ledger.pending_imports()] == ["k1"]
    assert ledger.pending_alerts() == []  # imports are not alerts

    started = import_record(ImportState.IMPORTING, version=3, version_arn=SOURCE, tries=1)
    assert ledger.put_import(started, replaces=[ImportState.REQUESTED], alert=alert("pump-01#import"))

    assert ledger.pending_imports() == []
    assert ledger.import_record("pump-01", "k1") == started
    assert not ledger.put_import(import_record(ImportState.REFUSED), replaces=[ImportState.REQUESTED])
    assert [a.alert_id for a in ledger.pending_alerts()] == ["pump-01#import"]


# ------------------------------------------------------------------------------- policy document
def document(fingerprint: str, text: str | None, previous: str | None = None) -> PolicyDocumentRecord:
    return PolicyDocumentRecord(
        parameter_name="/steward/policy",
        fingerprint=fingerprint,
        text=text,
        seen_at=NOW,
        previous_fingerprint=previous,
    )


def test_the_policy_document_is_replaced_only_over_the_fingerprint_its_writer_read(ledger: Ledger) -> None:
    # The first record needs no record before it, and only one writer gets it.
    assert ledger.save_policy_document(document("aaa", "{}"), replaces=None)
    assert not ledger.save_policy_document(document("zzz", "[]"), replaces=None)
    # A change replaces the fingerprint its writer read, with its alert in the same write.
    change = alert("*#POLICY_DOCUMENT#aaa#bbb", pk=SYSTEM_PK)
    assert ledger.save_policy_document(document("bbb", None, previous="aaa"), replaces="aaa", alert=change)
    # A writer that read the older record writes nothing, not even its alert.
    late = alert("*#POLICY_DOCUMENT#aaa#ccc", pk=SYSTEM_PK)
    assert not ledger.save_policy_document(document("ccc", "[1]", previous="aaa"), replaces="aaa", alert=late)

    stored = ledger.policy_document("/steward/policy")
    assert stored is not None
    assert (stored.fingerprint, stored.text, stored.previous_fingerprint) == ("bbb", None, "aaa")
    assert [a.alert_id for a in ledger.alerts(SYSTEM_PK)] == ["*#POLICY_DOCUMENT#aaa#bbb"]
    assert ledger.policy_document("/other") is None
