"""Amazon Lookout for Equipment: the only module that calls the service.

botocore ships no paginators for this service, so the List calls loop on ``NextToken`` here.
ClientError codes become domain errors; throttling is retried by the client's retry mode first.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from model_steward.adapters import aws
from model_steward.errors import ConflictError, InvalidInputError, NotFoundError, StewardError, TransientError
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
