"""The service's API operations: an HTTP request in, an HTTP response (wire format) out.

Orderings and page sizes (the real service documents none; code under test must not rely on them):

* ListComputationModels: by name, then id. ListComputationModelResolveToResources: by asset id.
* ListExecutions and ListActions: newest first (start time, execution time).
* Pages hold ``maxResults`` items (1..250), :data:`DEFAULT_PAGE_SIZE` when it is absent.

Authorisation: with an :class:`Authoriser` (the local stack gives one backed by moto's IAM), every
request is checked against the resources the service authorisation reference names for it: ``*``
for ListComputationModels and DescribeExecution; the computation model's ARN for
DescribeComputationModel and ListComputationModelResolveToResources; the target resource's ARN and,
when the request resolves to an asset, the asset's ARN for ListExecutions, ListActions,
DescribeComputationModelExecutionSummary, ExecuteAction and DescribeAction; the asset's ARN for
DescribeAsset and DescribeAssetProperty. Without an authoriser any request is accepted.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from typing import Any

from emulators.common.auth import Authoriser, SignedRequest
from emulators.common.pages import Paging
from emulators.common.shapes import HttpResponse, ShapeMismatchError, json_response
from emulators.lookout.protocol import ServiceError as LookoutServiceError
from emulators.sitewise.protocol import (
    CONTENT_TYPE,
    PageTokens,
    ServiceError,
    error_response,
    request_params,
    response_body,
    route,
    success_status,
)
from emulators.sitewise.state import Action, Asset, ComputationModel, Execution, SiteWiseState, Unit

DEFAULT_PAGE_SIZE = 50
_PAGING = Paging("nextToken", "maxResults", DEFAULT_PAGE_SIZE)

Handler = Callable[[dict[str, Any]], dict[str, Any]]


_AUTHENTICATION_ERRORS = frozenset(
    {"MissingAuthenticationTokenException", "UnrecognizedClientException", "InvalidSignatureException"}
)


def _not_found(what: str) -> ServiceError:
    return ServiceError("ResourceNotFoundException", f"{what} does not exist.")


class SiteWiseService:
    """Answers the API operations from a :class:`SiteWiseState`."""

    def __init__(
        self, state: SiteWiseState, tokens: PageTokens | None = None, authoriser: Authoriser | None = None
    ) -> None:
        self.state = state
        self.tokens = tokens or PageTokens()
        self.authoriser = authoriser
        self._handlers: dict[str, Handler] = {
            "ListComputationModels": self.list_computation_models,
            "DescribeComputationModel": self.describe_computation_model,
            "ListComputationModelResolveToResources": self.list_resolve_to_resources,
            "ListExecutions": self.list_executions,
            "DescribeExecution": self.describe_execution,
            "DescribeComputationModelExecutionSummary": self.describe_execution_summary,
            "ExecuteAction": self.execute_action,
            "ListActions": self.list_actions,
            "DescribeAction": self.describe_action,
            "DescribeAsset": self.describe_asset,
            "DescribeAssetProperty": self.describe_asset_property,
        }

    # ---------------------------------------------------------------- request handling

    def handle(
        self, method: str, path: str, query: str, body: bytes, request: SignedRequest | None = None
    ) -> HttpResponse:
        operation = f"{method} {path}"
        params: dict[str, Any] | None = None
        try:
            operation, labels = route(method, path)
            if self.authoriser is not None:
                self._authorise(request, operation, self._resources(operation, labels, query, body))
            delay = self.state.latency(operation)
            if delay:
                time.sleep(delay)
            fault = self.state.take_fault(operation)
            if fault is not None:
                extra = (
                    {"resourceId": "-", "resourceArn": "-"}
                    if fault.code == "ConflictingOperationException"
                    else None
                )
                raise ServiceError(fault.code, fault.message, fault.status, extra)
            params = request_params(operation, labels, query, body)
            with self.state.lock:
                result = self._handlers[operation](params)
            response = json_response(
                success_status(operation), response_body(operation, result), CONTENT_TYPE
            )
            error_code = None
        except ServiceError as error:
            response, error_code = error_response(error), error.code
        except ShapeMismatchError as exc:
            bug = ServiceError("InternalFailureException", f"The emulator built an invalid response: {exc}")
            response, error_code = error_response(bug), bug.code
        self.state.record_call(operation, params, response.status, error_code)
        return response

    def _authorise(self, request: SignedRequest | None, operation: str, resources: list[str]) -> None:
        """The authoriser's verdict in this service's error shapes (403, as the API Gateway front of a
        restJson1 service answers authentication and authorisation failures)."""
        assert self.authoriser is not None
        if request is None:
            raise ServiceError("MissingAuthenticationTokenException", "Missing Authentication Token", 403)
        try:
            self.authoriser.authorise(
                self.authoriser.identify(request), f"iotsitewise:{operation}", resources
            )
        except (LookoutServiceError, ServiceError) as refused:
            status = 403 if refused.code in _AUTHENTICATION_ERRORS or "AccessDenied" in refused.code else None
            raise ServiceError(refused.code, refused.message, status) from None

    def _resources(self, operation: str, labels: dict[str, str], query: str, body: bytes) -> list[str]:
        """The ARNs the service authorises the operation on (see the module docstring)."""
        from urllib.parse import parse_qs

        state = self.state
        values: dict[str, Any] = {k: v[-1] for k, v in parse_qs(query).items()}
        values.update(labels)
        if body.strip():
            try:
                decoded = json.loads(body)
                values.update(decoded if isinstance(decoded, dict) else {})
            except ValueError:
                pass
        if operation in ("ListComputationModels", "DescribeExecution"):
            return ["*"]
        if operation in ("DescribeAsset", "DescribeAssetProperty"):
            return [state.arn(f"asset/{values.get('assetId')}")]
        if operation in ("DescribeComputationModel", "ListComputationModelResolveToResources"):
            return [state.arn(f"computation-model/{values.get('computationModelId')}")]
        if operation == "DescribeAction":
            action = state.actions.get(str(values.get("actionId")))
            if action is None:
                return ["*"]
            return [state.arn(f"computation-model/{action.model_id}"), state.arn(f"asset/{action.asset_id}")]
        target = values.get("targetResource")
        if isinstance(target, dict):  # ExecuteAction
            kind, target_id = (
                ("asset", target.get("assetId"))
                if "assetId" in target
                else ("computation-model", target.get("computationModelId"))
            )
        elif operation == "DescribeComputationModelExecutionSummary":
            kind, target_id = "computation-model", values.get("computationModelId")
        else:
            kind = "asset" if values.get("targetResourceType") == "ASSET" else "computation-model"
            target_id = values.get("targetResourceId")
        resources = [state.arn(f"{kind}/{target_id}")]
        resolved = (
            values.get("resolveTo", {}).get("assetId")
            if isinstance(values.get("resolveTo"), dict)
            else values.get("resolveToResourceId")
        )
        if resolved:
            resources.append(state.arn(f"asset/{resolved}"))
        return resources

    # ---------------------------------------------------------------- computation models

    def _model(self, model_id: str) -> ComputationModel:
        model = self.state.computation_models.get(model_id)
        if model is None:
            raise _not_found(f"Computation model {model_id}")
        return model

    def list_computation_models(self, params: dict[str, Any]) -> dict[str, Any]:
        models = sorted(self.state.computation_models.values(), key=lambda m: (m.name, m.id))
        page, token = _PAGING.page(
            self.tokens, "ListComputationModels", params, models, lambda m: f"{m.name}\x00{m.id}"
        )
        return {
            "computationModelSummaries": [
                {
                    "id": m.id,
                    "arn": m.arn,
                    "name": m.name,
                    "description": m.description,
                    "type": "ANOMALY_DETECTION",
                    "creationDate": m.created_at,
                    "lastUpdateDate": m.updated_at,
                    "status": {"state": m.state},
                    "version": m.version,
                }
                for m in page
            ],
            "nextToken": token,
        }

    def describe_computation_model(self, params: dict[str, Any]) -> dict[str, Any]:
        model = self._model(params["computationModelId"])
        wanted = params.get("computationModelVersion")
        if wanted not in (None, "LATEST", "ACTIVE", model.version):
            raise _not_found(f"Version {wanted} of computation model {model.id}")
        asset_model = model.asset_model
        inputs = [p for p in asset_model.properties.values() if p.id != asset_model.result_property_id]
        return {
            "computationModelId": model.id,
            "computationModelArn": model.arn,
            "computationModelName": model.name,
            "computationModelDescription": model.description,
            "computationModelConfiguration": {
                "anomalyDetection": {
                    "inputProperties": "${input_properties}",
                    "resultProperty": "${result_property}",
                }
            },
            "computationModelDataBinding": {
                "input_properties": {
                    "list": [
                        {"assetModelProperty": {"assetModelId": asset_model.id, "propertyId": p.id}}
                        for p in inputs
                    ]
                },
                "result_property": {
                    "assetModelProperty": {
                        "assetModelId": asset_model.id,
                        "propertyId": asset_model.result_property_id,
                    }
                },
            },
            "computationModelCreationDate": model.created_at,
            "computationModelLastUpdateDate": model.updated_at,
            "computationModelStatus": {"state": model.state},
            "computationModelVersion": model.version,
            "actionDefinitions": [
                {
                    "actionDefinitionId": model.training_definition_id,
                    "actionName": self.state.facts.training_action,
                    "actionType": self.state.facts.training_action,
                },
                {
                    "actionDefinitionId": model.inference_definition_id,
                    "actionName": self.state.facts.inference_action,
                    "actionType": self.state.facts.inference_action,
                },
            ],
        }

    def list_resolve_to_resources(self, params: dict[str, Any]) -> dict[str, Any]:
        model = self._model(params["computationModelId"])
        assets = sorted(
            (unit.asset.id for unit in self.state.units.values() if unit.model is model and unit.actions),
        )
        page, token = _PAGING.page(
            self.tokens, "ListComputationModelResolveToResources", params, assets, lambda a: a
        )
        return {
            "computationModelResolveToResourceSummaries": [{"resolveTo": {"assetId": a}} for a in page],
            "nextToken": token,
        }

    def _unit(self, model_id: str, asset_id: str | None) -> Unit | None:
        return self.state.units.get((model_id, asset_id)) if asset_id else None

    def describe_execution_summary(self, params: dict[str, Any]) -> dict[str, Any]:
        model = self._model(params["computationModelId"])
        asset_id = params.get("resolveToResourceId")
        if asset_id is not None and params.get("resolveToResourceType") != "ASSET":
            raise ServiceError(
                "InvalidRequestException", "resolveToResourceType ASSET is required with resolveToResourceId."
            )
        if asset_id is not None and asset_id not in self.state.assets:
            raise _not_found(f"Asset {asset_id}")
        unit = self._unit(model.id, asset_id)
        summary = self.state.summary(unit) if unit is not None else {}
        return {
            "computationModelId": model.id,
            "resolveTo": {"assetId": asset_id} if asset_id else None,
            "computationModelExecutionSummary": summary,
        }

    # ---------------------------------------------------------------- executions

    def _target_units(self, params: dict[str, Any]) -> list[Unit]:
        kind, target = params["targetResourceType"], params["targetResourceId"]
        if kind == "COMPUTATION_MODEL":
            self._model(target)
            units = [u for u in self.state.units.values() if u.model.id == target]
        else:
            if target not in self.state.assets:
                raise _not_found(f"Asset {target}")
            units = [u for u in self.state.units.values() if u.asset.id == target]
        resolved = params.get("resolveToResourceId")
        if resolved is not None:
            if params.get("resolveToResourceType") != "ASSET":
                raise ServiceError(
                    "InvalidRequestException",
                    "resolveToResourceType ASSET is required with resolveToResourceId.",
                )
            units = [u for u in units if u.asset.id == resolved]
        return units

    @staticmethod
    def _execution_summary(execution: Execution, model: ComputationModel) -> dict[str, Any]:
        return {
            "executionId": execution.id,
            "actionType": execution.action_type,
            "targetResource": {"computationModelId": execution.model_id},
            "targetResourceVersion": model.version,
            "resolveTo": {"assetId": execution.asset_id},
            "executionStartTime": execution.started_at,
            "executionEndTime": execution.ended_at,
            "executionStatus": {"state": execution.state},
            "executionEntityVersion": execution.entity_version,
        }

    def list_executions(self, params: dict[str, Any]) -> dict[str, Any]:
        action_type = params.get("actionType")
        executions = sorted(
            (
                (e, u.model)
                for u in self._target_units(params)
                for e in u.executions
                if action_type is None or e.action_type == action_type
            ),
            key=lambda pair: (pair[0].started_at.timestamp(), pair[0].id),
            reverse=True,
        )
        page, token = _PAGING.page(
            self.tokens,
            "ListExecutions",
            params,
            executions,
            lambda pair: f"{pair[0].started_at.timestamp():020.6f}\x00{pair[0].id}",
            descending=True,
        )
        return {"executionSummaries": [self._execution_summary(e, m) for e, m in page], "nextToken": token}

    def describe_execution(self, params: dict[str, Any]) -> dict[str, Any]:
        execution = self.state.executions.get(params["executionId"])
        if execution is None:
            raise _not_found(f"Execution {params['executionId']}")
        model = self.state.computation_models[execution.model_id]
        return {
            **self._execution_summary(execution, model),
            "executionResult": dict(execution.result) or None,
            "executionDetails": dict(execution.details) or None,
        }

    # ---------------------------------------------------------------- actions

    def execute_action(self, params: dict[str, Any]) -> dict[str, Any]:
        target = params["targetResource"]
        if "computationModelId" not in target or "assetId" in target:
            raise ServiceError(
                "InvalidRequestException",
                "The emulator executes actions on computation models only "
                "(targetResource.computationModelId).",
            )
        token = params.get("clientToken")
        fingerprint = hashlib.sha256(
            json.dumps({k: v for k, v in params.items() if k != "clientToken"}, sort_keys=True).encode()
        ).hexdigest()
        if token is not None and token in self.state.client_tokens:
            seen, action_id = self.state.client_tokens[token]
            if seen != fingerprint:
                raise ServiceError(
                    "InvalidRequestException", "The clientToken was already used with other parameters."
                )
            return {"actionId": action_id}
        action_id = self.state.execute_action(
            model_id=target["computationModelId"],
            asset_id=(params.get("resolveTo") or {}).get("assetId"),
            definition_id=params["actionDefinitionId"],
            payload=params["actionPayload"]["stringValue"],
        )
        if token is not None:
            self.state.client_tokens[token] = (fingerprint, action_id)
        return {"actionId": action_id}

    def list_actions(self, params: dict[str, Any]) -> dict[str, Any]:
        actions = sorted(
            (a for u in self._target_units(params) for a in u.actions),
            key=lambda a: (a.executed_at.timestamp(), a.id),
            reverse=True,
        )
        page, token = _PAGING.page(
            self.tokens,
            "ListActions",
            params,
            actions,
            lambda a: f"{a.executed_at.timestamp():020.6f}\x00{a.id}",
            descending=True,
        )
        return {
            "actionSummaries": [
                {
                    "actionId": a.id,
                    "actionDefinitionId": a.definition_id,
                    "targetResource": {"computationModelId": a.model_id},
                    "resolveTo": {"assetId": a.asset_id},
                }
                for a in page
            ],
            "nextToken": token,
        }

    def describe_action(self, params: dict[str, Any]) -> dict[str, Any]:
        action: Action | None = self.state.actions.get(params["actionId"])
        if action is None:
            raise _not_found(f"Action {params['actionId']}")
        return {
            "actionId": action.id,
            "targetResource": {"computationModelId": action.model_id},
            "actionDefinitionId": action.definition_id,
            "actionPayload": {"stringValue": action.payload},
            "executionTime": action.executed_at,
            "resolveTo": {"assetId": action.asset_id},
        }

    # ---------------------------------------------------------------- assets

    def _asset(self, asset_id: str) -> Asset:
        asset = self.state.assets.get(asset_id)
        if asset is None:
            raise _not_found(f"Asset {asset_id}")
        return asset

    def describe_asset(self, params: dict[str, Any]) -> dict[str, Any]:
        asset = self._asset(params["assetId"])
        properties = (
            []
            if params.get("excludeProperties")
            else [
                {"id": p.id, "name": p.name, "dataType": p.data_type, "unit": p.unit}
                for p in asset.model.properties.values()
            ]
        )
        return {
            "assetId": asset.id,
            "assetArn": asset.arn,
            "assetName": asset.name,
            "assetModelId": asset.model.id,
            "assetProperties": properties,
            "assetHierarchies": [],
            "assetCreationDate": asset.created_at,
            "assetLastUpdateDate": asset.created_at,
            "assetStatus": {"state": "ACTIVE"},
        }

    def describe_asset_property(self, params: dict[str, Any]) -> dict[str, Any]:
        asset = self._asset(params["assetId"])
        prop = asset.model.properties.get(params["propertyId"])
        if prop is None:
            raise _not_found(f"Property {params['propertyId']} of asset {asset.id}")
        return {
            "assetId": asset.id,
            "assetName": asset.name,
            "assetModelId": asset.model.id,
            "assetProperty": {
                "id": prop.id,
                "name": prop.name,
                "dataType": prop.data_type,
                "unit": prop.unit,
            },
        }
