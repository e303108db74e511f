"""Cross-account promotion: an approval one deployment sends, the import another one records.

A source (staging) deployment sends an :class:`ApprovalEvent` for every PROMOTE or WOULD_PROMOTE
decision to the event bus a target (production) deployment owns. The target imports the approved
version with ImportModelVersion (:class:`ImportRequest`) and keeps one :class:`ImportRecord` per
(source version, target model) in its ledger, with the lineage: the source version, the source
account, who asked and why, and the source's decision.

Ledger item (``models.ledger`` describes the table): ``MODEL#<target model>`` /
``IMPORT#<import key>``; ``alert_pending = "IMPORT"`` while the import waits for a retry (the sparse
pending index), so a retry tick finds it.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from model_steward.models.names import MODEL_NAME, ModelName
from model_steward.models.settings import CommonSettings, WatchSettings

APPROVAL_SOURCE = "model-steward"
"""The ``source`` of an approval event."""
APPROVAL_DETAIL_TYPE = "Model Version Approved"
"""The ``detail-type`` of an approval event."""

VERSION_ARN_PATTERN = (
    rf"^arn:aws(-[^:]+)?:lookoutequipment:([a-z0-9-]+):([0-9]{{12}}):model/({MODEL_NAME})/"
    r"([^/]+)/model-version/([0-9]{1,9})$"
)
_VERSION_ARN = re.compile(VERSION_ARN_PATTERN)
ACCOUNT_PATTERN = r"^[0-9]{12}$"


class SourceVersion(BaseModel):
    """A model version of another (or this) account, named by its ARN."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    arn: str
    region: str
    account_id: str
    model_name: str
    version: int

    @classmethod
    def parse(cls, arn: str) -> SourceVersion | None:
        """The version an ARN names (``arn:aws:lookoutequipment:REGION:ACCOUNT:model/NAME/ID/
        model-version/N``), or None when it is not one."""
        match = _VERSION_ARN.match(arn.strip())
        if match is None:
            return None
        _, region, account, name, _, number = match.groups()
        return cls(arn=arn.strip(), region=region, account_id=account, model_name=name, version=int(number))


class InferenceDataStrategy(StrEnum):
    """ImportModelVersion's InferenceDataImportStrategy."""

    NO_IMPORT = "NO_IMPORT"
    ADD_WHEN_EMPTY = "ADD_WHEN_EMPTY"
    OVERWRITE = "OVERWRITE"


