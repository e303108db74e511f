"""Amazon Lookout for Equipment's imports and resource policies (``ports.ImportRegistry``).

ImportModelVersion copies a model version from another account (or this one) into a model of this
account; the source model's resource policy must let this account import it
(https://docs.aws.amazon.com/lookout-for-equipment/latest/ug/API_ImportModelVersion.html,
https://docs.aws.amazon.com/lookout-for-equipment/latest/ug/API_PutResourcePolicy.html). For these
calls a ConflictException (the model has a version in progress) and a ServiceQuotaExceededException
are ConflictError: a later attempt may succeed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from model_steward.adapters import aws
from model_steward.adapters.errors import translate
from model_steward.errors import ConflictError, NotFoundError, StewardError
from model_steward.models.imports import ImportRequest, ImportStarted

if TYPE_CHECKING:
    from mypy_boto3_lookoutequipment import LookoutEquipmentClient

_BUSY: Mapping[str, type[StewardError]] = {
    "ConflictException": ConflictError,
    "ServiceQuotaExceededException": ConflictError,
}


class LookoutImports:
    """``ports.ImportRegistry`` on Amazon Lookout for Equipment."""

    def __init__(self, client: LookoutEquipmentClient | None = None) -> None:
        self._client = client

    @property
    def client(self) -> LookoutEquipmentClient:
        return self._client or aws.lookout()

    def _call(
        self,
        operation: str,
        what: str,
        *,
        overrides: Mapping[str, type[StewardError]] | None = None,
        **params: Any,
    ) -> dict[str, Any]:
        try:
            response: dict[str, Any] = getattr(self.client, operation)(**params)
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, what, overrides=overrides) from exc
        return response

    def import_version(self, request: ImportRequest, client_token: str) -> ImportStarted:
        params: dict[str, Any] = {
            "SourceModelVersionArn": request.source_version_arn,
            "ModelName": request.model_name,
            "DatasetName": request.dataset_name,
            "ClientToken": client_token,
        }
        if request.role_arn:
            params["RoleArn"] = request.role_arn
        if request.labels is not None:
            labels: dict[str, str] = {"Bucket": request.labels.bucket}
            if request.labels.prefix:
                labels["Prefix"] = request.labels.prefix
            params["LabelsInputConfiguration"] = {"S3InputConfiguration": labels}
        if request.inference_data is not None:
            params["InferenceDataImportStrategy"] = request.inference_data.value
        if request.kms_key_id:
            params["ServerSideKmsKeyId"] = request.kms_key_id
        response = self._call(
            "import_model_version",
            f"ImportModelVersion {request.source_version_arn} into {request.model_name}",
            overrides=_BUSY,
            **params,
        )
        return ImportStarted(
            model_name=response["ModelName"],
            version=response["ModelVersion"],
            version_arn=response["ModelVersionArn"],
            status=response["Status"],
        )

    def dataset_exists(self, dataset_name: str) -> bool:
        try:
            self._call("describe_dataset", f"DescribeDataset {dataset_name}", DatasetName=dataset_name)
        except NotFoundError:
            return False
        return True

    def model_arn(self, model_name: str) -> str:
        model = self._call("describe_model", f"DescribeModel {model_name}", ModelName=model_name)
        return str(model["ModelArn"])

    def resource_policy(self, model_arn: str) -> tuple[str, str] | None:
        try:
            found = self._call(
                "describe_resource_policy", f"DescribeResourcePolicy {model_arn}", ResourceArn=model_arn
            )
        except NotFoundError:
            return None
        return str(found["ResourcePolicy"]), str(found["PolicyRevisionId"])

    def put_resource_policy(
        self, model_arn: str, document: str, *, revision: str | None, client_token: str
    ) -> str:
        params: dict[str, Any] = {
            "ResourceArn": model_arn,
            "ResourcePolicy": document,
            "ClientToken": client_token,
        }
        if revision:
            params["PolicyRevisionId"] = revision
        response = self._call("put_resource_policy", f"PutResourcePolicy {model_arn}", **params)
        return str(response.get("PolicyRevisionId", ""))
