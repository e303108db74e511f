"""Amazon Lookout for Equipment as the model registry (``ports.ModelRegistry``): the only code that
calls the service.

botocore ships no paginators for this service, so the List calls loop on ``NextToken`` here.
Errors become domain errors by code (``adapters.errors``); throttling is retried by the client's
retry mode first. API reference:
https://docs.aws.amazon.com/lookout-for-equipment/latest/ug/API_Operations.html
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

from model_steward.adapters import aws
from model_steward.adapters.errors import translate
from model_steward.domain.links import lookout_model_console
from model_steward.errors import (
    ActivationConflict,
    ActivationRefused,
    InvalidInputError,
    NotFoundError,
    StewardError,
)
from model_steward.models.decision import ModelFacts, ObjectLocation, VersionFacts
from model_steward.models.messages import LOOKOUT_FOR_EQUIPMENT
from model_steward.models.names import is_model_name
from model_steward.models.registry import ModelListing, ModelSnapshot, VersionRef
from model_steward.observability import tracer

if TYPE_CHECKING:
    from mypy_boto3_lookoutequipment import LookoutEquipmentClient

MAX_PAGE = 500  # the service's maximum MaxResults for every List call
# ``.../<model>/model-version-<n>/<file>``: the emulator's layout, and a likely real one (the
# service does not document where in the configured prefix it writes a version's file).
_VERSION_SEGMENT = re.compile(r"^model[-_]?version[-_=]?(\d{1,9})$", re.IGNORECASE)
_ACTIVATION_ERRORS: Mapping[str, type[StewardError]] = {
    "ConflictException": ActivationConflict,
    "ValidationException": ActivationRefused,
}


def summary_fingerprint(summary: Mapping[str, Any]) -> str:
    """What in a ListModels summary moves when a model gets news (cheap change detection)."""
    fields = (
        summary.get("Status"),
        summary.get("ActiveModelVersion"),
        summary.get("LatestScheduledRetrainingModelVersion"),
        summary.get("LatestScheduledRetrainingStatus"),
        summary.get("RetrainingSchedulerStatus"),
    )
    return "|".join("" if value is None else str(value) for value in fields)


def _aware(value: datetime | None) -> datetime | None:
    """botocore parses timestamps into aware datetimes; be safe with naive ones (UTC)."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _location(value: Mapping[str, Any] | None, key: str) -> ObjectLocation | None:
    if not value or not value.get("Bucket"):
        return None
    return ObjectLocation(bucket=value["Bucket"], key=value.get(key) or "")


def listing(summary: Mapping[str, Any]) -> ModelListing:
    """A ListModels summary as a model listing."""
    output = (summary.get("ModelDiagnosticsOutputConfiguration") or {}).get("S3OutputConfiguration")
    return ModelListing(
        model_name=summary["ModelName"],
        fingerprint=summary_fingerprint(summary),
        scheduler_status=summary.get("RetrainingSchedulerStatus"),
        next_retraining=_aware(summary.get("NextScheduledRetrainingStartDate")),
        diagnostics_output=_location(output, "Prefix"),
    )


def diagnostics_hint(key: str) -> VersionRef | None:
    """``.../<model>/model-version-<n>/<file>``: the model and version the key's folders name."""
    parts = key.split("/")
    for index in range(len(parts) - 2, 0, -1):
        match = _VERSION_SEGMENT.match(parts[index])
        if match and is_model_name(parts[index - 1]):
            return VersionRef(parts[index - 1], int(match.group(1)))
    return None


def version_facts(response: Mapping[str, Any]) -> VersionFacts:
    """A DescribeModelVersion answer as the policy needs it; unknown enum values are refused clearly."""
    try:
        return VersionFacts(
            model_name=response["ModelName"],
            version=response["ModelVersion"],
            status=response["Status"],
            source_type=response.get("SourceType"),
            version_arn=response.get("ModelVersionArn"),
            model_quality=response.get("ModelQuality"),
            model_metrics=response.get("ModelMetrics"),
            prior_model_metrics=response.get("PriorModelMetrics"),
            retraining_available_data_in_days=response.get("RetrainingAvailableDataInDays"),
            created_at=_aware(response.get("CreatedAt")),
            failed_reason=response.get("FailedReason"),
            auto_promotion_result=response.get("AutoPromotionResult"),
            auto_promotion_result_reason=response.get("AutoPromotionResultReason"),
            diagnostics_object=_location(response.get("ModelDiagnosticsResultsObject"), "Key"),
            source_version_arn=response.get("SourceModelVersionArn"),
            import_started_at=_aware(response.get("ImportJobStartTime")),
            import_ended_at=_aware(response.get("ImportJobEndTime")),
            imported_data_bytes=response.get("ImportedDataSizeInBytes"),
        )
    except (KeyError, ValidationError) as exc:
        raise InvalidInputError(f"DescribeModelVersion answer not understood: {exc}") from exc


def model_facts(model: Mapping[str, Any], scheduler: Mapping[str, Any] | None) -> ModelFacts:
    """DescribeModel (and DescribeRetrainingScheduler, if the model has a scheduler) as facts."""
    try:
        return ModelFacts(
            model_name=model["ModelName"],
            active_version=model.get("ActiveModelVersion"),
            active_version_arn=model.get("ActiveModelVersionArn"),
            active_version_activated_at=_aware(model.get("ModelVersionActivatedAt")),
            previous_active_version=model.get("PreviousActiveModelVersion"),
            promote_mode=(scheduler or {}).get("PromoteMode"),
            scheduler_status=(scheduler or {}).get("Status"),
        )
    except (KeyError, ValidationError) as exc:
        raise InvalidInputError(f"DescribeModel answer not understood: {exc}") from exc


