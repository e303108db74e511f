"""What the services need from the outside world, as ``typing.Protocol`` interfaces.

Services depend on these and on the domain only. ``model_steward.adapters`` implements them with
AWS (boto3) and Slack (slack_sdk); the handlers and the CLI build the adapters once per invocation
(``model_steward.compose``) and hand them to the services. Tests hand in-memory fakes instead
(``tests/fakes``), and contract tests run the same assertions against both.

Every port speaks the domain's own types (``models``), never a service's response shapes, and
raises the domain's errors (``model_steward.errors``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from model_steward.models.alerts import Alert
from model_steward.models.decision import ModelFacts, VersionFacts
from model_steward.models.diagnostics_files import DiagnosticsRecord
from model_steward.models.ledger import (
    AlertRecord,
    ModelState,
    PolicyDocumentRecord,
    VersionRecord,
    VersionState,
)
from model_steward.models.messages import EvaluateRequest
from model_steward.models.registry import ModelListing, ModelSnapshot, VersionRef
from model_steward.models.s3_events import ObjectHead

if TYPE_CHECKING:  # only the import function and the CLI load the cross-account models
    from model_steward.models.imports import (
        ApprovalEvent,
        ImportRecord,
        ImportRequest,
        ImportStarted,
        ImportState,
    )


class ModelRegistry(Protocol):
    """The service that trains, versions and activates the governed models (Amazon Lookout for
    Equipment; AWS IoT SiteWise anomaly detection). The registry owns its name rules, its object
    layouts and its console."""

    @property
    def registry_id(self) -> str:
        """Which registry this is (``EvaluateRequest.registry`` names it)."""
        ...

    def list_models(self, name_prefix: str = "") -> Iterator[ModelListing]:
        """Every model, cheaply (many per call), optionally those whose name starts with a prefix."""
        ...

    def describe_model(self, model_name: str) -> ModelFacts:
        """The model now: active and previous active version, activation time, promote mode and
        scheduler status. NotFoundError for an unknown model."""
        ...

    def active_version(self, model_name: str) -> int | None:
        """The model's active version now (one cheap read, for the fresh look before activating).
        NotFoundError for an unknown model."""
        ...

    def model_snapshot(self, model_name: str) -> ModelSnapshot:
        """What `steward status` shows of the model. NotFoundError for an unknown model."""
        ...

    def version_numbers(self, model_name: str, *, from_version: int = 1) -> list[int]:
        """The model's version numbers from ``from_version`` up, ascending."""
        ...

    def describe_version(self, model_name: str, version: int) -> VersionFacts:
        """One version's facts. NotFoundError for an unknown version."""
        ...

    def activate(self, model_name: str, version: int) -> int:
        """Make ``version`` the active one; returns the active version the registry reports after.
        ActivationConflict: busy, try later; ActivationRefused: not this version (the reason in
        the message); NotFoundError."""
        ...

    def console_url(self, model_name: str) -> str:
        """The registry's console page of the model."""
        ...

    def diagnostics_hint(self, key: str) -> VersionRef | None:
        """The model version an object key's layout suggests wrote it (to be confirmed with
        :meth:`describe_version`), or None."""
        ...

    def sensor_labels(self, names: Iterable[str]) -> dict[str, str]:
        """Readable labels of diagnostics sensor names the registry can resolve (SiteWise's
        ``assetId\\propertyId`` as asset and property names); names it cannot are left out."""
        ...


