"""Diagnostics through the deployed wiring: template.yaml in moto + the Lookout for Equipment emulator.

Three deployments, one per class (each class's stack is torn down before the next starts):
the stack's own bucket with its S3 notification, the same with ``ReportsPrefix``, and an existing
bucket announced through EventBridge.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote_plus

import pytest

from emulators.demo_diagnostics import Episode, diagnostics_file
from emulators.stack import LocalStack, s3_object_created_event
from model_steward.adapters.ledger import DynamoLedger
from model_steward.domain.alerts import diagnostics_alert_id
from model_steward.models.alerts import AlertKind
from model_steward.models.diagnostics import DiagnosticsSummary
from model_steward.models.diagnostics_files import FileStatus
from model_steward.models.ledger import VersionRecord, VersionState
from tests.aws import Inbox
from tests.helpers import load_event
from tests.integration.retraining import subscribe_inbox

FUNCTION = "DiagnosticsFunction"
EXISTING_BUCKET = "acme-lookout-diagnostics"
EPISODES = (
    Episode(start=60, length=20, drivers=("bearing_de\\vibration", "bearing_de\\temperature")),
    Episode(start=400, length=8, drivers=("pump\\flow",)),
)


def generated_file(seed: int = 7) -> bytes:
    return diagnostics_file(records=600, episodes=EPISODES, machine_off=(500, 12), seed=seed)


def inbox_on(stack: LocalStack) -> Inbox:
    """An inbox on the stack's alert topic: every alert SNS published since."""
    return subscribe_inbox(stack, f"alert-inbox-{uuid.uuid4().hex[:12]}")


class Deployed:
    """A deployed stack and what a test needs around it."""

    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack
        self.bucket = stack.outputs["DiagnosticsBucketName"]
        self.s3 = stack.client("s3")
        self.ledger = DynamoLedger(stack.outputs["LedgerTableName"], client=stack.client("dynamodb"))

    def model_naming(self, model_name: str, key: str) -> int:
        """A model writing diagnostics to this bucket; its new version names ``key``."""
        self.stack.lookout.seed_model(model_name, scheduler="MANUAL", diagnostics_bucket=self.bucket)
        self.stack.lookout.add_version(model_name, activate=True)
        return self.stack.lookout.add_version(model_name, diagnostics_key=key)

    def upload(self, key: str, body: bytes) -> dict[str, Any]:
        """Upload through the bucket's deployed notification; the one handler result."""
        (result,) = self.stack.put_object(self.bucket, key, body)
        (outcome,) = result["files"]
        return outcome

    def exists(self, key: str) -> bool:
        return bool(self.s3.list_objects_v2(Bucket=self.bucket, Prefix=key).get("KeyCount"))

    def etag(self, key: str) -> str:
        return self.s3.head_object(Bucket=self.bucket, Key=key)["ETag"].strip('"')


@pytest.fixture(scope="class")
def stack_bucket() -> Iterator[Deployed]:
    with LocalStack({"DiagnosticsSource": "stack-bucket"}) as stack:
        yield Deployed(stack)


@pytest.fixture(scope="class")
def stack_bucket_with_reports_prefix() -> Iterator[Deployed]:
    with LocalStack({"DiagnosticsSource": "stack-bucket", "ReportsPrefix": "steward-reports/"}) as stack:
        yield Deployed(stack)


@pytest.fixture(scope="class")
def existing_bucket() -> Iterator[Deployed]:
    with LocalStack(
        {"DiagnosticsSource": "existing-bucket", "DiagnosticsBucketName": EXISTING_BUCKET}
    ) as stack:
        stack.client("s3").create_bucket(
            Bucket=EXISTING_BUCKET, CreateBucketConfiguration={"LocationConstraint": stack.region}
        )
        yield Deployed(stack)


@pytest.fixture
def alert_inbox(stack_bucket: Deployed) -> Inbox:
    return inbox_on(stack_bucket.stack)


@pytest.fixture
def existing_bucket_alert_inbox(existing_bucket: Deployed) -> Inbox:
    return inbox_on(existing_bucket.stack)


