"""AWS IoT SiteWise native anomaly detection as a model registry (``ports.ModelRegistry``): the only
code that calls SiteWise, and the reader of the metrics and evaluation files it writes to S3.

The governed unit is a computation model applied to an asset, named by its ledger key
``sw-<computation model id>-<asset id>`` and shown as ``<model name> / <asset name>``
(``models.sitewise``). What the port asks, and where it comes from:

- the units: ListComputationModels (ANOMALY_DETECTION) and, per model,
  ListComputationModelResolveToResources;
- versions: the training executions (ListExecutions by action type, DescribeExecution), each
  carrying its version number where ``SiteWiseFacts.version`` says; RUNNING / COMPLETED / FAILED
  are IN_PROGRESS / SUCCESS / FAILED;
- the active version and whether inference runs: DescribeComputationModelExecutionSummary, at the
  keys ``SiteWiseFacts.active_version`` / ``inference_active`` name;
- the promotion mode, the metrics and results destinations and the running inference settings:
  the payloads of the unit's actions (ListActions, DescribeAction), since SiteWise has no describe
  call for a retraining scheduler or for inference;
- a version's metrics and pointwise results: the files under the destinations whose name starts
  with an epoch second within the execution (or, without one, last modified within it);
- the prior model's metrics on the same window and the reason code: where ``SiteWiseFacts`` says;
  without prior metrics, the active version's own metrics file (another window: the policy holds
  such a version for a person);
- activation: ExecuteAction on the inference action, ``START`` with ``targetModelVersion`` and the
  running inference settings (the last START's payload), after a STOP when
  ``activation_requires_stop``; then the execution summary is read until it shows the version, for
  at most ``activation_wait`` seconds (a few, so a batch of evaluations stays within the function's
  timeout). Not shown yet, the promotion stays PROMOTING and a later evaluation finishes it
  without sending the START again (:data:`RESEND_AFTER`).

Errors become domain errors by code (``adapters.errors``); throttling and 5xx are retried by the
client's retry mode first. API reference: https://docs.aws.amazon.com/iot-sitewise/latest/APIReference/
"""

from __future__ import annotations

import calendar
import json
import re
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

from model_steward.adapters import aws
from model_steward.adapters.errors import SdkAdapter, translate
from model_steward.domain.links import sitewise_console
from model_steward.errors import (
    ActivationConflict,
    ActivationRefused,
    InvalidInputError,
    NotFoundError,
    StewardError,
)
from model_steward.models.decision import (
    AutoPromotionResult,
    ModelFacts,
    ModelQuality,
    ObjectLocation,
    PriorBasis,
    PromoteMode,
    VersionFacts,
)
from model_steward.models.registry import ModelListing, ModelSnapshot, VersionRef
from model_steward.models.sitewise import (
    AUTO_PROMOTION_SUCCESSFUL,
    DEFAULT_PROMOTION,
    INFERENCE_START,
    INFERENCE_STOP,
    POOR_MODEL_QUALITY_DETECTED,
    REASON_CODES,
    SITEWISE,
    START_RETRAINING_SCHEDULER,
    STOP_RETRAINING_SCHEDULER,
    SiteWiseFacts,
    parse_location,
    parse_unit_key,
    unit_key,
)
from model_steward.observability import logger, tracer

if TYPE_CHECKING:
    from mypy_boto3_iotsitewise import IoTSiteWiseClient
    from mypy_boto3_s3 import S3Client

