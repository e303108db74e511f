"""What the emulated service remembers, and the scenario operations that drive it.

A :class:`LookoutState` holds models, their versions and retraining schedulers, plus the test
controls (injected faults, latency, the record of calls). Scenario operations (``seed_model``,
``add_version``, ``start_retraining`` ...) are plain Python methods; they stand for what the real
service does on its own (training, scheduled retraining, MANAGED promotion). The API operations a
client can call live in :mod:`emulators.lookout.service`. One re-entrant lock guards everything.

Conventions (see also the package docstring):

* ``None`` for an optional argument means "absent"; :data:`DEFAULT` means "let the emulator choose a
  realistic value" (e.g. synthetic ``ModelMetrics`` for a SUCCESS version).
* A model's ``Status`` follows its latest TRAINING or IMPORT version (retraining never changes it):
  IN_PROGRESS / IMPORT_IN_PROGRESS while that version runs, SUCCESS when it succeeded, and after a
  failure or cancellation FAILED unless an earlier version is active (then SUCCESS). A model
  without any version is IN_PROGRESS (its first training is running).
* Version numbers are 1 + the highest existing number of the model.
"""

from __future__ import annotations

import calendar
import enum
import json
import re
import threading
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from emulators.common.shapes import shape_problems
from emulators.common.state import ServiceState, utc
from emulators.lookout.protocol import named_shape


class Default(enum.Enum):
    """Marker type for "let the emulator choose" (distinct from ``None``, which means "absent")."""

    AUTO = "auto"


DEFAULT = Default.AUTO

#: Metrics as a scenario gives them: a mapping (serialised to JSON), a ready JSON string, or absent.
Metrics = Mapping[str, Any] | str | None

#: ``ModelQuality`` from worst to best (FORMATS-AND-FACTS.md).
QUALITY_RANK: Mapping[str, int] = {
    "POOR_QUALITY_DETECTED": 0,
    "CANNOT_DETERMINE_QUALITY": 1,
    "QUALITY_THRESHOLD_MET": 2,
}
DIAGNOSTICS_FILE = "model_diagnostics_results.json.gz"
_TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"
_PERIOD = re.compile(r"^P(?:(\d)Y)?(?:(\d{1,2})M)?(?:(\d{1,3})D)?$")
_REASON_MAX = 256


def add_period(moment: datetime, period: str) -> datetime:
    """``moment`` plus an ISO-8601 period of years, months and days (``P1M``, ``P1Y6M``, ``P30D``)."""
    match = _PERIOD.match(period)
    if match is None or period == "P":
        raise ValueError(f"not a period of years, months and days: {period!r}")
    years, months, days = (int(part or 0) for part in match.groups())
    month_index = moment.month - 1 + months + 12 * years
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day) + timedelta(days=days)


def _period_days(period: str) -> int:
    match = _PERIOD.match(period)
    return int(match.group(3) or 0) if match else 0


def _check(shape_name: str, value: object, argument: str) -> None:
    """Refuse a scenario argument the service's own shape would not allow."""
    problems = shape_problems(named_shape(shape_name), value, argument)
    if problems:
        raise ValueError("; ".join(problems))


def _metrics_string(metrics: Metrics, argument: str) -> str | None:
    if metrics is None:
        return None
    text = metrics if isinstance(metrics, str) else json.dumps(metrics)
    _check("ModelMetrics", text, argument)
    return text


@dataclass
class Version:
    """One model version, as DescribeModelVersion reports it."""

    number: int
    arn: str
    source_type: str
    status: str
    created_at: datetime
    last_updated: datetime
    training_data_start: datetime
    training_data_end: datetime
    evaluation_data_start: datetime
    evaluation_data_end: datetime
    training_execution_start: datetime | None = None
    training_execution_end: datetime | None = None
    model_quality: str | None = None
    model_metrics: str | None = None
    prior_model_metrics: str | None = None
    retraining_available_data_in_days: int | None = None
    failed_reason: str | None = None
    diagnostics_key: str | None = None
    auto_promotion_result: str | None = None
    auto_promotion_result_reason: str | None = None
    source_model_version_arn: str | None = None
    import_job_start: datetime | None = None
    import_job_end: datetime | None = None
    imported_data_size: int | None = None
    labels: dict[str, Any] | None = None
    kms_key_id: str | None = None
    import_source: Version | None = None  # what an import copies (possibly another account's)
    import_outcome: ImportOutcome | None = None  # how a running import ends (scenario)


@dataclass(frozen=True)
class ImportOutcome:
    """How an import the scenario planned ends: its status, reason, and how long it runs."""

    status: str = "SUCCESS"
    failed_reason: str | None = None
    duration: timedelta = timedelta(0)


@dataclass
class Dataset:
    """A dataset of the account (ImportModelVersion needs one in the target account)."""

    name: str
    arn: str
    schema: str | None
    created_at: datetime