class Ledger(Protocol):
    """The audit trail and the guard against double actions (one DynamoDB table)."""

    def model_states(self) -> dict[str, ModelState]: ...

    def model_state(self, model_name: str) -> ModelState | None: ...

    def save_model_state(self, state: ModelState) -> None:
        """Update the state's fields; the promotion claim on the same item is left alone."""
        ...

    def version(self, model_name: str, version: int) -> VersionRecord | None: ...

    def versions(self, model_name: str) -> list[VersionRecord]:
        """Every recorded version of a model, newest first."""
        ...

    def record(
        self,
        record: VersionRecord,
        *,
        replaces: Iterable[VersionState | None],
        alert: AlertRecord | None = None,
        outbox: Sequence[AlertRecord] = (),
    ) -> bool:
        """Write a version record, and its alert and ``outbox`` items (an approval for another
        deployment) in the same transaction. ``replaces``: the states the existing item may be in
        (None: no item yet). False, writing nothing, when the item is in another state. An alert or
        outbox item whose id exists already is not written again."""
        ...

    def revisit(self, model_name: str, at: datetime) -> None:
        """Ask the watch to queue the model at or after ``at`` (an earlier request is kept)."""
        ...

    def claim_promotion(
        self, model_name: str, version: int, claim_id: str, now: datetime, lease: timedelta
    ) -> bool:
        """Take the model's promotion claim; False while another live claim holds it."""
        ...

    def release_promotion(self, model_name: str, claim_id: str) -> None:
        """Give the claim back, if it is still ``claim_id``'s."""
        ...

    def add_alert(self, alert: AlertRecord) -> bool:
        """Create an alert item on its own, once per id (False when it exists)."""
        ...

    def alert(self, pk: str, alert_id: str) -> AlertRecord | None: ...

    def alerts(self, pk: str) -> list[AlertRecord]: ...

    def pending_alerts(self) -> list[AlertRecord]:
        """Alerts not yet accepted by the publisher, oldest first."""
        ...

    def lease_alert(self, pk: str, alert_id: str, now: datetime, lease: timedelta) -> bool:
        """Take the right to send an alert: PENDING, or SENDING whose lease ran out."""
        ...

    def alert_sent(self, pk: str, alert_id: str, message_id: str, now: datetime) -> None: ...

    def alert_failed(self, pk: str, alert_id: str, error: str) -> None: ...

    def policy_document(self, parameter_name: str) -> PolicyDocumentRecord | None:
        """The overrides document as last recorded, or None."""
        ...

    def save_policy_document(
        self, record: PolicyDocumentRecord, *, replaces: str | None, alert: AlertRecord | None = None
    ) -> bool:
        """Record the document, and its change's alert in the same transaction, if the stored one
        still has fingerprint ``replaces`` (None: nothing stored yet); False, writing nothing, when
        another writer recorded it first."""
        ...

    def diagnostics_file(
        self, model_name: str | None, bucket: str, key: str, etag: str
    ) -> DiagnosticsRecord | None:
        """The record of one diagnostics file version, under its model (or unlinked), or None."""
        ...

    def add_diagnostics_file(self, record: DiagnosticsRecord) -> bool:
        """Create a diagnostics file's record once; False when it exists already."""
        ...

    def link_diagnostics(self, model_name: str, version: int, values: Mapping[str, str]) -> bool:
        """Set ``values`` on an existing version record (nothing else of it); False when the version
        has no record."""
        ...

    def diagnostics_of(self, model_name: str) -> list[DiagnosticsRecord]:
        """Every diagnostics file record linked to a model."""
        ...

    def import_record(self, model_name: str, key: str) -> ImportRecord | None: ...

    def imports_of(self, model_name: str) -> list[ImportRecord]:
        """Every import into a model, oldest first."""
        ...

    def put_import(
        self,
        record: ImportRecord,
        *,
        replaces: Iterable[ImportState | None],
        alert: AlertRecord | None = None,
    ) -> bool:
        """Write an import record (and its alert, in the same transaction) when the stored one is in
        a state of ``replaces`` (None: no record yet); False, writing nothing, otherwise. A REQUESTED
        record is listed by :meth:`pending_imports`."""
        ...

    def pending_imports(self) -> list[ImportRecord]:
        """Imports waiting for the service to accept them (REQUESTED), oldest first."""
        ...