class TestStackBucket:
    KEY = "plant A/pump-01/model-version-2/model_diagnostics_results.json.gz"
    FOLDER = "plant A/pump-01/model-version-2/"

    def test_given_a_file_under_a_key_with_a_space_when_uploaded_then_it_is_summarised_next_to_it(
        self, stack_bucket: Deployed, alert_inbox: Inbox
    ) -> None:
        version = stack_bucket.model_naming("pump-01", self.KEY)

        outcome = stack_bucket.upload(self.KEY, generated_file())

        assert outcome["status"] == "SUMMARISED"
        assert outcome["source_uri"] == f"s3://{stack_bucket.bucket}/{self.KEY}"
        summary_object = stack_bucket.s3.get_object(
            Bucket=stack_bucket.bucket, Key=self.FOLDER + "model_diagnostics_summary.json"
        )
        assert summary_object["ContentType"] == "application/json"
        summary = DiagnosticsSummary.model_validate_json(summary_object["Body"].read())
        assert summary.rows == 600
        assert summary.anomalous_rows >= 28
        assert summary.top_sensors[0].name.startswith("bearing_de\\")
        report = stack_bucket.s3.get_object(
            Bucket=stack_bucket.bucket, Key=self.FOLDER + "model_diagnostics_report.html"
        )
        assert report["ContentType"] == "text/html; charset=utf-8"
        assert "<svg" in report["Body"].read().decode()
        assert (outcome["model_name"], outcome["version"], outcome["found_by"]) == ("pump-01", version, "key")
        (alert,) = alert_inbox.alerts()
        assert alert.kind is AlertKind.DIAGNOSTICS_SUMMARY
        assert (alert.model_name, alert.version) == ("pump-01", version)

    def test_given_a_summarised_file_then_the_ledger_records_it_under_its_model(
        self, stack_bucket: Deployed
    ) -> None:
        key = "plant A/pump-05/model-version-2/model_diagnostics_results.json.gz"
        version = stack_bucket.model_naming("pump-05", key)

        stack_bucket.upload(key, generated_file())

        etag = stack_bucket.etag(key)
        item = stack_bucket.ledger.diagnostics_file("pump-05", stack_bucket.bucket, key, etag)
        assert item is not None
        assert item.status is FileStatus.SUMMARISED
        assert (item.rows, item.version, item.linked) == (600, version, True)
        assert item.summary_uri == (
            f"s3://{stack_bucket.bucket}/plant A/pump-05/model-version-2/model_diagnostics_summary.json"
        )
        assert item.alert_id == diagnostics_alert_id(stack_bucket.bucket, key, etag)

    def test_given_the_same_event_delivered_twice_then_one_summary_and_exactly_one_alert(
        self, stack_bucket: Deployed, alert_inbox: Inbox
    ) -> None:
        key = "plant A/pump-02/model-version-2/model_diagnostics_results.json.gz"
        stack_bucket.model_naming("pump-02", key)
        stack_bucket.s3.put_object(Bucket=stack_bucket.bucket, Key=key, Body=generated_file(seed=3))
        head = stack_bucket.s3.head_object(Bucket=stack_bucket.bucket, Key=key)
        event = s3_object_created_event(
            stack_bucket.bucket,
            key,
            head["ContentLength"],
            head["ETag"].strip('"'),
            stack_bucket.stack.region,
        )
        assert "plant+A/pump-02" in event["Records"][0]["s3"]["object"]["key"]

        first = stack_bucket.stack.invoke(FUNCTION, event)
        second = stack_bucket.stack.invoke(FUNCTION, event)

        assert [f["status"] for f in first["files"] + second["files"]] == ["SUMMARISED", "DUPLICATE"]
        assert len(alert_inbox.alerts()) == 1
        summaries = stack_bucket.s3.list_object_versions(
            Bucket=stack_bucket.bucket, Prefix="plant A/pump-02/model-version-2/model_diagnostics_summary"
        )
        assert len(summaries["Versions"]) == 1  # the bucket is versioned: one write, not two

    def test_given_a_version_record_in_the_ledger_then_it_gains_the_report_link(
        self, stack_bucket: Deployed
    ) -> None:
        key = "plant A/pump-03/model-version-2/model_diagnostics_results.json.gz"
        version = stack_bucket.model_naming("pump-03", key)
        now = stack_bucket.stack.lookout.now()
        stack_bucket.ledger.record(
            VersionRecord(
                model_name="pump-03",
                version=version,
                state=VersionState.DECIDED,
                status="SUCCESS",
                outcome="WOULD_PROMOTE",
                first_seen_at=now,
                updated_at=now,
            ),
            replaces=[None],
        )

        stack_bucket.upload(key, generated_file())

        item = stack_bucket.ledger.client.get_item(
            TableName=stack_bucket.ledger.table_name,
            Key={"pk": {"S": "MODEL#pump-03"}, "sk": {"S": f"VERSION#{version:010d}"}},
        )["Item"]
        assert item["diagnostics_report_uri"]["S"] == (
            f"s3://{stack_bucket.bucket}/plant A/pump-03/model-version-2/model_diagnostics_report.html"
        )
        assert item["state"]["S"] == "DECIDED"

    def test_given_a_broken_file_then_an_alert_names_the_problem_and_no_summary_is_written(
        self, stack_bucket: Deployed, alert_inbox: Inbox
    ) -> None:
        key = "plant A/pump-04/model-version-2/model_diagnostics_results.json.gz"
        stack_bucket.model_naming("pump-04", key)
        lines = diagnostics_file(records=50, episodes=(), compress=False).splitlines(keepends=True)
        broken = b"".join(lines[:20]) + b'{"timestamp": "2026-09-01T01:40:00", "prediction": 1, "anoma'

        outcome = stack_bucket.upload(key, broken)

        assert outcome["status"] == "BROKEN"
        assert not stack_bucket.exists("plant A/pump-04/model-version-2/model_diagnostics_summary.json")
        assert not stack_bucket.exists("plant A/pump-04/model-version-2/model_diagnostics_report.html")
        (alert,) = alert_inbox.alerts()
        assert alert.kind is AlertKind.CONFIGURATION_PROBLEM
        assert alert.model_name == "pump-04"
        assert f"s3://{stack_bucket.bucket}/{key}" in alert.summary
        assert "line 21" in alert.summary
        item = stack_bucket.ledger.diagnostics_file(
            "pump-04", stack_bucket.bucket, key, stack_bucket.etag(key)
        )
        assert item is not None
        assert item.status is FileStatus.BROKEN

    def test_given_a_file_of_an_unknown_model_then_it_is_still_summarised_unlinked(
        self, stack_bucket: Deployed, alert_inbox: Inbox
    ) -> None:
        key = "plant B/mystery-pump/model-version-1/model_diagnostics_results.json.gz"

        outcome = stack_bucket.upload(key, generated_file())

        assert outcome["status"] == "SUMMARISED"
        assert outcome["linked"] is False
        assert stack_bucket.exists("plant B/mystery-pump/model-version-1/model_diagnostics_summary.json")
        item = stack_bucket.ledger.diagnostics_file(None, stack_bucket.bucket, key, stack_bucket.etag(key))
        assert item is not None
        assert item.linked is False
        (alert,) = alert_inbox.alerts()
        assert alert.model_name is None
        assert any("Not linked to a model version" in reason for reason in alert.reasons)

    def test_given_reports_written_next_to_the_source_then_they_trigger_nothing(
        self, stack_bucket: Deployed
    ) -> None:
        for name in ("model_diagnostics_summary.json", "model_diagnostics_report.html"):
            assert stack_bucket.stack.put_object(stack_bucket.bucket, self.FOLDER + name, b"{}") == []


