"""The service's API operations: a request body in, an HTTP response (wire format) out.

Orderings (the real service documents none; code under test must not rely on them):

* ListModels and ListRetrainingSchedulers: by model name, ascending.
* ListModelVersions: by version number, descending (newest first).

Pages hold ``MaxResults`` items (1..500), :data:`DEFAULT_PAGE_SIZE` when it is absent.
``NextToken`` is opaque and bound to the operation and its filters (see
:class:`~emulators.lookout.protocol.PageTokens`). Filters: ``*BeginsWith`` are case-sensitive prefix
matches; ``CreatedAtStartTime`` / ``CreatedAtEndTime`` and ``MinModelVersion`` / ``MaxModelVersion``
are inclusive bounds.

Authorisation: with an :class:`Authoriser` (the local stack gives one backed by moto's IAM), every
request is checked against the resource ARNs the real service authorises: ``*`` for ListModels and
ListRetrainingSchedulers, the model ARN for DescribeModel, ListModelVersions and
DescribeRetrainingScheduler, the model-version ARN for DescribeModelVersion, both for
UpdateActiveModelVersion, the target model and the dataset for ImportModelVersion (and
``iam:PassRole`` on its RoleArn), the dataset for DescribeDataset, the named resource for the
resource-policy operations. A model that does not exist is authorised on
``model/<name>/<UNKNOWN_MODEL_ID>`` (a policy naming the model or its prefix allows the call, which
then answers ResourceNotFoundException); so is a dataset. Without an authoriser any request is
accepted (stand-alone use, emulator tests), as the default account.

Accounts: every request is answered from the state of the caller's account, which the authoriser
derives from the request's credentials (the local stack's from moto's IAM: an assumed role in
another account acts in that account). ImportModelVersion reads the source version from its own
account's state; when that is another account, the source model's resource policy must allow the
caller (:mod:`emulators.lookout.policies`), else AccessDeniedException. ClientToken idempotency is
per account: the same token with the same parameters answers the first import again (no second
version), with other parameters ConflictException.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from emulators.common.auth import Authoriser, Identity, SignedRequest
from emulators.common.pages import Paging
from emulators.common.shapes import HttpResponse, ShapeMismatchError, from_epoch, json_response
from emulators.iam_policy import Caller, Decision
from emulators.lookout.policies import IMPORT_ACTION, import_decision, parse_policy
from emulators.lookout.protocol import (
    CONTENT_TYPE,
    IMPLEMENTED_OPERATIONS,
    TARGET_PREFIX,
    PageTokens,
    ServiceError,
    error_response,
    response_body,
    service_model,
    validate_request,
)
from emulators.lookout.state import Accounts, LookoutState, Model, ResourcePolicy, Version

DEFAULT_PAGE_SIZE = 50
_PAGING = Paging("NextToken", "MaxResults", DEFAULT_PAGE_SIZE)
_SCHEDULED = ("PENDING", "RUNNING")
_SUMMARY_MEMBERS = (
    "ModelName",
    "ModelArn",
    "DatasetName",
    "DatasetArn",
    "Status",
    "CreatedAt",
    "ActiveModelVersion",
    "ActiveModelVersionArn",
    "LatestScheduledRetrainingStatus",
    "LatestScheduledRetrainingModelVersion",
    "LatestScheduledRetrainingStartTime",
    "NextScheduledRetrainingStartDate",
    "RetrainingSchedulerStatus",
    "ModelDiagnosticsOutputConfiguration",
    "ModelQuality",
)

Handler = Callable[[dict[str, Any]], dict[str, Any]]
#: The model id in the ARN a request for a model that does not exist is authorised on.
UNKNOWN_MODEL_ID = "00000000-0000-0000-0000-000000000000"
_ACCOUNT_WIDE = frozenset({"ListModels", "ListRetrainingSchedulers"})
_BY_RESOURCE_ARN = frozenset({"PutResourcePolicy", "DescribeResourcePolicy", "DeleteResourcePolicy"})
_RUNNING = ("IN_PROGRESS", "IMPORT_IN_PROGRESS")


def _model_name_of(version_arn: object) -> str | None:
    """The model name in a model-version ARN (``...:model/<name>/<id>/model-version/<n>``)."""
    if not isinstance(version_arn, str) or ":model/" not in version_arn:
        return None
    return version_arn.split(":model/", 1)[1].split("/", 1)[0] or None


def _not_found(what: str) -> ServiceError:
    return ServiceError("ResourceNotFoundException", f"{what} does not exist.")


class LookoutService:
    """Answers the API operations from a :class:`LookoutState`."""

    def __init__(
        self,
        state: LookoutState,
        tokens: PageTokens | None = None,
        authoriser: Authoriser | None = None,
        accounts: Accounts | None = None,
    ) -> None:
        self.default_state = state
        self.accounts = accounts or Accounts(state)
        self.tokens = tokens or PageTokens()
        self.authoriser = authoriser
        self._request = threading.local()  # the state and caller of the request this thread answers
        self._handlers: dict[str, Handler] = {
            "ListModels": self.list_models,
            "DescribeModel": self.describe_model,
            "ListModelVersions": self.list_model_versions,
            "DescribeModelVersion": self.describe_model_version,
            "UpdateActiveModelVersion": self.update_active_model_version,
            "ImportModelVersion": self.import_model_version,
            "DescribeRetrainingScheduler": self.describe_retraining_scheduler,
            "ListRetrainingSchedulers": self.list_retraining_schedulers,
            "DescribeDataset": self.describe_dataset,
            "PutResourcePolicy": self.put_resource_policy,
            "DescribeResourcePolicy": self.describe_resource_policy,
            "DeleteResourcePolicy": self.delete_resource_policy,
        }
        assert set(self._handlers) == IMPLEMENTED_OPERATIONS

    @property
    def state(self) -> LookoutState:
        """The state of the account whose request this thread answers (the default one otherwise)."""
        state: LookoutState | None = getattr(self._request, "state", None)
        return state if state is not None else self.default_state

    @property
    def identity(self) -> Identity:
        identity: Identity | None = getattr(self._request, "identity", None)
        return identity if identity is not None else Identity.root(self.state.account_id)

    @contextmanager
    def acting_in(self, state: LookoutState, identity: Identity | None = None) -> Iterator[None]:
        """Answer as ``state``'s account (the scenario's accessors use it for other accounts)."""
        saved = getattr(self._request, "state", None), getattr(self._request, "identity", None)
        self._request.state, self._request.identity = state, identity
        try:
            yield
        finally:
            self._request.state, self._request.identity = saved

    # ---------------------------------------------------------------- request handling

    def handle(self, target: str | None, body: bytes, request: SignedRequest | None = None) -> HttpResponse:
        """Answer one request: ``target`` is the ``X-Amz-Target`` header, ``body`` the raw JSON,
        ``request`` what the authoriser checks (required when the service has one)."""
        operation = _operation_name(target)
        params: dict[str, Any] | None = None
        parse_error: str | None = None
        try:
            decoded = json.loads(body or b"{}")
            if isinstance(decoded, dict):
                params = decoded
            else:
                parse_error = "The request body must be a JSON object."
        except ValueError as exc:
            parse_error = f"The request body is not valid JSON: {exc}"
        state = self.default_state
        try:
            self._check_operation(target, operation)
            identity = self._identify(request)
            state = self.accounts.account(identity.account_id)
            with self.acting_in(state, identity):
                response = self._answer(operation, params, parse_error)
            error_code = None
        except ServiceError as error:
            response, error_code = error_response(error), error.code
        except ShapeMismatchError as exc:
            bug = ServiceError("InternalServerException", f"The emulator built an invalid response: {exc}")
            response, error_code = error_response(bug), bug.code
        state.record_call(operation, params, response.status, error_code)
        return response

    def _identify(self, request: SignedRequest | None) -> Identity:
        if self.authoriser is None:
            return Identity.root(self.default_state.account_id)
        if request is None:
            raise ServiceError("MissingAuthenticationTokenException", "Missing Authentication Token")
        return self.authoriser.identify(request)

    def _answer(self, operation: str, params: dict[str, Any] | None, parse_error: str | None) -> HttpResponse:
        state = self.state
        if self.authoriser is not None:
            self.authoriser.authorise(
                self.identity, f"lookoutequipment:{operation}", self._resources(operation, params or {})
            )
        delay = state.latency(operation)
        if delay:
            time.sleep(delay)
        fault = state.take_fault(operation)
        if fault is not None:
            raise ServiceError(fault.code, fault.message, fault.status)
        if parse_error is not None or params is None:
            raise ServiceError("SerializationException", parse_error or "Empty request.")
        validated = validate_request(operation, params)
        with state.lock:
            state.settle_imports()
            result = self._handlers[operation](validated)
        return json_response(200, response_body(operation, result), CONTENT_TYPE)

    def _resources(self, operation: str, params: dict[str, Any]) -> list[str]:
        """The ARNs the real service authorises the operation on (see the module docstring)."""
        if operation in _ACCOUNT_WIDE:
            return ["*"]
        if operation in _BY_RESOURCE_ARN:
            arn = params.get("ResourceArn")
            return [arn] if isinstance(arn, str) else []
        if operation == "DescribeDataset":
            dataset = params.get("DatasetName")
            return [self._dataset_arn(dataset)] if isinstance(dataset, str) else []
        name = params.get("ModelName")
        if operation == "ImportModelVersion" and not isinstance(name, str):
            name = _model_name_of(params.get("SourceModelVersionArn"))
        if not isinstance(name, str):
            return []  # the request is invalid: validation answers it
        with self.state.lock:
            model = self.state.models.get(name)
        model_arn = model.arn if model else self.state.model_arn_for(name, UNKNOWN_MODEL_ID)
        version_arn = f"{model_arn}/model-version/{params.get('ModelVersion')}"
        if operation == "DescribeModelVersion":
            return [version_arn]
        if operation == "UpdateActiveModelVersion":
            return [model_arn, version_arn]
        if operation == "ImportModelVersion" and isinstance(params.get("DatasetName"), str):
            return [model_arn, self._dataset_arn(params["DatasetName"])]
        return [model_arn]

    def _dataset_arn(self, name: str) -> str:
        with self.state.lock:
            dataset = self.state.datasets.get(name)
        return dataset.arn if dataset else self.state.dataset_arn_for(name, UNKNOWN_MODEL_ID)

    @staticmethod
    def _check_operation(target: str | None, operation: str) -> None:
        if not target or not target.startswith(f"{TARGET_PREFIX}."):
            raise ServiceError(
                "UnknownOperationException",
                f"Missing or unrecognised X-Amz-Target header {target!r}: "
                f"expected '{TARGET_PREFIX}.<Operation>'.",
            )
        if operation not in service_model().operation_names:
            raise ServiceError("UnknownOperationException", f"Unknown operation {operation!r}.")
        if operation not in IMPLEMENTED_OPERATIONS:
            raise ServiceError(
                "UnknownOperationException",
                f"The Lookout for Equipment emulator does not implement {operation}; it implements "
                + ", ".join(sorted(IMPLEMENTED_OPERATIONS))
                + ".",
            )

    # ---------------------------------------------------------------- models

    def _model(self, name: str) -> Model:
        model = self.state.models.get(name)
        if model is None:
            raise _not_found(f"Model {name}")
        return model

    def _describe(self, model: Model) -> dict[str, Any]:
        reference = model.reference_version
        base = model.base_version
        retraining = model.versions.get(model.latest_retraining) if model.latest_retraining else None
        scheduler = model.scheduler
        return {
            "ModelName": model.name,
            "ModelArn": model.arn,
            "DatasetName": model.dataset_name,
            "DatasetArn": model.dataset_arn,
            "Schema": model.schema,
            "LabelsInputConfiguration": reference.labels if reference else None,
            "TrainingDataStartTime": reference.training_data_start if reference else None,
            "TrainingDataEndTime": reference.training_data_end if reference else None,
            "EvaluationDataStartTime": reference.evaluation_data_start if reference else None,
            "EvaluationDataEndTime": reference.evaluation_data_end if reference else None,
            "RoleArn": model.role_arn,
            "DataPreProcessingConfiguration": {"TargetSamplingRate": model.sampling_rate},
            "Status": model.status,
            "TrainingExecutionStartTime": reference.training_execution_start if reference else None,
            "TrainingExecutionEndTime": reference.training_execution_end if reference else None,
            "FailedReason": base.failed_reason if base and model.status == "FAILED" else None,
            "ModelMetrics": reference.model_metrics if reference else None,
            "LastUpdatedTime": model.last_updated,
            "CreatedAt": model.created_at,
            "SourceModelVersionArn": reference.source_model_version_arn if reference else None,
            "ImportJobStartTime": reference.import_job_start if reference else None,
            "ImportJobEndTime": reference.import_job_end if reference else None,
            "ActiveModelVersion": model.active,
            "ActiveModelVersionArn": model.version_arn(model.active) if model.active else None,
            "ModelVersionActivatedAt": model.active_at,
            "PreviousActiveModelVersion": model.previous,
            "PreviousActiveModelVersionArn": model.version_arn(model.previous) if model.previous else None,
            "PreviousModelVersionActivatedAt": model.previous_at,
            "PriorModelMetrics": reference.prior_model_metrics if reference else None,
            "LatestScheduledRetrainingFailedReason": retraining.failed_reason if retraining else None,
            "LatestScheduledRetrainingStatus": retraining.status if retraining else None,
            "LatestScheduledRetrainingModelVersion": retraining.number if retraining else None,
            "LatestScheduledRetrainingStartTime": retraining.created_at if retraining else None,
            "LatestScheduledRetrainingAvailableDataInDays": (
                retraining.retraining_available_data_in_days if retraining else None
            ),
            "NextScheduledRetrainingStartDate": (
                scheduler.next_run if scheduler and scheduler.status in _SCHEDULED else None
            ),
            "AccumulatedInferenceDataStartTime": model.inference_data_start,
            "AccumulatedInferenceDataEndTime": model.inference_data_end,
            "RetrainingSchedulerStatus": scheduler.status if scheduler else None,
            "ModelDiagnosticsOutputConfiguration": model.diagnostics_configuration,
            "ModelQuality": reference.model_quality if reference else None,
        }

    def describe_model(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._describe(self._model(params["ModelName"]))

    def list_models(self, params: dict[str, Any]) -> dict[str, Any]:
        status = params.get("Status")
        name_prefix = params.get("ModelNameBeginsWith", "")
        dataset_prefix = params.get("DatasetNameBeginsWith", "")
        models = [
            model
            for model in sorted(self.state.models.values(), key=lambda m: m.name)
            if model.name.startswith(name_prefix)
            and model.dataset_name.startswith(dataset_prefix)
            and (status is None or model.status == status)
        ]
        page, token = _PAGING.page(self.tokens, "ListModels", params, models, lambda m: m.name)
        summaries = []
        for model in page:
            described = self._describe(model)
            summaries.append({member: described[member] for member in _SUMMARY_MEMBERS})
        return {"ModelSummaries": summaries, "NextToken": token}

    # ---------------------------------------------------------------- versions

    def _version(self, model: Model, number: int) -> Version:
        version = model.versions.get(number)
        if version is None:
            raise _not_found(f"Version {number} of model {model.name}")
        return version

    def describe_model_version(self, params: dict[str, Any]) -> dict[str, Any]:
        model = self._model(params["ModelName"])
        v = self._version(model, params["ModelVersion"])
        return {
            "ModelName": model.name,
            "ModelArn": model.arn,
            "ModelVersion": v.number,
            "ModelVersionArn": v.arn,
            "Status": v.status,
            "SourceType": v.source_type,
            "DatasetName": model.dataset_name,
            "DatasetArn": model.dataset_arn,
            "Schema": model.schema,
            "LabelsInputConfiguration": v.labels,
            "TrainingDataStartTime": v.training_data_start,
            "TrainingDataEndTime": v.training_data_end,
            "EvaluationDataStartTime": v.evaluation_data_start,
            "EvaluationDataEndTime": v.evaluation_data_end,
            "RoleArn": model.role_arn,
            "DataPreProcessingConfiguration": {"TargetSamplingRate": model.sampling_rate},
            "TrainingExecutionStartTime": v.training_execution_start,
            "TrainingExecutionEndTime": v.training_execution_end,
            "FailedReason": v.failed_reason,
            "ModelMetrics": v.model_metrics,
            "LastUpdatedTime": v.last_updated,
            "CreatedAt": v.created_at,
            "SourceModelVersionArn": v.source_model_version_arn,
            "ImportJobStartTime": v.import_job_start,
            "ImportJobEndTime": v.import_job_end,
            "ImportedDataSizeInBytes": v.imported_data_size,
            "PriorModelMetrics": v.prior_model_metrics,
            "RetrainingAvailableDataInDays": v.retraining_available_data_in_days,
            "AutoPromotionResult": v.auto_promotion_result,
            "AutoPromotionResultReason": v.auto_promotion_result_reason,
            "ModelDiagnosticsOutputConfiguration": model.diagnostics_configuration,
            "ModelDiagnosticsResultsObject": (
                {"Bucket": model.diagnostics_bucket, "Key": v.diagnostics_key}
                if model.diagnostics_bucket and v.diagnostics_key
                else None
            ),
            "ModelQuality": v.model_quality,
        }

    def list_model_versions(self, params: dict[str, Any]) -> dict[str, Any]:
        model = self.state.models.get(params["ModelName"])
        lowest, highest = params.get("MinModelVersion", 1), params.get("MaxModelVersion")
        if highest is not None and lowest > highest:
            raise ServiceError(
                "ValidationException",
                f"MinModelVersion ({lowest}) is greater than MaxModelVersion ({highest}).",
            )
        start = from_epoch(params["CreatedAtStartTime"]) if "CreatedAtStartTime" in params else None
        end = from_epoch(params["CreatedAtEndTime"]) if "CreatedAtEndTime" in params else None
        if start and end and start > end:
            raise ServiceError("ValidationException", "CreatedAtStartTime is later than CreatedAtEndTime.")
        if model is None:  # documented: an unknown model lists no versions
            return {"ModelVersionSummaries": []}
        versions = [
            v
            for v in sorted(model.versions.values(), key=lambda v: v.number, reverse=True)
            if v.number >= lowest
            and (highest is None or v.number <= highest)
            and params.get("Status", v.status) == v.status
            and params.get("SourceType", v.source_type) == v.source_type
            and (start is None or v.created_at >= start)
            and (end is None or v.created_at <= end)
        ]
        page, token = _PAGING.page(
            self.tokens, "ListModelVersions", params, versions, lambda v: f"{v.number:012d}", descending=True
        )
        summaries = [
            {
                "ModelName": model.name,
                "ModelArn": model.arn,
                "ModelVersion": v.number,
                "ModelVersionArn": v.arn,
                "CreatedAt": v.created_at,
                "Status": v.status,
                "SourceType": v.source_type,
                "ModelQuality": v.model_quality,
            }
            for v in page
        ]
        return {"ModelVersionSummaries": summaries, "NextToken": token}

    def update_active_model_version(self, params: dict[str, Any]) -> dict[str, Any]:
        """Activate a SUCCESS version. Activating the already active version changes nothing."""
        model = self._model(params["ModelName"])
        if model.status in ("IN_PROGRESS", "IMPORT_IN_PROGRESS"):
            raise ServiceError(
                "ConflictException",
                f"Model {model.name} is {model.status}: its active version cannot change until it finishes.",
            )
        version = self._version(model, params["ModelVersion"])
        if version.status != "SUCCESS":
            raise ServiceError(
                "ValidationException",
                f"Version {version.number} of model {model.name} is {version.status}: "
                "only a SUCCESS version can be activated.",
            )
        self.state.activate(model, version.number)
        return {
            "ModelName": model.name,
            "ModelArn": model.arn,
            "CurrentActiveVersion": model.active,
            "PreviousActiveVersion": model.previous,
            "CurrentActiveVersionArn": model.version_arn(model.active) if model.active else None,
            "PreviousActiveVersionArn": model.version_arn(model.previous) if model.previous else None,
        }

    def import_model_version(self, params: dict[str, Any]) -> dict[str, Any]:
        """Import a SUCCESS version, of this or another account, as a new IMPORT version.

        Idempotent on ``ClientToken`` within the caller's account: the same token with the same
        parameters answers the first import again; with other parameters it is a ConflictException.
        """
        state = self.state
        token = params["ClientToken"]
        fingerprint = json.dumps({k: v for k, v in params.items() if k != "ClientToken"}, sort_keys=True)
        if token in state.import_tokens:
            previous_fingerprint, previous_response = state.import_tokens[token]
            if previous_fingerprint != fingerprint:
                raise ServiceError(
                    "ConflictException", "The ClientToken was already used with different parameters."
                )
            return dict(previous_response)
        source_arn = params["SourceModelVersionArn"]
        source_model, source = self._import_source(source_arn)
        if source.status != "SUCCESS":
            raise ServiceError(
                "ValidationException",
                f"The source model version is {source.status}: only a SUCCESS version can be imported.",
            )
        dataset = state.datasets.get(params["DatasetName"])
        if dataset is None:
            raise _not_found(f"Dataset {params['DatasetName']}")
        if "RoleArn" in params and self.authoriser is not None:
            self.authoriser.pass_role(self.identity, params["RoleArn"])
        target_name = params.get("ModelName", source_model.name)
        target = state.models.get(target_name)
        if target is None:
            target = state.create_model(
                target_name,
                dataset.name,
                labelled=source_model.labelled or "LabelsInputConfiguration" in params,
                sampling_rate=source_model.sampling_rate,
                schema=source_model.schema,
            )
            if "RoleArn" in params:
                target.role_arn = params["RoleArn"]
        elif target.dataset_name != dataset.name:
            raise ServiceError(
                "ValidationException",
                f"Model {target_name} uses dataset {target.dataset_name}, not {dataset.name}.",
            )
        elif any(v.status in _RUNNING for v in target.versions.values()):
            running = next(v for v in target.versions.values() if v.status in _RUNNING)
            raise ServiceError(
                "ConflictException",
                f"Model {target_name} has version {running.number} {running.status}: "
                "import again when it has finished.",
            )
        version = state.start_import(
            target,
            source,
            labels=params.get("LabelsInputConfiguration"),
            kms_key_id=params.get("ServerSideKmsKeyId"),
        )
        if state.complete_imports_immediately:
            state.finish_import(target, version)
        response = {
            "ModelName": target.name,
            "ModelArn": target.arn,
            "ModelVersionArn": version.arn,
            "ModelVersion": version.number,
            "Status": version.status,
        }
        state.import_tokens[token] = (fingerprint, response)
        return dict(response)

    def _import_source(self, source_arn: str) -> tuple[Model, Version]:
        """The source model and version an import names; from another account only when the source
        model's resource policy lets the caller import it (AccessDeniedException otherwise)."""
        account_id, region = source_arn.split(":")[4], source_arn.split(":")[3]
        owner = self.accounts.existing(account_id) if region == self.state.region else None
        found = owner.find_version(source_arn) if owner is not None else None
        if owner is not self.state:
            identity = self.identity
            policy = found[0].resource_policy if found else None
            document = json.loads(policy.document) if policy else None
            caller = Caller(arn=identity.principal_arn, account=identity.account_id)
            if import_decision(document, caller, source_arn) is not Decision.ALLOW:
                reason = (
                    "with an explicit deny in a resource-based policy"
                    if document is not None and import_decision(document, caller, source_arn) is Decision.DENY
                    else f"because no resource-based policy allows the {IMPORT_ACTION} action"
                )
                raise ServiceError(
                    "AccessDeniedException",
                    f"User: {identity.arn} is not authorized to perform: {IMPORT_ACTION} on resource: "
                    f"{source_arn} {reason}",
                )
        if found is None:
            raise _not_found(f"Source model version {source_arn}")
        return found

    # ---------------------------------------------------------------- datasets and resource policies

    def describe_dataset(self, params: dict[str, Any]) -> dict[str, Any]:
        dataset = self.state.datasets.get(params["DatasetName"])
        if dataset is None:
            raise _not_found(f"Dataset {params['DatasetName']}")
        return {
            "DatasetName": dataset.name,
            "DatasetArn": dataset.arn,
            "CreatedAt": dataset.created_at,
            "LastUpdatedAt": dataset.created_at,
            "Status": "ACTIVE",
            "Schema": dataset.schema,
        }

    def _policy_model(self, resource_arn: str) -> Model:
        model = next((m for m in self.state.models.values() if m.arn == resource_arn), None)
        if model is None:
            raise _not_found(f"Resource {resource_arn}")
        return model

    def put_resource_policy(self, params: dict[str, Any]) -> dict[str, Any]:
        """Attach (or replace) a model's resource policy. A PolicyRevisionId that is not the current
        revision is a ConflictException (someone changed the policy meanwhile)."""
        model = self._policy_model(params["ResourceArn"])
        parse_policy(params["ResourcePolicy"])
        current = model.resource_policy
        revision = params.get("PolicyRevisionId")
        if revision is not None and (current is None or current.revision_id != revision):
            raise ServiceError(
                "ConflictException",
                f"PolicyRevisionId {revision} is not the current revision of the policy of {model.arn}.",
            )
        now = self.state.now()
        if current is not None and current.document == params["ResourcePolicy"]:
            return {"ResourceArn": model.arn, "PolicyRevisionId": current.revision_id}
        model.resource_policy = ResourcePolicy(
            document=params["ResourcePolicy"],
            revision_id=secrets.token_hex(16),
            created_at=current.created_at if current else now,
            modified_at=now,
        )
        return {"ResourceArn": model.arn, "PolicyRevisionId": model.resource_policy.revision_id}

    def describe_resource_policy(self, params: dict[str, Any]) -> dict[str, Any]:
        policy = self._policy_model(params["ResourceArn"]).resource_policy
        if policy is None:
            raise _not_found(f"Resource policy of {params['ResourceArn']}")
        return {
            "PolicyRevisionId": policy.revision_id,
            "ResourcePolicy": policy.document,
            "CreationTime": policy.created_at,
            "LastModifiedTime": policy.modified_at,
        }

    def delete_resource_policy(self, params: dict[str, Any]) -> dict[str, Any]:
        model = self._policy_model(params["ResourceArn"])
        if model.resource_policy is None:
            raise _not_found(f"Resource policy of {params['ResourceArn']}")
        model.resource_policy = None
        return {}

    # ---------------------------------------------------------------- retraining schedulers

    def describe_retraining_scheduler(self, params: dict[str, Any]) -> dict[str, Any]:
        model = self._model(params["ModelName"])
        scheduler = model.scheduler
        if scheduler is None:
            raise _not_found(f"Retraining scheduler for model {model.name}")
        return {
            "ModelName": model.name,
            "ModelArn": model.arn,
            "RetrainingStartDate": scheduler.start_date,
            "RetrainingFrequency": scheduler.frequency,
            "LookbackWindow": scheduler.lookback_window,
            "Status": scheduler.status,
            "PromoteMode": scheduler.promote_mode,
            "CreatedAt": scheduler.created_at,
            "UpdatedAt": scheduler.updated_at,
        }

    def list_retraining_schedulers(self, params: dict[str, Any]) -> dict[str, Any]:
        prefix, status = params.get("ModelNameBeginsWith", ""), params.get("Status")
        models = [
            model
            for model in sorted(self.state.models.values(), key=lambda m: m.name)
            if model.scheduler is not None
            and model.name.startswith(prefix)
            and (status is None or model.scheduler.status == status)
        ]
        page, token = _PAGING.page(self.tokens, "ListRetrainingSchedulers", params, models, lambda m: m.name)
        summaries = []
        for model in page:
            scheduler = model.scheduler
            assert scheduler is not None
            summaries.append(
                {
                    "ModelName": model.name,
                    "ModelArn": model.arn,
                    "Status": scheduler.status,
                    "RetrainingStartDate": scheduler.start_date,
                    "RetrainingFrequency": scheduler.frequency,
                    "LookbackWindow": scheduler.lookback_window,
                }
            )
        return {"RetrainingSchedulerSummaries": summaries, "NextToken": token}


def _operation_name(target: str | None) -> str:
    if target and target.startswith(f"{TARGET_PREFIX}."):
        return target[len(TARGET_PREFIX) + 1 :]
    return target or "<no X-Amz-Target>"
