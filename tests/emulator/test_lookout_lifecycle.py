"""Scenario simulation: retraining, MANAGED/MANUAL promotion, activation and import, seen through boto3."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from emulators.lookout import LookoutEmulator

LABELLED_METRICS = {
    "labeled_event_metrics": {
        "num_labeled": 10,
        "num_identified": 9,
        "total_warning_time_in_seconds": 3600.0,
    },
    "unknown_event_metrics": {"num_identified": 2, "total_duration_in_seconds": 600.0},
}
WEAKER_METRICS = {
    "labeled_event_metrics": {
        "num_labeled": 10,
        "num_identified": 5,
        "total_warning_time_in_seconds": 1800.0,
    },
}

# ------------------------------------------------------------------ retraining


def test_a_started_retraining_is_in_progress_on_the_model_and_the_version(
    lookout_emulator: LookoutEmulator, lookout_client: Any, pump_with_active_version: str
) -> None:
    # Given the scheduler's next start date
    before = lookout_client.describe_model(ModelName=pump_with_active_version)[
        "NextScheduledRetrainingStartDate"
    ]
    # When the scheduler starts a retraining
    version = lookout_emulator.start_retraining(
        pump_with_active_version, retraining_available_data_in_days=200
    )
    # Then a RETRAINING version is IN_PROGRESS, the model reports it, and its own status is unchanged
    model = lookout_client.describe_model(ModelName=pump_with_active_version)
    described = lookout_client.describe_model_version(
        ModelName=pump_with_active_version, ModelVersion=version
    )
    assert version == 2
    assert (described["Status"], described["SourceType"]) == ("IN_PROGRESS", "RETRAINING")
    assert "ModelMetrics" not in described
    assert "AutoPromotionResult" not in described
    assert model["Status"] == "SUCCESS"
    assert model["ActiveModelVersion"] == 1
    assert model["LatestScheduledRetrainingStatus"] == "IN_PROGRESS"
    assert model["LatestScheduledRetrainingModelVersion"] == 2
    assert model["LatestScheduledRetrainingAvailableDataInDays"] == 200
    assert "LatestScheduledRetrainingStartTime" in model
    assert model["NextScheduledRetrainingStartDate"] > before
    # And a second retraining cannot start while this one runs
    with pytest.raises(ValueError, match="already retraining"):
        lookout_emulator.start_retraining(pump_with_active_version)


def test_a_successful_retraining_under_manual_mode_is_not_promoted(
    lookout_emulator: LookoutEmulator, lookout_client: Any, pump_with_active_version: str
) -> None:
    # Given a running retraining on a MANUAL scheduler
    version = lookout_emulator.start_retraining(pump_with_active_version)
    # When it succeeds
    result = lookout_emulator.finish_retraining(
        pump_with_active_version, version, model_metrics=LABELLED_METRICS, prior_model_metrics=WEAKER_METRICS
    )
    # Then it is SUCCESS but not promoted, and the reason names MANUAL mode
    described = lookout_client.describe_model_version(
        ModelName=pump_with_active_version, ModelVersion=version
    )
    model = lookout_client.describe_model(ModelName=pump_with_active_version)
    assert result == described["AutoPromotionResult"] == "MODEL_NOT_PROMOTED"
    assert "MANUAL" in described["AutoPromotionResultReason"]
    assert json.loads(described["ModelMetrics"]) == LABELLED_METRICS
    assert json.loads(described["PriorModelMetrics"]) == WEAKER_METRICS
    assert described["ModelDiagnosticsResultsObject"] == {
        "Bucket": "diagnostics-bucket",
        "Key": f"lookout/{pump_with_active_version}/model-version-2/model_diagnostics_results.json.gz",
    }
    assert model["ActiveModelVersion"] == 1
    assert model["LatestScheduledRetrainingStatus"] == "SUCCESS"


def test_prior_model_metrics_default_to_the_active_versions_metrics(
    lookout_emulator: LookoutEmulator, lookout_client: Any, pump_with_active_version: str
) -> None:
    version = lookout_emulator.start_retraining(pump_with_active_version)
    lookout_emulator.finish_retraining(pump_with_active_version, version)
    active = lookout_client.describe_model_version(ModelName=pump_with_active_version, ModelVersion=1)
    retrained = lookout_client.describe_model_version(
        ModelName=pump_with_active_version, ModelVersion=version
    )
    assert retrained["PriorModelMetrics"] == active["ModelMetrics"]


@pytest.mark.parametrize(
    ("internal_error", "expected"),
    [(False, "RETRAINING_CUSTOMER_ERROR"), (True, "RETRAINING_INTERNAL_ERROR")],
)
def test_a_failed_retraining_reports_its_error_kind_and_reason(
    lookout_emulator: LookoutEmulator,
    lookout_client: Any,
    pump_with_active_version: str,
    internal_error: bool,
    expected: str,
) -> None:
    # Given a running retraining
    version = lookout_emulator.start_retraining(pump_with_active_version)
    # When it fails
    lookout_emulator.finish_retraining(
        pump_with_active_version,
        version,
        status="FAILED",
        failed_reason="Too few days of data.",
        internal_error=internal_error,
    )
    # Then the version and the model report the failure, and nothing else changed
    described = lookout_client.describe_model_version(
        ModelName=pump_with_active_version, ModelVersion=version
    )
    model = lookout_client.describe_model(ModelName=pump_with_active_version)
    assert described["Status"] == "FAILED"
    assert described["AutoPromotionResult"] == expected
    assert described["FailedReason"] == described["AutoPromotionResultReason"] == "Too few days of data."
    assert "ModelMetrics" not in described
    assert "ModelQuality" not in described
    assert model["LatestScheduledRetrainingStatus"] == "FAILED"
    assert model["LatestScheduledRetrainingFailedReason"] == "Too few days of data."
    assert (model["Status"], model["ActiveModelVersion"]) == ("SUCCESS", 1)


def test_a_cancelled_retraining_is_retraining_cancelled(
    lookout_emulator: LookoutEmulator, lookout_client: Any, pump_with_active_version: str
) -> None:
    version = lookout_emulator.start_retraining(pump_with_active_version)
    lookout_emulator.finish_retraining(pump_with_active_version, version, status="CANCELED")
    described = lookout_client.describe_model_version(
        ModelName=pump_with_active_version, ModelVersion=version
    )
    assert (described["Status"], described["AutoPromotionResult"]) == ("CANCELED", "RETRAINING_CANCELLED")
    summaries = lookout_client.list_models()["ModelSummaries"]
    assert summaries[0]["LatestScheduledRetrainingStatus"] == "CANCELED"


def test_finishing_something_that_is_not_a_running_retraining_is_refused(
    lookout_emulator: LookoutEmulator, pump_with_active_version: str
) -> None:
    with pytest.raises(ValueError, match="not a running retraining"):
        lookout_emulator.finish_retraining(pump_with_active_version, 1)


def test_retraining_needs_a_scheduler(lookout_emulator: LookoutEmulator) -> None:
    lookout_emulator.seed_model("no-scheduler")
    with pytest.raises(ValueError, match="no retraining scheduler"):
        lookout_emulator.start_retraining("no-scheduler")


# ------------------------------------------------------------------ MANAGED promotion


def test_managed_mode_promotes_a_better_version(
    lookout_emulator: LookoutEmulator, lookout_client: Any, managed_pump: str
) -> None:
    # Given a running retraining on a MANAGED scheduler
    version = lookout_emulator.start_retraining(managed_pump)
    # When it succeeds with a recall at least the prior model's
    result = lookout_emulator.finish_retraining(
        managed_pump, version, model_metrics=LABELLED_METRICS, prior_model_metrics=WEAKER_METRICS
    )
    # Then the service promoted it: it is active and version 1 is the previous one
    model = lookout_client.describe_model(ModelName=managed_pump)
    described = lookout_client.describe_model_version(ModelName=managed_pump, ModelVersion=version)
    assert result == described["AutoPromotionResult"] == "MODEL_PROMOTED"
    assert "recall" in described["AutoPromotionResultReason"]
    assert (model["ActiveModelVersion"], model["PreviousActiveModelVersion"]) == (version, 1)
    assert model["ModelMetrics"] == described["ModelMetrics"]


def test_managed_mode_keeps_the_active_version_when_the_new_one_is_worse(
    lookout_emulator: LookoutEmulator, lookout_client: Any, managed_pump: str
) -> None:
    # Given a running retraining on a MANAGED scheduler
    version = lookout_emulator.start_retraining(managed_pump)
    # When it succeeds with a lower recall than the prior model on the same window
    result = lookout_emulator.finish_retraining(
        managed_pump, version, model_metrics=WEAKER_METRICS, prior_model_metrics=LABELLED_METRICS
    )
    # Then it is not promoted
    described = lookout_client.describe_model_version(ModelName=managed_pump, ModelVersion=version)
    assert result == "MODEL_NOT_PROMOTED"
    assert "below the prior model" in described["AutoPromotionResultReason"]
    assert lookout_client.describe_model(ModelName=managed_pump)["ActiveModelVersion"] == 1


def test_managed_mode_does_not_promote_a_lower_quality(
    lookout_emulator: LookoutEmulator, managed_pump: str
) -> None:
    version = lookout_emulator.start_retraining(managed_pump)
    result = lookout_emulator.finish_retraining(managed_pump, version, model_quality="POOR_QUALITY_DETECTED")
    assert result == "MODEL_NOT_PROMOTED"
    assert "quality" in (lookout_emulator.auto_promotion(managed_pump, version)[1] or "")
    assert lookout_emulator.active_version(managed_pump) == 1


def test_switching_promote_mode_changes_what_happens_next(
    lookout_emulator: LookoutEmulator, lookout_client: Any, pump_with_active_version: str
) -> None:
    # Given a MANUAL scheduler switched to MANAGED
    lookout_emulator.set_promote_mode(pump_with_active_version, "MANAGED")
    scheduler = lookout_client.describe_retraining_scheduler(ModelName=pump_with_active_version)
    # When a retraining succeeds with default (equal) metrics
    version = lookout_emulator.start_retraining(pump_with_active_version)
    result = lookout_emulator.finish_retraining(pump_with_active_version, version)
    # Then the scheduler reports MANAGED and the version was promoted
    assert scheduler["PromoteMode"] == "MANAGED"
    assert scheduler["UpdatedAt"] >= scheduler["CreatedAt"]
    assert result == "MODEL_PROMOTED"
    assert lookout_emulator.active_version(pump_with_active_version) == version


def test_the_scheduler_is_described_as_seeded(lookout_emulator: LookoutEmulator, lookout_client: Any) -> None:
    lookout_emulator.seed_model(
        "pump-07",
        scheduler="MANAGED",
        retraining_frequency="P3M",
        lookback_window="P540D",
        scheduler_status="PENDING",
    )
    scheduler = lookout_client.describe_retraining_scheduler(ModelName="pump-07")
    assert {k: scheduler[k] for k in ("RetrainingFrequency", "LookbackWindow", "Status", "PromoteMode")} == {
        "RetrainingFrequency": "P3M",
        "LookbackWindow": "P540D",
        "Status": "PENDING",
        "PromoteMode": "MANAGED",
    }
    lookout_emulator.set_scheduler_status("pump-07", "STOPPED")
    model = lookout_client.describe_model(ModelName="pump-07")
    assert model["RetrainingSchedulerStatus"] == "STOPPED"
    assert "NextScheduledRetrainingStartDate" not in model


# ------------------------------------------------------------------ UpdateActiveModelVersion


def test_activating_a_version_updates_describe_model_and_list_models(
    lookout_emulator: LookoutEmulator, lookout_client: Any, pump_with_active_version: str
) -> None:
    # Given a successful retraining left inactive (MANUAL)
    version = lookout_emulator.start_retraining(pump_with_active_version)
    lookout_emulator.finish_retraining(
        pump_with_active_version, version, model_quality="QUALITY_THRESHOLD_MET"
    )
    before = lookout_client.describe_model(ModelName=pump_with_active_version)
    # When the steward activates it
    response = lookout_client.update_active_model_version(
        ModelName=pump_with_active_version, ModelVersion=version
    )
    # Then the response names the current and previous versions
    arn = lookout_emulator.model_arn(pump_with_active_version)
    assert {k: v for k, v in response.items() if k != "ResponseMetadata"} == {
        "ModelName": pump_with_active_version,
        "ModelArn": arn,
        "CurrentActiveVersion": version,
        "PreviousActiveVersion": 1,
        "CurrentActiveVersionArn": f"{arn}/model-version/{version}",
        "PreviousActiveVersionArn": f"{arn}/model-version/1",
    }
    # And DescribeModel and ListModels show the change, with activation times
    after = lookout_client.describe_model(ModelName=pump_with_active_version)
    summary = lookout_client.list_models(ModelNameBeginsWith=pump_with_active_version)["ModelSummaries"][0]
    assert (after["ActiveModelVersion"], after["PreviousActiveModelVersion"]) == (version, 1)
    assert after["ActiveModelVersionArn"] == f"{arn}/model-version/{version}"
    assert after["PreviousModelVersionActivatedAt"] == before["ModelVersionActivatedAt"]
    assert after["ModelVersionActivatedAt"] >= before["ModelVersionActivatedAt"]
    assert summary["ActiveModelVersion"] == version
    assert summary["ActiveModelVersionArn"] == f"{arn}/model-version/{version}"
    # And rolling back makes version 1 active again
    lookout_client.update_active_model_version(ModelName=pump_with_active_version, ModelVersion=1)
    assert (
        lookout_emulator.active_version(pump_with_active_version),
        lookout_emulator.previous_active_version(pump_with_active_version),
    ) == (1, version)


def test_activating_the_active_version_changes_nothing(
    lookout_emulator: LookoutEmulator, lookout_client: Any, pump_with_active_version: str
) -> None:
    before = lookout_client.describe_model(ModelName=pump_with_active_version)
    response = lookout_client.update_active_model_version(ModelName=pump_with_active_version, ModelVersion=1)
    after = lookout_client.describe_model(ModelName=pump_with_active_version)
    assert response["CurrentActiveVersion"] == 1
    assert "PreviousActiveVersion" not in response
    assert after["ModelVersionActivatedAt"] == before["ModelVersionActivatedAt"]


# ------------------------------------------------------------------ ImportModelVersion


def test_importing_into_a_new_model_creates_version_1(
    lookout_emulator: LookoutEmulator, lookout_client: Any, pump_with_active_version: str
) -> None:
    # Given a successful source version, and a dataset to import it with
    source_arn = lookout_emulator.version_arn(pump_with_active_version, 1)
    lookout_emulator.seed_dataset("imported-data")
    # When it is imported under a new model name
    response = lookout_client.import_model_version(
        SourceModelVersionArn=source_arn, DatasetName="imported-data", ModelName="pump-copy"
    )
    # Then the new model has version 1, IMPORT_IN_PROGRESS
    assert (response["ModelName"], response["ModelVersion"], response["Status"]) == (
        "pump-copy",
        1,
        "IMPORT_IN_PROGRESS",
    )
    assert response["ModelVersionArn"].startswith(
        "arn:aws:lookoutequipment:eu-west-1:123456789012:model/pump-copy/"
    )
    assert lookout_client.describe_model(ModelName="pump-copy")["Status"] == "IMPORT_IN_PROGRESS"
    # When the scenario completes imports
    assert lookout_emulator.complete_imports() == 1
    # Then the version is SUCCESS with the source's metrics, and active (the model had none)
    described = lookout_client.describe_model_version(ModelName="pump-copy", ModelVersion=1)
    source = lookout_client.describe_model_version(ModelName=pump_with_active_version, ModelVersion=1)
    assert (described["Status"], described["SourceType"]) == ("SUCCESS", "IMPORT")
    assert described["SourceModelVersionArn"] == source_arn
    assert described["ModelMetrics"] == source["ModelMetrics"]
    assert described["ImportJobEndTime"] >= described["ImportJobStartTime"]
    model = lookout_client.describe_model(ModelName="pump-copy")
    assert (model["Status"], model["ActiveModelVersion"], model["DatasetName"]) == (
        "SUCCESS",
        1,
        "imported-data",
    )


def test_importing_without_a_model_name_adds_a_version_to_the_source_model(
    lookout_emulator: LookoutEmulator, lookout_client: Any, pump_with_active_version: str
) -> None:
    # When a version is imported with no ModelName
    response = lookout_client.import_model_version(
        SourceModelVersionArn=lookout_emulator.version_arn(pump_with_active_version, 1),
        DatasetName="pump-01-data",
    )
    # Then it becomes the next version of the source model, not active
    assert (response["ModelName"], response["ModelVersion"]) == (pump_with_active_version, 2)
    lookout_emulator.complete_imports(pump_with_active_version)
    assert lookout_emulator.version_status(pump_with_active_version, 2) == "SUCCESS"
    assert lookout_emulator.active_version(pump_with_active_version) == 1


def test_import_is_idempotent_on_client_token(
    lookout_emulator: LookoutEmulator, lookout_client: Any, pump_with_active_version: str
) -> None:
    # Given an import made with a client token
    lookout_emulator.seed_dataset("copy-data")
    params = {
        "SourceModelVersionArn": lookout_emulator.version_arn(pump_with_active_version, 1),
        "DatasetName": "copy-data",
        "ModelName": "pump-copy",
        "ClientToken": str(uuid.uuid4()),
    }
    first = lookout_client.import_model_version(**params)
    # When it is repeated with the same token
    again = lookout_client.import_model_version(**params)
    # Then the result is the same and no second version was created
    assert {k: v for k, v in again.items() if k != "ResponseMetadata"} == {
        k: v for k, v in first.items() if k != "ResponseMetadata"
    }
    assert lookout_emulator.version_numbers("pump-copy") == [1]
    # And the same token with other parameters is a conflict
    with pytest.raises(lookout_client.exceptions.ConflictException, match="ClientToken"):
        lookout_client.import_model_version(**{**params, "ModelName": "another"})


def test_an_emulator_configured_to_complete_imports_answers_success(
    pump_source_emulator: LookoutEmulator,
) -> None:
    # Given an emulator configured to complete imports at once
    client = pump_source_emulator.client()
    # When a version is imported
    response = client.import_model_version(
        ClientToken="import-1",
        SourceModelVersionArn=pump_source_emulator.version_arn("pump-01", 1),
        DatasetName="d",
        ModelName="copy",
    )
    # Then the import is already SUCCESS, and active in the new model
    assert response["Status"] == "SUCCESS"
    assert pump_source_emulator.active_version("copy") == 1


@pytest.fixture
def pump_source_emulator() -> Any:
    """An emulator that completes imports at once, with pump-01 version 1 SUCCESS."""
    with LookoutEmulator(complete_imports_immediately=True) as emulator:
        emulator.seed_model("pump-01")
        emulator.add_version("pump-01")
        emulator.seed_dataset("d")
        yield emulator


def test_importing_an_unknown_or_unsuccessful_source_is_refused(
    lookout_emulator: LookoutEmulator, lookout_client: Any, pump_with_active_version: str
) -> None:
    # Given a FAILED version 2
    lookout_emulator.add_version(pump_with_active_version, status="FAILED")
    unknown = lookout_emulator.version_arn(pump_with_active_version, 1).replace(
        "/model-version/1", "/model-version/9"
    )
    # Then an unknown source is ResourceNotFoundException and a FAILED one ValidationException
    with pytest.raises(lookout_client.exceptions.ResourceNotFoundException):
        lookout_client.import_model_version(SourceModelVersionArn=unknown, DatasetName="d", ModelName="x")
    with pytest.raises(lookout_client.exceptions.ValidationException, match="FAILED"):
        lookout_client.import_model_version(
            SourceModelVersionArn=lookout_emulator.version_arn(pump_with_active_version, 2),
            DatasetName="d",
            ModelName="x",
        )


def test_importing_while_an_import_runs_is_a_conflict(
    lookout_emulator: LookoutEmulator, lookout_client: Any, pump_with_active_version: str
) -> None:
    source = lookout_emulator.version_arn(pump_with_active_version, 1)
    lookout_emulator.seed_dataset("d")
    lookout_client.import_model_version(SourceModelVersionArn=source, DatasetName="d", ModelName="copy")
    with pytest.raises(lookout_client.exceptions.ConflictException):
        lookout_client.import_model_version(SourceModelVersionArn=source, DatasetName="d", ModelName="copy")
    # And while the import runs the model's active version cannot change either
    with pytest.raises(lookout_client.exceptions.ConflictException):
        lookout_client.update_active_model_version(ModelName="copy", ModelVersion=1)


# ------------------------------------------------------------------ scenario validation and model status


def test_scenario_arguments_are_checked_against_the_service_shapes(lookout_emulator: LookoutEmulator) -> None:
    with pytest.raises(ValueError, match="does not match the pattern"):
        lookout_emulator.seed_model("bad name")
    with pytest.raises(ValueError, match="not one of"):
        lookout_emulator.seed_model("pump-01", scheduler="AUTOMATIC")
    with pytest.raises(ValueError, match="Prefix"):
        lookout_emulator.seed_model(
            "pump-01", diagnostics_bucket="bucket", diagnostics_prefix="no-trailing-slash"
        )
    lookout_emulator.seed_model("pump-01")
    with pytest.raises(ValueError, match="already exists"):
        lookout_emulator.seed_model("pump-01")
    with pytest.raises(ValueError, match="only a SUCCESS version can be activated"):
        lookout_emulator.add_version("pump-01", status="FAILED", activate=True)
    with pytest.raises(ValueError, match="maximum 50000"):
        lookout_emulator.add_version("pump-01", model_metrics="x" * 50_001)
    assert lookout_emulator.version_numbers("pump-01") == []


def test_unlabelled_models_default_to_cannot_determine_quality(
    lookout_emulator: LookoutEmulator, lookout_client: Any
) -> None:
    lookout_emulator.seed_model("fan-01", labelled=False)
    lookout_emulator.add_version("fan-01", activate=True)
    described = lookout_client.describe_model_version(ModelName="fan-01", ModelVersion=1)
    assert described["ModelQuality"] == "CANNOT_DETERMINE_QUALITY"
    assert "labeled_event_metrics" not in json.loads(described["ModelMetrics"])
    assert "LabelsInputConfiguration" not in described


def test_model_status_follows_its_training_and_import_versions(lookout_emulator: LookoutEmulator) -> None:
    lookout_emulator.seed_model("m")
    assert lookout_emulator.model_status("m") == "IN_PROGRESS"
    lookout_emulator.add_version("m", status="FAILED")
    assert lookout_emulator.model_status("m") == "FAILED"
    lookout_emulator.add_version("m", activate=True)
    assert lookout_emulator.model_status("m") == "SUCCESS"
    lookout_emulator.add_version("m", status="FAILED")
    assert lookout_emulator.model_status("m") == "SUCCESS"  # an active version keeps the model usable