def model_snapshot(model: Mapping[str, Any], scheduler: Mapping[str, Any] | None) -> ModelSnapshot:
    scheduler = scheduler or {}
    return ModelSnapshot(
        model_name=model["ModelName"],
        active_version=model.get("ActiveModelVersion"),
        active_since=_aware(model.get("ModelVersionActivatedAt")),
        promote_mode=scheduler.get("PromoteMode"),
        scheduler_status=scheduler.get("Status") or model.get("RetrainingSchedulerStatus"),
        retraining_frequency=scheduler.get("RetrainingFrequency"),
        lookback_window=scheduler.get("LookbackWindow"),
        scheduler_start=_aware(scheduler.get("RetrainingStartDate")),
        latest_retraining_version=model.get("LatestScheduledRetrainingModelVersion"),
        latest_retraining_status=model.get("LatestScheduledRetrainingStatus"),
        latest_retraining_started=_aware(model.get("LatestScheduledRetrainingStartTime")),
        latest_retraining_failed_reason=model.get("LatestScheduledRetrainingFailedReason"),
        available_data_days=model.get("LatestScheduledRetrainingAvailableDataInDays"),
        next_retraining=_aware(model.get("NextScheduledRetrainingStartDate")),
    )


class LookoutRegistry:
    """``ports.ModelRegistry`` on Amazon Lookout for Equipment."""

    registry_id = LOOKOUT_FOR_EQUIPMENT

    def __init__(self, region: str, client: LookoutEquipmentClient | None = None) -> None:
        self.region = region
        self._client = client

    @property
    def client(self) -> LookoutEquipmentClient:
        return self._client or aws.lookout()

    def _call(
        self,
        operation: str,
        what: str,
        *,
        overrides: Mapping[str, type[StewardError]] | None = None,
        **params: Any,
    ) -> dict[str, Any]:
        try:
            response: dict[str, Any] = getattr(self.client, operation)(**params)
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, what, overrides=overrides) from exc
        return response

    def _pages(self, operation: str, what: str, items: str, **params: Any) -> Iterator[dict[str, Any]]:
        params["MaxResults"] = MAX_PAGE
        while True:
            page = self._call(operation, what, **params)
            yield from page.get(items, [])
            token = page.get("NextToken")
            if not token:
                return
            params["NextToken"] = token

    # ------------------------------------------------------------------ the port
    @tracer.capture_method
    def list_models(self, name_prefix: str = "") -> Iterator[ModelListing]:
        """Every model (one ListModels call per 500), optionally by name prefix."""
        params = {"ModelNameBeginsWith": name_prefix} if name_prefix else {}
        for summary in self._pages("list_models", "ListModels", "ModelSummaries", **params):
            yield listing(summary)

    def _describe(self, model_name: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
        model = self._call("describe_model", f"DescribeModel {model_name}", ModelName=model_name)
        try:
            scheduler: dict[str, Any] | None = self._call(
                "describe_retraining_scheduler",
                f"DescribeRetrainingScheduler {model_name}",
                ModelName=model_name,
            )
        except NotFoundError:  # the model has no retraining scheduler
            scheduler = None
        return model, scheduler

    @tracer.capture_method
    def describe_model(self, model_name: str) -> ModelFacts:
        return model_facts(*self._describe(model_name))

    @tracer.capture_method
    def active_version(self, model_name: str) -> int | None:
        model = self._call("describe_model", f"DescribeModel {model_name}", ModelName=model_name)
        active = model.get("ActiveModelVersion")
        return active if isinstance(active, int) else None

    @tracer.capture_method
    def model_snapshot(self, model_name: str) -> ModelSnapshot:
        return model_snapshot(*self._describe(model_name))

    @tracer.capture_method
    def version_numbers(self, model_name: str, *, from_version: int = 1) -> list[int]:
        params = {"MinModelVersion": from_version} if from_version > 1 else {}
        summaries = self._pages(
            "list_model_versions",
            f"ListModelVersions {model_name}",
            "ModelVersionSummaries",
            ModelName=model_name,
            **params,
        )
        return sorted({summary["ModelVersion"] for summary in summaries})

    @tracer.capture_method
    def describe_version(self, model_name: str, version: int) -> VersionFacts:
        response = self._call(
            "describe_model_version",
            f"DescribeModelVersion {model_name} v{version}",
            ModelName=model_name,
            ModelVersion=version,
        )
        return version_facts(response)

    @tracer.capture_method
    def activate(self, model_name: str, version: int) -> int:
        """UpdateActiveModelVersion; a conflict (training, importing) is ActivationConflict, a
        validation refusal ActivationRefused."""
        response = self._call(
            "update_active_model_version",
            f"UpdateActiveModelVersion {model_name} v{version}",
            overrides=_ACTIVATION_ERRORS,
            ModelName=model_name,
            ModelVersion=version,
        )
        current = response.get("CurrentActiveVersion")
        if not isinstance(current, int):
            raise StewardError(f"UpdateActiveModelVersion {model_name} v{version} answered no active version")
        return current

    def console_url(self, model_name: str) -> str:
        return lookout_model_console(model_name, self.region)

    def diagnostics_hint(self, key: str) -> VersionRef | None:
        return diagnostics_hint(key)

    def sensor_labels(self, names: Iterable[str]) -> dict[str, str]:
        """Lookout for Equipment names sensors ``component\\sensor`` already: nothing to resolve."""
        return {}
