"""The AWS JSON 1.0 wire protocol of Amazon Lookout for Equipment, checked against botocore's model.

Everything shape-related comes from the service model that botocore ships
(``botocore.session.get_session().get_service_model("lookoutequipment")``): which operations exist,
their input and output shapes, required members, enums, ranges and patterns. This module knows
nothing about models or versions; it only

* validates a raw JSON value against a shape (:func:`shape_problems`, used for requests, for every
  response the emulator sends, and by the tests on what the client received),
* turns a response built from Python values into its wire form (:func:`to_wire`: datetimes become
  epoch seconds, ``None`` members are omitted, members the shape does not define are refused),
* formats errors the way the service does (:class:`ServiceError`, :func:`error_response`),
* issues and checks opaque, tamper-evident pagination tokens (:class:`PageTokens`).
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import botocore.session
from botocore.model import ListShape, MapShape, OperationModel, ServiceModel, Shape, StructureShape

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


@functools.cache
def service_model() -> ServiceModel:
    """botocore's model of the service (loaded once)."""
    return botocore.session.get_session().get_service_model(SERVICE_NAME)


def operation_model(operation: str) -> OperationModel:
    return service_model().operation_model(operation)


def named_shape(shape_name: str) -> Shape:
    return service_model().shape_for(shape_name)


def enum_values(shape_name: str) -> frozenset[str]:
    """The allowed values of an enum shape of the service, e.g. ``enum_values("ModelQuality")``."""
    return frozenset(cast(list[str], named_shape(shape_name).metadata.get("enum", [])))


class ServiceError(Exception):
    """An error the emulated service answers with; carried to the client in the wire format."""

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status if status is not None else ERROR_STATUS.get(code, 400)


class ShapeMismatchError(Exception):
    """The emulator built a response its own output shape does not allow (a bug in the emulator)."""


# --------------------------------------------------------------------------------------------
# Shape validation
# --------------------------------------------------------------------------------------------


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str] | None:
    """A Python regex for a Smithy pattern (Java syntax); ``None`` when it cannot be translated."""
    translated = pattern.replace(r"[\P{M}\p{M}]", r"[\s\S]").replace(r"\p{ASCII}", r"[\x00-\x7F]")
    try:
        return re.compile(translated)
    except re.error:
        return None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _range_problems(path: str, what: str, size: float, metadata: Mapping[str, Any]) -> list[str]:
    problems = []
    if "min" in metadata and size < metadata["min"]:
        problems.append(f"{path}: {what} {size} is below the minimum {metadata['min']}")
    if "max" in metadata and size > metadata["max"]:
        problems.append(f"{path}: {what} {size} is above the maximum {metadata['max']}")
    return problems


def _string_problems(shape: Shape, value: str, path: str) -> list[str]:
    metadata = shape.metadata
    enum = metadata.get("enum")
    if enum and value not in enum:
        return [f"{path}: {value!r} is not one of {', '.join(enum)}"]
    problems = _range_problems(path, "length", len(value), metadata)
    pattern = metadata.get("pattern")
    if pattern and not problems:
        compiled = _compiled(pattern)
        if compiled is not None and compiled.search(value) is None:
            problems.append(f"{path}: {value!r} does not match the pattern {pattern}")
    return problems


def _structure_problems(shape: StructureShape, value: dict[Any, Any], path: str) -> list[str]:
    problems: list[str] = []
    members = shape.members
    for name in shape.required_members:
        if name not in value:
            problems.append(f"{path}.{name}: required member is missing")
    for name, member_value in value.items():
        member = members.get(name)
        if member is None:
            problems.append(f"{path}.{name}: not a member of {shape.name}")
        else:
            problems.extend(shape_problems(member, member_value, f"{path}.{name}"))
    return problems


