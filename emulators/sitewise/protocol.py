"""The restJson1 wire protocol of AWS IoT SiteWise, checked against botocore's ``iotsitewise`` model.

Everything shape-related comes from the service model botocore ships: each operation's HTTP method
and URI template (how a request is routed), where each input member travels (URI label, query
string or JSON body), the input and output shapes, the error shapes and their HTTP statuses. This
module knows nothing about computation models; it

* routes a request line to an implemented operation (:func:`route`) and turns the URI labels, the
  query string and the JSON body into the operation's parameters (:func:`request_params`), which
  are then validated against the input shape (``InvalidRequestException`` otherwise);
* serialises a response (datetimes as epoch seconds) and validates it against the output shape
  before it is sent (:func:`response_body`), with the two departures the service documents or
  evidently makes (see :data:`FREE_TEXT_MAPS`);
* formats errors as the service does: the error shape's HTTP status, an ``x-amzn-ErrorType``
  header and a JSON body with ``message`` (:class:`ServiceError`);
* issues and checks opaque, tamper-evident ``nextToken`` values in the alphabet the model allows
  (:class:`PageTokens`).

Shape validation and serialisation are the ones every emulator shares
(:mod:`emulators.common.shapes`).
"""

from __future__ import annotations

import base64
import binascii
import copy
import functools
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import parse_qs, unquote

from botocore.model import Shape, StructureShape

from emulators.common.shapes import (
    BotocoreModel,
    HttpResponse,
    ShapeMismatchError,
    json_response,
    shape_problems,
    to_wire,
)

SERVICE_NAME = "iotsitewise"
CONTENT_TYPE = "application/json"

#: The operations the emulator implements (the ones Model Steward calls, and the asset reads that
#: give readable names). Every other route is answered 404 ``UnknownOperationException``.
IMPLEMENTED_OPERATIONS = frozenset(
    {
        "ListComputationModels",
        "DescribeComputationModel",
        "ListComputationModelResolveToResources",
        "ListExecutions",
        "DescribeExecution",
        "DescribeComputationModelExecutionSummary",
        "ExecuteAction",
        "ListActions",
        "DescribeAction",
        "DescribeAsset",
        "DescribeAssetProperty",
    }
)

#: The string-to-string maps whose values the model declares as ``^[a-zA-Z0-9 _\\-#$*!@]+$``.
#: Read literally that excludes ``.`` and ``:``, which metrics, timestamps and messages contain;
#: the service evidently does not hold its answers to it, so neither does the emulator (the keys
#: are still checked).
FREE_TEXT_MAPS = ("executionDetails", "executionResult", "computationModelExecutionSummary")
#: ListActions declares ``nextToken`` required and documents it as "null if there are no
#: additional results": the last page carries ``"nextToken": null``.
NULL_LAST_TOKEN = frozenset({"ListActions"})

_MAX_REPORTED_PROBLEMS = 5


_MODEL = BotocoreModel(SERVICE_NAME)
service_model = _MODEL.service_model
operation_model = _MODEL.operation_model
named_shape = _MODEL.named_shape
enum_values = _MODEL.enum_values


def error_status(code: str) -> int:
    """The HTTP status the service answers an error code with (from the error shape)."""
    try:
        shape = named_shape(code)
    except Exception:
        return 400
    return int(shape.metadata.get("error", {}).get("httpStatusCode", 400))


