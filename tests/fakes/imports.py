"""In-memory fakes of the cross-account ports: imports into a target registry from source registries
of other accounts (``ports.ImportRegistry``), an approval bus (``ports.ApprovalPublisher``) and IAM
roles (``ports.RoleDirectory``).

What ``FakeImports`` keeps faithful to the service (and to the emulator): another account's version
is imported only when its model's policy lets this account (the statements ``steward share``
writes), the dataset must exist here, the same ClientToken answers the same import again (other
parameters: ConflictError), a model with a version in progress is busy (ConflictError), and faults
can be injected as the adapter would raise them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from model_steward.errors import (
    ConfigurationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    StewardError,
)
from model_steward.models.imports import ApprovalEvent, ImportRequest, ImportStarted, SourceVersion
from tests.fakes.registry import FakeRegistry

_RUNNING = ("IN_PROGRESS", "IMPORT_IN_PROGRESS")


@dataclass
class FakeImports:
    target: FakeRegistry
    sources: dict[str, FakeRegistry] = field(default_factory=dict)  # account -> its registry
    datasets: set[str] = field(default_factory=set)
    policies: dict[str, tuple[str, str]] = field(default_factory=dict)  # model ARN -> (document, revision)
    tokens: dict[str, tuple[str, ImportStarted]] = field(default_factory=dict)
    faults: dict[str, list[StewardError]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    def _enter(self, operation: str) -> None:
        self.calls.append(operation)
        pending = self.faults.get(operation)
        if pending:
            raise pending.pop(0)

    def inject(self, operation: str, error: StewardError, *, count: int = 1) -> None:
        self.faults.setdefault(operation, []).extend([error] * count)

    def _registry(self, account: str) -> FakeRegistry | None:
        return self.target if account == self.target.account_id else self.sources.get(account)

    def _allowed(self, source: SourceVersion) -> bool:
        registry = self._registry(source.account_id)
        if registry is None or source.account_id == self.target.account_id:
            return registry is not None
        policy = (
            self.policies.get(registry.model_arn(source.model_name))
            if source.model_name in registry.models
            else None
        )
        if policy is None:
            return False
        principals = {f"arn:aws:iam::{self.target.account_id}:root", self.target.account_id}
        return any(
            s.get("Effect") == "Allow" and s.get("Principal", {}).get("AWS") in principals
            for s in json.loads(policy[0])["Statement"]
        )

    # ------------------------------------------------------------------ the port
    def import_version(self, request: ImportRequest, client_token: str) -> ImportStarted:
        self._enter("import_version")
        fingerprint = request.model_dump_json(include={"source_version_arn", "model_name", "dataset_name"})
        if client_token in self.tokens:
            first, answer = self.tokens[client_token]
            if first != fingerprint:
                raise ConflictError("ConflictException: the ClientToken was used with other parameters")
            return answer
        source = request.source
        if not self._allowed(source):
            raise ConfigurationError(
                f"ImportModelVersion: AccessDeniedException: {self.target.account_id} is not authorized to "
                f"perform: lookoutequipment:ImportModelVersion on resource: {source.arn}"
            )
        registry = self._registry(source.account_id)
        assert registry is not None
        found = registry.models.get(source.model_name)
        if found is None or source.version not in found.versions:
            raise NotFoundError(f"ImportModelVersion: ResourceNotFoundException: {source.arn} does not exist")
        if found.versions[source.version].status != "SUCCESS":
            raise InvalidInputError(
                "ImportModelVersion: ValidationException: only a SUCCESS version can be imported"
            )
        if request.dataset_name not in self.datasets:
            raise NotFoundError(
                f"ImportModelVersion: ResourceNotFoundException: Dataset {request.dataset_name}"
            )
        model = self.target.models.get(request.model_name)
        if model is not None and any(v.status in _RUNNING for v in model.versions.values()):
            raise ConflictError(f"ImportModelVersion: ConflictException: {request.model_name} is busy")
        number = self.target.start_import(request.model_name, source.arn)
        answer = ImportStarted(
            model_name=request.model_name,
            version=number,
            version_arn=self.target.version_arn(request.model_name, number),
            status="IMPORT_IN_PROGRESS",
        )
        self.tokens[client_token] = (fingerprint, answer)
        return answer

    def finish(self, model_name: str, version: int, *, status: str = "SUCCESS", **values: Any) -> None:
        """The import ends: a SUCCESS carries the source version's quality and metrics."""
        imported = self.target.models[model_name].versions[version]
        source = SourceVersion.parse(imported.source_version_arn or "")
        assert source is not None
        origin = self._registry(source.account_id)
        assert origin is not None
        copied = origin.models[source.model_name].versions[source.version]
        if status == "SUCCESS":
            values.setdefault("model_quality", copied.model_quality)
            values.setdefault("model_metrics", copied.model_metrics)
        self.target.finish_import(model_name, version, status=status, **values)

    def dataset_exists(self, dataset_name: str) -> bool:
        self._enter("dataset_exists")
        return dataset_name in self.datasets

    def model_arn(self, model_name: str) -> str:
        self._enter("model_arn")
        if model_name not in self.target.models:
            raise NotFoundError(f"model {model_name} does not exist")
        return self.target.model_arn(model_name)

    def resource_policy(self, model_arn: str) -> tuple[str, str] | None:
        self._enter("resource_policy")
        return self.policies.get(model_arn)

    def put_resource_policy(
        self, model_arn: str, document: str, *, revision: str | None, client_token: str
    ) -> str:
        self._enter("put_resource_policy")
        current = self.policies.get(model_arn)
        if (current[1] if current else None) != revision:
            raise ConflictError("PutResourcePolicy: ConflictException: the policy changed meanwhile")
        new_revision = f"{len(self.calls):08x}"
        self.policies[model_arn] = (document, new_revision)
        return new_revision


@dataclass
class FakeApprovalBus:
    """Another deployment's event bus: ``events`` as EventBridge would deliver them (the sender's
    ``account``)."""

    account_id: str
    events: list[dict[str, Any]] = field(default_factory=list)
    fail: list[StewardError] = field(default_factory=list)

    def publish(self, approval: ApprovalEvent) -> str:
        if self.fail:
            raise self.fail.pop(0)
        self.events.append(
            {
                "account": self.account_id,
                "source": "model-steward",
                "detail-type": "Model Version Approved",
                "detail": json.loads(approval.model_dump_json()),
            }
        )
        return f"event-{len(self.events)}"


@dataclass
class FakeRoles:
    existing: set[str] = field(default_factory=set)

    def role_exists(self, role_arn: str) -> bool | None:
        return role_arn in self.existing