MAX_PAGE = 250  # the service's largest maxResults
FILE_SLACK = timedelta(minutes=2)
"""How far a file's LastModified may lie outside its execution (clock skew, late writes)."""
RESEND_AFTER = timedelta(minutes=15)
"""An activation START sent less than this long ago is not sent again: it is waited for."""
MAX_METRICS_BYTES = 5 << 20
MAX_RAW_CHARS = 16_000
_STATUS = {"RUNNING": "IN_PROGRESS", "COMPLETED": "SUCCESS", "FAILED": "FAILED"}
_EPOCH_NAME = re.compile(r"^(\d{9,11})(?:\D|$)")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_ACTIVATION_ERRORS: Mapping[str, type[StewardError]] = {
    "InvalidRequestException": ActivationRefused,
    "ConflictingOperationException": ActivationConflict,
}
_PROMOTION_RESULT = {
    AUTO_PROMOTION_SUCCESSFUL: AutoPromotionResult.MODEL_PROMOTED,
}


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _number(value: object) -> int | None:
    """A version number as the service writes it (a string of digits), or None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if value >= 1 else None
    if isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
        return number if number >= 1 else None
    return None


def _dotted(document: Mapping[str, Any] | None, path: str) -> Any:
    value: Any = document
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


@dataclass(frozen=True)
class ModelInfo:
    id: str
    name: str
    training_definition: str | None
    inference_definition: str | None


@dataclass(frozen=True)
class Training:
    """One training execution: a model version (when its number can be read)."""

    execution_id: str
    version: int | None
    state: str
    started: datetime
    ended: datetime | None
    listed: Mapping[str, Any]


@dataclass(frozen=True)
class ActionRecord:
    id: str
    definition_id: str
    payload: Mapping[str, Any] | None
    text: str
    executed_at: datetime


@dataclass(frozen=True)
class StoredObject:
    bucket: str
    key: str
    last_modified: datetime

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


@dataclass(frozen=True)
class Scheduler:
    promote_mode: PromoteMode | None
    status: str | None
    payload: Mapping[str, Any] | None


@dataclass(frozen=True)
class Inference:
    """What the unit's inference actions say: the last START's settings and activation history."""

    settings: Mapping[str, Any] | None
    last_start: ActionRecord | None
    targets: list[tuple[int, datetime]]  # targetModelVersion of each START, oldest first


class SiteWiseRegistry(SdkAdapter):
    """``ports.ModelRegistry`` on AWS IoT SiteWise native anomaly detection (one instance per
    invocation: it caches what does not change within one, such as action payloads)."""

    PAGE_SIZE = ("maxResults", MAX_PAGE)
    NEXT_TOKEN = "nextToken"  # noqa: S105 - a parameter name, not a secret

    registry_id = SITEWISE

    def __init__(
        self,
        region: str,
        *,
        facts: SiteWiseFacts | None = None,
        models: Sequence[str] | None = None,
        client: IoTSiteWiseClient | None = None,
        s3: S3Client | None = None,
        activation_wait: float = 8.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.region = region
        self.facts = facts or SiteWiseFacts()
        self.governed = None if models is None else tuple(models)
        """The computation models governed (their ids); None: every anomaly-detection model."""
        self._client = client
        self._s3 = s3
        self.activation_wait = activation_wait
        self.sleep = sleep
        self.clock = clock
        self._models: dict[str, ModelInfo] = {}
        self._assets: dict[str, dict[str, Any]] = {}
        self._actions: dict[str, ActionRecord] = {}
        self._executions: dict[str, dict[str, Any]] = {}
        self._listings: dict[tuple[str, str], list[StoredObject]] = {}
        self._documents: dict[str, dict[str, Any] | None] = {}

    @property
    def client(self) -> IoTSiteWiseClient:
        return self._client or aws.sitewise()

    @property
    def s3(self) -> S3Client:
        return self._s3 or aws.s3()

    # ------------------------------------------------------------------ calls
    @staticmethod
    def _unit(key: str) -> tuple[str, str]:
        ids = parse_unit_key(key)
        if ids is None:
            raise NotFoundError(
                f"{key} is not a SiteWise model: expected sw-<computation model id>-<asset id>"
            )
        return ids

    @staticmethod
    def _scope(model_id: str, asset_id: str) -> dict[str, str]:
        return {
            "targetResourceType": "COMPUTATION_MODEL",
            "targetResourceId": model_id,
            "resolveToResourceType": "ASSET",
            "resolveToResourceId": asset_id,
        }

    # ------------------------------------------------------------------ models and assets
    def model_info(self, model_id: str) -> ModelInfo:
        cached = self._models.get(model_id)
        if cached is not None:
            return cached
        described = self._call(
            "describe_computation_model", f"DescribeComputationModel {model_id}", computationModelId=model_id
        )

        def definition(kind: str) -> str | None:
            for entry in described.get("actionDefinitions", []):
                if kind in (entry.get("actionType"), entry.get("actionName")):
                    return str(entry["actionDefinitionId"])
            return None

        info = ModelInfo(
            id=model_id,
            name=str(described.get("computationModelName") or model_id),
            training_definition=definition(self.facts.training_action),
            inference_definition=definition(self.facts.inference_action),
        )
        self._models[model_id] = info
        return info

    def asset(self, asset_id: str) -> dict[str, Any]:
        cached = self._assets.get(asset_id)
        if cached is None:
            cached = self._call("describe_asset", f"DescribeAsset {asset_id}", assetId=asset_id)
            self._assets[asset_id] = cached
        return cached

    def label(self, key: str) -> str | None:
        """``<computation model name> / <asset name>``, or None when they cannot be read."""
        model_id, asset_id = self._unit(key)
        try:
            return f"{self.model_info(model_id).name} / {self.asset(asset_id).get('assetName', asset_id)}"
        except NotFoundError:
            return None

    def units(self) -> Iterator[tuple[str, str]]:
        """(computation model id, asset id) of every governed unit."""
        if self.governed is not None:
            model_ids: Iterable[str] = self.governed
        else:
            model_ids = (
                summary["id"]
                for summary in self._pages(
                    "list_computation_models",
                    "ListComputationModels",
                    "computationModelSummaries",
                    computationModelType="ANOMALY_DETECTION",
                )
            )
        for model_id in model_ids:
            try:
                resources = list(
                    self._pages(
                        "list_computation_model_resolve_to_resources",
                        f"ListComputationModelResolveToResources {model_id}",
                        "computationModelResolveToResourceSummaries",
                        computationModelId=model_id,
                    )
                )
            except NotFoundError:
                logger.warning(
                    "governed computation model not found", extra={"computation_model_id": model_id}
                )
                continue
            for resource in resources:
                asset_id = (resource.get("resolveTo") or {}).get("assetId")
                if asset_id:
                    yield model_id, asset_id

    # ------------------------------------------------------------------ executions
    def execution(self, execution_id: str) -> dict[str, Any]:
        cached = self._executions.get(execution_id)
        if cached is not None:
            return cached
        described = self._call(
            "describe_execution", f"DescribeExecution {execution_id}", executionId=execution_id
        )
        if (described.get("executionStatus") or {}).get("state") != "RUNNING":
            self._executions[execution_id] = described
        return described

    def _version_of(self, listed: Mapping[str, Any]) -> int | None:
        source, key = parse_location(self.facts.version)
        if source == "execution":
            return _number(listed.get(key))
        described = self.execution(str(listed["executionId"]))
        return _number((described.get(source) or {}).get(key))

    def trainings(self, model_id: str, asset_id: str) -> list[Training]:
        """The unit's training executions, newest first."""
        listed = self._pages(
            "list_executions",
            f"ListExecutions {model_id} {asset_id}",
            "executionSummaries",
            actionType=self.facts.training_action,
            **self._scope(model_id, asset_id),
        )
        found = []
        for summary in listed:
            started = _utc(summary.get("executionStartTime"))
            assert started is not None
            found.append(
                Training(
                    execution_id=str(summary["executionId"]),
                    version=self._version_of(summary),
                    state=str((summary.get("executionStatus") or {}).get("state", "")),
                    started=started,
                    ended=_utc(summary.get("executionEndTime")),
                    listed=summary,
                )
            )
        return sorted(found, key=lambda t: t.started, reverse=True)

    @staticmethod
    def _training(trainings: Iterable[Training], key: str, version: int) -> Training:
        """The training execution of version ``version`` among the unit's ``trainings``."""
        for training in trainings:
            if training.version == version:
                return training
        raise NotFoundError(f"version {version} of {key} does not exist")

    # ------------------------------------------------------------------ actions
    def actions(self, model_id: str, asset_id: str) -> list[ActionRecord]:
        """Every action executed on the unit, oldest first."""
        records = []
        listed = self._pages(
            "list_actions",
            f"ListActions {model_id} {asset_id}",
            "actionSummaries",
            **self._scope(model_id, asset_id),
        )
        for summary in listed:
            action_id = str(summary["actionId"])
            record = self._actions.get(action_id)
            if record is None:
                described = self._call("describe_action", f"DescribeAction {action_id}", actionId=action_id)
                text = str((described.get("actionPayload") or {}).get("stringValue", ""))
                try:
                    payload = json.loads(text)
                except ValueError:
                    payload = None
                executed = _utc(described.get("executionTime"))
                assert executed is not None
                record = ActionRecord(
                    id=action_id,
                    definition_id=str(described.get("actionDefinitionId", "")),
                    payload=payload if isinstance(payload, dict) else None,
                    text=text,
                    executed_at=executed,
                )
                self._actions[action_id] = record
            records.append(record)
        return sorted(records, key=lambda r: r.executed_at)

    def scheduler(self, info: ModelInfo, actions: Sequence[ActionRecord]) -> Scheduler:
        """The retraining scheduler as the last START/STOP_RETRAINING_SCHEDULER payload leaves it."""
        for record in reversed(actions):
            if record.definition_id != info.training_definition or record.payload is None:
                continue
            mode = record.payload.get("trainingMode")
            if mode == STOP_RETRAINING_SCHEDULER:
                return Scheduler(None, "STOPPED", record.payload)
            if mode == START_RETRAINING_SCHEDULER:
                configuration = record.payload.get("retrainingConfiguration") or {}
                promotion = configuration.get("promotion", DEFAULT_PROMOTION)
                try:
                    promote_mode: PromoteMode | None = PromoteMode(promotion)
                except ValueError:
                    logger.warning(
                        "unknown promotion mode in the scheduler's payload", extra={"mode": promotion}
                    )
                    promote_mode = PromoteMode.SERVICE_MANAGED  # unknown: assume the service decides
                return Scheduler(promote_mode, "RUNNING", record.payload)
        return Scheduler(None, None, None)

    def inference(self, info: ModelInfo, actions: Sequence[ActionRecord]) -> Inference:
        starts = [
            r
            for r in actions
            if r.definition_id == info.inference_definition
            and r.payload is not None
            and r.payload.get("inferenceMode") == INFERENCE_START
        ]
        targets = []
        for record in starts:
            target = _number((record.payload or {}).get("targetModelVersion"))
            if target is not None:
                targets.append((target, record.executed_at))
        last = starts[-1] if starts else None
        settings = None
        if last is not None and last.payload is not None:
            settings = {
                k: v for k, v in last.payload.items() if k not in ("inferenceMode", "targetModelVersion")
            }
        return Inference(settings=settings, last_start=last, targets=targets)

    def destinations(
        self, info: ModelInfo, actions: Sequence[ActionRecord], *, results: bool
    ) -> list[ObjectLocation]:
        """Where the unit's training actions said to write metrics (or evaluation results), newest first."""
        found: list[ObjectLocation] = []
        for record in reversed(actions):
            if record.definition_id != info.training_definition or record.payload is None:
                continue
            if results:
                where = (record.payload.get("modelEvaluationConfiguration") or {}).get("resultDestination")
            else:
                where = record.payload.get("modelMetricsDestination")
            if isinstance(where, dict) and isinstance(where.get("bucketName"), str):
                location = ObjectLocation(bucket=where["bucketName"], key=str(where.get("prefix") or ""))
                if location not in found:
                    found.append(location)
        return found

    # ------------------------------------------------------------------ the execution summary
    def summary(self, model_id: str, asset_id: str) -> dict[str, str]:
        answer = self._call(
            "describe_computation_model_execution_summary",
            f"DescribeComputationModelExecutionSummary {model_id} {asset_id}",
            computationModelId=model_id,
            resolveToResourceType="ASSET",
            resolveToResourceId=asset_id,
        )
        return dict(answer.get("computationModelExecutionSummary") or {})

    def _active(self, summary: Mapping[str, str]) -> int | None:
        return _number(summary.get(parse_location(self.facts.active_version)[1]))

    def _inference_running(self, summary: Mapping[str, str]) -> bool:
        return str(summary.get(parse_location(self.facts.inference_active)[1], "")).strip().lower() == "true"

    # ------------------------------------------------------------------ S3 files
    def _objects(self, location: ObjectLocation) -> list[StoredObject]:
        cache_key = (location.bucket, location.key)
        if cache_key not in self._listings:
            objects = []
            try:
                pages = self.s3.get_paginator("list_objects_v2").paginate(
                    Bucket=location.bucket, Prefix=location.key
                )
                for page in pages:
                    for entry in page.get("Contents", []):
                        modified = _utc(entry.get("LastModified"))
                        assert modified is not None
                        objects.append(StoredObject(location.bucket, entry["Key"], modified))
            except (ClientError, BotoCoreError) as exc:
                raise translate(exc, f"ListObjectsV2 {location.uri}") from exc
            self._listings[cache_key] = objects
        return self._listings[cache_key]

    def find_file(
        self, places: Sequence[ObjectLocation], suffix: str, training: Training, asset_id: str
    ) -> StoredObject | None:
        """The file a training wrote under one of ``places``: its name starts with an epoch second
        within the execution (or, without one, it was last modified within it)."""
        start = training.started
        end = training.ended or self.clock()
        scored = []
        for place in places:
            for stored in self._objects(place):
                if not stored.key.endswith(suffix):
                    continue
                name = stored.key.rsplit("/", 1)[-1]
                epoch = _EPOCH_NAME.match(name)
                if epoch is not None:  # whole seconds: compared with the start's whole second
                    second = int(epoch.group(1))
                    inside = int(start.timestamp()) <= second <= int(end.timestamp()) + 1
                    distance = float(second - int(start.timestamp()))
                else:
                    moment = stored.last_modified
                    inside = start - FILE_SLACK <= moment <= end + FILE_SLACK
                    distance = abs((moment - start).total_seconds())
                if inside:
                    scored.append((asset_id not in stored.key, distance, stored.key, stored))
        return min(scored)[3] if scored else None

    def read_json(self, stored: StoredObject) -> dict[str, Any] | None:
        """A JSON file's object (None when it is gone); a file that is not a JSON object is an error."""
        if stored.uri in self._documents:
            return self._documents[stored.uri]
        try:
            body = self.s3.get_object(Bucket=stored.bucket, Key=stored.key)["Body"].read(
                MAX_METRICS_BYTES + 1
            )
        except (ClientError, BotoCoreError) as exc:
            error = translate(exc, f"GetObject {stored.uri}")
            if isinstance(error, NotFoundError):
                self._documents[stored.uri] = None
                return None
            raise error from exc
        if len(body) > MAX_METRICS_BYTES:
            raise InvalidInputError(
                f"{stored.uri} is larger than {MAX_METRICS_BYTES} bytes: not a metrics file"
            )
        try:
            document = json.loads(body)
        except ValueError as exc:
            raise InvalidInputError(f"{stored.uri} is not JSON: {exc}") from exc
        if not isinstance(document, dict):
            raise InvalidInputError(f"{stored.uri} is not a JSON object")
        self._documents[stored.uri] = document
        return document

    def _metrics_file(
        self, info: ModelInfo, actions: Sequence[ActionRecord], training: Training, asset_id: str
    ) -> tuple[StoredObject | None, dict[str, Any] | None]:
        places = self.destinations(info, actions, results=False)
        stored = self.find_file(places, self.facts.metrics_suffix, training, asset_id)
        return stored, (self.read_json(stored) if stored else None)

    # ------------------------------------------------------------------ facts
    def _fact(self, location: str, described: Mapping[str, Any], metrics: Mapping[str, Any] | None) -> Any:
        source, key = parse_location(location)
        if source == "metrics":
            return _dotted(metrics, key)
        if source == "execution":
            return described.get(key)
        return (described.get(source) or {}).get(key)

    def _prior(
        self,
        key: str,
        version: int,
        *,
        described: Mapping[str, Any],
        metrics: Mapping[str, Any] | None,
        active: int | None,
        info: ModelInfo,
        actions: Sequence[ActionRecord],
        trainings: Sequence[Training],
    ) -> tuple[str | None, PriorBasis, str | None, str]:
        """(prior metrics JSON, basis, description, where they came from)."""
        found = self._fact(self.facts.prior_metrics, described, metrics)
        if isinstance(found, str):
            try:
                found = json.loads(found)
            except ValueError:
                return (
                    found,
                    PriorBasis.SAME_WINDOW,
                    None,
                    self.facts.prior_metrics,
                )  # unreadable: the policy says so
        if isinstance(found, dict):
            return json.dumps(_slim(found)), PriorBasis.SAME_WINDOW, None, self.facts.prior_metrics
        if active is None or active == version or metrics is None:
            return None, PriorBasis.SAME_WINDOW, None, "none"
        try:
            training = self._training(trainings, key, active)
        except NotFoundError:
            return None, PriorBasis.SAME_WINDOW, None, "none"
        stored, document = self._metrics_file(info, actions, training, self._unit(key)[1])
        if stored is None or document is None:
            return None, PriorBasis.SAME_WINDOW, None, "none"
        theirs = (document.get("data_start_time"), document.get("data_end_time"))
        ours = (metrics.get("data_start_time"), metrics.get("data_end_time"))
        same = None not in theirs and theirs == ours
        if same:
            description = (
                f"version {active}'s own metrics, on the same evaluation window ({theirs[0]} to {theirs[1]})"
            )
        elif None in theirs:
            description = (
                f"version {active}'s own metrics ({stored.uri}; their evaluation window is not stated)"
            )
        else:
            description = (
                f"version {active}'s own metrics (evaluation window {theirs[0]} to {theirs[1]}; "
                f"version {version}'s is {ours[0]} to {ours[1]})"
            )
        basis = PriorBasis.SAME_WINDOW if same else PriorBasis.OTHER_WINDOW
        return json.dumps(_slim(document, drop=self._placed())), basis, description, stored.uri

    def _placed(self) -> set[str]:
        """Top-level keys of the metrics file that hold facts, not metrics (prior, reason code)."""
        keys = set()
        for location in (self.facts.prior_metrics, self.facts.reason_code):
            source, key = parse_location(location)
            if source == "metrics":
                keys.add(key.split(".")[0])
        return keys

    def _version_facts(self, key: str, version: int) -> VersionFacts:
        model_id, asset_id = self._unit(key)
        trainings = self.trainings(model_id, asset_id)
        training = self._training(trainings, key, version)
        described = self.execution(training.execution_id)
        info = self.model_info(model_id)
        actions = self.actions(model_id, asset_id)
        status = _STATUS.get(training.state)
        if status is None:
            raise InvalidInputError(f"{key} v{version}: execution state {training.state!r} not understood")
        metrics_file = results_file = None
        metrics: dict[str, Any] | None = None
        prior: str | None = None
        basis, description, prior_from = PriorBasis.SAME_WINDOW, None, "none"
        code: str | None = None
        if status == "SUCCESS":
            metrics_file, metrics = self._metrics_file(info, actions, training, asset_id)
            places = self.destinations(info, actions, results=True)
            results_file = self.find_file(places, self.facts.results_suffix, training, asset_id)
            active = self._active(self.summary(model_id, asset_id))
            prior, basis, description, prior_from = self._prior(
                key,
                version,
                described=described,
                metrics=metrics,
                active=active,
                info=info,
                actions=actions,
                trainings=trainings,
            )
            found = self._fact(self.facts.reason_code, described, metrics)
            code = found.strip() if isinstance(found, str) and found.strip() else None
        failure = self._fact(self.facts.failure_message, described, None) if status == "FAILED" else None
        raw = {
            "execution": _jsonable(described),
            "metrics_object": metrics_file.uri if metrics_file else None,
            "results_object": results_file.uri if results_file else None,
            "reason_code": code,
            "prior_metrics_from": prior_from,
            "facts": self.facts.text() or "defaults",
        }
        try:
            return VersionFacts(
                model_name=key,
                version=version,
                status=status,
                model_quality=ModelQuality.POOR_QUALITY_DETECTED
                if code == POOR_MODEL_QUALITY_DETECTED
                else None,
                model_metrics=json.dumps(_slim(metrics, drop=self._placed()))
                if metrics is not None
                else None,
                prior_model_metrics=prior,
                created_at=training.started,
                failed_reason=str(failure) if failure else None,
                auto_promotion_result=(
                    _PROMOTION_RESULT.get(code, AutoPromotionResult.MODEL_NOT_PROMOTED)
                    if code in REASON_CODES
                    else None
                ),
                auto_promotion_result_reason=code,
                diagnostics_object=(
                    ObjectLocation(bucket=results_file.bucket, key=results_file.key) if results_file else None
                ),
                prior_basis=basis,
                prior_description=description,
                label=self.label(key),
                raw=_raw(raw),
            )
        except ValidationError as exc:
            raise InvalidInputError(f"{key} v{version} not understood: {exc}") from exc

    # ------------------------------------------------------------------ the port
    @tracer.capture_method
    def list_models(self, name_prefix: str = "") -> Iterator[ModelListing]:
        """Every governed unit (ListComputationModels, one ListComputationModelResolveToResources per
        model) and its fingerprint (one ListExecutions and one execution summary per unit)."""
        for model_id, asset_id in self.units():
            key = unit_key(model_id, asset_id)
            if not key.startswith(name_prefix):
                continue
            try:
                yield ModelListing(model_name=key, fingerprint=self._fingerprint(model_id, asset_id))
            except NotFoundError:
                logger.warning("unit disappeared while listed", extra={"model_name": key})

    def _fingerprint(self, model_id: str, asset_id: str) -> str:
        trainings = self.trainings(model_id, asset_id)
        summary = self.summary(model_id, asset_id)
        latest = trainings[0] if trainings else None
        fields = (
            self._active(summary),
            self._inference_running(summary),
            len(trainings),
            latest.version if latest else None,
            latest.state if latest else None,
        )
        return "|".join("" if value is None else str(value) for value in fields)

    def _model_facts(self, key: str) -> tuple[ModelFacts, Scheduler, Inference, list[Training]]:
        model_id, asset_id = self._unit(key)
        info = self.model_info(model_id)
        summary = self.summary(model_id, asset_id)
        actions = self.actions(model_id, asset_id)
        trainings = self.trainings(model_id, asset_id)
        scheduler = self.scheduler(info, actions)
        inference = self.inference(info, actions)
        active = self._active(summary)
        activated_at = None
        previous = None
        if active is not None:
            activated_at = self._activated_at(active, inference, trainings)
            earlier = [
                target
                for target, at in inference.targets
                if target != active and (activated_at is None or at <= activated_at)
            ]
            previous = earlier[-1] if earlier else None
        facts = ModelFacts(
            model_name=key,
            active_version=active,
            active_version_activated_at=activated_at,
            previous_active_version=previous,
            promote_mode=scheduler.promote_mode,
            scheduler_status=scheduler.status,
            label=self.label(key),
        )
        return facts, scheduler, inference, trainings

    @staticmethod
    def _activated_at(active: int, inference: Inference, trainings: Sequence[Training]) -> datetime | None:
        """When the active version became active: the last START that targeted it, else (the service
        promoted it, or inference started with the newest version) the end of its training."""
        by_action = [at for target, at in inference.targets if target == active]
        if by_action:  # a START can only target a version that exists: it is the later event
            return by_action[-1]
        return next((t.ended for t in trainings if t.version == active), None)

    @tracer.capture_method
    def describe_model(self, model_name: str) -> ModelFacts:
        return self._model_facts(model_name)[0]

    @tracer.capture_method
    def active_version(self, model_name: str) -> int | None:
        return self._active(self.summary(*self._unit(model_name)))

    @tracer.capture_method
    def model_snapshot(self, model_name: str) -> ModelSnapshot:
        facts, scheduler, _, trainings = self._model_facts(model_name)
        configuration = (scheduler.payload or {}).get("retrainingConfiguration") or {}
        latest = trainings[0] if trainings else None
        failed_reason = None
        if latest is not None and latest.state == "FAILED":
            found = self._fact(self.facts.failure_message, self.execution(latest.execution_id), None)
            failed_reason = str(found) if found else None
        start = _number(configuration.get("retrainingStartDate"))
        next_run = None
        frequency = configuration.get("retrainingFrequency")
        if scheduler.status == "RUNNING" and isinstance(frequency, str):
            base = latest.started if latest else (datetime.fromtimestamp(start, UTC) if start else None)
            next_run = add_period(base, frequency) if base else None
        return ModelSnapshot(
            model_name=model_name,
            label=facts.label,
            active_version=facts.active_version,
            active_since=facts.active_version_activated_at,
            promote_mode=facts.promote_mode.value if facts.promote_mode else None,
            scheduler_status=facts.scheduler_status,
            retraining_frequency=configuration.get("retrainingFrequency"),
            lookback_window=configuration.get("lookbackWindow"),
            scheduler_start=datetime.fromtimestamp(start, UTC) if start else None,
            latest_retraining_version=latest.version if latest else None,
            latest_retraining_status=_STATUS.get(latest.state) if latest else None,
            latest_retraining_started=latest.started if latest else None,
            latest_retraining_failed_reason=failed_reason,
            next_retraining=next_run,
        )

    @tracer.capture_method
    def version_numbers(self, model_name: str, *, from_version: int = 1) -> list[int]:
        model_id, asset_id = self._unit(model_name)
        trainings = self.trainings(model_id, asset_id)
        unnumbered = [t.execution_id for t in trainings if t.version is None]
        if unnumbered:  # not governed until the setting says where the number is
            logger.warning(
                "training executions without a version number where SiteWiseFacts.version says "
                "(run steward sitewise probe)",
                extra={
                    "model_name": model_name,
                    "location": self.facts.version,
                    "executions": unnumbered[:10],
                },
            )
        return sorted({t.version for t in trainings if t.version and t.version >= from_version})

    @tracer.capture_method
    def describe_version(self, model_name: str, version: int) -> VersionFacts:
        return self._version_facts(model_name, version)

    @tracer.capture_method
    def activate(self, model_name: str, version: int) -> int:
        """Start inference with ``targetModelVersion`` (keeping the running settings), then read the
        execution summary until it shows the version (or ``activation_wait`` runs out)."""
        model_id, asset_id = self._unit(model_name)
        info = self.model_info(model_id)
        if info.inference_definition is None:
            raise ActivationRefused(
                f"{model_name}: computation model {model_id} has no {self.facts.inference_action} action"
            )
        summary = self.summary(model_id, asset_id)
        if self._active(summary) == version:
            return version
        trainings = self.trainings(model_id, asset_id)
        training = self._training(trainings, model_name, version)  # NotFoundError: no such version
        if training.state != "COMPLETED":
            raise ActivationRefused(
                f"version {version} of {model_name} is {_STATUS.get(training.state, training.state)}: "
                "only a SUCCESS version can be activated"
            )
        if not self._inference_running(summary):
            raise ActivationRefused(
                f"inference is not running for {self.label(model_name) or model_name}: Model Steward "
                "activates a version only while inference runs (starting it is the operator's decision)"
            )
        inference = self.inference(info, self.actions(model_id, asset_id))
        if inference.settings is None:
            raise ActivationRefused(
                f"{model_name}: no inference START action to take the running settings from"
            )
        # A START for this version sent a moment ago (by an evaluation that then stopped) is waited
        # for, not sent again; unless the active version changed after it (it took effect and was
        # then overtaken).
        last = inference.last_start
        active = self._active(summary)
        changed_since = self._activated_at(active, inference, trainings) if active else None
        recent = (
            last is not None
            and _number((last.payload or {}).get("targetModelVersion")) == version
            and self.clock() - last.executed_at < RESEND_AFTER
            and (changed_since is None or changed_since <= last.executed_at)
        )
        if not recent:
            if self.facts.activation_requires_stop:
                self._execute(
                    model_id, asset_id, info.inference_definition, {"inferenceMode": INFERENCE_STOP}
                )
            payload = {"inferenceMode": INFERENCE_START, **inference.settings, "targetModelVersion": version}
            self._execute(model_id, asset_id, info.inference_definition, payload)
        return self._await_active(model_id, asset_id, version)

    def _execute(self, model_id: str, asset_id: str, definition: str, payload: Mapping[str, Any]) -> str:
        answer = self._call(
            "execute_action",
            f"ExecuteAction {payload.get('inferenceMode')} {model_id} {asset_id}",
            overrides=_ACTIVATION_ERRORS,
            targetResource={"computationModelId": model_id},
            resolveTo={"assetId": asset_id},
            actionDefinitionId=definition,
            actionPayload={"stringValue": json.dumps(payload, separators=(",", ":"))},
            clientToken=str(uuid.uuid4()),
        )
        logger.info(
            "SiteWise action executed", extra={"action_id": answer.get("actionId"), "payload": payload}
        )
        return str(answer.get("actionId"))

    def _await_active(self, model_id: str, asset_id: str, version: int) -> int:
        deadline = time.monotonic() + self.activation_wait
        delay = 0.25
        while True:
            active = self._active(self.summary(model_id, asset_id))
            if active == version or time.monotonic() >= deadline:
                if active is None:
                    raise StewardError(
                        f"{unit_key(model_id, asset_id)}: the execution summary shows no active version"
                    )
                return active
            self.sleep(delay)
            delay = min(delay * 2, 4.0)

    def console_url(self, model_name: str) -> str:
        return sitewise_console(self.region)

    def diagnostics_hint(self, key: str) -> VersionRef | None:
        """The unit and version whose evaluation results file ``key`` is: the unit whose result
        destination holds it (the ids in its folders first), the version whose training wrote it."""
        if not key.endswith(self.facts.results_suffix):
            return None
        ids = set(_UUID.findall(key))
        units = list(self.units())
        named = [u for u in units if {u[0], u[1]} <= ids]
        for model_id, asset_id in named or units:
            info = self.model_info(model_id)
            actions = self.actions(model_id, asset_id)
            places = [p for p in self.destinations(info, actions, results=True) if key.startswith(p.key)]
            trainings = self.trainings(model_id, asset_id) if places else []
            for place in places:
                for training in trainings:
                    if training.version is None:
                        continue
                    found = self.find_file([place], self.facts.results_suffix, training, asset_id)
                    if found is not None and found.key == key:
                        return VersionRef(unit_key(model_id, asset_id), training.version)
        return None

    # ------------------------------------------------------------------ probe
    def probe(
        self, model_id: str, asset_id: str, *, executions: int = 5, objects: int = 20
    ) -> dict[str, Any]:
        """What the account returns for one unit, raw: the computation model, the asset, the execution
        summary, the training executions (the newest described), the actions' payloads, the object
        names under the destinations and the newest metrics file. A part that cannot be read says why."""
        found: dict[str, Any] = {
            "computation_model_id": model_id,
            "asset_id": asset_id,
            "facts": self.facts.text(),
        }

        def part(name: str, read: Callable[[], Any]) -> Any:
            try:
                found[name] = _jsonable(read())
            except StewardError as exc:
                found[name] = {"error": str(exc)}
                return None
            return found[name]

        described = part(
            "computation_model",
            lambda: self._call(
                "describe_computation_model",
                f"DescribeComputationModel {model_id}",
                computationModelId=model_id,
            ),
        )
        asset = part("asset", lambda: self.asset(asset_id))
        if isinstance(asset, dict) and "error" not in asset:
            found["asset"] = {
                "assetId": asset.get("assetId"),
                "assetName": asset.get("assetName"),
                "assetProperties": [
                    {"id": p.get("id"), "name": p.get("name"), "dataType": p.get("dataType")}
                    for p in asset.get("assetProperties", [])
                ],
            }
        part("execution_summary", lambda: self.summary(model_id, asset_id))
        trainings = part(
            "training_executions",
            lambda: list(
                self._pages(
                    "list_executions",
                    "ListExecutions",
                    "executionSummaries",
                    actionType=self.facts.training_action,
                    **self._scope(model_id, asset_id),
                )
            ),
        )
        if isinstance(trainings, list):
            newest = sorted(trainings, key=lambda e: str(e.get("executionStartTime")), reverse=True)[
                :executions
            ]
            part(
                "described_executions",
                lambda: [self.execution(str(e["executionId"])) for e in newest],
            )
        if described is None or "error" in (described or {}):
            return found
        try:
            records = self.actions(model_id, asset_id)
        except StewardError as exc:
            found["actions"] = {"error": str(exc)}
            return found
        found["actions"] = [
            {
                "actionId": a.id,
                "actionDefinitionId": a.definition_id,
                "executionTime": a.executed_at.isoformat(),
                "payload": a.payload if a.payload is not None else a.text,
            }
            for a in records
        ]
        info = self.model_info(model_id)
        for kind, results in (("metrics", False), ("results", True)):
            places = self.destinations(info, records, results=results)
            listing: dict[str, Any] = {}
            for place in places:
                try:
                    stored = sorted(self._objects(place), key=lambda o: o.last_modified, reverse=True)
                    listing[place.uri] = [
                        {"key": o.key, "last_modified": o.last_modified.isoformat()} for o in stored[:objects]
                    ]
                except StewardError as exc:
                    listing[place.uri] = {"error": str(exc)}
            found[f"{kind}_objects"] = listing
        completed = [t for t in self.trainings(model_id, asset_id) if t.state == "COMPLETED"]
        if completed:
            newest_training = completed[0]
            stored_file = self.find_file(
                self.destinations(info, records, results=False),
                self.facts.metrics_suffix,
                newest_training,
                asset_id,
            )
            if stored_file is not None:
                part(
                    "newest_metrics_file",
                    lambda: {"uri": stored_file.uri, "document": self.read_json(stored_file)},
                )
        return found

    def sensor_labels(self, names: Iterable[str]) -> dict[str, str]:
        """``<asset name> / <property name>`` for each ``assetId\\propertyId`` that can be resolved."""
        labels = {}
        for name in names:
            asset_id, sep, property_id = name.partition("\\")
            property_id = property_id.lstrip("\\")
            if not sep or not _UUID.fullmatch(asset_id) or not _UUID.fullmatch(property_id):
                continue
            try:
                asset = self.asset(asset_id)
            except NotFoundError:
                continue
            properties = {p.get("id"): p.get("name") for p in asset.get("assetProperties", [])}
            if properties.get(property_id):
                labels[name] = f"{asset.get('assetName', asset_id)} / {properties[property_id]}"
        return labels


