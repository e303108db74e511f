"""Amazon Lookout for Equipment: the only module that calls the service.

botocore ships no paginators for this service, so the List calls loop on ``NextToken`` here.
ClientError codes become domain errors; throttling is retried by the client's retry mode first.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

from model_steward.adapters import aws
from model_steward.errors import ConflictError, InvalidInputError, NotFoundError, StewardError, TransientError
from model_steward.models.decision import ModelFacts, VersionFacts
from model_steward.observability import tracer

if TYPE_CHECKING:
    from mypy_boto3_lookoutequipment.type_defs import ModelSummaryTypeDef

MAX_PAGE = 500  # the service's maximum MaxResults for every List call

_TRANSIENT = {"ThrottlingException", "InternalServerException", "ServiceUnavailable", "RequestTimeout"}


def translate(exc: ClientError | BotoCoreError, what: str) -> StewardError:
    """Map a botocore error to the domain error a caller can act on."""
    if isinstance(exc, BotoCoreError):
        return TransientError(f"{what}: {exc}")
    code = exc.response.get("Error", {}).get("Code", "")
    message = exc.response.get("Error", {}).get("Message", "")
    text = f"{what}: {code}: {message}".rstrip(": ")
    if code == "ResourceNotFoundException":
        return NotFoundError(text)
    if code == "ConflictException":
        return ConflictError(text)
    if code == "ValidationException":
        return InvalidInputError(text)
    if code in _TRANSIENT:
        return TransientError(text)
    return StewardError(text)


def _call(operation: str, what: str, **params: Any) -> dict[str, Any]:
    try:
        response: dict[str, Any] = getattr(aws.lookout(), operation)(**params)
    except (ClientError, BotoCoreError) as exc:
        raise translate(exc, what) from exc
    return response


@tracer.capture_method
def iter_models(name_prefix: str = "") -> Iterator[ModelSummaryTypeDef]:
    """Every model summary (one call per 500 models), optionally filtered by name prefix."""
    params: dict[str, Any] = {"MaxResults": MAX_PAGE}
    if name_prefix:
        params["ModelNameBeginsWith"] = name_prefix
    while True:
        page = _call("list_models", "ListModels", **params)
        yield from page.get("ModelSummaries", [])
        token = page.get("NextToken")
        if not token:
            return
        params["NextToken"] = token


@tracer.capture_method
def describe_model(model_name: str) -> dict[str, Any]:
    return _call("describe_model", f"DescribeModel {model_name}", ModelName=model_name)


@tracer.capture_method
def iter_model_versions(model_name: str, *, min_version: int | None = None) -> Iterator[dict[str, Any]]:
    """Version summaries of a model (any order), from ``min_version`` up when given."""
    params: dict[str, Any] = {"ModelName": model_name, "MaxResults": MAX_PAGE}
    if min_version is not None:
        params["MinModelVersion"] = max(1, min_version)
    while True:
        page = _call("list_model_versions", f"ListModelVersions {model_name}", **params)
        yield from page.get("ModelVersionSummaries", [])
        token = page.get("NextToken")
        if not token:
            return
        params["NextToken"] = token


@tracer.capture_method
def describe_model_version(model_name: str, version: int) -> dict[str, Any]:
    return _call(
        "describe_model_version",
        f"DescribeModelVersion {model_name} v{version}",
        ModelName=model_name,
        ModelVersion=version,
    )


@tracer.capture_method
def describe_retraining_scheduler(model_name: str) -> dict[str, Any] | None:
    """The model's retraining scheduler, or None when it has none."""
    try:
        return _call(
            "describe_retraining_scheduler", f"DescribeRetrainingScheduler {model_name}", ModelName=model_name
        )
    except NotFoundError:
        return None


@tracer.capture_method
def update_active_model_version(model_name: str, version: int) -> dict[str, Any]:
    return _call(
        "update_active_model_version",
        f"UpdateActiveModelVersion {model_name} v{version}",
        ModelName=model_name,
        ModelVersion=version,
    )


def summary_fingerprint(summary: ModelSummaryTypeDef | dict[str, Any]) -> str:
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


def version_facts(response: Mapping[str, Any]) -> VersionFacts:
    """A DescribeModelVersion answer as the policy needs it; unknown enum values are refused clearly."""
    try:
        return VersionFacts(
            model_name=response["ModelName"],
            version=response["ModelVersion"],
            status=response["Status"],
            source_type=response.get("SourceType"),
            model_quality=response.get("ModelQuality"),
            model_metrics=response.get("ModelMetrics"),
            prior_model_metrics=response.get("PriorModelMetrics"),
            retraining_available_data_in_days=response.get("RetrainingAvailableDataInDays"),
            created_at=_aware(response.get("CreatedAt")),
            failed_reason=response.get("FailedReason"),
            auto_promotion_result=response.get("AutoPromotionResult"),
            auto_promotion_result_reason=response.get("AutoPromotionResultReason"),
        )
    except (KeyError, ValidationError) as exc:
        raise InvalidInputError(f"DescribeModelVersion answer not understood: {exc}") from exc


def model_facts(model: Mapping[str, Any], scheduler: Mapping[str, Any] | None) -> ModelFacts:
    try:
        return ModelFacts(
            model_name=model["ModelName"],
            active_version=model.get("ActiveModelVersion"),
            active_version_activated_at=_aware(model.get("ModelVersionActivatedAt")),
            promote_mode=(scheduler or {}).get("PromoteMode"),
            scheduler_status=(scheduler or {}).get("Status"),
        )
    except (KeyError, ValidationError) as exc:
        raise InvalidInputError(f"DescribeModel answer not understood: {exc}") from exc