class ServiceError(Exception):
    """An error the emulated service answers with; carried to the client in the wire format."""

    def __init__(
        self, code: str, message: str, status: int | None = None, extra: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status if status is not None else error_status(code)
        self.extra = dict(extra or {})


# --------------------------------------------------------------------------------------------
# Routing and request parsing
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    operation: str
    method: str
    pattern: re.Pattern[str]
    labels: tuple[str, ...]


@functools.cache
def routes() -> tuple[Route, ...]:
    """Every implemented operation's (method, URI template) as a full-match regex."""
    built = []
    for operation in sorted(IMPLEMENTED_OPERATIONS):
        http = operation_model(operation).http
        template = http["requestUri"].split("?", 1)[0]
        labels = tuple(re.findall(r"\{([^}+]+)\+?\}", template))
        regex = re.sub(r"\{[^}+]+\}", "([^/]+)", template)
        built.append(Route(operation, http["method"], re.compile(f"^{regex}$"), labels))
    return tuple(built)


def route(method: str, path: str) -> tuple[str, dict[str, str]]:
    """(operation, URI labels) of a request; ``UnknownOperationException`` (404) when none matches."""
    for candidate in routes():
        match = candidate.pattern.match(path)
        if match and candidate.method == method:
            return candidate.operation, {
                label: unquote(value) for label, value in zip(candidate.labels, match.groups(), strict=True)
            }
    raise ServiceError(
        "UnknownOperationException",
        f"No operation of the AWS IoT SiteWise emulator answers {method} {path}; it implements "
        + ", ".join(sorted(IMPLEMENTED_OPERATIONS))
        + ".",
        status=404,
    )


def _query_value(shape: Shape, raw: str, name: str) -> Any:
    kind = shape.type_name
    if kind in ("integer", "long"):
        try:
            return int(raw)
        except ValueError:
            raise ServiceError("InvalidRequestException", f"{name}: {raw!r} is not an integer") from None
    if kind == "boolean":
        if raw not in ("true", "false"):
            raise ServiceError("InvalidRequestException", f"{name}: {raw!r} is not true or false")
        return raw == "true"
    return raw


def request_params(operation: str, labels: Mapping[str, str], query: str, body: bytes) -> dict[str, Any]:
    """The operation's parameters from the URI labels, the query string and the JSON body, validated
    against its input shape (``InvalidRequestException`` otherwise)."""
    shape = cast(StructureShape, operation_model(operation).input_shape)
    params: dict[str, Any] = {}
    parsed_query = parse_qs(query, keep_blank_values=True)
    by_location: dict[str, str] = {}
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        wire_name = member.serialization.get("name", name)
        if location == "uri":
            if wire_name in labels:
                params[name] = labels[wire_name]
        elif location == "querystring":
            if wire_name in parsed_query:
                params[name] = _query_value(member, parsed_query[wire_name][-1], wire_name)
        else:
            by_location[name] = "body"
    if body.strip():
        try:
            decoded = json.loads(body)
        except ValueError as exc:
            raise ServiceError(
                "InvalidRequestException", f"The request body is not valid JSON: {exc}"
            ) from None
        if not isinstance(decoded, dict):
            raise ServiceError("InvalidRequestException", "The request body must be a JSON object.")
        for name, value in decoded.items():
            if name not in by_location:
                raise ServiceError("InvalidRequestException", f"{name}: not a member of {shape.name}")
            params[name] = value
    problems = shape_problems(shape, params, "")
    if problems:
        shown = [problem.lstrip(".") for problem in problems[:_MAX_REPORTED_PROBLEMS]]
        more = len(problems) - len(shown)
        raise ServiceError(
            "InvalidRequestException",
            f"{len(problems)} validation error(s) in the {operation} request: "
            + "; ".join(shown)
            + (f" (and {more} more)" if more > 0 else ""),
        )
    return params


# --------------------------------------------------------------------------------------------
# Responses
# --------------------------------------------------------------------------------------------


def _for_validation(operation: str, wire: dict[str, Any]) -> dict[str, Any]:
    """The response as the validator sees it: free-text map values and a null last token accepted."""
    checked = copy.deepcopy(wire)

    def visit(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in FREE_TEXT_MAPS and isinstance(item, dict):
                    value[key] = dict.fromkeys(item, "x")
                else:
                    visit(item)
        elif isinstance(value, list):
            for item in value:
                visit(item)

    visit(checked)
    if operation in NULL_LAST_TOKEN and checked.get("nextToken", "") is None:
        checked["nextToken"] = "AA=="
    return checked


def response_body(operation: str, response: Mapping[str, Any]) -> dict[str, Any]:
    """The wire form of a response, checked against the operation's output shape."""
    shape = cast(StructureShape, operation_model(operation).output_shape)
    null_token = operation in NULL_LAST_TOKEN and "nextToken" in response and response["nextToken"] is None
    wire = cast(dict[str, Any], to_wire(shape, response))
    if null_token:
        wire["nextToken"] = None
    problems = shape_problems(shape, _for_validation(operation, wire))
    if problems:
        raise ShapeMismatchError("; ".join(problems[:_MAX_REPORTED_PROBLEMS]))
    return wire


def success_status(operation: str) -> int:
    return int(operation_model(operation).http.get("responseCode", 200))


def error_response(error: ServiceError) -> HttpResponse:
    """``x-amzn-ErrorType: <code>`` and ``{"message": ...}`` (plus the error shape's other members)."""
    return json_response(
        error.status,
        {"message": error.message, **error.extra},
        CONTENT_TYPE,
        {"x-amzn-ErrorType": error.code},
    )


# --------------------------------------------------------------------------------------------
# Pagination tokens
# --------------------------------------------------------------------------------------------


class PageTokens:
    """Opaque ``nextToken`` values: standard base64 (the model's ``[A-Za-z0-9+/=]+``) of an HMAC and
    (operation, filter checksum, position). The position is the sort key of the last item returned
    (keyset pagination: no repeats, no skips while items are added). A token this emulator did not
    issue, an altered one, or one replayed with other filters is an ``InvalidRequestException``."""

    _MAC_BYTES = 16

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key if key is not None else secrets.token_bytes(32)

    @staticmethod
    def filter_checksum(filters: Mapping[str, Any]) -> str:
        canonical = json.dumps(filters, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()[: self._MAC_BYTES]

    def issue(self, operation: str, filters: Mapping[str, Any], position: str) -> str:
        payload = json.dumps(
            {"op": operation, "f": self.filter_checksum(filters), "after": position}, separators=(",", ":")
        ).encode()
        return base64.b64encode(self._mac(payload) + payload).decode()

    def position(self, operation: str, filters: Mapping[str, Any], token: str) -> str:
        invalid = ServiceError("InvalidRequestException", "The nextToken is invalid or has expired.")
        try:
            raw = base64.b64decode(token, validate=True)
        except (binascii.Error, ValueError):
            raise invalid from None
        mac, payload = raw[: self._MAC_BYTES], raw[self._MAC_BYTES :]
        if not payload or not hmac.compare_digest(mac, self._mac(payload)):
            raise invalid
        decoded = json.loads(payload)
        if decoded.get("op") != operation or decoded.get("f") != self.filter_checksum(filters):
            raise ServiceError(
                "InvalidRequestException",
                f"The nextToken was issued for a different {operation} request: repeat the same "
                "parameters when passing a nextToken.",
            )
        return str(decoded["after"])
