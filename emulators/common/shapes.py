"""What the emulators take from botocore's model of a service, and check against it.

* :class:`BotocoreModel`: a service's model as botocore ships it (operations, shapes, enums),
  loaded once;
* :func:`shape_problems`: every way a raw JSON value departs from a shape (used on requests, on
  every response an emulator sends, and by the tests on what the client received);
* :func:`to_wire`: a response built from Python values in its JSON form (datetimes as epoch
  seconds, ``None`` members omitted, members the shape does not define refused);
* :class:`HttpResponse`: what an emulator answers a request with (:func:`json_response` builds one).
"""

from __future__ import annotations

import functools
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import botocore.session
from botocore.model import ListShape, MapShape, OperationModel, ServiceModel, Shape, StructureShape


class BotocoreModel:
    """botocore's model of one service (``BotocoreModel("lookoutequipment")``), loaded on first use."""

    def __init__(self, service_name: str) -> None:
        self.service_name = service_name

    @functools.cached_property
    def _model(self) -> ServiceModel:
        return botocore.session.get_session().get_service_model(self.service_name)

    def service_model(self) -> ServiceModel:
        return self._model

    def operation_model(self, operation: str) -> OperationModel:
        return self._model.operation_model(operation)

    def named_shape(self, shape_name: str) -> Shape:
        return self._model.shape_for(shape_name)

    def enum_values(self, shape_name: str) -> frozenset[str]:
        """The allowed values of an enum shape of the service, e.g. ``enum_values("ModelQuality")``."""
        return frozenset(cast(list[str], self.named_shape(shape_name).metadata.get("enum", [])))


class ShapeMismatchError(Exception):
    """The emulator built a response its own output shape does not allow (a bug in the emulator)."""


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: dict[str, str]
    body: bytes


def json_response(
    status: int,
    payload: object,
    content_type: str,
    extra_headers: Mapping[str, str] | None = None,
) -> HttpResponse:
    """A service's JSON answer: compact ``payload`` in ``content_type`` with a fresh
    ``x-amzn-RequestId`` (plus ``extra_headers``)."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    headers = {"Content-Type": content_type, "x-amzn-RequestId": secrets.token_hex(16)}
    headers.update(extra_headers or {})
    return HttpResponse(status, headers, body)


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
