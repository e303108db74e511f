"""Amazon S3: the only module that reads or writes objects for the product's functions.

Reads stream through Powertools' seekable ``S3Object`` (ranged GETs, never the whole object in
memory), pinned to the announced ETag with ``IfMatch`` so that what is summarised is the object the
notification named. Every botocore error, raised when the stream opens or in the middle of a read,
becomes a domain error: a missing object is ``NotFoundError``, an object replaced since it was
announced is ``ConflictError``, throttling, 5xx and network failures are ``TransientError``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.utilities.streaming import S3Object
from botocore.exceptions import BotoCoreError, ClientError

from model_steward.adapters import aws
from model_steward.errors import (
    ConfigurationError,
    ConflictError,
    NotFoundError,
    StewardError,
    TransientError,
)
from model_steward.observability import tracer

_TRANSIENT = {
    "SlowDown",
    "InternalError",
    "ServiceUnavailable",
    "RequestTimeout",
    "RequestTimeTooSkewed",
    "Throttling",
    "ThrottlingException",
    "500",
    "503",
    "KMS.ThrottlingException",
}
_NOT_FOUND = {"NoSuchKey", "NoSuchBucket", "NotFound", "404", "NoSuchVersion"}
_CHANGED = {"PreconditionFailed", "412"}
# The deployment is wrong (the role's S3 or KMS permissions): a retry will not help, a person must.
_CONFIGURATION = {"AccessDenied", "403", "KMS.AccessDeniedException", "KMS.DisabledException"}


def translate(exc: ClientError | BotoCoreError, what: str) -> StewardError:
    """Map a botocore error to the domain error a caller can act on."""
    if isinstance(exc, BotoCoreError):
        return TransientError(f"{what}: {exc}")
    error = exc.response.get("Error", {})
    code = str(error.get("Code", ""))
    text = f"{what}: {code}: {error.get('Message', '')}".rstrip(": ")
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    if code in _TRANSIENT or status >= 500:
        return TransientError(text)
    if code in _NOT_FOUND:
        return NotFoundError(text)
    if code in _CHANGED:
        return ConflictError(text)
    if code in _CONFIGURATION:
        return ConfigurationError(text)
    return StewardError(text)


def quoted(etag: str) -> str:
    """An ETag as S3 sends it in headers (notifications carry it without the quotes)."""
    return etag if etag.startswith('"') else f'"{etag}"'


@dataclass(frozen=True, slots=True)
class ObjectHead:
    etag: str  # without quotes, as in notifications
    size: int


class ObjectStream:
    """A read-only binary stream of one S3 object version whose failures are domain errors."""

    def __init__(self, bucket: str, key: str, *, etag: str | None = None) -> None:
        self.uri = f"s3://{bucket}/{key}"
        options: dict[str, Any] = {"IfMatch": quoted(etag)} if etag else {}
        self._object = S3Object(bucket=bucket, key=key, boto3_client=aws.s3(), **options)
        self.bytes_read = 0

    def read(self, size: int = -1, /) -> bytes:
        try:
            data = self._object.read(size)
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, f"GetObject {self.uri} at byte {self.bytes_read}") from exc
        self.bytes_read += len(data)
        return data

    def close(self) -> None:
        self._object.close()  # type: ignore[no-untyped-call]

    def __enter__(self) -> ObjectStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def open_object(bucket: str, key: str, *, etag: str | None = None) -> ObjectStream:
    """Stream an object (lazily: the first ``read`` opens it); ``etag`` pins the version read."""
    return ObjectStream(bucket, key, etag=etag)


@tracer.capture_method
def head(bucket: str, key: str) -> ObjectHead:
    try:
        response = aws.s3().head_object(Bucket=bucket, Key=key)
    except (ClientError, BotoCoreError) as exc:
        raise translate(exc, f"HeadObject s3://{bucket}/{key}") from exc
    return ObjectHead(etag=response["ETag"].strip('"'), size=response["ContentLength"])


@tracer.capture_method
def put_text(bucket: str, key: str, text: str, *, content_type: str) -> None:
    """Write a small text object (UTF-8); the bucket's default encryption applies."""
    try:
        aws.s3().put_object(Bucket=bucket, Key=key, Body=text.encode("utf-8"), ContentType=content_type)
    except (ClientError, BotoCoreError) as exc:
        raise translate(exc, f"PutObject s3://{bucket}/{key}") from exc
