"""What the emulated service remembers, and the scenario operations that drive it.

A :class:`SiteWiseState` holds asset models, assets, anomaly-detection computation models and, per
computation model applied to an asset (a *unit*, named by its ledger key ``sw-<model>-<asset>``),
the executed actions, the training and inference executions, the active model version and the
running inference settings; plus the test controls (faults, latency, the record of calls).

Actions are executed the same way whether a client calls ``ExecuteAction`` or a scenario method
does (:meth:`SiteWiseState.execute_action`), so ``ListActions`` / ``DescribeAction`` show the same
payloads either way. Scenario methods also stand for what the service does on its own: a scheduled
retraining starting (:meth:`start_retraining`) and ending (:meth:`finish_retraining`), with its
metrics file and evaluation results written to S3 under the unit's configured destinations
(through boto3 with default endpoint resolution: moto in tests and in the local stack), and
SERVICE_MANAGED promotion.

Where the service's answers carry what it does not document (the version number, the active
version, the reason code, the prior model's metrics, a failure message), the emulator puts it where
:class:`model_steward.models.sitewise.SiteWiseFacts` says: the product's defaults unless the
emulator is given other facts. Choices the service leaves open are listed in this package's
README.
"""

from __future__ import annotations

import enum
import json
import math
import random
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from emulators.common.shapes import shape_problems
from emulators.common.state import ServiceState, utc
from emulators.sitewise.protocol import ServiceError, named_shape
from model_steward.domain.samples import metrics_json, unlabelled_metrics_json
from model_steward.models.sitewise import (
    AUTO_PROMOTION_SUCCESSFUL,
    CUSTOMER_MANAGED,
    DEFAULT_PROMOTION,
    INFERENCE_START,
    INFERENCE_STOP,
    MODEL_METRICS_DIDNT_IMPROVE,
    POOR_MODEL_QUALITY_DETECTED,
    PROMOTION_MODES,
    REASON_CODES,
    SERVICE_MANAGED,
    START_RETRAINING_SCHEDULER,
    STOP_RETRAINING_SCHEDULER,
    TRAIN_MODEL,
    SiteWiseFacts,
    parse_location,
    parse_unit_key,
    unit_key,
)


class Default(enum.Enum):
    """Marker type for "let the emulator choose" (distinct from ``None``, which means "absent")."""

    AUTO = "auto"


DEFAULT = Default.AUTO

#: A metrics document as a scenario gives it: a mapping, a JSON string, or absent.
Metrics = Mapping[str, Any] | str | None

LOOKBACK_WINDOWS = ("P180D", "P360D", "P540D", "P720D")
UPLOAD_FREQUENCIES = (
    "PT5M", "PT10M", "PT15M", "PT30M", "PT1H", "PT2H", "PT3H", "PT4H", "PT5H", "PT6H", "PT7H", "PT8H",
    "PT9H", "PT10H", "PT11H", "PT12H", "P1D",
)  # fmt: skip
TRAINING_MODES = (TRAIN_MODEL, START_RETRAINING_SCHEDULER, STOP_RETRAINING_SCHEDULER)
_EVALUATION_EPOCH = date(2024, 1, 1)
_WINDOW_STEP_DAYS = 30
_WINDOW_DAYS = 90


def _new_id() -> str:
    return str(uuid.uuid4())


def _check(shape_name: str, value: object, argument: str) -> None:
    problems = shape_problems(named_shape(shape_name), value, argument)
    if problems:
        raise ValueError("; ".join(problems))


def _invalid(message: str) -> ServiceError:
    return ServiceError("InvalidRequestException", message)


@dataclass
class PropertyDef:
    id: str
    name: str
    data_type: str = "DOUBLE"
    unit: str | None = None


@dataclass
class AssetModel:
    id: str
    arn: str
    name: str
    properties: dict[str, PropertyDef]
    result_property_id: str
    created_at: datetime


@dataclass
class Asset:
    id: str
    arn: str
    name: str
    model: AssetModel
    created_at: datetime


@dataclass
class ComputationModel:
    id: str
    arn: str
    name: str
    asset_model: AssetModel
    training_definition_id: str
    inference_definition_id: str
    created_at: datetime
    updated_at: datetime
    version: str = "1"
    state: str = "ACTIVE"
    description: str | None = None


@dataclass
class Action:
    id: str
    definition_id: str
    model_id: str
    asset_id: str
    payload: str
    executed_at: datetime


@dataclass
class Execution:
    id: str
    action_type: str
    model_id: str
    asset_id: str
    started_at: datetime
    state: str = "RUNNING"
    ended_at: datetime | None = None
    entity_version: str | None = None
    details: dict[str, str] = field(default_factory=dict)
    result: dict[str, str] = field(default_factory=dict)
    model_version: int | None = None  # the trained model version (training executions)
    window: tuple[date, date] | None = None  # evaluation window (training executions)
    metrics: dict[str, Any] | None = None  # the metrics document written for it (before placement)
    metrics_key: str | None = None
    results_key: str | None = None


