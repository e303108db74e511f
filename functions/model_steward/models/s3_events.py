"""The S3 objects an S3 notification or an EventBridge "Object Created" event announces."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from pydantic import BaseModel, ConfigDict

from model_steward.errors import InvalidInputError


@dataclass(frozen=True, slots=True)
class ObjectHead:
    etag: str  # without quotes, as in notifications
    size: int


class ObjectRef(BaseModel):
    model_config = ConfigDict(frozen=True)

    bucket: str
    key: str  # the likelier reading of the announced key
    size: int | None = None
    etag: str | None = None
    other_keys: tuple[str, ...] = ()  # the other readings, tried when ``key`` is not found

    def readings(self) -> tuple[str, ...]:
        """Every reading of the announced key, the likelier first."""
        return (self.key, *self.other_keys)

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


def _readings(announced: str, *, encoded_first: bool) -> tuple[str, tuple[str, ...]]:
    """(the likelier key, the other one): the key as announced and its form-style decoding."""
    decoded = unquote_plus(announced)
    if decoded == announced:
        return announced, ()
    return (decoded, (announced,)) if encoded_first else (announced, (decoded,))


def objects_in(event: Mapping[str, Any]) -> list[ObjectRef]:
    """Object references from either delivery path; anything else is a clear error.

    S3 event notifications URL-encode the key in the form style (a space is ``+``): decoded first.
    S3's EventBridge events have been seen with keys as they are (raw ``:`` and ``=``): as sent
    first. A key with ``+`` or ``%`` reads two ways, so the other reading is kept, and tried when
    the first is not found (``ObjectRef.other_keys``).
    """
    if "Records" in event:
        refs = []
        for record in event["Records"]:
            if record.get("eventSource") != "aws:s3" or not str(record.get("eventName", "")).startswith(
                "ObjectCreated"
            ):
                raise InvalidInputError(f"not an S3 ObjectCreated record: {record.get('eventSource')!r}")
            s3 = record["s3"]
            obj = s3["object"]
            key, others = _readings(obj["key"], encoded_first=True)
            refs.append(
                ObjectRef(
                    bucket=s3["bucket"]["name"],
                    key=key,
                    other_keys=others,
                    size=obj.get("size"),
                    etag=obj.get("eTag"),
                )
            )
        return refs
    if event.get("source") == "aws.s3" and event.get("detail-type") == "Object Created":
        detail = event["detail"]
        obj = detail["object"]
        key, others = _readings(obj["key"], encoded_first=False)
        return [
            ObjectRef(
                bucket=detail["bucket"]["name"],
                key=key,
                other_keys=others,
                size=obj.get("size"),
                etag=obj.get("etag"),
            )
        ]
    raise InvalidInputError("event is neither an S3 notification nor an EventBridge 'Object Created' event")
