"""service.diagnostics: one announced file -> summary, report, link, ledger item, one alert.

AWS services are moto's (``mock_aws``); Lookout for Equipment is the emulator on a loopback port.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from emulators import cfn
from emulators.demo_diagnostics import Episode, diagnostics_file
from emulators.lookout import LookoutEmulator
from model_steward.adapters import aws, s3
from model_steward.adapters.ledger import Ledger
from model_steward.domain.diagnostics import DiagnosticsFormatError
from model_steward.errors import (
    ConfigurationError,
    ConflictError,
    NotFoundError,
    StewardError,
    TransientError,
)
from model_steward.models.alerts import Alert, AlertKind, AlertSeverity
from model_steward.models.diagnostics import DiagnosticsSummary
from model_steward.models.ledger import VersionRecord, VersionState
from model_steward.models.s3_events import ObjectRef
from model_steward.models.settings import DiagnosticsSettings, load_settings
from model_steward.service import diagnostics
from model_steward.service.diagnostics import (
    SEARCH_DESCRIBE_BUDGET,
    UNLINKED_PK,
    FileStatus,
    alert_id_for,
    diagnostics_sk,
    output_keys,
    process_object,
)
from tests.helpers import ROOT

REGION = "eu-west-1"
BUCKET = "acme-lookout-diagnostics"
TABLE = "ledger"
NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
SMALL_EPISODES = (
    Episode(start=40, length=12, drivers=("pump\\flow", "motor\\current")),
    Episode(start=150, length=5, drivers=("bearing_de\\vibration",)),
)


def small_file(**options: Any) -> bytes:
    return diagnostics_file(records=300, episodes=SMALL_EPISODES, machine_off=(200, 10), **options)


class Inbox:
    """An SQS queue subscribed to the alert topic: what SNS published."""

    def __init__(self, sqs: Any, url: str) -> None:
        self.sqs = sqs
        self.url = url
        self.received: list[Alert] = []

    def alerts(self) -> list[Alert]:
        while messages := self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            for message in messages:
                self.received.append(Alert.model_validate_json(json.loads(message["Body"])["Message"]))
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
        return self.received


class World:
    def __init__(self, lookout: LookoutEmulator, inbox: Inbox, settings: DiagnosticsSettings) -> None:
        self.lookout = lookout
        self.inbox = inbox
        self.settings = settings
        self.s3 = boto3.client("s3", region_name=REGION)
        self.ledger = Ledger(TABLE, client=boto3.client("dynamodb", region_name=REGION))

    def upload(self, key: str, body: bytes) -> ObjectRef:
        self.s3.put_object(Bucket=BUCKET, Key=key, Body=body)
        head = self.s3.head_object(Bucket=BUCKET, Key=key)
        return ObjectRef(bucket=BUCKET, key=key, size=head["ContentLength"], etag=head["ETag"].strip('"'))

    def process(self, ref: ObjectRef, **settings: Any) -> diagnostics.DiagnosticsOutcome:
        chosen = self.settings.model_copy(update=settings) if settings else self.settings
        return process_object(ref, settings=chosen, ledger=self.ledger, now=NOW)

    def exists(self, key: str) -> bool:
        return bool(self.s3.list_objects_v2(Bucket=BUCKET, Prefix=key).get("KeyCount"))

    def model_with_version_writing(self, model_name: str, key: str, *, versions: int = 1) -> int:
        """A model whose diagnostics go to BUCKET; its newest version names ``key``."""
        self.lookout.seed_model(model_name, diagnostics_bucket=BUCKET, diagnostics_prefix="lookout/")
        for _ in range(versions - 1):
            self.lookout.add_version(model_name)
        return self.lookout.add_version(model_name, diagnostics_key=key)


def ledger_table_properties() -> dict[str, Any]:
    """The ledger's key schema as deployed (template.yaml), so this table cannot drift from it."""
    properties = cfn.load_template(ROOT / "template.yaml")["Resources"]["LedgerTable"]["Properties"]
    keys = ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode")
    return {key: properties[key] for key in keys if key in properties}


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_LOOKOUTEQUIPMENT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with LookoutEmulator(region=REGION) as lookout, mock_aws():
        monkeypatch.setenv("AWS_ENDPOINT_URL_LOOKOUTEQUIPMENT", lookout.endpoint_url)
        aws.reset_clients()
        load_settings.cache_clear()
        boto3.client("s3", region_name=REGION).create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        boto3.client("dynamodb", region_name=REGION).create_table(
            TableName=TABLE, **ledger_table_properties()
        )
        sns = boto3.client("sns", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        topic_arn = sns.create_topic(Name="alerts")["TopicArn"]
        queue_url = sqs.create_queue(QueueName="alert-inbox")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
        settings = DiagnosticsSettings.model_validate(
            {
                "ENVIRONMENT": "dev",
                "LEDGER_TABLE_NAME": TABLE,
                "ALERT_TOPIC_ARN": topic_arn,
                "AWS_REGION": REGION,
            }
        )
        yield World(lookout, Inbox(sqs, queue_url), settings)
        aws.reset_clients()


# --------------------------------------------------------------------------------------------------
# Names and places


def test_given_no_reports_prefix_when_placing_outputs_then_they_sit_next_to_the_source() -> None:
    assert output_keys("plant A/pump-01/model-version-3/model_diagnostics_results.json.gz", "") == (
        "plant A/pump-01/model-version-3/model_diagnostics_summary.json",
        "plant A/pump-01/model-version-3/model_diagnostics_report.html",
    )
    assert output_keys("model_diagnostics_results.json.gz", "") == (
        "model_diagnostics_summary.json",
        "model_diagnostics_report.html",
    )


def test_given_a_reports_prefix_when_placing_outputs_then_the_source_folder_moves_under_it() -> None:
    assert output_keys("plant A/pump-01/model_diagnostics_results.json.gz", "reports/") == (
        "reports/plant A/pump-01/model_diagnostics_summary.json",
        "reports/plant A/pump-01/model_diagnostics_report.html",
    )


def test_given_output_names_then_none_ends_in_the_trigger_suffix() -> None:
    for key in output_keys("a/b/model_diagnostics_results.json.gz", ""):
        assert not key.endswith("model_diagnostics_results.json.gz")


def test_given_the_same_file_version_when_naming_its_alert_then_the_id_is_stable_and_etag_bound() -> None:
    first = alert_id_for(BUCKET, "a b/x.json.gz", "abc")
    assert first == alert_id_for(BUCKET, "a b/x.json.gz", "abc")
    assert first != alert_id_for(BUCKET, "a b/x.json.gz", "abd")
    assert first.startswith("diagnostics#")
    assert len(first.split("#")[1]) == 16


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("lookout/pump-01/model-version-3/model_diagnostics_results.json.gz", ("pump-01", 3)),
        ("plant A/pump-01/model-version=12/model_diagnostics_results.json.gz", ("pump-01", 12)),
        ("x/pump_02/ModelVersion7/model_diagnostics_results.json.gz", ("pump_02", 7)),
        ("plant A/pump 01/model-version-3/model_diagnostics_results.json.gz", None),
        ("pump-01/model_diagnostics_results.json.gz", None),
    ],
)
def test_given_a_key_when_reading_its_layout_then_model_and_version_are_guessed(
    key: str, expected: tuple[str, int] | None
) -> None:
    assert diagnostics._layout_guess(key) == expected


