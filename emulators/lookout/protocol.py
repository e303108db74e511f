"""The AWS JSON 1.0 wire protocol of Amazon Lookout for Equipment, checked against botocore's model.

Everything shape-related comes from the service model that botocore ships
(``botocore.session.get_session().get_service_model("lookoutequipment")``): which operations exist,
their input and output shapes, required members, enums, ranges and patterns. This module knows
nothing about models or versions; it only

* validates a request body against the operation's input shape (:func:`validate_request`) and a
  response against its output shape before it is sent (:func:`response_body`), with the shape
  validation and serialisation every emulator shares (:mod:`emulators.common.shapes`),
* formats errors the way the service does (:class:`ServiceError`, :func:`error_response`),
* issues and checks opaque, tamper-evident pagination tokens (:class:`PageTokens`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from typing import Any, cast

from emulators.common.shapes import (
    BotocoreModel,
    HttpResponse,
    ShapeMismatchError,
    json_response,
    shape_problems,
    to_wire,
)

SERVICE_NAME = "lookoutequipment"
TARGET_PREFIX = "AWSLookoutEquipmentFrontendService"
CONTENT_TYPE = "application/x-amz-json-1.0"

#: The operations the emulator implements. Every other operation of the service is answered with
#: ``UnknownOperationException`` (HTTP 400).
IMPLEMENTED_OPERATIONS = frozenset(
    {
        "ListModels",
        "DescribeModel",
        "ListModelVersions",
        "DescribeModelVersion",
        "UpdateActiveModelVersion",
        "ImportModelVersion",
        "DescribeRetrainingScheduler",
        "ListRetrainingSchedulers",
        "DescribeDataset",
        "PutResourcePolicy",
        "DescribeResourcePolicy",
        "DeleteResourcePolicy",
    }
)

#: HTTP status of each error code (the service's API reference: all 400 except the internal error).
ERROR_STATUS: Mapping[str, int] = {
    "AccessDeniedException": 400,
    "ConflictException": 400,
    "InternalServerException": 500,
    "ResourceNotFoundException": 400,
    "ServiceQuotaExceededException": 400,
    "ThrottlingException": 400,
    "ValidationException": 400,
    "UnknownOperationException": 400,
    "SerializationException": 400,
}

_MAX_REPORTED_PROBLEMS = 5

_MODEL = BotocoreModel(SERVICE_NAME)
service_model = _MODEL.service_model
operation_model = _MODEL.operation_model
named_shape = _MODEL.named_shape
enum_values = _MODEL.enum_values


class ServiceError(Exception):
    """An error the emulated service answers with; carried to the client in the wire format."""

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status if status is not None else ERROR_STATUS.get(code, 400)


# --------------------------------------------------------------------------------------------
# Requests
# --------------------------------------------------------------------------------------------


def validate_request(operation: str, params: object) -> dict[str, Any]:
    """The request body if it satisfies the operation's input shape, else a ``ValidationException``."""
    shape = operation_model(operation).input_shape
    if shape is None:  # pragma: no cover - every implemented operation has an input
        return {}
    problems = shape_problems(shape, params, "")
    if problems:
        shown = [problem.lstrip(".") for problem in problems[:_MAX_REPORTED_PROBLEMS]]
        more = len(problems) - len(shown)
        suffix = f" (and {more} more)" if more > 0 else ""
        raise ServiceError(
            "ValidationException",
            f"{len(problems)} validation error(s) detected in the {operation} request: "
            + "; ".join(shown)
            + suffix,
        )
    return cast(dict[str, Any], params)


# --------------------------------------------------------------------------------------------
# Responses
# --------------------------------------------------------------------------------------------


def response_body(operation: str, response: Mapping[str, Any]) -> dict[str, Any]:
    """The wire form of an operation's response, checked against its output shape."""
    shape = operation_model(operation).output_shape
    if shape is None:  # pragma: no cover - every implemented operation has an output
        return {}
    wire = cast(dict[str, Any], to_wire(shape, response))
    problems = shape_problems(shape, wire)
    if problems:
        raise ShapeMismatchError("; ".join(problems[:_MAX_REPORTED_PROBLEMS]))
    return wire


def error_body(code: str, message: str) -> dict[str, str]:
    return {"__type": code, "Message": message}


def error_response(error: ServiceError) -> HttpResponse:
    """The service's error wire format: ``__type`` and ``Message`` in the body, ``x-amzn-ErrorType``."""
    return json_response(
        error.status,
        error_body(error.code, error.message),
        CONTENT_TYPE,
        {"x-amzn-ErrorType": error.code},
    )


# --------------------------------------------------------------------------------------------
# Pagination tokens
# --------------------------------------------------------------------------------------------


class PageTokens:
    """Opaque ``NextToken`` values: base64 of (operation, filter checksum, position) plus an HMAC.

    The position is the sort key of the last item returned (keyset pagination), so a listing
    neither repeats nor skips items that existed when it started, even while items are added.
    A token that was not issued by this emulator, was altered,
    or is replayed with different filters or for another operation is a ``ValidationException``.
    """

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key if key is not None else secrets.token_bytes(32)

    @staticmethod
    def filter_checksum(filters: Mapping[str, Any]) -> str:
        canonical = json.dumps(filters, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def _mac(self, payload: bytes) -> str:
        digest = hmac.new(self._key, payload, hashlib.sha256).digest()[:16]
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def issue(self, operation: str, filters: Mapping[str, Any], position: str) -> str:
        payload = json.dumps(
            {"op": operation, "f": self.filter_checksum(filters), "after": position},
            separators=(",", ":"),
        ).encode()
        encoded = base64.urlsafe_b64encode(payload).decode().rstrip("=")
        return f"{encoded}.{self._mac(encoded.encode())}"

    def position(self, operation: str, filters: Mapping[str, Any], token: str) -> str:
        """The position a token continues from; ``ValidationException`` when it is not valid here."""
        invalid = ServiceError("ValidationException", "The NextToken is invalid or has expired.")
        encoded, _, mac = token.partition(".")
        if not encoded or not hmac.compare_digest(mac, self._mac(encoded.encode())):
            raise invalid
        try:
            payload = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
        except (binascii.Error, ValueError) as exc:  # pragma: no cover - the MAC already matched
            raise invalid from exc
        if payload.get("op") != operation or payload.get("f") != self.filter_checksum(filters):
            raise ServiceError(
                "ValidationException",
                f"The NextToken was issued for a different {operation} request: "
                "repeat the same filters when passing a NextToken.",
            )
        return str(payload["after"])