def shape_problems(shape: Shape, value: object, path: str = "$") -> list[str]:
    """Every way a raw JSON value (as sent on the wire) departs from a botocore shape.

    Checks member names (no member the shape does not define), required members, JSON types
    (timestamps are epoch numbers, integers are not booleans, ``null`` is never valid), enums,
    length / value / item-count ranges and string patterns. Returns ``[]`` when the value conforms.
    """
    kind = shape.type_name
    if value is None:
        return [f"{path}: null is not a valid {kind}"]
    if kind == "structure":
        if not isinstance(value, dict):
            return [f"{path}: expected an object ({shape.name}), got {type(value).__name__}"]
        return _structure_problems(cast(StructureShape, shape), value, path)
    if kind == "list":
        if not isinstance(value, list):
            return [f"{path}: expected an array ({shape.name}), got {type(value).__name__}"]
        problems = _range_problems(path, "item count", len(value), shape.metadata)
        member = cast(ListShape, shape).member
        for index, item in enumerate(value):
            problems.extend(shape_problems(member, item, f"{path}[{index}]"))
        return problems
    if kind == "map":
        if not isinstance(value, dict):
            return [f"{path}: expected an object ({shape.name}), got {type(value).__name__}"]
        map_shape = cast(MapShape, shape)
        problems = []
        for key, item in value.items():
            problems.extend(shape_problems(map_shape.key, key, f"{path}<key>"))
            problems.extend(shape_problems(map_shape.value, item, f"{path}[{key!r}]"))
        return problems
    if kind in ("string", "blob"):
        if not isinstance(value, str):
            return [f"{path}: expected a string ({shape.name}), got {type(value).__name__}"]
        return _string_problems(shape, value, path) if kind == "string" else []
    if kind in ("integer", "long"):
        if not _is_int(value):
            return [f"{path}: expected an integer ({shape.name}), got {type(value).__name__}"]
        return _range_problems(path, "value", cast(int, value), shape.metadata)
    if kind in ("double", "float"):
        if not _is_number(value):
            return [f"{path}: expected a number ({shape.name}), got {type(value).__name__}"]
        return _range_problems(path, "value", cast(float, value), shape.metadata)
    if kind == "boolean":
        return [] if isinstance(value, bool) else [f"{path}: expected a boolean, got {type(value).__name__}"]
    if kind == "timestamp":
        if not _is_number(value):
            return [f"{path}: expected a timestamp in epoch seconds, got {type(value).__name__}"]
        return []
    return [f"{path}: shape type {kind!r} is not supported by the emulator's validator"]


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
# Serialisation
# --------------------------------------------------------------------------------------------


def epoch_seconds(moment: datetime) -> float | int:
    """A datetime as the json protocol sends it: epoch seconds (an int when whole)."""
    seconds = moment.timestamp()
    return int(seconds) if seconds.is_integer() else round(seconds, 3)


def from_epoch(value: float) -> datetime:
    return datetime.fromtimestamp(value, UTC)


def to_wire(shape: Shape, value: object, path: str = "$") -> Any:
    """A response value in its JSON form for ``shape``; omits ``None`` members.

    Raises :class:`ShapeMismatchError` for a member the shape does not define or a Python value
    of the wrong kind, so that the emulator can never send what the real service could not.
    """
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, Mapping):
            raise ShapeMismatchError(f"{path}: expected a mapping for {shape.name}")
        members = cast(StructureShape, shape).members
        wire: dict[str, Any] = {}
        for name, member_value in value.items():
            if name not in members:
                raise ShapeMismatchError(f"{path}.{name}: not a member of {shape.name}")
            if member_value is not None:
                wire[name] = to_wire(members[name], member_value, f"{path}.{name}")
        return wire
    if kind == "list":
        if not isinstance(value, list | tuple):
            raise ShapeMismatchError(f"{path}: expected a sequence for {shape.name}")
        member = cast(ListShape, shape).member
        return [to_wire(member, item, f"{path}[{index}]") for index, item in enumerate(value)]
    if kind == "timestamp":
        if isinstance(value, datetime):
            return epoch_seconds(value)
        raise ShapeMismatchError(f"{path}: expected a datetime for {shape.name}")
    return value


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


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: dict[str, str]
    body: bytes


def json_response(
    status: int, payload: object, extra_headers: Mapping[str, str] | None = None
) -> HttpResponse:
    body = json.dumps(payload, separators=(",", ":")).encode()
    headers = {"Content-Type": CONTENT_TYPE, "x-amzn-RequestId": secrets.token_hex(16)}
    headers.update(extra_headers or {})
    return HttpResponse(status, headers, body)


def error_response(error: ServiceError) -> HttpResponse:
    """The service's error wire format: ``__type`` and ``Message`` in the body, ``x-amzn-ErrorType``."""
    return json_response(
        error.status, error_body(error.code, error.message), {"x-amzn-ErrorType": error.code}
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
