"""The diagnostics flow through the real adapters: S3 (moto), the DynamoDB ledger (moto), SNS
(moto, read back from a subscribed queue) and Lookout for Equipment (the emulator over HTTP). The
flow's logic is tested on fakes (tests/service); this proves the wiring and the adapters' error
translation (a replaced object is a 412, a deleted one a 404, a refused search an access error).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from emulators.demo_diagnostics import Episode, diagnostics_file
from emulators.lookout import LookoutEmulator
from model_steward.adapters.ledger import DynamoLedger
from model_steward.adapters.lookout import LookoutRegistry
from model_steward.adapters.s3 import S3ObjectStore
from model_steward.adapters.sns import SnsAlertPublisher
from model_steward.domain.alerts import diagnostics_alert_id
from model_steward.errors import TransientError
from model_steward.models.alerts import AlertKind, AlertSeverity
from model_steward.models.diagnostics import DiagnosticsSummary
from model_steward.models.diagnostics_files import DiagnosticsOutcome, FileStatus
from model_steward.models.ledger import VersionRecord, VersionState
from model_steward.models.s3_events import ObjectRef
from model_steward.service.alerting import Alerter
from model_steward.service.diagnostics import SEARCH_DESCRIBE_BUDGET, DiagnosticsService
from tests.aws import REGION, AwsSandbox, Inbox

BUCKET = "acme-lookout-diagnostics"
NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
SMALL_EPISODES = (
    Episode(start=40, length=12, drivers=("pump\\flow", "motor\\current")),
    Episode(start=150, length=5, drivers=("bearing_de\\vibration",)),
)


def small_file(**options: Any) -> bytes:
    return diagnostics_file(records=300, episodes=SMALL_EPISODES, machine_off=(200, 10), **options)


class World:
    def __init__(self, sandbox: AwsSandbox, lookout: LookoutEmulator) -> None:
        self.lookout = lookout
        self.s3 = sandbox.client("s3")
        sandbox.create_bucket(BUCKET)
        self.ledger = DynamoLedger(sandbox.create_ledger_table())
        topic_arn = sandbox.create_topic("alerts")
        self.inbox: Inbox = sandbox.inbox(topic_arn, "alert-inbox")
        self.alerter = Alerter(self.ledger, SnsAlertPublisher(topic_arn))

    def service(self, reports_prefix: str = "") -> DiagnosticsService:
        return DiagnosticsService(
            ledger=self.ledger,
            registry=LookoutRegistry(REGION),
            store=S3ObjectStore(),
            alerter=self.alerter,
            region=REGION,
            reports_prefix=reports_prefix,
        )

    def upload(self, key: str, body: bytes) -> ObjectRef:
        self.s3.put_object(Bucket=BUCKET, Key=key, Body=body)
        head = self.s3.head_object(Bucket=BUCKET, Key=key)
        return ObjectRef(bucket=BUCKET, key=key, size=head["ContentLength"], etag=head["ETag"].strip('"'))

    def process(self, ref: ObjectRef, reports_prefix: str = "") -> DiagnosticsOutcome:
        return self.service(reports_prefix).process_object(ref, now=NOW)

    def exists(self, key: str) -> bool:
        return bool(self.s3.list_objects_v2(Bucket=BUCKET, Prefix=key).get("KeyCount"))

    def model_with_version_writing(self, model_name: str, key: str, *, versions: int = 1) -> int:
        """A model whose diagnostics go to BUCKET; its newest version names ``key``."""
        self.lookout.seed_model(model_name, diagnostics_bucket=BUCKET, diagnostics_prefix="lookout/")
        for _ in range(versions - 1):
            self.lookout.add_version(model_name)
        return self.lookout.add_version(model_name, diagnostics_key=key)


@pytest.fixture
def world(aws_sandbox: AwsSandbox, lookout_sandbox: LookoutEmulator) -> World:
    return World(aws_sandbox, lookout_sandbox)


# --------------------------------------------------------------------------------------------------
# The flow


def test_given_a_file_of_a_known_version_when_processed_then_summary_report_ledger_and_alert(
    world: World,
) -> None:
    key = "lookout/pump-01/model-version-2/model_diagnostics_results.json.gz"
    version = world.model_with_version_writing("pump-01", key, versions=2)
    ref = world.upload(key, small_file())

    outcome = world.process(ref)

    assert outcome.status is FileStatus.SUMMARISED
    assert (outcome.model_name, outcome.version, outcome.found_by) == ("pump-01", version, "key")
    summary_object = world.s3.get_object(
        Bucket=BUCKET, Key="lookout/pump-01/model-version-2/model_diagnostics_summary.json"
    )
    assert summary_object["ContentType"] == "application/json"
    summary = DiagnosticsSummary.model_validate_json(summary_object["Body"].read())
    assert summary.rows == 300
    assert summary.event_count >= 2
    report = world.s3.get_object(
        Bucket=BUCKET, Key="lookout/pump-01/model-version-2/model_diagnostics_report.html"
    )
    assert report["ContentType"] == "text/html; charset=utf-8"
    assert "pump-01 v2 diagnostics" in report["Body"].read().decode()
    item = world.ledger.diagnostics_file("pump-01", BUCKET, key, ref.etag or "")
    assert item is not None
    assert (item.status, item.rows, item.version) == (FileStatus.SUMMARISED, 300, version)
    assert item.anomalous_fraction == pytest.approx(summary.anomalous_fraction)
    assert item.report_uri == f"s3://{BUCKET}/lookout/pump-01/model-version-2/model_diagnostics_report.html"
    (alert,) = world.inbox.alerts()
    assert alert.kind is AlertKind.DIAGNOSTICS_SUMMARY
    assert alert.alert_id == diagnostics_alert_id(BUCKET, key, ref.etag or "")
    assert (alert.model_name, alert.version) == ("pump-01", version)
    assert alert.links.report_url is not None
    assert "model_diagnostics_report.html" in alert.links.report_url


def test_given_the_same_file_announced_twice_when_processed_then_one_summary_and_one_alert(
    world: World,
) -> None:
    key = "lookout/pump-01/model-version-1/model_diagnostics_results.json.gz"
    world.model_with_version_writing("pump-01", key)
    ref = world.upload(key, small_file())

    first = world.process(ref)
    second = world.process(ref)

    assert first.status is FileStatus.SUMMARISED
    assert second.status is FileStatus.DUPLICATE
    assert second.alert_id == first.alert_id
    assert len(world.inbox.alerts()) == 1


def test_given_a_new_etag_under_the_same_key_when_processed_then_it_is_a_new_file(world: World) -> None:
    key = "lookout/pump-01/model-version-1/model_diagnostics_results.json.gz"
    world.model_with_version_writing("pump-01", key)
    first = world.process(world.upload(key, small_file(seed=1)))
    second = world.process(world.upload(key, small_file(seed=2)))

    assert (first.status, second.status) == (FileStatus.SUMMARISED, FileStatus.SUMMARISED)
    assert first.alert_id != second.alert_id
    assert len(world.inbox.alerts()) == 2


def test_given_a_key_that_does_not_name_the_model_when_processed_then_the_search_links_it(
    world: World,
) -> None:
    key = "lookout/line 2/results-2026-11/model_diagnostics_results.json.gz"
    world.lookout.seed_model("compressor-07", diagnostics_bucket="another-bucket")
    world.lookout.add_version("compressor-07")
    version = world.model_with_version_writing("pump-01", key, versions=3)

    outcome = world.process(world.upload(key, small_file()))

    assert (outcome.model_name, outcome.version, outcome.found_by) == ("pump-01", version, "search")
    described = [c for c in world.lookout.calls if c.operation == "DescribeModelVersion"]
    assert {(c.params or {})["ModelName"] for c in described} == {"pump-01"}


def test_given_many_candidate_versions_when_searching_then_the_describe_budget_holds(world: World) -> None:
    for index in range(15):
        name = f"pump-{index:02d}"
        world.lookout.seed_model(name, diagnostics_bucket=BUCKET)
        for _ in range(6):
            world.lookout.add_version(name)
    world.lookout.reset_calls()

    outcome = world.process(world.upload("elsewhere/model_diagnostics_results.json.gz", small_file()))

    assert outcome.status is FileStatus.SUMMARISED
    assert not outcome.linked
    assert world.lookout.call_count("DescribeModelVersion") == SEARCH_DESCRIBE_BUDGET


def test_given_a_file_no_version_names_when_processed_then_it_is_summarised_unlinked(world: World) -> None:
    key = "plant A/unknown-model/model-version-1/model_diagnostics_results.json.gz"
    ref = world.upload(key, small_file())

    outcome = world.process(ref)

    assert outcome.status is FileStatus.SUMMARISED
    assert not outcome.linked
    assert outcome.model_name is None
    assert outcome.link_note
    assert world.exists("plant A/unknown-model/model-version-1/model_diagnostics_summary.json")
    item = world.ledger.diagnostics_file(None, BUCKET, key, ref.etag or "")
    assert item is not None
    assert item.linked is False
    (alert,) = world.inbox.alerts()
    assert alert.model_name is None
    assert any("Not linked to a model version" in reason for reason in alert.reasons)


def test_given_lookout_refuses_access_when_processed_then_the_file_is_still_summarised(
    world: World,
) -> None:
    world.lookout.inject_fault("ListModels", "AccessDeniedException", count=5)

    outcome = world.process(world.upload("x/model_diagnostics_results.json.gz", small_file()))

    assert outcome.status is FileStatus.SUMMARISED
    assert not outcome.linked
    assert "AccessDeniedException" in (outcome.link_note or "")


def test_given_a_version_record_when_processed_then_the_record_points_at_the_report(world: World) -> None:
    key = "lookout/pump-01/model-version-1/model_diagnostics_results.json.gz"
    version = world.model_with_version_writing("pump-01", key)
    record = VersionRecord(
        model_name="pump-01",
        version=version,
        state=VersionState.DECIDED,
        status="SUCCESS",
        outcome="WOULD_PROMOTE",
        first_seen_at=NOW,
        updated_at=NOW,
    )
    assert world.ledger.record(record, replaces=[None])

    world.process(world.upload(key, small_file()))

    raw = world.ledger.client.get_item(
        TableName="ledger", Key={"pk": {"S": "MODEL#pump-01"}, "sk": {"S": f"VERSION#{version:010d}"}}
    )["Item"]
    assert raw["diagnostics_report_uri"]["S"].endswith("/model_diagnostics_report.html")
    assert world.ledger.version("pump-01", version) == record  # the rest of the record is untouched


def test_given_a_reports_prefix_when_processed_then_outputs_go_under_it(world: World) -> None:
    key = "plant A/pump-01/model_diagnostics_results.json.gz"

    outcome = world.process(world.upload(key, small_file()), reports_prefix="reports/")

    assert outcome.summary_uri == f"s3://{BUCKET}/reports/plant A/pump-01/model_diagnostics_summary.json"
    assert world.exists("reports/plant A/pump-01/model_diagnostics_report.html")
    assert not world.exists("plant A/pump-01/model_diagnostics_summary.json")


def test_given_a_broken_file_when_processed_then_no_summary_and_an_alert_naming_the_problem(
    world: World,
) -> None:
    key = "lookout/pump-01/model-version-1/model_diagnostics_results.json.gz"
    world.model_with_version_writing("pump-01", key)
    lines = small_file(compress=False).splitlines(keepends=True)
    lines[5] = b'{"timestamp": "2026-09-01T00:25:00.000000", "prediction": 2}\n'
    ref = world.upload(key, b"".join(lines))

    outcome = world.process(ref)

    assert outcome.status is FileStatus.BROKEN
    assert "line 6" in (outcome.error or "")
    assert not world.exists("lookout/pump-01/model-version-1/model_diagnostics_summary.json")
    assert not world.exists("lookout/pump-01/model-version-1/model_diagnostics_report.html")
    item = world.ledger.diagnostics_file("pump-01", BUCKET, key, ref.etag or "")
    assert item is not None
    assert (item.status, item.error_line) == (FileStatus.BROKEN, 6)
    (alert,) = world.inbox.alerts()
    assert alert.kind is AlertKind.CONFIGURATION_PROBLEM
    assert alert.severity is AlertSeverity.WARNING
    assert ref.uri in alert.summary
    assert "line 6" in alert.summary
    assert alert.links.report_url is None
    assert world.process(ref).status is FileStatus.DUPLICATE
    assert len(world.inbox.alerts()) == 1


def test_given_a_truncated_gzip_when_processed_then_it_is_broken_not_retried(world: World) -> None:
    outcome = world.process(world.upload("t/model_diagnostics_results.json.gz", small_file()[:-20]))

    assert outcome.status is FileStatus.BROKEN
    (alert,) = world.inbox.alerts()
    assert alert.severity is AlertSeverity.WARNING  # not CRITICAL, even with no model


def test_given_lookout_is_unavailable_when_linking_then_the_transient_error_propagates(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("botocore.retries.standard.ExponentialBackoff.delay_amount", lambda self, context: 0)
    world.lookout.inject_fault("ListModels", "ThrottlingException", count=20)
    ref = world.upload("a/model_diagnostics_results.json.gz", small_file())

    with pytest.raises(TransientError, match="ThrottlingException"):
        world.process(ref)

    assert world.ledger.diagnostics_file(None, BUCKET, ref.key, ref.etag or "") is None
    assert world.inbox.alerts() == []


def test_given_the_object_was_replaced_since_announced_when_processed_then_it_is_left_to_its_own_event(
    world: World,
) -> None:
    ref = world.upload("a/model_diagnostics_results.json.gz", small_file(seed=1))
    world.upload(ref.key, small_file(seed=2))

    outcome = world.process(ref)

    assert outcome.status is FileStatus.REPLACED
    assert world.inbox.alerts() == []


def test_given_the_object_was_deleted_when_processed_then_it_is_recorded_and_alerted_once(
    world: World,
) -> None:
    ref = world.upload("a/model_diagnostics_results.json.gz", small_file())
    world.s3.delete_object(Bucket=BUCKET, Key=ref.key)

    assert world.process(ref).status is FileStatus.GONE  # S3's 404 on the pinned read
    assert world.process(ref).status is FileStatus.DUPLICATE
    assert world.process(ref.model_copy(update={"etag": None})).status is FileStatus.GONE  # on HeadObject
    titles = [alert.title for alert in world.inbox.alerts()]
    assert titles == ["Diagnostics file not found"] * 2  # the announced version, and one of unknown ETag


def test_given_an_event_without_etag_when_processed_then_the_etag_is_read_from_s3(world: World) -> None:
    ref = world.upload("a/model_diagnostics_results.json.gz", small_file())

    outcome = world.process(ref.model_copy(update={"etag": None}))

    assert outcome.status is FileStatus.SUMMARISED
    assert outcome.etag == ref.etag


def test_summaries_and_reports_are_written_with_the_diagnostics_key_when_one_is_given(
    aws_sandbox: AwsSandbox,
) -> None:
    s3 = aws_sandbox.client("s3")
    aws_sandbox.create_bucket(BUCKET)
    key_arn = aws_sandbox.client("kms").create_key(Description="diagnostics")["KeyMetadata"]["Arn"]

    S3ObjectStore(key_arn).put_text(BUCKET, "a/summary.json", "{}", content_type="application/json")
    S3ObjectStore().put_text(BUCKET, "b/summary.json", "{}", content_type="application/json")

    encrypted = s3.head_object(Bucket=BUCKET, Key="a/summary.json")
    assert (encrypted["ServerSideEncryption"], encrypted["SSEKMSKeyId"]) == ("aws:kms", key_arn)
    assert "SSEKMSKeyId" not in s3.head_object(Bucket=BUCKET, Key="b/summary.json")
