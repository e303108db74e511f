"""In-memory fakes of the small ports: alert publishers, queues, the object store, the policy
document, the Slack webhook secret and transport. Each records what it was given and can be told
to fail the way its real adapter does (with the domain error the adapter would raise)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from model_steward.errors import ConflictError, NotFoundError, StewardError
from model_steward.models.alerts import Alert
from model_steward.models.messages import EvaluateRequest
from model_steward.models.s3_events import ObjectHead


@dataclass
class FakePublisher:
    """A channel: ``published`` holds every alert it accepted; ``fail`` the errors still to raise."""

    name: str = "alerts"
    published: list[Alert] = field(default_factory=list)
    fail: list[StewardError] = field(default_factory=list)

    def publish(self, alert: Alert) -> str:
        if self.fail:
            raise self.fail.pop(0)
        self.published.append(alert)
        return f"{self.name}-message-{len(self.published)}"

    def kinds(self) -> list[str]:
        return [alert.kind.value for alert in self.published]


@dataclass
class FakeEvaluateQueue:
    sent: list[EvaluateRequest] = field(default_factory=list)

    def send_evaluate_requests(self, requests: Sequence[EvaluateRequest]) -> int:
        self.sent.extend(requests)
        return len(requests)

    def names(self) -> list[str]:
        return [request.model_name for request in self.sent]


@dataclass
class FakeDeadLetterQueue:
    bodies: list[dict[str, Any]] = field(default_factory=list)
    fail: list[StewardError] = field(default_factory=list)

    def send(self, body: Mapping[str, Any]) -> None:
        if self.fail:
            raise self.fail.pop(0)
        self.bodies.append(dict(body))


class FakeStream:
    def __init__(self, data: bytes, *, fail_after: int | None = None, error: StewardError | None = None):
        self._data = data
        self._fail_after = fail_after
        self._error = error
        self.bytes_read = 0

    def read(self, size: int = -1, /) -> bytes:
        if self._fail_after is not None and self.bytes_read >= self._fail_after:
            raise self._error or StewardError("read failed")
        end = len(self._data) if size < 0 else self.bytes_read + size
        if self._fail_after is not None:
            end = min(end, self._fail_after)
        chunk = self._data[self.bytes_read : end]
        self.bytes_read += len(chunk)
        return chunk

    def close(self) -> None:
        return None

    def __enter__(self) -> FakeStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


@dataclass
class FakeObjectStore:
    """Objects by (bucket, key), each with an ETag (the MD5 of its bytes, as S3's for one PUT);
    an open pinned to an ETag the object no longer has is a ConflictError, a missing object a
    NotFoundError."""

    objects: dict[tuple[str, str], bytes] = field(default_factory=dict)
    texts: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)  # -> (text, content type)
    read_error: tuple[int, StewardError] | None = None  # fail reads after N bytes with this error

    def put(self, bucket: str, key: str, body: bytes) -> str:
        self.objects[(bucket, key)] = body
        return self.etag(bucket, key)

    def etag(self, bucket: str, key: str) -> str:
        return hashlib.md5(self.objects[(bucket, key)]).hexdigest()

    def delete(self, bucket: str, key: str) -> None:
        self.objects.pop((bucket, key), None)

    def open(self, bucket: str, key: str, *, etag: str | None = None) -> FakeStream:
        if (bucket, key) not in self.objects:
            raise NotFoundError(f"GetObject s3://{bucket}/{key}: NoSuchKey")
        if etag is not None and etag.strip('"') != self.etag(bucket, key):
            raise ConflictError(f"GetObject s3://{bucket}/{key}: PreconditionFailed")
        fail_after, error = self.read_error or (None, None)
        return FakeStream(self.objects[(bucket, key)], fail_after=fail_after, error=error)

    def head(self, bucket: str, key: str) -> ObjectHead:
        if (bucket, key) not in self.objects:
            raise NotFoundError(f"HeadObject s3://{bucket}/{key}: 404")
        return ObjectHead(etag=self.etag(bucket, key), size=len(self.objects[(bucket, key)]))

    def put_text(self, bucket: str, key: str, text: str, *, content_type: str) -> None:
        self.texts[(bucket, key)] = (text, content_type)
        self.objects[(bucket, key)] = text.encode()

    def exists(self, bucket: str, key: str) -> bool:
        return (bucket, key) in self.objects


@dataclass
class FakePolicyDocument:
    """The overrides document: ``text`` (None: it does not exist)."""

    text: str | None = None
    name: str = "/model-steward/policy"
    reads: int = 0

    def read(self) -> str:
        self.reads += 1
        if self.text is None:
            raise NotFoundError(f"policy document {self.name} does not exist in SSM Parameter Store")
        return self.text


@dataclass
class FakeWebhookSecret:
    """``value`` is what the secret holds now; ``cached`` what a reader saw last (until force_fetch)."""

    value: str = "https://hooks.slack.test/services/T0/B0/secret"
    cached: str | None = None
    reads: int = 0

    def url(self, *, force_fetch: bool = False) -> str:
        if self.cached is None or force_fetch:
            self.reads += 1
            self.cached = self.value
        return self.cached


@dataclass
class Posted:
    url: str
    body: dict[str, Any]


@dataclass
class FakeWebhookTransport:
    """Answers each post from ``replies`` ((status, body), one per post; then 200 ok), or by URL
    (``refused_urls``: 403 invalid_token), and records every post."""

    replies: list[tuple[int, str]] = field(default_factory=list)
    refused_urls: set[str] = field(default_factory=set)
    posts: list[Posted] = field(default_factory=list)
    unreachable: StewardError | None = None
    max_retries: int = 2

    def post(self, url: str, body: Mapping[str, Any]) -> tuple[int, str]:
        self.posts.append(Posted(url, dict(body)))
        if self.unreachable is not None:
            raise self.unreachable
        if url in self.refused_urls:
            return 403, "invalid_token"
        if self.replies:
            return self.replies.pop(0)
        return 200, "ok"