@dataclass
class ResourcePolicy:
    """A model's resource-based policy (PutResourcePolicy), as DescribeResourcePolicy reports it."""

    document: str
    revision_id: str
    created_at: datetime
    modified_at: datetime


@dataclass
class Scheduler:
    """A retraining scheduler (one per model)."""

    promote_mode: str
    status: str
    start_date: datetime
    frequency: str
    lookback_window: str
    created_at: datetime
    updated_at: datetime
    next_run: datetime


@dataclass
class Model:
    """A model and what DescribeModel reports about it."""

    name: str
    arn: str
    dataset_name: str
    dataset_arn: str
    labelled: bool
    sampling_rate: str
    schema: str
    role_arn: str
    created_at: datetime
    last_updated: datetime
    diagnostics_bucket: str | None = None
    diagnostics_prefix: str = ""
    diagnostics_kms_key_id: str | None = None
    versions: dict[int, Version] = field(default_factory=dict)
    active: int | None = None
    active_at: datetime | None = None
    previous: int | None = None
    previous_at: datetime | None = None
    latest_retraining: int | None = None
    scheduler: Scheduler | None = None
    inference_data_start: datetime | None = None
    inference_data_end: datetime | None = None
    resource_policy: ResourcePolicy | None = None

    def version_arn(self, number: int) -> str:
        return f"{self.arn}/model-version/{number}"

    @property
    def next_version_number(self) -> int:
        return max(self.versions, default=0) + 1

    @property
    def base_version(self) -> Version | None:
        """The latest TRAINING or IMPORT version (what the model's own status follows)."""
        base = [v for v in self.versions.values() if v.source_type != "RETRAINING"]
        return max(base, key=lambda v: v.number) if base else None

    @property
    def status(self) -> str:
        base = self.base_version
        if base is None:
            return "IN_PROGRESS"
        if base.status in ("IN_PROGRESS", "IMPORT_IN_PROGRESS", "SUCCESS"):
            return base.status
        return "SUCCESS" if self.active is not None else "FAILED"

    @property
    def reference_version(self) -> Version | None:
        """The version whose data ranges and metrics DescribeModel shows: the active one, else the base."""
        return self.versions[self.active] if self.active is not None else self.base_version

    @property
    def diagnostics_configuration(self) -> dict[str, Any] | None:
        if self.diagnostics_bucket is None:
            return None
        s3: dict[str, Any] = {"Bucket": self.diagnostics_bucket}
        if self.diagnostics_prefix:
            s3["Prefix"] = self.diagnostics_prefix
        configuration: dict[str, Any] = {"S3OutputConfiguration": s3}
        if self.diagnostics_kms_key_id:
            configuration["KmsKeyId"] = self.diagnostics_kms_key_id
        return configuration

    def default_diagnostics_key(self, number: int) -> str | None:
        if self.diagnostics_bucket is None:
            return None
        return f"{self.diagnostics_prefix}{self.name}/model-version-{number}/{DIAGNOSTICS_FILE}"