_PERIOD = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?$")


def add_period(moment: datetime, period: str) -> datetime | None:
    """``moment`` plus an ISO 8601 period of years, months and days (``P30D``, ``P1M``, ``P1Y``);
    None for anything else."""
    match = _PERIOD.match(period)
    if match is None or period == "P":
        return None
    years, months, days = (int(part or 0) for part in match.groups())
    month_index = moment.month - 1 + months + 12 * years
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day) + timedelta(days=days)


def _slim(document: Mapping[str, Any] | None, *, drop: Iterable[str] = ()) -> dict[str, Any]:
    """A metrics document without what the policy does not read (per-range diagnostics, facts)."""
    slimmed = {k: v for k, v in (document or {}).items() if k not in set(drop)}
    ranges = slimmed.get("predicted_ranges")
    if isinstance(ranges, list):
        slimmed["predicted_ranges"] = [
            {k: v for k, v in r.items() if k != "diagnostics"} if isinstance(r, dict) else r for r in ranges
        ]
    return slimmed


def _raw(values: Mapping[str, Any]) -> str:
    text = json.dumps(values, default=str, separators=(",", ":"))
    if len(text) <= MAX_RAW_CHARS:
        return text
    execution = dict(values.get("execution") or {})
    for big in ("executionDetails", "executionResult"):
        if big in execution:
            execution[big] = {"truncated": f"{len(json.dumps(execution[big], default=str))} characters"}
    return json.dumps({**values, "execution": execution}, default=str, separators=(",", ":"))[:MAX_RAW_CHARS]
