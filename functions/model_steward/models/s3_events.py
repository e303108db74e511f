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
    key: str  # decoded
    size: int | None = None
    etag: str | None = None

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


def objects_in(event: Mapping[str, Any]) -> list[ObjectRef]:
    """Decoded object references from either delivery path; anything else is a clear error.

    Both S3 event notifications and S3's EventBridge events carry the key URL-encoded in the form
    style (a space is ``+``), so both are decoded with ``unquote_plus``.
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
            refs.append(
                ObjectRef(
                    bucket=s3["bucket"]["name"],
                    key=unquote_plus(obj["key"]),
                    size=obj.get("size"),
                    etag=obj.get("eTag"),
                )
            )
        return refs
    if event.get("source") == "aws.s3" and event.get("detail-type") == "Object Created":
        detail = event["detail"]
        obj = detail["object"]
        return [
            ObjectRef(
                bucket=detail["bucket"]["name"],
                key=unquote_plus(obj["key"]),
                size=obj.get("size"),
                etag=obj.get("etag"),
            )
        ]
    raise InvalidInputError("event is neither an S3 notification nor an EventBridge 'Object Created' event")
