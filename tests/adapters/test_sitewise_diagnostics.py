"""A SiteWise evaluation results file (JSON Lines, ``assetId\\propertyId`` sensors) through the same
diagnostics flow as Lookout for Equipment's: the same summary contract, linked to its unit and
version, the report and the alert naming sensors by asset and property."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import boto3

from emulators.sitewise import SiteWiseEmulator
from model_steward.adapters.ledger import DynamoLedger
from model_steward.adapters.s3 import S3ObjectStore
from model_steward.adapters.sitewise import SiteWiseRegistry
from model_steward.domain.diagnostics import summarize_diagnostics
from model_steward.models.diagnostics import DiagnosticsSummary
from model_steward.models.diagnostics_files import FileStatus, output_keys
from model_steward.models.s3_events import ObjectRef
from model_steward.models.sitewise import parse_unit_key
from model_steward.service.alerting import Alerter
from model_steward.service.diagnostics import DiagnosticsService
from tests.aws import REGION, AwsSandbox
from tests.conftest import SITEWISE_BUCKET
from tests.fakes.channels import FakePublisher

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


def test_an_evaluation_results_file_is_summarised_linked_and_named_readably(
    aws_sandbox: AwsSandbox, sitewise_sandbox: SiteWiseEmulator
) -> None:
    key = sitewise_sandbox.seed_unit("Pump anomaly", "Pump 01", bucket=SITEWISE_BUCKET)
    sitewise_sandbox.train(key, activate=True)
    version = sitewise_sandbox.start_retraining(key)
    sitewise_sandbox.finish_retraining(key, version)
    results = sitewise_sandbox.results_key(key, version) or ""
    s3 = boto3.client("s3", region_name=REGION)
    head = s3.head_object(Bucket=SITEWISE_BUCKET, Key=results)
    ledger = DynamoLedger(aws_sandbox.create_ledger_table())
    topic = FakePublisher()
    service = DiagnosticsService(
        ledger=ledger,
        registry=SiteWiseRegistry(REGION),
        store=S3ObjectStore(),
        alerter=Alerter(ledger, topic),
        region=REGION,
    )

    outcome = service.process_object(
        ObjectRef(bucket=SITEWISE_BUCKET, key=results, etag=head["ETag"].strip('"')), now=NOW
    )

    assert (outcome.status, outcome.model_name, outcome.version, outcome.found_by) == (
        FileStatus.SUMMARISED,
        key,
        version,
        "key",
    )
    summary_key, report_key = output_keys(results, "")
    written = DiagnosticsSummary.model_validate_json(
        s3.get_object(Bucket=SITEWISE_BUCKET, Key=summary_key)["Body"].read()
    )
    source = s3.get_object(Bucket=SITEWISE_BUCKET, Key=results)["Body"].read()
    # the same contract as any file, the file's own sensor names, linked to the unit and version
    assert written == summarize_diagnostics(io.BytesIO(source)).linked_to(key, version)
    _, asset_id = parse_unit_key(key) or ("", "")
    assert written.top_sensors
    assert all(sensor.name.startswith(f"{asset_id}\\") for sensor in written.top_sensors)
    report = s3.get_object(Bucket=SITEWISE_BUCKET, Key=report_key)["Body"].read().decode()
    assert "Pump 01 / Flow" in report
    assert "Pump anomaly / Pump 01 v2 diagnostics" in report
    (alert,) = topic.published
    assert alert.title == "Pump anomaly / Pump 01 v2 diagnostics: 2 anomalous events"
    assert alert.diagnostics is not None
    assert alert.diagnostics.top_sensors
    assert {s.name for s in alert.diagnostics.top_sensors} <= {
        "Pump 01 / Flow",
        "Pump 01 / Pressure",
        "Pump 01 / Temperature",
    }
    assert (alert.model_name, alert.model_label) == (key, "Pump anomaly / Pump 01")