class TestReportsPrefix:
    def test_given_a_reports_prefix_then_summary_and_report_go_under_it_and_not_next_to_the_source(
        self, stack_bucket_with_reports_prefix: Deployed
    ) -> None:
        deployed = stack_bucket_with_reports_prefix
        key = "plant A/pump-01/model-version-2/model_diagnostics_results.json.gz"
        deployed.model_naming("pump-01", key)

        outcome = deployed.upload(key, generated_file())

        assert outcome["status"] == "SUMMARISED"
        assert outcome["linked"] is True
        prefix = "steward-reports/plant A/pump-01/model-version-2/"
        assert outcome["summary_uri"] == f"s3://{deployed.bucket}/{prefix}model_diagnostics_summary.json"
        assert deployed.exists(prefix + "model_diagnostics_summary.json")
        assert deployed.exists(prefix + "model_diagnostics_report.html")
        assert not deployed.exists("plant A/pump-01/model-version-2/model_diagnostics_summary.json")


class TestExistingBucketThroughEventBridge:
    def test_given_an_eventbridge_object_created_event_then_the_file_is_summarised_and_linked(
        self, existing_bucket: Deployed, existing_bucket_alert_inbox: Inbox
    ) -> None:
        key = "plant A/compressor-07/results 2026-11/model_diagnostics_results.json.gz"
        version = existing_bucket.model_naming("compressor-07", key)
        body = generated_file()
        existing_bucket.s3.put_object(Bucket=EXISTING_BUCKET, Key=key, Body=body)
        event = load_event("eventbridge-object-created.json")
        event["detail"]["object"].update(
            key=quote_plus(key, safe="/"), size=len(body), etag=existing_bucket.etag(key)
        )
        assert event["detail"]["object"]["key"].startswith("plant+A/")

        result = existing_bucket.stack.invoke(FUNCTION, event)
        again = existing_bucket.stack.invoke(FUNCTION, event)

        (outcome,) = result["files"]
        assert outcome["status"] == "SUMMARISED"
        assert (outcome["model_name"], outcome["version"]) == ("compressor-07", version)
        assert outcome["found_by"] == "search"  # the key names the model but not the version
        assert existing_bucket.exists("plant A/compressor-07/results 2026-11/model_diagnostics_report.html")
        assert again["files"][0]["status"] == "DUPLICATE"
        assert len(existing_bucket_alert_inbox.alerts()) == 1