@pytest.mark.parametrize(
    ("code", "status", "error"),
    [
        ("SlowDown", 503, TransientError),
        ("InternalError", 500, TransientError),
        ("NoSuchKey", 404, NotFoundError),
        ("PreconditionFailed", 412, ConflictError),
        ("AccessDenied", 403, ConfigurationError),
        ("InvalidArgument", 400, StewardError),
    ],
)
def test_given_an_s3_error_when_translated_then_the_caller_can_act_on_it(
    code: str, status: int, error: type[StewardError]
) -> None:
    from botocore.exceptions import ClientError

    exc = ClientError(
        {"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}},
        "GetObject",
    )
    assert type(s3.translate(exc, "GetObject")) is error


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
    item = world.ledger.diagnostics("MODEL#pump-01", diagnostics_sk(BUCKET, key, ref.etag or ""))
    assert item is not None
    assert item["status"] == "SUMMARISED"
    assert item["rows"] == 300
    assert item["version"] == version
    assert float(item["anomalous_fraction"]) == pytest.approx(summary.anomalous_fraction)
    assert (
        item["report_uri"] == f"s3://{BUCKET}/lookout/pump-01/model-version-2/model_diagnostics_report.html"
    )
    (alert,) = world.inbox.alerts()
    assert alert.kind is AlertKind.DIAGNOSTICS_SUMMARY
    assert alert.alert_id == alert_id_for(BUCKET, key, ref.etag or "")
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
    item = world.ledger.diagnostics(UNLINKED_PK, diagnostics_sk(BUCKET, key, ref.etag or ""))
    assert item is not None
    assert item["linked"] is False
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
        TableName=TABLE, Key={"pk": {"S": "MODEL#pump-01"}, "sk": {"S": f"VERSION#{version:010d}"}}
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
    item = world.ledger.diagnostics("MODEL#pump-01", diagnostics_sk(BUCKET, key, ref.etag or ""))
    assert item is not None
    assert item["status"] == "BROKEN"
    assert item["error_line"] == 6
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


def test_given_s3_fails_mid_read_when_processed_then_a_transient_error_and_nothing_recorded(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref = world.upload("a/model_diagnostics_results.json.gz", small_file())

    class Failing:
        bytes_read = 0

        def read(self, size: int = -1, /) -> bytes:
            raise TransientError("GetObject: SlowDown")

        def __enter__(self) -> Failing:
            return self

        def __exit__(self, *exc_info: object) -> None:
            return None

    monkeypatch.setattr(s3, "open_object", lambda *args, **kwargs: Failing())

    with pytest.raises(TransientError):
        world.process(ref)

    assert world.ledger.diagnostics(UNLINKED_PK, diagnostics_sk(BUCKET, ref.key, ref.etag or "")) is None
    assert world.inbox.alerts() == []


def test_given_lookout_is_unavailable_when_linking_then_the_transient_error_propagates(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unavailable(*args: object, **kwargs: object) -> None:
        raise TransientError("ListModels: ThrottlingException")

    monkeypatch.setattr(diagnostics.lookout, "iter_models", unavailable)

    with pytest.raises(TransientError):
        world.process(world.upload("a/model_diagnostics_results.json.gz", small_file()))


def test_given_the_object_was_replaced_since_announced_when_processed_then_it_is_left_to_its_own_event(
    world: World,
) -> None:
    ref = world.upload("a/model_diagnostics_results.json.gz", small_file(seed=1))
    world.upload(ref.key, small_file(seed=2))

    outcome = world.process(ref)

    assert outcome.status is FileStatus.REPLACED
    assert world.inbox.alerts() == []


def test_given_the_object_was_deleted_when_processed_then_nothing_happens(world: World) -> None:
    ref = world.upload("a/model_diagnostics_results.json.gz", small_file())
    world.s3.delete_object(Bucket=BUCKET, Key=ref.key)

    assert world.process(ref).status is FileStatus.GONE
    assert world.process(ref.model_copy(update={"etag": None})).status is FileStatus.GONE
    assert world.inbox.alerts() == []


def test_given_an_event_without_etag_when_processed_then_the_etag_is_read_from_s3(world: World) -> None:
    ref = world.upload("a/model_diagnostics_results.json.gz", small_file())

    outcome = world.process(ref.model_copy(update={"etag": None}))

    assert outcome.status is FileStatus.SUMMARISED
    assert outcome.etag == ref.etag


def test_given_the_format_error_type_then_it_is_invalid_input_not_transient() -> None:
    assert not issubclass(DiagnosticsFormatError, TransientError)