class LookoutState(ServiceState):
    """The emulated service's state and the scenario operations (thread-safe)."""

    def __init__(
        self,
        region: str = "eu-west-1",
        account_id: str = "123456789012",
        *,
        clock: Callable[[], datetime] | None = None,
        complete_imports_immediately: bool = False,
        lock: threading.RLock | None = None,
    ) -> None:
        if not re.fullmatch(r"[0-9]{12}", account_id):
            raise ValueError(f"account_id must be 12 digits, got {account_id!r}")
        super().__init__(region, account_id, clock=clock, lock=lock)
        self.complete_imports_immediately = complete_imports_immediately
        self.models: dict[str, Model] = {}
        self.datasets: dict[str, Dataset] = {}
        self.import_tokens: dict[str, tuple[str, dict[str, Any]]] = {}
        self._import_outcomes: deque[ImportOutcome] = deque()

    # ---------------------------------------------------------------- helpers

    def _arn(self, resource: str) -> str:
        return f"arn:aws:lookoutequipment:{self.region}:{self.account_id}:{resource}"

    def model_arn_for(self, model_name: str, model_id: str) -> str:
        return self._arn(f"model/{model_name}/{model_id}")

    def dataset_arn_for(self, dataset_name: str, dataset_id: str) -> str:
        return self._arn(f"dataset/{dataset_name}/{dataset_id}")

    def dataset_arn(self, dataset_name: str) -> str:
        """The ARN of a dataset of this account (created, with no schema, if the scenario never
        seeded it: every seeded model creates its own dataset)."""
        with self.lock:
            return self.ensure_dataset(dataset_name).arn

    def ensure_dataset(self, dataset_name: str, schema: str | None = None) -> Dataset:
        with self.lock:
            found = self.datasets.get(dataset_name)
            if found is None:
                found = Dataset(
                    name=dataset_name,
                    arn=self._arn(f"dataset/{dataset_name}/{uuid.uuid4()}"),
                    schema=schema,
                    created_at=self.now(),
                )
                self.datasets[dataset_name] = found
            return found

    def model(self, model_name: str) -> Model:
        """The model of that name (``KeyError`` with a clear message if the scenario never seeded it)."""
        with self.lock:
            try:
                return self.models[model_name]
            except KeyError:
                raise KeyError(f"no model {model_name!r} in the emulator") from None

    def version(self, model_name: str, number: int) -> Version:
        model = self.model(model_name)
        try:
            return model.versions[number]
        except KeyError:
            raise KeyError(f"model {model_name!r} has no version {number}") from None

    def create_model(
        self,
        model_name: str,
        dataset_name: str,
        *,
        labelled: bool = True,
        sampling_rate: str = "PT5M",
        schema: str | None = None,
        created_at: datetime | None = None,
    ) -> Model:
        """A new, empty model (no version yet)."""
        with self.lock:
            if model_name in self.models:
                raise ValueError(f"model {model_name!r} already exists")
            moment = utc(created_at) or self.now()
            schema = schema or _default_schema(model_name, 4)
            model = Model(
                name=model_name,
                arn=self._arn(f"model/{model_name}/{uuid.uuid4()}"),
                dataset_name=dataset_name,
                dataset_arn=self.ensure_dataset(dataset_name, schema).arn,
                labelled=labelled,
                sampling_rate=sampling_rate,
                schema=schema,
                role_arn=f"arn:aws:iam::{self.account_id}:role/LookoutEquipmentAccess",
                created_at=moment,
                last_updated=moment,
            )
            self.models[model_name] = model
            return model

    def new_version(
        self,
        model: Model,
        *,
        source_type: str,
        status: str,
        created_at: datetime | None = None,
        data_window_days: int = 360,
    ) -> Version:
        """Append a version to a model with realistic data ranges ending at ``created_at``."""
        with self.lock:
            moment = utc(created_at) or self.now()
            day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
            start = day - timedelta(days=data_window_days)
            split = day - timedelta(days=max(1, data_window_days // 5))
            number = model.next_version_number
            version = Version(
                number=number,
                arn=model.version_arn(number),
                source_type=source_type,
                status=status,
                created_at=moment,
                last_updated=moment,
                training_data_start=start,
                training_data_end=split,
                evaluation_data_start=split,
                evaluation_data_end=day,
                training_execution_start=moment,
                labels={"LabelGroupName": f"{model.name}-labels"} if model.labelled else None,
            )
            model.versions[number] = version
            model.last_updated = moment
            return version

    def activate(self, model: Model, number: int) -> None:
        """Make a version active; the active one becomes the previous one (no-op if already active)."""
        with self.lock:
            if model.active == number:
                return
            moment = self.now()
            model.previous, model.previous_at = model.active, model.active_at
            model.active, model.active_at = number, moment
            model.last_updated = moment

    def synthetic_metrics(self, model: Model, version: Version, *, identified: int = 7) -> str:
        """A ModelMetrics JSON string shaped like the service's (labelled blocks only when labelled)."""
        start, end = version.evaluation_data_start, version.evaluation_data_end
        span = (end - start) / 10
        sensors = [f"{model.name}\\Sensor{index}" for index in range(4)]

        def when(moment: datetime) -> str:
            return moment.strftime(_TIMESTAMP_FORMAT)

        metrics: dict[str, Any] = {}
        if model.labelled:
            metrics["labeled_ranges"] = [
                {"start": when(start + span * i), "end": when(start + span * i + span / 4)} for i in range(8)
            ]
            metrics["labeled_event_metrics"] = {
                "num_labeled": 8,
                "num_identified": identified,
                "total_warning_time_in_seconds": float(identified * 86400),
            }
        metrics["predicted_ranges"] = [
            {
                "start": when(start + span * i),
                "end": when(start + span * i + span / 5),
                "diagnostics": [{"name": name, "value": round(1 / len(sensors), 4)} for name in sensors],
            }
            for i in range(2)
        ]
        metrics["unknown_event_metrics"] = {"num_identified": 3, "total_duration_in_seconds": 5400.0}
        return json.dumps(metrics)

    def _default_quality(self, model: Model) -> str:
        return "QUALITY_THRESHOLD_MET" if model.labelled else "CANNOT_DETERMINE_QUALITY"

    def _complete(
        self,
        model: Model,
        version: Version,
        *,
        status: str,
        model_quality: str | Default | None,
        model_metrics: Metrics | Default,
        prior_model_metrics: Metrics | Default,
        failed_reason: str | None,
        diagnostics_key: str | Default | None,
        finished_at: datetime | None = None,
    ) -> None:
        """Record the outcome of a training, retraining or import on a version."""
        _check("ModelVersionStatus", status, "status")
        moment = utc(finished_at) or self.now()
        version.status = status
        version.last_updated = moment
        if status not in ("IN_PROGRESS", "IMPORT_IN_PROGRESS"):
            version.training_execution_end = moment
        succeeded = status == "SUCCESS"
        if model_quality is DEFAULT:
            model_quality = self._default_quality(model) if succeeded else None
        if model_quality is not None:
            _check("ModelQuality", model_quality, "model_quality")
        version.model_quality = model_quality
        if model_metrics is DEFAULT:
            model_metrics = self.synthetic_metrics(model, version) if succeeded else None
        version.model_metrics = _metrics_string(model_metrics, "model_metrics")
        if prior_model_metrics is DEFAULT:
            active = model.versions.get(model.active) if model.active is not None else None
            prior_model_metrics = active.model_metrics if succeeded and active is not None else None
        version.prior_model_metrics = _metrics_string(prior_model_metrics, "prior_model_metrics")
        if diagnostics_key is DEFAULT:
            diagnostics_key = model.default_diagnostics_key(version.number) if succeeded else None
        if diagnostics_key is not None:
            _check("S3Key", diagnostics_key, "diagnostics_key")
        version.diagnostics_key = diagnostics_key
        if status == "FAILED" and failed_reason is None:
            failed_reason = "The model version failed: not enough valid data in the training range."
        if failed_reason is not None:
            _check("BoundedLengthString", failed_reason, "failed_reason")
        version.failed_reason = failed_reason
        model.last_updated = moment

    # ---------------------------------------------------------------- scenario: models and versions

    def seed_model(
        self,
        model_name: str,
        *,
        dataset_name: str | None = None,
        labelled: bool = True,
        sampling_rate: str = "PT5M",
        diagnostics_bucket: str | None = None,
        diagnostics_prefix: str = "",
        diagnostics_kms_key_id: str | None = None,
        scheduler: str | None = None,
        retraining_frequency: str = "P1M",
        lookback_window: str = "P360D",
        retraining_start_date: datetime | None = None,
        scheduler_status: str = "RUNNING",
        sensors: int = 4,
        created_at: datetime | None = None,
    ) -> str:
        """Create a model (no version yet: add them with :meth:`add_version`); returns its ARN.

        ``scheduler`` is the retraining scheduler's promote mode (``"MANUAL"`` / ``"MANAGED"``) or
        ``None`` for no scheduler. The scheduler's start date defaults to the next midnight (UTC).
        """
        dataset_name = dataset_name or f"{model_name}-data"
        _check("ModelName", model_name, "model_name")
        _check("DatasetName", dataset_name, "dataset_name")
        _check("TargetSamplingRate", sampling_rate, "sampling_rate")
        if diagnostics_bucket is not None:
            configuration: dict[str, Any] = {"S3OutputConfiguration": {"Bucket": diagnostics_bucket}}
            if diagnostics_prefix:
                configuration["S3OutputConfiguration"]["Prefix"] = diagnostics_prefix
            if diagnostics_kms_key_id:
                configuration["KmsKeyId"] = diagnostics_kms_key_id
            _check("ModelDiagnosticsOutputConfiguration", configuration, "diagnostics")
        if scheduler is not None:
            _check("ModelPromoteMode", scheduler, "scheduler")
            _check("RetrainingFrequency", retraining_frequency, "retraining_frequency")
            _check("LookbackWindow", lookback_window, "lookback_window")
            _check("RetrainingSchedulerStatus", scheduler_status, "scheduler_status")
        with self.lock:
            model = self.create_model(
                model_name,
                dataset_name,
                labelled=labelled,
                sampling_rate=sampling_rate,
                schema=_default_schema(model_name, sensors),
                created_at=created_at,
            )
            model.diagnostics_bucket = diagnostics_bucket
            model.diagnostics_prefix = diagnostics_prefix
            model.diagnostics_kms_key_id = diagnostics_kms_key_id
            if scheduler is not None:
                start = utc(retraining_start_date) or (
                    model.created_at.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
                )
                model.scheduler = Scheduler(
                    promote_mode=scheduler,
                    status=scheduler_status,
                    start_date=start,
                    frequency=retraining_frequency,
                    lookback_window=lookback_window,
                    created_at=model.created_at,
                    updated_at=model.created_at,
                    next_run=start,
                )
            return model.arn

    def add_version(
        self,
        model_name: str,
        *,
        status: str = "SUCCESS",
        source_type: str = "TRAINING",
        model_quality: str | Default | None = DEFAULT,
        model_metrics: Metrics | Default = DEFAULT,
        prior_model_metrics: Metrics | Default = None,
        retraining_available_data_in_days: int | None = None,
        failed_reason: str | None = None,
        diagnostics_key: str | Default | None = DEFAULT,
        auto_promotion_result: str | None = None,
        auto_promotion_result_reason: str | None = None,
        created_at: datetime | None = None,
        activate: bool = False,
    ) -> int:
        """Add a finished (or running) version to a model; returns its version number.

        Defaults for a SUCCESS version: quality QUALITY_THRESHOLD_MET (labelled model) or
        CANNOT_DETERMINE_QUALITY (unlabelled), synthetic ModelMetrics, and a diagnostics object
        ``{prefix}{model}/model-version-{n}/model_diagnostics_results.json.gz`` when the model has a
        diagnostics bucket. Pass ``None`` to leave any of them absent. ``activate=True`` makes it
        the active version (only for SUCCESS).
        """
        _check("ModelVersionSourceType", source_type, "source_type")
        _check("ModelVersionStatus", status, "status")
        if activate and status != "SUCCESS":
            raise ValueError(f"only a SUCCESS version can be activated, not a {status} one")
        if auto_promotion_result is not None:
            _check("AutoPromotionResult", auto_promotion_result, "auto_promotion_result")
        if auto_promotion_result_reason is not None:
            _check("AutoPromotionResultReason", auto_promotion_result_reason, "auto_promotion_result_reason")
        with self.lock:
            model = self.model(model_name)
            window = _period_days(model.scheduler.lookback_window) if model.scheduler else 360
            version = self.new_version(
                model, source_type=source_type, status=status, created_at=created_at, data_window_days=window
            )
            try:
                self._complete(
                    model,
                    version,
                    status=status,
                    model_quality=model_quality,
                    model_metrics=model_metrics,
                    prior_model_metrics=prior_model_metrics,
                    failed_reason=failed_reason,
                    diagnostics_key=diagnostics_key,
                    finished_at=version.created_at,
                )
            except ValueError:
                del model.versions[version.number]
                raise
            version.retraining_available_data_in_days = retraining_available_data_in_days
            version.auto_promotion_result = auto_promotion_result
            version.auto_promotion_result_reason = auto_promotion_result_reason
            if source_type == "RETRAINING":
                model.latest_retraining = version.number
            if activate:
                self.activate(model, version.number)
            return version.number

    def activate_version(self, model_name: str, version: int) -> None:
        """Activate a SUCCESS version directly (as someone using the console would)."""
        with self.lock:
            target = self.version(model_name, version)
            if target.status != "SUCCESS":
                raise ValueError(f"only a SUCCESS version can be activated, not a {target.status} one")
            self.activate(self.model(model_name), version)

    def complete_imports(
        self, model_name: str | None = None, *, status: str = "SUCCESS", failed_reason: str | None = None
    ) -> int:
        """Finish every IMPORT_IN_PROGRESS version (of one model or all); returns how many.

        A successful import becomes the active version when its model has no active version yet.
        """
        _check_import_status(status)
        finished = 0
        with self.lock:
            models = [self.model(model_name)] if model_name is not None else list(self.models.values())
            for model in models:
                for version in list(model.versions.values()):
                    if version.status == "IMPORT_IN_PROGRESS":
                        self.finish_import(model, version, status=status, failed_reason=failed_reason)
                        finished += 1
        return finished

    def plan_imports(
        self,
        status: str = "SUCCESS",
        *,
        failed_reason: str | None = None,
        duration_seconds: float = 0.0,
        count: int = 1,
    ) -> None:
        """The next ``count`` imports into this account end with ``status`` (and ``failed_reason``)
        ``duration_seconds`` after they start, by the emulator's clock: until then they are
        IMPORT_IN_PROGRESS. An import no plan covers runs until :meth:`complete_imports`."""
        _check_import_status(status)
        if failed_reason is not None:
            _check("BoundedLengthString", failed_reason, "failed_reason")
        if count < 1 or duration_seconds < 0:
            raise ValueError("count must be at least 1 and duration_seconds not negative")
        outcome = ImportOutcome(status, failed_reason, timedelta(seconds=duration_seconds))
        with self.lock:
            self._import_outcomes.extend([outcome] * count)

    def settle_imports(self) -> int:
        """End the planned imports whose time has come (the service answers every request after
        this); returns how many ended."""
        ended = 0
        with self.lock:
            now = self.now()
            for model in list(self.models.values()):
                for version in list(model.versions.values()):
                    plan, started = version.import_outcome, version.import_job_start
                    if version.status != "IMPORT_IN_PROGRESS" or plan is None or started is None:
                        continue
                    if started + plan.duration <= now:
                        self.finish_import(
                            model, version, status=plan.status, failed_reason=plan.failed_reason
                        )
                        ended += 1
        return ended

    def find_version(self, version_arn: str) -> tuple[Model, Version] | None:
        """The model and version a ModelVersionArn of this account names, if the emulator knows it."""
        with self.lock:
            for model in self.models.values():
                for version in model.versions.values():
                    if version.arn == version_arn:
                        return model, version
            return None

    def start_import(
        self,
        model: Model,
        source: Version,
        *,
        labels: dict[str, Any] | None = None,
        kms_key_id: str | None = None,
    ) -> Version:
        """A new IMPORT version of ``model`` copying ``source`` (of this or another account),
        IMPORT_IN_PROGRESS; it ends as the next planned outcome says (:meth:`plan_imports`)."""
        with self.lock:
            version = self.new_version(model, source_type="IMPORT", status="IMPORT_IN_PROGRESS")
            version.source_model_version_arn = source.arn
            version.import_source = source
            version.import_job_start = version.created_at
            version.training_execution_start = None
            version.kms_key_id = kms_key_id
            for attribute in (
                "training_data_start",
                "training_data_end",
                "evaluation_data_start",
                "evaluation_data_end",
            ):
                setattr(version, attribute, getattr(source, attribute))
            version.labels = labels or source.labels
            version.import_outcome = self._import_outcomes.popleft() if self._import_outcomes else None
            return version

    def finish_import(
        self, model: Model, version: Version, *, status: str = "SUCCESS", failed_reason: str | None = None
    ) -> None:
        """An import ends; a SUCCESS copies the source's quality and metrics (:meth:`complete_imports`)."""
        with self.lock:
            moment = self.now()
            version.status = status
            version.import_outcome = None
            version.import_job_end = version.last_updated = model.last_updated = moment
            if status == "FAILED":
                version.failed_reason = (
                    failed_reason or "The import failed: the source model could not be read."
                )
            elif status == "CANCELED" and failed_reason:
                version.failed_reason = failed_reason
            if status != "SUCCESS":
                return
            source = version.import_source
            if source is not None:
                version.model_quality = source.model_quality
                version.model_metrics = source.model_metrics
                version.imported_data_size = 50 * 1024 * 1024 + len(source.model_metrics or "")
            version.diagnostics_key = model.default_diagnostics_key(version.number)
            if model.active is None:
                self.activate(model, version.number)

    # ---------------------------------------------------------------- scenario: datasets, policies

    def seed_dataset(self, dataset_name: str, *, sensors: int = 4) -> str:
        """Create a dataset (as CreateDataset or ImportDataset would); returns its ARN."""
        _check("DatasetName", dataset_name, "dataset_name")
        with self.lock:
            if dataset_name in self.datasets:
                raise ValueError(f"dataset {dataset_name!r} already exists")
            return self.ensure_dataset(dataset_name, _default_schema(dataset_name, sensors)).arn

    def dataset_names(self) -> list[str]:
        with self.lock:
            return sorted(self.datasets)

    def resource_policy(self, model_name: str) -> str | None:
        """The model's resource-based policy document, or None."""
        with self.lock:
            policy = self.model(model_name).resource_policy
            return policy.document if policy else None

    def set_accumulated_inference_data(self, model_name: str, start: datetime, end: datetime) -> None:
        """Set the model's AccumulatedInferenceDataStartTime / EndTime."""
        with self.lock:
            model = self.model(model_name)
            model.inference_data_start, model.inference_data_end = utc(start), utc(end)

    # ---------------------------------------------------------------- scenario: retraining

    def start_retraining(
        self,
        model_name: str,
        *,
        retraining_available_data_in_days: int | None = None,
        started_at: datetime | None = None,
    ) -> int:
        """The scheduler starts a retraining: a new RETRAINING version IN_PROGRESS; returns its number.

        Updates the model's LatestScheduledRetraining* members and moves the scheduler's next start
        date one ``RetrainingFrequency`` after this start. ``retraining_available_data_in_days``
        defaults to the lookback window's days.
        """
        with self.lock:
            model = self.model(model_name)
            scheduler = model.scheduler
            if scheduler is None:
                raise ValueError(
                    f"model {model_name!r} has no retraining scheduler (seed it with scheduler=...)"
                )
            running = [
                v.number
                for v in model.versions.values()
                if v.source_type == "RETRAINING" and v.status == "IN_PROGRESS"
            ]
            if running:
                raise ValueError(f"model {model_name!r} is already retraining (version {running[0]})")
            window = _period_days(scheduler.lookback_window)
            version = self.new_version(
                model,
                source_type="RETRAINING",
                status="IN_PROGRESS",
                created_at=started_at,
                data_window_days=window,
            )
            version.retraining_available_data_in_days = (
                retraining_available_data_in_days if retraining_available_data_in_days is not None else window
            )
            model.latest_retraining = version.number
            scheduler.next_run = add_period(version.created_at, scheduler.frequency)
            return version.number

    def finish_retraining(
        self,
        model_name: str,
        version: int,
        *,
        status: str = "SUCCESS",
        model_quality: str | Default | None = DEFAULT,
        model_metrics: Metrics | Default = DEFAULT,
        prior_model_metrics: Metrics | Default = DEFAULT,
        failed_reason: str | None = None,
        retraining_available_data_in_days: int | None = None,
        diagnostics_key: str | Default | None = DEFAULT,
        internal_error: bool = False,
        finished_at: datetime | None = None,
    ) -> str:
        """A running retraining ends; returns the version's AutoPromotionResult.

        * SUCCESS under a MANAGED scheduler: promoted or not by :func:`managed_promotion`.
        * SUCCESS under MANUAL (or no) scheduler: MODEL_NOT_PROMOTED.
        * FAILED: RETRAINING_CUSTOMER_ERROR (RETRAINING_INTERNAL_ERROR with ``internal_error=True``).
        * CANCELED: RETRAINING_CANCELLED.

        ``prior_model_metrics`` defaults to the active version's ModelMetrics (the prior model on
        the new evaluation window).
        """
        if status not in ("SUCCESS", "FAILED", "CANCELED"):
            raise ValueError(f"a retraining ends in SUCCESS, FAILED or CANCELED, not {status!r}")
        with self.lock:
            model = self.model(model_name)
            target = self.version(model_name, version)
            if target.source_type != "RETRAINING" or target.status != "IN_PROGRESS":
                raise ValueError(
                    f"version {version} of {model_name!r} is a {target.status} {target.source_type} version, "
                    "not a running retraining"
                )
            self._complete(
                model,
                target,
                status=status,
                model_quality=model_quality,
                model_metrics=model_metrics,
                prior_model_metrics=prior_model_metrics,
                failed_reason=failed_reason,
                diagnostics_key=diagnostics_key,
                finished_at=finished_at,
            )
            if retraining_available_data_in_days is not None:
                target.retraining_available_data_in_days = retraining_available_data_in_days
            result, reason = self._promotion_outcome(model, target, internal_error=internal_error)
            target.auto_promotion_result, target.auto_promotion_result_reason = result, reason[:_REASON_MAX]
            if result == "MODEL_PROMOTED":
                self.activate(model, target.number)
            return result

    def _promotion_outcome(self, model: Model, version: Version, *, internal_error: bool) -> tuple[str, str]:
        if version.status == "CANCELED":
            return "RETRAINING_CANCELLED", "The retraining was cancelled."
        if version.status == "FAILED":
            result = "RETRAINING_INTERNAL_ERROR" if internal_error else "RETRAINING_CUSTOMER_ERROR"
            return result, version.failed_reason or "The retraining failed."
        if model.scheduler is None or model.scheduler.promote_mode == "MANUAL":
            return (
                "MODEL_NOT_PROMOTED",
                "The retraining scheduler is in MANUAL promote mode: activate the version with "
                "UpdateActiveModelVersion.",
            )
        active = model.versions.get(model.active) if model.active is not None else None
        promote, reason = managed_promotion(version, active)
        return ("MODEL_PROMOTED" if promote else "MODEL_NOT_PROMOTED"), reason

    def set_promote_mode(self, model_name: str, promote_mode: str) -> None:
        _check("ModelPromoteMode", promote_mode, "promote_mode")
        with self.lock:
            scheduler = self._scheduler(model_name)
            scheduler.promote_mode = promote_mode
            scheduler.updated_at = self.now()

    def set_scheduler_status(self, model_name: str, status: str) -> None:
        _check("RetrainingSchedulerStatus", status, "status")
        with self.lock:
            scheduler = self._scheduler(model_name)
            scheduler.status = status
            scheduler.updated_at = self.now()

    def _scheduler(self, model_name: str) -> Scheduler:
        scheduler = self.model(model_name).scheduler
        if scheduler is None:
            raise ValueError(f"model {model_name!r} has no retraining scheduler")
        return scheduler

    # ---------------------------------------------------------------- accessors for assertions

    def model_names(self) -> list[str]:
        with self.lock:
            return sorted(self.models)

    def model_arn(self, model_name: str) -> str:
        return self.model(model_name).arn

    def version_arn(self, model_name: str, version: int) -> str:
        return self.version(model_name, version).arn

    def model_status(self, model_name: str) -> str:
        with self.lock:
            return self.model(model_name).status

    def active_version(self, model_name: str) -> int | None:
        return self.model(model_name).active

    def previous_active_version(self, model_name: str) -> int | None:
        return self.model(model_name).previous

    def version_numbers(self, model_name: str) -> list[int]:
        with self.lock:
            return sorted(self.model(model_name).versions)

    def version_status(self, model_name: str, version: int) -> str:
        return self.version(model_name, version).status

    def auto_promotion(self, model_name: str, version: int) -> tuple[str | None, str | None]:
        with self.lock:
            target = self.version(model_name, version)
            return target.auto_promotion_result, target.auto_promotion_result_reason

    def promote_mode(self, model_name: str) -> str | None:
        scheduler = self.model(model_name).scheduler
        return scheduler.promote_mode if scheduler else None

    def snapshot(self, model_name: str) -> dict[str, Any]:
        """A JSON-friendly summary of one model (for debugging and cross-process assertions)."""
        with self.lock:
            model = self.model(model_name)
            return {
                "ModelName": model.name,
                "ModelArn": model.arn,
                "Status": model.status,
                "ActiveModelVersion": model.active,
                "PreviousActiveModelVersion": model.previous,
                "PromoteMode": model.scheduler.promote_mode if model.scheduler else None,
                "Versions": [
                    {
                        "ModelVersion": v.number,
                        "Status": v.status,
                        "SourceType": v.source_type,
                        "ModelQuality": v.model_quality,
                        "AutoPromotionResult": v.auto_promotion_result,
                    }
                    for v in sorted(model.versions.values(), key=lambda v: v.number)
                ],
            }


class Accounts:
    """The emulated service's accounts: one :class:`LookoutState` each, created on first use with
    the default account's region, clock and settings, all under one lock (an import reads one
    account and writes another)."""

    def __init__(self, default: LookoutState, make: Callable[[str], LookoutState] | None = None) -> None:
        self.default = default
        self._make = make or self._state
        self._states: dict[str, LookoutState] = {default.account_id: default}

    def _state(self, account_id: str) -> LookoutState:
        return LookoutState(
            self.default.region,
            account_id,
            clock=self.default.now,
            complete_imports_immediately=self.default.complete_imports_immediately,
            lock=self.default.lock,
        )

    def account(self, account_id: str) -> LookoutState:
        """The account's state (a new, empty one the first time)."""
        with self.default.lock:
            state = self._states.get(account_id)
            if state is None:
                state = self._states[account_id] = self._make(account_id)
            return state

    def existing(self, account_id: str) -> LookoutState | None:
        with self.default.lock:
            return self._states.get(account_id)

    def ids(self) -> list[str]:
        with self.default.lock:
            return sorted(self._states)


def _check_import_status(status: str) -> None:
    if status not in ("SUCCESS", "FAILED", "CANCELED"):
        raise ValueError(f"an import ends in SUCCESS, FAILED or CANCELED, not {status!r}")


def event_recall(metrics: str | None) -> float | None:
    """``num_identified / num_labeled`` from a ModelMetrics string, or ``None`` when not measurable."""
    if metrics is None:
        return None
    try:
        block = json.loads(metrics).get("labeled_event_metrics") or {}
        labelled, identified = block.get("num_labeled"), block.get("num_identified")
    except (ValueError, AttributeError):
        return None
    if not isinstance(labelled, int | float) or not isinstance(identified, int | float) or labelled <= 0:
        return None
    return float(identified) / float(labelled)


def managed_promotion(candidate: Version, active: Version | None) -> tuple[bool, str]:
    """The emulator's documented stand-in for the service's undisclosed MANAGED "better" rule.

    1. No active version: promote.
    2. ModelQuality worse than the active version's: do not promote.
    3. Both ModelMetrics and PriorModelMetrics give an event recall (labelled models): promote when
       the new recall is at least the prior model's on the same evaluation window.
    4. Otherwise (quality not worse, recall not measurable): promote.
    """
    if active is None:
        return True, "Promoted: the model had no active version."
    new_rank = QUALITY_RANK.get(candidate.model_quality or "", -1)
    old_rank = QUALITY_RANK.get(active.model_quality or "", -1)
    if new_rank < old_rank:
        return False, (
            f"Not promoted: model quality {candidate.model_quality} is worse than the active version's "
            f"{active.model_quality}."
        )
    new_recall, prior_recall = (
        event_recall(candidate.model_metrics),
        event_recall(candidate.prior_model_metrics),
    )
    if new_recall is not None and prior_recall is not None:
        if new_recall >= prior_recall:
            return (
                True,
                f"Promoted: event recall {new_recall:.2f} is not below the prior model's {prior_recall:.2f}.",
            )
        return (
            False,
            f"Not promoted: event recall {new_recall:.2f} is below the prior model's {prior_recall:.2f}.",
        )
    return True, "Promoted: model quality is not worse than the active version's."


def _default_schema(model_name: str, sensors: int) -> str:
    columns = [{"Name": "Timestamp", "Type": "DATETIME"}] + [
        {"Name": f"Sensor{index}", "Type": "DOUBLE"} for index in range(sensors)
    ]
    return json.dumps({"Components": [{"ComponentName": model_name, "Columns": columns}]})
