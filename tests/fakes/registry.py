"""An in-memory model registry (``ports.ModelRegistry``) with a scenario API shaped like the Lookout
for Equipment emulator's (``seed_model``, ``add_version``, ``start_retraining``...), so the same
scenario reads the same against the fake and against the emulator (tests/contract proves it).

What it keeps faithful: version numbers from 1, a model IN_PROGRESS while its first training (or
an import) runs, activation refused (ActivationRefused) for a version that is not SUCCESS and
in conflict (ActivationConflict) while the model trains, the previous active version, ModelQuality
defaults by labelling, diagnostics objects at ``{prefix}{model}/model-version-{n}/...``, the listing
fingerprint moving with the active version and the latest retraining, and injected faults.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from model_steward.adapters.lookout import diagnostics_hint
from model_steward.domain.links import lookout_model_console
from model_steward.domain.samples import metrics_json
from model_steward.errors import (
    ActivationConflict,
    ActivationRefused,
    InvalidInputError,
    NotFoundError,
    StewardError,
)
from model_steward.models.decision import ModelFacts, ObjectLocation, VersionFacts
from model_steward.models.messages import LOOKOUT_FOR_EQUIPMENT
from model_steward.models.names import is_model_name
from model_steward.models.registry import ModelListing, ModelSnapshot, VersionRef

DIAGNOSTICS_FILE = "model_diagnostics_results.json.gz"
DEFAULT: Any = object()
_RUNNING = ("IN_PROGRESS", "IMPORT_IN_PROGRESS")


@dataclass
class FakeVersion:
    number: int
    status: str
    source_type: str
    created_at: datetime
    model_quality: str | None = None
    model_metrics: str | None = None
    prior_model_metrics: str | None = None
    data_days: int | None = None
    failed_reason: str | None = None
    auto_promotion_result: str | None = None
    auto_promotion_result_reason: str | None = None
    diagnostics_key: str | None = None
    source_version_arn: str | None = None
    import_started: datetime | None = None
    import_ended: datetime | None = None
    imported_bytes: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # further VersionFacts fields (label, prior_basis...)


@dataclass
class FakeModel:
    name: str
    labelled: bool = True
    promote_mode: str | None = None
    scheduler_status: str | None = None
    retraining_frequency: str = "P1M"
    lookback_window: str = "P360D"
    next_retraining: datetime | None = None
    diagnostics_bucket: str | None = None
    diagnostics_prefix: str = ""
    label: str | None = None
    versions: dict[int, FakeVersion] = field(default_factory=dict)
    active: int | None = None
    active_at: datetime | None = None
    previous: int | None = None
    latest_retraining: int | None = None
    model_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def status(self) -> str:
        base = [v for v in self.versions.values() if v.source_type != "RETRAINING"]
        if not base:
            return "IN_PROGRESS"
        newest = max(base, key=lambda v: v.number)
        if newest.status in (*_RUNNING, "SUCCESS"):
            return newest.status
        return "SUCCESS" if self.active is not None else "FAILED"


@dataclass(frozen=True)
class Call:
    operation: str
    args: tuple[Any, ...]


class FakeRegistry:
    registry_id = LOOKOUT_FOR_EQUIPMENT

    def __init__(
        self,
        region: str = "eu-west-1",
        *,
        clock: Callable[[], datetime] | None = None,
        account_id: str = "123456789012",
    ) -> None:
        self.region = region
        self.account_id = account_id
        self.clock = clock or (lambda: datetime.now(UTC))
        self.models: dict[str, FakeModel] = {}
        self.calls: list[Call] = []
        self._faults: dict[str, list[StewardError]] = {}
        self._hooks: dict[tuple[str, int], Callable[[], None]] = {}
        self.labels: dict[str, str] = {}  # sensor name -> readable label (sensor_labels)

    # ------------------------------------------------------------------ scenario API
    def seed_model(
        self,
        model_name: str,
        *,
        labelled: bool = True,
        scheduler: str | None = None,
        scheduler_status: str = "RUNNING",
        diagnostics_bucket: str | None = None,
        diagnostics_prefix: str = "",
        label: str | None = None,
        **_: Any,
    ) -> None:
        if not is_model_name(model_name) or model_name in self.models:
            raise ValueError(f"cannot seed model {model_name!r}")
        self.models[model_name] = FakeModel(
            name=model_name,
            labelled=labelled,
            promote_mode=scheduler,
            scheduler_status=scheduler_status if scheduler else None,
            next_retraining=self.clock() + timedelta(days=1) if scheduler else None,
            diagnostics_bucket=diagnostics_bucket,
            diagnostics_prefix=diagnostics_prefix,
            label=label,
        )

    def add_version(
        self,
        model_name: str,
        *,
        status: str = "SUCCESS",
        source_type: str = "TRAINING",
        model_quality: str | None = DEFAULT,
        model_metrics: str | None = DEFAULT,
        prior_model_metrics: str | None = None,
        retraining_available_data_in_days: int | None = None,
        failed_reason: str | None = None,
        diagnostics_key: str | None = DEFAULT,
        auto_promotion_result: str | None = None,
        auto_promotion_result_reason: str | None = None,
        created_at: datetime | None = None,
        activate: bool = False,
        facts: dict[str, Any] | None = None,
    ) -> int:
        """``facts``: further VersionFacts fields another registry fills (prior_basis, raw...)."""
        if activate and status != "SUCCESS":
            raise ValueError(f"only a SUCCESS version can be activated, not a {status} one")
        model = self.models[model_name]
        version = FakeVersion(
            number=max(model.versions, default=0) + 1,
            status=status,
            source_type=source_type,
            created_at=created_at or self.clock(),
            data_days=retraining_available_data_in_days,
            auto_promotion_result=auto_promotion_result,
            auto_promotion_result_reason=auto_promotion_result_reason,
            extra=dict(facts or {}),
        )
        model.versions[version.number] = version
        self._complete(
            model,
            version,
            status=status,
            model_quality=model_quality,
            model_metrics=model_metrics,
            prior_model_metrics=prior_model_metrics,
            failed_reason=failed_reason,
            diagnostics_key=diagnostics_key,
        )
        if source_type == "RETRAINING":
            model.latest_retraining = version.number
        if activate:
            self._activate(model, version.number)
        return version.number

    def start_retraining(self, model_name: str, **_: Any) -> int:
        model = self.models[model_name]
        if model.promote_mode is None:
            raise ValueError(f"model {model_name!r} has no retraining scheduler")
        number = self.add_version(model_name, status="IN_PROGRESS", source_type="RETRAINING")
        model.next_retraining = self.clock() + timedelta(days=30)
        return number

    def finish_retraining(
        self,
        model_name: str,
        version: int,
        *,
        status: str = "SUCCESS",
        model_quality: str | None = DEFAULT,
        model_metrics: str | None = DEFAULT,
        prior_model_metrics: str | None = DEFAULT,
        failed_reason: str | None = None,
        diagnostics_key: str | None = DEFAULT,
        **_: Any,
    ) -> str:
        model = self.models[model_name]
        target = model.versions[version]
        if target.source_type != "RETRAINING" or target.status != "IN_PROGRESS":
            raise ValueError(f"version {version} of {model_name!r} is not a running retraining")
        if prior_model_metrics is DEFAULT:
            prior_model_metrics = model.versions[model.active].model_metrics if model.active else None
        self._complete(
            model,
            target,
            status=status,
            model_quality=model_quality,
            model_metrics=model_metrics,
            prior_model_metrics=prior_model_metrics,
            failed_reason=failed_reason,
            diagnostics_key=diagnostics_key,
        )
        result = {"FAILED": "RETRAINING_CUSTOMER_ERROR", "CANCELED": "RETRAINING_CANCELLED"}.get(
            status, "MODEL_NOT_PROMOTED"
        )
        target.auto_promotion_result = result
        return result

    def activate_version(self, model_name: str, version: int) -> None:
        """Activate directly, as a person in the console would."""
        self._activate(self.models[model_name], version)

    def model_arn(self, model_name: str) -> str:
        model = self.models[model_name]
        return f"arn:aws:lookoutequipment:{self.region}:{self.account_id}:model/{model.name}/{model.model_id}"

    def version_arn(self, model_name: str, version: int) -> str:
        return f"{self.model_arn(model_name)}/model-version/{version}"

    def start_import(self, model_name: str, source_arn: str) -> int:
        """An IMPORT version of the model (created when missing), IMPORT_IN_PROGRESS."""
        if model_name not in self.models:
            self.seed_model(model_name)
        number = self.add_version(model_name, status="IMPORT_IN_PROGRESS", source_type="IMPORT")
        version = self.models[model_name].versions[number]
        version.source_version_arn, version.import_started = source_arn, self.clock()
        return number

    def finish_import(
        self,
        model_name: str,
        version: int,
        *,
        status: str = "SUCCESS",
        model_quality: str | None = DEFAULT,
        model_metrics: str | None = DEFAULT,
        failed_reason: str | None = None,
    ) -> None:
        model = self.models[model_name]
        target = model.versions[version]
        self._complete(
            model,
            target,
            status=status,
            model_quality=model_quality,
            model_metrics=model_metrics,
            prior_model_metrics=None,
            failed_reason=failed_reason,
            diagnostics_key=DEFAULT,
        )
        if status == "CANCELED":
            target.failed_reason = failed_reason
        target.import_ended, target.imported_bytes = self.clock(), 52_428_800
        if status == "SUCCESS" and model.active is None:
            self._activate(model, version)

    def set_promote_mode(self, model_name: str, promote_mode: str) -> None:
        self.models[model_name].promote_mode = promote_mode

    def inject_fault(self, operation: str, error: StewardError, *, count: int = 1) -> None:
        """The next ``count`` calls of ``operation`` (a port method's name) raise ``error``."""
        self._faults.setdefault(operation, []).extend([error] * count)

    def on_call(self, operation: str, number: int, action: Callable[[], None]) -> None:
        """Run ``action`` just before the ``number``-th call (from 1) of ``operation`` is answered:
        something that happens in the world between two of Model Steward's calls."""
        self._hooks[(operation, number)] = action

    def call_count(self, operation: str) -> int:
        return sum(call.operation == operation for call in self.calls)

    def _complete(
        self,
        model: FakeModel,
        version: FakeVersion,
        *,
        status: str,
        model_quality: str | None,
        model_metrics: str | None,
        prior_model_metrics: str | None,
        failed_reason: str | None,
        diagnostics_key: str | None,
    ) -> None:
        version.status = status
        if status != "SUCCESS":
            version.failed_reason = failed_reason if status == "FAILED" else None
            return
        if model_quality is DEFAULT:
            model_quality = "QUALITY_THRESHOLD_MET" if model.labelled else "CANNOT_DETERMINE_QUALITY"
        if model_metrics is DEFAULT:
            model_metrics = metrics_json()
        if diagnostics_key is DEFAULT:
            diagnostics_key = (
                f"{model.diagnostics_prefix}{model.name}/model-version-{version.number}/{DIAGNOSTICS_FILE}"
                if model.diagnostics_bucket
                else None
            )
        version.model_quality = model_quality
        version.model_metrics = model_metrics
        version.prior_model_metrics = prior_model_metrics
        version.diagnostics_key = diagnostics_key

    def _activate(self, model: FakeModel, number: int) -> None:
        if model.active == number:
            return
        model.previous, model.active, model.active_at = model.active, number, self.clock()

    # ------------------------------------------------------------------ the port
    def _enter(self, operation: str, *args: Any) -> None:
        self.calls.append(Call(operation, args))
        hook = self._hooks.pop((operation, self.call_count(operation)), None)
        if hook is not None:
            hook()
        faults = self._faults.get(operation)
        if faults:
            raise faults.pop(0)

    def _model(self, model_name: str) -> FakeModel:
        model = self.models.get(model_name)
        if model is None:
            raise NotFoundError(f"model {model_name} does not exist")
        return model

    def _version(self, model: FakeModel, number: int) -> FakeVersion:
        version = model.versions.get(number)
        if version is None:
            raise NotFoundError(f"version {number} of model {model.name} does not exist")
        return version

    def _fingerprint(self, model: FakeModel) -> str:
        latest = model.versions.get(model.latest_retraining or 0)
        fields = (
            model.status,
            model.active,
            model.latest_retraining,
            latest.status if latest else None,
            model.scheduler_status,
        )
        return "|".join("" if value is None else str(value) for value in fields)

    def list_models(self, name_prefix: str = "") -> Iterator[ModelListing]:
        self._enter("list_models", name_prefix)
        for name in sorted(self.models):
            if not name.startswith(name_prefix):
                continue
            model = self.models[name]
            output = (
                ObjectLocation(bucket=model.diagnostics_bucket, key=model.diagnostics_prefix)
                if model.diagnostics_bucket
                else None
            )
            yield ModelListing(
                model_name=name,
                fingerprint=self._fingerprint(model),
                scheduler_status=model.scheduler_status,
                next_retraining=model.next_retraining,
                diagnostics_output=output,
            )

    def describe_model(self, model_name: str) -> ModelFacts:
        self._enter("describe_model", model_name)
        model = self._model(model_name)
        return ModelFacts(
            model_name=model.name,
            active_version=model.active,
            active_version_arn=self.version_arn(model.name, model.active) if model.active else None,
            active_version_activated_at=model.active_at,
            previous_active_version=model.previous,
            promote_mode=model.promote_mode,
            scheduler_status=model.scheduler_status,
            label=model.label,
        )

    def active_version(self, model_name: str) -> int | None:
        """The port's cheap read (and the scenario's: a test reads the state through it too)."""
        self._enter("active_version", model_name)
        return self._model(model_name).active

    def model_snapshot(self, model_name: str) -> ModelSnapshot:
        self._enter("model_snapshot", model_name)
        model = self._model(model_name)
        latest = model.versions.get(model.latest_retraining or 0)
        return ModelSnapshot(
            model_name=model.name,
            active_version=model.active,
            active_since=model.active_at,
            promote_mode=model.promote_mode,
            scheduler_status=model.scheduler_status,
            retraining_frequency=model.retraining_frequency if model.promote_mode else None,
            lookback_window=model.lookback_window if model.promote_mode else None,
            latest_retraining_version=latest.number if latest else None,
            latest_retraining_status=latest.status if latest else None,
            latest_retraining_started=latest.created_at if latest else None,
            latest_retraining_failed_reason=latest.failed_reason if latest else None,
            available_data_days=latest.data_days if latest else None,
            next_retraining=model.next_retraining,
        )

    def version_numbers(self, model_name: str, *, from_version: int = 1) -> list[int]:
        self._enter("version_numbers", model_name, from_version)
        return sorted(n for n in self._model(model_name).versions if n >= from_version)

    def describe_version(self, model_name: str, version: int) -> VersionFacts:
        self._enter("describe_version", model_name, version)
        model = self._model(model_name)
        found = self._version(model, version)
        location = (
            ObjectLocation(bucket=model.diagnostics_bucket, key=found.diagnostics_key)
            if model.diagnostics_bucket and found.diagnostics_key
            else None
        )
        try:
            return VersionFacts(
                model_name=model.name,
                version=found.number,
                status=found.status,
                source_type=found.source_type,
                model_quality=found.model_quality,
                model_metrics=found.model_metrics,
                prior_model_metrics=found.prior_model_metrics,
                retraining_available_data_in_days=found.data_days,
                created_at=found.created_at,
                failed_reason=found.failed_reason,
                auto_promotion_result=found.auto_promotion_result,
                auto_promotion_result_reason=found.auto_promotion_result_reason,
                diagnostics_object=location,
                version_arn=self.version_arn(model.name, found.number),
                source_version_arn=found.source_version_arn,
                import_started_at=found.import_started,
                import_ended_at=found.import_ended,
                imported_data_bytes=found.imported_bytes,
                label=model.label,
                **found.extra,
            )
        except ValueError as exc:
            raise InvalidInputError(f"version {version} not understood: {exc}") from exc

    def activate(self, model_name: str, version: int) -> int:
        self._enter("activate", model_name, version)
        model = self._model(model_name)
        if model.status in _RUNNING:
            raise ActivationConflict(
                f"model {model_name} is {model.status}: its active version cannot change"
            )
        target = self._version(model, version)
        if target.status != "SUCCESS":
            raise ActivationRefused(f"version {version} of {model_name} is {target.status}")
        self._activate(model, version)
        assert model.active is not None
        return model.active

    def console_url(self, model_name: str) -> str:
        return lookout_model_console(model_name, self.region)

    def diagnostics_hint(self, key: str) -> VersionRef | None:
        return diagnostics_hint(key)  # the registry's own layout rule

    def sensor_labels(self, names: Iterable[str]) -> dict[str, str]:
        """The labels a test gave ``self.labels`` for the names asked (Lookout itself has none)."""
        self._enter("sensor_labels", tuple(names))
        return {name: self.labels[name] for name in names if name in self.labels}