@dataclass
class Destination:
    bucket: str
    prefix: str


@dataclass
class Unit:
    """A computation model applied to one asset."""

    model: ComputationModel
    asset: Asset
    labelled: bool = True
    actions: list[Action] = field(default_factory=list)
    executions: list[Execution] = field(default_factory=list)
    next_version: int = 1
    active: int | None = None
    inference_running: bool = False
    inference_settings: dict[str, Any] | None = None
    ever_activated: bool = False
    promotion: str | None = None  # the running retraining scheduler's mode; None: no scheduler running
    metrics_destination: Destination | None = None
    results_destination: Destination | None = None
    summary_lag: int = 0  # after an activation, reads of the execution summary that show the old version
    lag_remaining: int = 0
    lagging_active: int | None = None

    @property
    def key(self) -> str:
        return unit_key(self.model.id, self.asset.id)

    def training(self, version: int) -> Execution:
        for execution in self.executions:
            if execution.model_version == version:
                return execution
        raise KeyError(f"unit {self.key} has no version {version}")


def _dotted_set(document: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    target = document
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value


class SiteWiseState(ServiceState):
    """The emulated service's state and the scenario operations (thread-safe)."""

    def __init__(
        self,
        region: str = "eu-west-1",
        account_id: str = "123456789012",
        *,
        facts: SiteWiseFacts | None = None,
        clock: Callable[[], datetime] | None = None,
        seed: int = 7,
    ) -> None:
        super().__init__(region, account_id, clock=clock)
        self.facts = facts or SiteWiseFacts()
        self.asset_models: dict[str, AssetModel] = {}
        self.assets: dict[str, Asset] = {}
        self.computation_models: dict[str, ComputationModel] = {}
        self.units: dict[tuple[str, str], Unit] = {}
        self.actions: dict[str, Action] = {}
        self.executions: dict[str, Execution] = {}
        self.client_tokens: dict[str, tuple[str, str]] = {}  # token -> (request fingerprint, actionId)
        self._random = random.Random(seed)  # noqa: S311 - synthetic scores, not secrets

    # ---------------------------------------------------------------- helpers

    def arn(self, resource: str) -> str:
        return f"arn:aws:iotsitewise:{self.region}:{self.account_id}:{resource}"

    def unit(self, key: str) -> Unit:
        """The unit of a ledger key (``KeyError`` with a clear message when the scenario has none)."""
        ids = parse_unit_key(key)
        with self.lock:
            unit = self.units.get(ids) if ids else None
            if unit is None:
                raise KeyError(f"no unit {key!r} in the emulator")
            return unit

    def _unit_for(self, model: ComputationModel, asset: Asset) -> Unit:
        unit = self.units.get((model.id, asset.id))
        if unit is None:
            unit = self.units[(model.id, asset.id)] = Unit(model=model, asset=asset)
        return unit

    # ---------------------------------------------------------------- scenario: the asset side

    def add_asset_model(
        self, name: str, *, sensors: Sequence[str] = ("Flow", "Pressure", "Temperature")
    ) -> str:
        """An asset model with one DOUBLE measurement per sensor and a STRING result property."""
        _check("Name", name, "name")
        with self.lock:
            for existing in self.asset_models.values():
                if existing.name == name:
                    return existing.id
            properties = {p.id: p for p in (PropertyDef(_new_id(), sensor) for sensor in sensors)}
            result = PropertyDef(_new_id(), "AnomalyResult", data_type="STRING")
            properties[result.id] = result
            model_id = _new_id()
            self.asset_models[model_id] = AssetModel(
                id=model_id,
                arn=self.arn(f"asset-model/{model_id}"),
                name=name,
                properties=properties,
                result_property_id=result.id,
                created_at=self.now(),
            )
            return model_id

    def add_asset(self, name: str, asset_model_id: str) -> str:
        _check("Name", name, "name")
        with self.lock:
            for existing in self.assets.values():
                if existing.name == name and existing.model.id == asset_model_id:
                    return existing.id
            asset_id = _new_id()
            self.assets[asset_id] = Asset(
                id=asset_id,
                arn=self.arn(f"asset/{asset_id}"),
                name=name,
                model=self.asset_models[asset_model_id],
                created_at=self.now(),
            )
            return asset_id

    def add_computation_model(self, name: str, asset_model_id: str, *, model_id: str | None = None) -> str:
        """An anomaly-detection computation model bound to every measurement of the asset model
        (``model_id``: its id, when a test must know it before; else a new one)."""
        _check("RestrictedName", name, "name")
        if model_id is not None:
            _check("ID", model_id, "model_id")
        with self.lock:
            for existing in self.computation_models.values():
                if existing.name == name:
                    return existing.id
            model_id = model_id or _new_id()
            moment = self.now()
            self.computation_models[model_id] = ComputationModel(
                id=model_id,
                arn=self.arn(f"computation-model/{model_id}"),
                name=name,
                asset_model=self.asset_models[asset_model_id],
                training_definition_id=_new_id(),
                inference_definition_id=_new_id(),
                created_at=moment,
                updated_at=moment,
            )
            return model_id

    def seed_unit(
        self,
        model_name: str,
        asset_name: str,
        *,
        sensors: Sequence[str] = ("Flow", "Pressure", "Temperature"),
        labelled: bool = True,
        promotion: str | None = CUSTOMER_MANAGED,
        bucket: str | None = None,
        metrics_prefix: str = "metrics/",
        results_prefix: str = "results/",
        per_unit_prefixes: bool = True,
        model_id: str | None = None,
    ) -> str:
        """A computation model (created once per name) applied to an asset; returns the unit's key.

        ``promotion``: start a retraining scheduler in that mode (``None``: no scheduler). With a
        ``bucket``, metrics go to ``{metrics_prefix}{model id}/{asset id}/`` and evaluation results
        to ``{results_prefix}{model id}/{asset id}/`` (as the documented example lays them out; with
        ``per_unit_prefixes=False`` straight under the prefixes).
        """
        if promotion is not None and promotion not in PROMOTION_MODES:
            raise ValueError(f"promotion must be one of {', '.join(PROMOTION_MODES)} or None")
        with self.lock:
            asset_model_id = self.add_asset_model(f"{model_name} equipment", sensors=sensors)
            model = self.computation_models[
                self.add_computation_model(model_name, asset_model_id, model_id=model_id)
            ]
            asset = self.assets[self.add_asset(asset_name, asset_model_id)]
            if (model.id, asset.id) in self.units:
                raise ValueError(f"{model_name} is already applied to {asset_name}")
            unit = self._unit_for(model, asset)
            unit.labelled = labelled
            if bucket is not None:
                tail = f"{model.id}/{asset.id}/" if per_unit_prefixes else ""
                unit.metrics_destination = Destination(bucket, f"{metrics_prefix}{tail}")
                unit.results_destination = Destination(bucket, f"{results_prefix}{tail}")
            if promotion is not None:
                self.start_retraining_scheduler(unit.key, promotion=promotion)
            return unit.key

    # ---------------------------------------------------------------- actions (API and scenario alike)

    def _training_payload(self, unit: Unit, mode: str, **extra: Any) -> dict[str, Any]:
        payload: dict[str, Any] = {"trainingMode": mode}
        if unit.metrics_destination is not None and mode != STOP_RETRAINING_SCHEDULER:
            payload["modelMetricsDestination"] = {
                "bucketName": unit.metrics_destination.bucket,
                "prefix": unit.metrics_destination.prefix,
            }
        payload.update(extra)
        return payload

    def start_retraining_scheduler(
        self,
        key: str,
        *,
        promotion: str | None = CUSTOMER_MANAGED,
        lookback_window: str = "P360D",
        retraining_frequency: str = "P30D",
    ) -> str:
        """The customer starts (or restarts) the retraining scheduler; ``promotion=None`` leaves it
        out of the payload (the service then uses SERVICE_MANAGED). Returns the action id."""
        unit = self.unit(key)
        configuration: dict[str, Any] = {
            "lookbackWindow": lookback_window,
            "retrainingFrequency": retraining_frequency,
        }
        if promotion is not None:
            configuration["promotion"] = promotion
        payload = self._training_payload(
            unit, START_RETRAINING_SCHEDULER, retrainingConfiguration=configuration
        )
        return self._scenario_action(unit, unit.model.training_definition_id, payload)

    def stop_retraining_scheduler(self, key: str) -> str:
        unit = self.unit(key)
        payload = {"trainingMode": STOP_RETRAINING_SCHEDULER}
        return self._scenario_action(unit, unit.model.training_definition_id, payload)

    def set_promotion(self, key: str, promotion: str) -> str:
        """Restart the scheduler with another promotion mode (what a customer would do)."""
        return self.start_retraining_scheduler(key, promotion=promotion)

    def start_inference(
        self,
        key: str,
        *,
        target_model_version: int | None = None,
        data_upload_frequency: str = "PT15M",
        **settings: Any,
    ) -> str:
        """The customer starts inference (with ``targetModelVersion`` when given); returns the action id."""
        unit = self.unit(key)
        payload: dict[str, Any] = {
            "inferenceMode": INFERENCE_START,
            "dataUploadFrequency": data_upload_frequency,
        }
        payload.update(settings)
        if target_model_version is not None:
            payload["targetModelVersion"] = target_model_version
        return self._scenario_action(unit, unit.model.inference_definition_id, payload)

    def stop_inference(self, key: str) -> str:
        unit = self.unit(key)
        return self._scenario_action(
            unit, unit.model.inference_definition_id, {"inferenceMode": INFERENCE_STOP}
        )

    def _scenario_action(self, unit: Unit, definition_id: str, payload: Mapping[str, Any]) -> str:
        try:
            return self.execute_action(
                model_id=unit.model.id,
                asset_id=unit.asset.id,
                definition_id=definition_id,
                payload=json.dumps(payload, separators=(",", ":")),
            )
        except ServiceError as error:
            raise ValueError(error.message) from None

    def execute_action(self, *, model_id: str, asset_id: str | None, definition_id: str, payload: str) -> str:
        """Run one action (``ExecuteAction``); returns its id. ServiceError when it is refused."""
        with self.lock:
            model = self.computation_models.get(model_id)
            if model is None:
                raise ServiceError(
                    "ResourceNotFoundException", f"Computation model {model_id} does not exist."
                )
            if definition_id not in (model.training_definition_id, model.inference_definition_id):
                raise ServiceError(
                    "ResourceNotFoundException",
                    f"Action definition {definition_id} does not exist for computation model {model_id}.",
                )
            if asset_id is None:
                raise _invalid(
                    f"Computation model {model.name} is bound to an asset model: "
                    "resolveTo.assetId is required."
                )
            asset = self.assets.get(asset_id)
            if asset is None:
                raise ServiceError("ResourceNotFoundException", f"Asset {asset_id} does not exist.")
            if asset.model.id != model.asset_model.id:
                raise _invalid(f"Asset {asset_id} is not an asset of the computation model's asset model.")
            try:
                decoded = json.loads(payload)
            except ValueError as exc:
                raise _invalid(f"actionPayload.stringValue is not valid JSON: {exc}") from None
            if not isinstance(decoded, dict):
                raise _invalid("actionPayload.stringValue must be a JSON object.")
            unit = self._unit_for(model, asset)
            if definition_id == model.training_definition_id:
                self._training(unit, decoded)
            else:
                self._inference(unit, decoded)
            action = Action(_new_id(), definition_id, model.id, asset.id, payload, self.now())
            unit.actions.append(action)
            self.actions[action.id] = action
            return action.id

    def _destination(self, value: object, name: str) -> Destination:
        if not isinstance(value, dict) or not isinstance(value.get("bucketName"), str):
            raise _invalid(f"{name} must be an object with bucketName and prefix.")
        prefix = value.get("prefix", "")
        if not isinstance(prefix, str):
            raise _invalid(f"{name}.prefix must be a string.")
        return Destination(value["bucketName"], prefix)

    def _training(self, unit: Unit, payload: dict[str, Any]) -> None:
        mode = payload.get("trainingMode")
        if mode not in TRAINING_MODES:
            raise _invalid(f"trainingMode must be one of {', '.join(TRAINING_MODES)}, not {mode!r}.")
        if "modelMetricsDestination" in payload:
            unit.metrics_destination = self._destination(
                payload["modelMetricsDestination"], "modelMetricsDestination"
            )
        evaluation = payload.get("modelEvaluationConfiguration")
        if isinstance(evaluation, dict) and "resultDestination" in evaluation:
            unit.results_destination = self._destination(evaluation["resultDestination"], "resultDestination")
        if mode == STOP_RETRAINING_SCHEDULER:
            unit.promotion = None
        elif mode == START_RETRAINING_SCHEDULER:
            configuration = payload.get("retrainingConfiguration")
            if not isinstance(configuration, dict):
                raise _invalid("START_RETRAINING_SCHEDULER needs a retrainingConfiguration object.")
            if configuration.get("lookbackWindow") not in LOOKBACK_WINDOWS:
                raise _invalid(f"lookbackWindow must be one of {', '.join(LOOKBACK_WINDOWS)}.")
            promotion = configuration.get("promotion", DEFAULT_PROMOTION)
            if promotion not in PROMOTION_MODES:
                raise _invalid(f"promotion must be one of {', '.join(PROMOTION_MODES)}.")
            if unit.metrics_destination is None:
                raise _invalid("A retraining scheduler needs a modelMetricsDestination.")
            unit.promotion = promotion
        else:  # TRAIN_MODEL through the API: the training runs and completes at once
            version = self._start_training(unit)
            self._finish_training(unit, unit.training(version), status="COMPLETED")

    def _inference(self, unit: Unit, payload: dict[str, Any]) -> None:
        mode = payload.get("inferenceMode")
        if mode == INFERENCE_STOP:
            if unit.inference_running:
                self._end_inference_execution(unit)
            unit.inference_running = False
            return
        if mode != INFERENCE_START:
            raise _invalid(f"inferenceMode must be START or STOP, not {mode!r}.")
        if payload.get("dataUploadFrequency") not in UPLOAD_FREQUENCIES:
            raise _invalid(f"dataUploadFrequency must be one of {', '.join(UPLOAD_FREQUENCIES)}.")
        offset = payload.get("dataDelayOffsetInMinutes", 0)
        if not isinstance(offset, int) or isinstance(offset, bool) or not 0 <= offset <= 60:
            raise _invalid("dataDelayOffsetInMinutes must be an integer from 0 to 60.")
        target = payload.get("targetModelVersion")
        completed = [e.model_version for e in unit.executions if e.model_version and e.state == "COMPLETED"]
        if target is not None:
            if not isinstance(target, int) or isinstance(target, bool) or target not in completed:
                raise _invalid(
                    f"Model version {target!r} doesn't exist for this computation model and asset."
                )
            if unit.inference_running and self.facts.activation_requires_stop and target != unit.active:
                raise ServiceError(
                    "ConflictingOperationException",
                    "Inference is running: stop it before starting it with another targetModelVersion.",
                    extra={"resourceId": unit.model.id, "resourceArn": unit.model.arn},
                )
            chosen: int | None = target
        elif unit.ever_activated:
            chosen = unit.active
        else:
            chosen = max(completed, default=None)
        if chosen is None:
            raise _invalid("No trained model version to run inference with.")
        if unit.inference_running:
            self._end_inference_execution(unit)
        self._activate(unit, chosen)
        unit.inference_running = True
        unit.inference_settings = dict(payload)
        self._add_execution(unit, self.facts.inference_action)

    def _activate(self, unit: Unit, version: int) -> None:
        if unit.active != version and unit.summary_lag > 0:
            unit.lagging_active, unit.lag_remaining = unit.active, unit.summary_lag
        unit.active = version
        unit.ever_activated = True

    def _end_inference_execution(self, unit: Unit) -> None:
        for execution in reversed(unit.executions):
            if execution.action_type == self.facts.inference_action and execution.state == "RUNNING":
                execution.state, execution.ended_at = "COMPLETED", self.now()
                return

    def _add_execution(
        self, unit: Unit, action_type: str, *, started_at: datetime | None = None
    ) -> Execution:
        execution = Execution(
            id=_new_id(),
            action_type=action_type,
            model_id=unit.model.id,
            asset_id=unit.asset.id,
            started_at=utc(started_at) or self.now(),
        )
        unit.executions.append(execution)
        self.executions[execution.id] = execution
        return execution

    # ---------------------------------------------------------------- training executions

    def _start_training(self, unit: Unit, *, started_at: datetime | None = None) -> int:
        # Each training of a unit starts in a later second than the one before (files named after
        # the start second never collide, however fast a test trains).
        start = utc(started_at) or self.now()
        earlier = [e.started_at for e in unit.executions if e.model_version]
        if earlier and int(start.timestamp()) <= int(max(earlier).timestamp()):
            start = max(earlier).replace(microsecond=0) + timedelta(seconds=1)
        execution = self._add_execution(unit, self.facts.training_action, started_at=start)
        version = unit.next_version
        unit.next_version += 1
        execution.model_version = version
        self._place(execution, self.facts.version, str(version))
        first_day = _EVALUATION_EPOCH + timedelta(days=_WINDOW_STEP_DAYS * (version - 1))
        execution.window = (first_day, first_day + timedelta(days=_WINDOW_DAYS))
        return version

    def _place(self, execution: Execution, location: str, value: str) -> None:
        """Put a value where ``location`` (a SiteWiseFacts location) says, on an execution."""
        source, key = parse_location(location)
        if source == "execution":
            if key != "executionEntityVersion":
                raise ValueError(f"the emulator can only place a value in executionEntityVersion, not {key}")
            execution.entity_version = value
        elif source == "executionDetails":
            execution.details[key] = value
        elif source == "executionResult":
            execution.result[key] = value
        else:
            raise ValueError(f"{location}: not a place on an execution")

    def _synthetic_metrics(self, unit: Unit) -> dict[str, Any]:
        text = metrics_json() if unit.labelled else unlabelled_metrics_json()
        return dict(json.loads(text))

    def _metrics_document(
        self, unit: Unit, execution: Execution, metrics: Metrics | Default
    ) -> dict[str, Any] | None:
        if metrics is None:
            return None
        if metrics is DEFAULT:
            base = self._synthetic_metrics(unit)
        else:
            base = dict(json.loads(metrics) if isinstance(metrics, str) else metrics)
        assert execution.window is not None
        labelled = base.get("labeled_event_metrics") or {}
        labels = labelled.get("num_labeled") or 0
        found = labelled.get("num_identified") or 0
        recall = found / labels if labels else 0.0
        base.setdefault("data_start_time", execution.window[0].isoformat())
        base.setdefault("data_end_time", execution.window[1].isoformat())
        base.setdefault("labels_present", bool(labels))
        base.setdefault(
            "model_version_metrics",
            {
                "precision": round(min(1.0, 0.5 + recall / 2), 4),
                "recall": round(recall, 4),
                "mean_fractional_lead_time": round(0.5 * recall, 4),
                "auc": round(0.5 + 0.4 * recall, 4),
            },
        )
        return base

    def _evaluation_records(self, unit: Unit, execution: Execution) -> list[dict[str, Any]]:
        """A day of 5-minute records with two anomalous events (``assetId\\propertyId`` names)."""
        assert execution.window is not None
        sensors = [p for p in unit.asset.model.properties.values() if p.data_type == "DOUBLE"]
        start = datetime.combine(execution.window[1], datetime.min.time())
        records = []
        for row in range(288):
            anomalous = 100 <= row < 112 or 200 <= row < 206
            weights = [
                self._random.random() + (3.0 if anomalous and i == 0 else 0.0) for i in range(len(sensors))
            ]
            total = sum(weights) or 1.0
            records.append(
                {
                    "timestamp": (start + timedelta(minutes=5 * row)).strftime("%Y-%m-%dT%H:%M:%S.%f"),
                    "prediction": int(anomalous),
                    "prediction_reason": "ANOMALY_DETECTED" if anomalous else "NO_ANOMALY_DETECTED",
                    "anomaly_score": round(
                        (0.7 + 0.2 * self._random.random()) if anomalous else 0.3 * self._random.random(), 5
                    ),
                    "diagnostics": [
                        {"name": f"{unit.asset.id}\\{sensor.id}", "value": round(weight / total, 5)}
                        for sensor, weight in zip(sensors, weights, strict=True)
                    ],
                }
            )
        return records

    def _finish_training(
        self,
        unit: Unit,
        execution: Execution,
        *,
        status: str,
        metrics: Metrics | Default = DEFAULT,
        prior_metrics: Metrics | Default = None,
        evaluation: bytes | str | Sequence[Mapping[str, Any]] | Default | None = DEFAULT,
        reason_code: str | Default | None = None,
        failure_message: str | None = None,
        finished_at: datetime | None = None,
    ) -> None:
        if status not in ("COMPLETED", "FAILED"):
            raise ValueError(f"a training execution ends COMPLETED or FAILED, not {status!r}")
        execution.state = status
        if status == "FAILED":
            self._place(
                execution, self.facts.failure_message, failure_message or "Not enough valid data to train."
            )
            execution.ended_at = max(utc(finished_at) or self.now(), execution.started_at)
            return
        document = self._metrics_document(unit, execution, metrics)
        if document is not None and prior_metrics is not None:
            prior = self._prior(unit, execution, prior_metrics)
            if prior is not None:
                self._put_fact(execution, document, self.facts.prior_metrics, prior)
        if document is not None and reason_code is not None:
            code = reason_code if isinstance(reason_code, str) else None
            if code is not None:
                self._put_fact(execution, document, self.facts.reason_code, code)
        execution.metrics = document
        written: list[datetime] = []
        if document is not None and unit.metrics_destination is not None:
            destination = unit.metrics_destination
            execution.metrics_key = (
                f"{destination.prefix}{int(execution.started_at.timestamp())}-model_metrics.json"
            )
            written.append(
                self._put(destination.bucket, execution.metrics_key, json.dumps(document).encode())
            )
        if evaluation is not None and unit.results_destination is not None:
            body = self._evaluation_body(unit, execution, evaluation)
            destination = unit.results_destination
            execution.results_key = (
                f"{destination.prefix}{int(execution.started_at.timestamp())}-evaluation_results.jsonl"
            )
            written.append(self._put(destination.bucket, execution.results_key, body))
        execution.ended_at = max([utc(finished_at) or self.now(), execution.started_at, *written])

    def _evaluation_body(
        self,
        unit: Unit,
        execution: Execution,
        evaluation: bytes | str | Sequence[Mapping[str, Any]] | Default,
    ) -> bytes:
        if evaluation is DEFAULT:
            evaluation = self._evaluation_records(unit, execution)
        if isinstance(evaluation, bytes):
            return evaluation
        if isinstance(evaluation, str):
            return evaluation.encode()
        return "".join(json.dumps(record) + "\n" for record in evaluation).encode()

    def _prior(
        self, unit: Unit, execution: Execution, prior_metrics: Metrics | Default
    ) -> dict[str, Any] | None:
        """The prior model's metrics on this execution's window (DEFAULT: the active version's scores)."""
        if prior_metrics is DEFAULT:
            if unit.active is None:
                return None
            active = unit.training(unit.active).metrics
            if active is None:
                return None
            placed = {
                parse_location(loc)[1].split(".")[0]
                for loc in (self.facts.prior_metrics, self.facts.reason_code)
            }
            dropped = {"data_start_time", "data_end_time", "model_version_metrics", *placed}
            prior = {k: v for k, v in active.items() if k not in dropped}
        else:
            assert prior_metrics is not None
            prior = dict(json.loads(prior_metrics) if isinstance(prior_metrics, str) else prior_metrics)
        assert execution.window is not None
        prior["data_start_time"] = execution.window[0].isoformat()
        prior["data_end_time"] = execution.window[1].isoformat()
        return prior

    def _put_fact(self, execution: Execution, document: dict[str, Any], location: str, value: Any) -> None:
        source, key = parse_location(location)
        if source == "metrics":
            _dotted_set(document, key, value)
        else:
            self._place(execution, location, value if isinstance(value, str) else json.dumps(value))

    def _put(self, bucket: str, key: str, body: bytes) -> datetime:
        """Write an object (boto3, default endpoint resolution); returns its LastModified."""
        import boto3

        s3 = boto3.session.Session().client("s3", region_name=self.region)
        s3.put_object(Bucket=bucket, Key=key, Body=body)
        modified = s3.head_object(Bucket=bucket, Key=key)["LastModified"]
        return utc(modified) or self.now()

    # ---------------------------------------------------------------- scenario: training and retraining

    def train(
        self,
        key: str,
        *,
        status: str = "COMPLETED",
        metrics: Metrics | Default = DEFAULT,
        prior_metrics: Metrics | Default = None,
        evaluation: bytes | str | Sequence[Mapping[str, Any]] | Default | None = DEFAULT,
        reason_code: str | None = None,
        failure_message: str | None = None,
        activate: bool = False,
        started_at: datetime | None = None,
    ) -> int:
        """The customer trains the model on the asset (a TRAIN_MODEL action); returns the version.
        It ends at once with ``status`` (``RUNNING``: it goes on until :meth:`finish_retraining`).
        ``activate``: then start inference with it as ``targetModelVersion``."""
        with self.lock:
            unit = self.unit(key)
            payload = self._training_payload(unit, TRAIN_MODEL)
            if unit.results_destination is not None:
                payload["modelEvaluationConfiguration"] = {
                    "resultDestination": {
                        "bucketName": unit.results_destination.bucket,
                        "prefix": unit.results_destination.prefix,
                    }
                }
            action = Action(
                _new_id(),
                unit.model.training_definition_id,
                unit.model.id,
                unit.asset.id,
                json.dumps(payload, separators=(",", ":")),
                self.now(),
            )
            version = self._start_training(unit, started_at=started_at)
            unit.actions.append(action)
            self.actions[action.id] = action
            if status == "RUNNING":
                return version
            self._finish_training(
                unit,
                unit.training(version),
                status=status,
                metrics=metrics,
                prior_metrics=prior_metrics,
                evaluation=evaluation,
                reason_code=reason_code,
                failure_message=failure_message,
            )
        if activate:
            if status != "COMPLETED":
                raise ValueError("only a COMPLETED version can be activated")
            self.start_inference(key, target_model_version=version)
        return version

    def start_retraining(self, key: str, *, started_at: datetime | None = None) -> int:
        """The retraining scheduler starts a retraining (RUNNING); returns the version it trains."""
        with self.lock:
            unit = self.unit(key)
            if unit.promotion is None:
                raise ValueError(f"unit {key} has no retraining scheduler running")
            running = [e for e in unit.executions if e.model_version and e.state == "RUNNING"]
            if running:
                raise ValueError(f"unit {key} is already retraining (version {running[0].model_version})")
            return self._start_training(unit, started_at=started_at)

    def finish_retraining(
        self,
        key: str,
        version: int,
        *,
        status: str = "COMPLETED",
        metrics: Metrics | Default = DEFAULT,
        prior_metrics: Metrics | Default = DEFAULT,
        evaluation: bytes | str | Sequence[Mapping[str, Any]] | Default | None = DEFAULT,
        reason_code: str | Default | None = DEFAULT,
        poor_quality: bool = False,
        failure_message: str | None = None,
    ) -> str | None:
        """A running retraining ends; returns the reason code it recorded (None: none).

        ``prior_metrics`` defaults to the active version's metrics re-scored on the new window
        (``None``: the service wrote none). Under SERVICE_MANAGED the reason code is decided by
        :func:`auto_promotion` and the version is activated when it says so; under
        CUSTOMER_MANAGED no reason code is written unless the scenario gives one.
        """
        with self.lock:
            unit = self.unit(key)
            execution = unit.training(version)
            if execution.state != "RUNNING":
                raise ValueError(f"version {version} of {key} is {execution.state}, not a running retraining")
            service_managed = unit.promotion == SERVICE_MANAGED
            metrics_text = metrics
            code: str | None = None
            if status == "COMPLETED" and reason_code is DEFAULT and service_managed:
                candidate = self._metrics_document(unit, execution, metrics)
                prior = self._prior(unit, execution, prior_metrics) if prior_metrics is not None else None
                code = auto_promotion(
                    candidate, prior, poor_quality=poor_quality, has_active=unit.active is not None
                )
            elif isinstance(reason_code, str):
                if reason_code not in REASON_CODES:
                    raise ValueError(f"reason_code must be one of {', '.join(REASON_CODES)}")
                code = reason_code
            self._finish_training(
                unit,
                execution,
                status=status,
                metrics=metrics_text,
                prior_metrics=prior_metrics,
                evaluation=evaluation,
                reason_code=code,
                failure_message=failure_message,
            )
            if code == AUTO_PROMOTION_SUCCESSFUL and service_managed:
                self._activate(unit, version)
            return code

    def set_summary_lag(self, key: str, reads: int) -> None:
        """After the next activation, the execution summary still shows the old active version for
        ``reads`` reads (an activation that takes a while to show)."""
        with self.lock:
            self.unit(key).summary_lag = reads

    # ---------------------------------------------------------------- accessors for assertions

    def unit_keys(self) -> list[str]:
        with self.lock:
            return sorted(unit.key for unit in self.units.values())

    def names(self, key: str) -> tuple[str, str]:
        """(computation model name, asset name) of a unit."""
        unit = self.unit(key)
        return unit.model.name, unit.asset.name

    def active_version(self, key: str) -> int | None:
        return self.unit(key).active

    def inference_running(self, key: str) -> bool:
        return self.unit(key).inference_running

    def promotion(self, key: str) -> str | None:
        return self.unit(key).promotion

    def version_numbers(self, key: str) -> list[int]:
        with self.lock:
            return sorted(e.model_version for e in self.unit(key).executions if e.model_version)

    def version_state(self, key: str, version: int) -> str:
        with self.lock:
            return self.unit(key).training(version).state

    def metrics_key(self, key: str, version: int) -> str | None:
        with self.lock:
            return self.unit(key).training(version).metrics_key

    def results_key(self, key: str, version: int) -> str | None:
        with self.lock:
            return self.unit(key).training(version).results_key

    def payloads(self, key: str, *, inference: bool | None = None) -> list[dict[str, Any]]:
        """The payloads of a unit's actions, oldest first (``inference``: only those, or only training)."""
        with self.lock:
            unit = self.unit(key)
            wanted = {
                None: {unit.model.training_definition_id, unit.model.inference_definition_id},
                True: {unit.model.inference_definition_id},
                False: {unit.model.training_definition_id},
            }[inference]
            return [dict(json.loads(a.payload)) for a in unit.actions if a.definition_id in wanted]

    def summary(self, unit: Unit) -> dict[str, str]:
        """The execution summary map of a unit now (an activation may still lag, see set_summary_lag)."""
        active = unit.active
        if unit.lag_remaining > 0:
            active = unit.lagging_active
            unit.lag_remaining -= 1
        values: dict[str, str] = {}
        _, running_key = parse_location(self.facts.inference_active)
        values[running_key] = "TRUE" if unit.inference_running else "FALSE"
        if active is not None:
            _, active_key = parse_location(self.facts.active_version)
            values[active_key] = str(active)
        return values


def event_recall(document: Mapping[str, Any] | None) -> float | None:
    if not document:
        return None
    block = document.get("labeled_event_metrics") or {}
    labelled, found = block.get("num_labeled"), block.get("num_identified")
    if not isinstance(labelled, int | float) or not isinstance(found, int | float) or labelled <= 0:
        return None
    return float(found) / float(labelled)


def auto_promotion(
    candidate: Mapping[str, Any] | None,
    prior: Mapping[str, Any] | None,
    *,
    poor_quality: bool = False,
    has_active: bool = True,
) -> str:
    """The emulator's stand-in for SERVICE_MANAGED's undisclosed rule.

    1. ``poor_quality``: POOR_MODEL_QUALITY_DETECTED.
    2. No active version: AUTO_PROMOTION_SUCCESSFUL.
    3. Event recall of the candidate and of the prior model on the same window both measurable:
       promoted when the candidate's is not lower, else MODEL_METRICS_DIDNT_IMPROVE.
    4. Otherwise MODEL_METRICS_DIDNT_IMPROVE (nothing shows an improvement).
    """
    if poor_quality:
        return POOR_MODEL_QUALITY_DETECTED
    if not has_active:
        return AUTO_PROMOTION_SUCCESSFUL
    new, old = event_recall(candidate), event_recall(prior)
    if new is not None and old is not None and not math.isclose(new, old) and new < old:
        return MODEL_METRICS_DIDNT_IMPROVE
    if new is not None and old is not None:
        return AUTO_PROMOTION_SUCCESSFUL
    return MODEL_METRICS_DIDNT_IMPROVE