class LabelsLocation(BaseModel):
    """Where the labels for the imported model are (S3), as ``s3://bucket/prefix``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    bucket: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
    prefix: str = ""

    @classmethod
    def parse(cls, uri: str) -> LabelsLocation:
        if not uri.startswith("s3://") or len(uri) <= 5:
            raise ValueError(f"labels must be an s3://bucket/prefix location, not {uri!r}")
        bucket, _, prefix = uri[5:].partition("/")
        return cls(bucket=bucket, prefix=prefix)

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"


class SourceDecision(BaseModel):
    """What the source deployment decided about the version (from its approval event)."""

    model_config = ConfigDict(frozen=True, extra="forbid", protected_namespaces=())

    outcome: Literal["PROMOTE", "WOULD_PROMOTE"]
    decision_fingerprint: str
    policy_fingerprint: str
    summary: str = ""
    decided_at: AwareDatetime
    environment: str = Field("", description="the source deployment's Environment")
    prior_model_metrics: str | None = Field(
        None,
        description="The source's PriorModelMetrics: the model it compared with, on the same window.",
    )
    compared_with_version_arn: str | None = Field(
        None, description="The source's active version when it decided: the model it compared with."
    )


class ApprovalEvent(BaseModel):
    """The ``detail`` of an approval event (``source`` model-steward, ``detail-type``
    Model Version Approved). Schema version 1."""

    model_config = ConfigDict(frozen=True, extra="forbid", protected_namespaces=())

    schema_version: Literal[1] = 1
    source_version_arn: str = Field(pattern=VERSION_ARN_PATTERN)
    model_name: ModelName
    version: int = Field(ge=1)
    decision: SourceDecision


class ImportRequest(BaseModel):
    """One import into this account: what, into which model and dataset, by whom and why."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source_version_arn: str = Field(pattern=VERSION_ARN_PATTERN)
    model_name: ModelName
    dataset_name: ModelName
    role_arn: str | None = Field(None, pattern=r"^arn:aws(-[^:]+)?:iam::[0-9]{12}:role/.+$")
    labels: LabelsLocation | None = None
    inference_data: InferenceDataStrategy | None = None
    kms_key_id: str | None = Field(None, pattern=r"^[A-Za-z0-9][A-Za-z0-9:_/+=,@.-]{0,2047}$")
    reason: str = Field(min_length=1, max_length=1000)
    requested_by: str = Field(min_length=1)
    source_decision: SourceDecision | None = None

    @field_validator("reason")
    @classmethod
    def _says_something(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the reason must say why")
        return value.strip()

    @property
    def source(self) -> SourceVersion:
        parsed = SourceVersion.parse(self.source_version_arn)
        assert parsed is not None  # the field's pattern
        return parsed


class ImportStarted(BaseModel):
    """What the registry answered an import request: the new version, and its status."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model_name: str
    version: int = Field(ge=1)
    version_arn: str
    status: str


class ImportState(StrEnum):
    REQUESTED = "REQUESTED"  # recorded; the service has not accepted it yet (retried: throttled, busy)
    IMPORTING = "IMPORTING"  # the service accepted it: the version is IMPORT_IN_PROGRESS
    IMPORTED = "IMPORTED"  # SUCCESS: the policy decides the version like any other
    FAILED = "FAILED"  # the import ended FAILED or CANCELED (alerted with the service's reason)
    REFUSED = "REFUSED"  # the service refused the request, or it could not be made (alerted)


class ImportRecord(BaseModel):
    """One import in the ledger, with its lineage; ``attempt`` counts the requests that ended in a
    FAILED or REFUSED import and were asked again (each has its own ClientToken)."""

    model_config = ConfigDict(frozen=True, protected_namespaces=())

    model_name: str
    key: str = Field(description="the import's ledger key: the source and the target model, hashed")
    attempt: int = Field(1, ge=1)
    client_token: str
    state: ImportState
    request: ImportRequest
    source_account: str
    version: int | None = None
    version_arn: str | None = None
    status: str | None = Field(None, description="the imported version's status when last seen")
    failed_reason: str | None = None
    last_error: str | None = None
    tries: int = Field(0, ge=0, description="ImportModelVersion calls made for this attempt")
    retry_at: datetime | None = None
    requested_at: datetime
    updated_at: datetime
    started_at: datetime | None = None
    ended_at: datetime | None = None
    imported_data_bytes: int | None = None


# ---------------------------------------------------------------------------------------------
# Settings of the two sides (read from the environment the template gives the functions).

EVENT_BUS_ARN_PATTERN = r"^arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:event-bus/[A-Za-z0-9._/-]{1,256}$"
_MAPPING = re.compile(rf"^({MODEL_NAME})=({MODEL_NAME}):({MODEL_NAME})$")


class ModelMapping(BaseModel):
    """Where an approved version of a source model is imported: a local model and its dataset."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source_model: ModelName
    model_name: ModelName
    dataset_name: ModelName


def parse_model_map(text: str) -> dict[str, ModelMapping]:
    """``source-model=local-model:dataset,...`` (the ImportModelMap parameter), by source model."""
    mappings: dict[str, ModelMapping] = {}
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        match = _MAPPING.match(entry)
        if match is None:
            raise ValueError(f"{entry!r} is not source-model=local-model:dataset")
        source, local, dataset = match.groups()
        if source in mappings:
            raise ValueError(f"source model {source} is mapped twice")
        mappings[source] = ModelMapping(source_model=source, model_name=local, dataset_name=dataset)
    return mappings


class ApprovalSettings(CommonSettings):
    """The source side: the event bus approvals go to (empty: this deployment sends none)."""

    approval_bus_arn: str = Field(
        alias="APPROVAL_BUS_ARN", default="", pattern=rf"^$|{EVENT_BUS_ARN_PATTERN}"
    )


class ImportSettings(WatchSettings):
    """The import function: which accounts may send approvals, where each source model goes, the
    role passed to the service, and what is watched here (an import no one governs is refused)."""

    source_accounts: tuple[str, ...] = Field(alias="IMPORT_SOURCE_ACCOUNTS", min_length=1)
    model_map: dict[str, ModelMapping] = Field(alias="IMPORT_MODEL_MAP", min_length=1)
    role_arn: str = Field(
        alias="IMPORT_ROLE_ARN", default="", pattern=r"^$|^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$"
    )
    inference_data: InferenceDataStrategy | None = Field(alias="IMPORT_INFERENCE_DATA", default=None)

    @field_validator("source_accounts", mode="before")
    @classmethod
    def _split_accounts(cls, value: object) -> object:
        if isinstance(value, str):
            accounts = tuple(a.strip() for a in value.split(",") if a.strip())
            bad = [a for a in accounts if not re.fullmatch(ACCOUNT_PATTERN[1:-1], a)]
            if bad:
                raise ValueError(f"not 12-digit account IDs: {', '.join(bad)}")
            return accounts
        return value

    @field_validator("model_map", mode="before")
    @classmethod
    def _parse_map(cls, value: object) -> object:
        return parse_model_map(value) if isinstance(value, str) else value

    @field_validator("inference_data", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value
