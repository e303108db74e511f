"""Amazon S3: the only module that reads or writes objects for the product's functions.

Reads stream through Powertools' seekable ``S3Object`` (ranged GETs, never the whole object in
memory), pinned to the announced ETag with ``IfMatch`` so that what is summarised is the object the
notification named. Every botocore error, raised when the stream opens or in the middle of a read,
becomes a domain error (``adapters.errors``): a missing object is ``NotFoundError``, an object
replaced since it was announced is ``ConflictError`` (412), throttling, 5xx and network failures are
``TransientError``, missing S3 or KMS permissions ``ConfigurationError``.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.streaming import S3Object
from botocore.exceptions import BotoCoreError, ClientError

from model_steward.adapters import aws
from model_steward.adapters.errors import call, translate
from model_steward.models.s3_events import ObjectHead
from model_steward.observability import tracer


def quoted(etag: str) -> str:
    """An ETag as S3 sends it in headers (notifications carry it without the quotes)."""
    return etag if etag.startswith('"') else f'"{etag}"'


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
    response = call(aws.s3(), "head_object", f"HeadObject s3://{bucket}/{key}", Bucket=bucket, Key=key)
    return ObjectHead(etag=response["ETag"].strip('"'), size=response["ContentLength"])


@tracer.capture_method
def put_text(bucket: str, key: str, text: str, *, content_type: str, kms_key_arn: str | None = None) -> None:
    """Write a small text object (UTF-8): encrypted with ``kms_key_arn`` (SSE-KMS) when given, else
    with the bucket's default encryption."""
    encryption: dict[str, Any] = (
        {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key_arn} if kms_key_arn else {}
    )
    call(
        aws.s3(),
        "put_object",
        f"PutObject s3://{bucket}/{key}",
        Bucket=bucket,
        Key=key,
        Body=text.encode("utf-8"),
        ContentType=content_type,
        **encryption,
    )


class S3ObjectStore:
    """``ports.ObjectStore`` on Amazon S3 (the functions' own client). Objects it writes are
    encrypted with ``kms_key_arn`` when one is given (the diagnostics files' key)."""

    def __init__(self, kms_key_arn: str | None = None) -> None:
        self.kms_key_arn = kms_key_arn or None

    def open(self, bucket: str, key: str, *, etag: str | None = None) -> ObjectStream:
        return open_object(bucket, key, etag=etag)

    def head(self, bucket: str, key: str) -> ObjectHead:
        return head(bucket, key)

    def put_text(self, bucket: str, key: str, text: str, *, content_type: str) -> None:
        put_text(bucket, key, text, content_type=content_type, kms_key_arn=self.kms_key_arn)