class AlertPublisher(Protocol):
    """A channel that takes an alert (the alert topic; the Amazon Q Developer topic)."""

    def publish(self, alert: Alert) -> str:
        """Publish one alert; returns the channel's message id."""
        ...


class ApprovalPublisher(Protocol):
    """Another deployment's event bus, where approvals go (Amazon EventBridge)."""

    def publish(self, approval: ApprovalEvent) -> str:
        """Put one approval on the bus; returns the event's id."""
        ...


class ImportRegistry(Protocol):
    """What a registry that can import versions from other accounts offers besides
    :class:`ModelRegistry` (Amazon Lookout for Equipment's ImportModelVersion and resource policies)."""

    def import_version(self, request: ImportRequest, client_token: str) -> ImportStarted:
        """Start (or, with the same token, find again) an import. ConflictError: busy or over a
        quota, try later; TransientError; ConfigurationError: access denied (the source's resource
        policy, the role); NotFoundError: the source or the dataset; InvalidInputError."""
        ...

    def dataset_exists(self, dataset_name: str) -> bool: ...

    def model_arn(self, model_name: str) -> str:
        """The model's ARN. NotFoundError for an unknown model."""
        ...

    def resource_policy(self, model_arn: str) -> tuple[str, str] | None:
        """The model's resource policy and its revision id, or None."""
        ...

    def put_resource_policy(
        self, model_arn: str, document: str, *, revision: str | None, client_token: str
    ) -> str:
        """Attach the policy (replacing ``revision``, None when the model has none); returns the new
        revision. ConflictError when the policy changed meanwhile."""
        ...


class RoleDirectory(Protocol):
    """IAM, as much as an import needs: does a role exist."""

    def role_exists(self, role_arn: str) -> bool | None:
        """True or False, or None when it cannot be told (no permission to look)."""
        ...


class ObjectStream(Protocol):
    """A read-only binary stream of one object; failures are domain errors."""

    bytes_read: int

    def read(self, size: int = -1, /) -> bytes: ...

    def close(self) -> None: ...

    def __enter__(self) -> ObjectStream: ...

    def __exit__(self, *exc_info: object) -> None: ...


class ObjectStore(Protocol):
    """Amazon S3, as the diagnostics flow uses it."""

    def open(self, bucket: str, key: str, *, etag: str | None = None) -> ObjectStream:
        """Stream an object; ``etag`` pins the version read (a replaced object is ConflictError)."""
        ...

    def head(self, bucket: str, key: str) -> ObjectHead: ...

    def put_text(self, bucket: str, key: str, text: str, *, content_type: str) -> None: ...


class EvaluateQueue(Protocol):
    def send_evaluate_requests(self, requests: Sequence[EvaluateRequest]) -> int:
        """Send every request; TransientError naming the models the queue refused."""
        ...


class DeadLetterQueue(Protocol):
    def send(self, body: Mapping[str, Any]) -> None:
        """Put one JSON body on the queue (TransientError when it cannot)."""
        ...


class PolicyDocument(Protocol):
    """The per-model policy overrides document (SSM Parameter Store), cached briefly."""

    @property
    def name(self) -> str: ...

    def read(self) -> str:
        """The document's text. NotFoundError, ConfigurationError (no permission), TransientError."""
        ...


class WebhookSecret(Protocol):
    """The Slack incoming-webhook URL, kept in a secret (never logged)."""

    def url(self, *, force_fetch: bool = False) -> str:
        """The URL (cached; ``force_fetch`` reads it again, e.g. after Slack refused the cached one)."""
        ...


class WebhookTransport(Protocol):
    """Posts a JSON body to a webhook URL, retrying what its policy allows."""

    max_retries: int

    def post(self, url: str, body: Mapping[str, Any]) -> tuple[int, str]:
        """(HTTP status, response body) after the transport's own retries. TransientError when the
        webhook cannot be reached (its message never contains the URL)."""
        ...
