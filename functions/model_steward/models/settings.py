"""Typed settings, validated at cold start from the environment the template gives each function.

This is the only module that reads ``os.environ``.
"""

from __future__ import annotations

import functools
import os
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from model_steward.errors import ConfigurationError
from model_steward.models.alerts import DiagnosticsAlertPolicy
from model_steward.models.names import MODEL_PREFIX_PATTERN, ModelName
from model_steward.models.policy import Policy
from model_steward.models.sitewise import UUID_PATTERN, SiteWiseFacts, parse_unit_key


class CommonSettings(BaseModel):
    """Variables every function gets from the template's Globals."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    environment: str = Field(alias="ENVIRONMENT", pattern=r"^(dev|staging|prod)$")
    ledger_table_name: str = Field(alias="LEDGER_TABLE_NAME", min_length=3, max_length=255)
    alert_topic_arn: str = Field(
        alias="ALERT_TOPIC_ARN", pattern=r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:.+$"
    )
    region: str = Field(alias="AWS_REGION", default="us-east-1", description="set by the Lambda runtime")
    alert_digest_threshold: int = Field(alias="ALERT_DIGEST_THRESHOLD", default=10, ge=1)
    chatbot_topic_arn: str = Field(
        alias="ALERT_CHATBOT_TOPIC_ARN",
        default="",
        pattern=r"^$|^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:.+$",
        description="Amazon Q Developer (AWS Chatbot) topic; empty when not configured",
    )
    stack_name: str = Field(
        alias="STEWARD_STACK",
        default="",
        description="the deployment's stack name: alerts name `steward ... --stack NAME` commands",
    )
    model_registry: Literal["lookout", "sitewise", "both"] = Field(
        alias="MODEL_REGISTRY",
        default="lookout",
        description="which service trains the governed models: Lookout for Equipment, SiteWise, or both",
    )
    sitewise_facts: str = Field(
        alias="SITEWISE_FACTS",
        default="",
        description="SiteWiseFacts settings (name=value,...); empty: defaults",
    )
    sitewise_models: tuple[str, ...] = Field(
        alias="SITEWISE_COMPUTATION_MODELS",
        default=(),
        description="the SiteWise computation models governed (ids); `*`: every anomaly-detection model; "
        "empty: none",
    )

    @field_validator("sitewise_models", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            ids = tuple(part.strip() for part in value.split(",") if part.strip())
            if ids == ("*",):
                return ids
            bad = [i for i in ids if not UUID_PATTERN.match(i)]
            if bad:
                raise ValueError(f"not computation model ids: {', '.join(bad)}")
            return ids
        return value

    @property
    def sitewise_scope(self) -> tuple[str, ...] | None:
        """The governed computation models; None: every one (``*``)."""
        return None if self.sitewise_models == ("*",) else self.sitewise_models

    @field_validator("sitewise_facts")
    @classmethod
    def _facts(cls, value: str) -> str:
        try:
            SiteWiseFacts.parse(value)
        except ConfigurationError as exc:
            raise ValueError(str(exc)) from None
        return value


class ScopedSettings(CommonSettings):
    """What the deployment watches (the watch and evaluate functions get the same three variables)."""

    watched_models: tuple[ModelName, ...] = Field(alias="WATCHED_MODELS", default=())
    watched_model_prefix: str = Field(alias="WATCHED_MODEL_PREFIX", default="", pattern=MODEL_PREFIX_PATTERN)
    watch_all_models: bool = Field(alias="WATCH_ALL_MODELS", default=False)

    @field_validator("watched_models", mode="before")
    @classmethod
    def _split_names(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(name.strip() for name in value.split(",") if name.strip())
        return value

    def watches(self, model_name: str) -> bool:
        """Explicit names and the prefix add up; with neither, nothing is watched unless
        ``WATCH_ALL_MODELS`` says every model is. A SiteWise unit is watched when the deployment
        names its computation models (SITEWISE_COMPUTATION_MODELS, which its registry lists alone)
        or watches every model."""
        if self.watch_all_models:
            return True
        unit = parse_unit_key(model_name)
        if unit is not None:
            governed = self.sitewise_scope
            return bool(self.sitewise_models) and (governed is None or unit[0] in governed)
        return model_name in self.watched_models or bool(
            self.watched_model_prefix and model_name.startswith(self.watched_model_prefix)
        )

    def scope(self) -> str:
        """The watched set in the SAM parameters' words (for alerts)."""
        if self.watch_all_models:
            return "every model (WatchAllModels=true)"
        parts = []
        if self.watched_models:
            parts.append(f"WatchedModels={','.join(self.watched_models)}")
        if self.watched_model_prefix:
            parts.append(f"WatchedModelPrefix={self.watched_model_prefix}")
        if self.sitewise_models:
            parts.append(f"SiteWiseComputationModelIds={','.join(self.sitewise_models)}")
        return (
            " and ".join(parts) or "no model (WatchedModels, WatchedModelPrefix and WatchAllModels are unset)"
        )


class WatchSettings(ScopedSettings):
    evaluate_queue_url: str = Field(alias="EVALUATE_QUEUE_URL", pattern=r"^https?://.+")
    policy_parameter_name: str = Field(
        alias="POLICY_PARAMETER_NAME", default="", pattern=r"^$|^[a-zA-Z0-9_.\-/]+$"
    )


class EvaluateSettings(ScopedSettings):
    """The evaluate function: the policy's defaults come from SAM parameters, one variable each."""

    dry_run: bool = Field(alias="DRY_RUN")
    decide_existing_versions: bool = Field(
        alias="DECIDE_EXISTING_VERSIONS",
        default=False,
        description="versions that exist when a model is first seen are decided (true) or its baseline",
    )
    policy_parameter_name: str = Field(
        alias="POLICY_PARAMETER_NAME", default="", pattern=r"^$|^[a-zA-Z0-9_.\-/]+$"
    )
    min_model_quality: str = Field(alias="POLICY_MIN_MODEL_QUALITY", default="")
    on_cannot_determine_quality: str = Field(alias="POLICY_ON_CANNOT_DETERMINE_QUALITY", default="")
    max_recall_drop: str = Field(alias="POLICY_MAX_RECALL_DROP", default="")
    max_forewarning_drop_pct: str = Field(alias="POLICY_MAX_FOREWARNING_DROP_PCT", default="")
    max_unknown_events_increase_pct: str = Field(alias="POLICY_MAX_UNKNOWN_EVENTS_INCREASE_PCT", default="")
    max_unknown_events_increase_count: str = Field(
        alias="POLICY_MAX_UNKNOWN_EVENTS_INCREASE_COUNT", default=""
    )
    min_retraining_data_days: str = Field(alias="POLICY_MIN_RETRAINING_DATA_DAYS", default="")
    cooldown_hours: str = Field(alias="POLICY_COOLDOWN_HOURS", default="")
    on_not_measurable: str = Field(alias="POLICY_ON_NOT_MEASURABLE", default="")

    def base_policy(self) -> Policy:
        """The deployment's default policy. A variable left empty keeps Policy's own default, except
        the three "disable with empty" limits, where the SAM parameter's "off" value is "off"."""
        values: dict[str, object] = {"dry_run": self.dry_run}
        for name in _POLICY_FIELDS:
            raw = getattr(self, name).strip()
            if raw == "off":
                values[name] = None
            elif raw:
                values[name] = raw
        try:
            return Policy.model_validate(values)
        except ValidationError as exc:
            raise ConfigurationError(f"invalid policy parameters: {_problems(exc)}") from exc


_POLICY_FIELDS = (
    "min_model_quality",
    "on_cannot_determine_quality",
    "max_recall_drop",
    "max_forewarning_drop_pct",
    "max_unknown_events_increase_pct",
    "max_unknown_events_increase_count",
    "min_retraining_data_days",
    "cooldown_hours",
    "on_not_measurable",
)


class DiagnosticsSettings(CommonSettings):
    reports_prefix: str = Field(alias="REPORTS_PREFIX", default="")
    diagnostics_kms_key_arn: str = Field(
        alias="DIAGNOSTICS_KMS_KEY_ARN",
        default="",
        pattern=r"^$|^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[a-f0-9-]+$",
        description="the diagnostics files' key: summaries and reports are written with it (SSE-KMS)",
    )
    warn_anomalous_fraction: str = Field(alias="DIAGNOSTICS_WARN_ANOMALOUS_FRACTION", default="")
    warn_longest_event_hours: str = Field(alias="DIAGNOSTICS_WARN_LONGEST_EVENT_HOURS", default="")

    def alert_policy(self) -> DiagnosticsAlertPolicy:
        """When a diagnostics alert is a WARNING (a variable left empty keeps the default)."""
        values = {
            name: getattr(self, name).strip()
            for name in ("warn_anomalous_fraction", "warn_longest_event_hours")
            if getattr(self, name).strip()
        }
        try:
            return DiagnosticsAlertPolicy.model_validate(values)
        except ValidationError as exc:
            raise ConfigurationError(f"invalid diagnostics alert parameters: {_problems(exc)}") from exc


class SlackNotifierSettings(CommonSettings):
    slack_webhook_secret_arn: str = Field(
        alias="SLACK_WEBHOOK_SECRET_ARN",
        pattern=r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$",
    )
    slack_dead_letter_queue_url: str = Field(alias="SLACK_DEAD_LETTER_QUEUE_URL", pattern=r"^https?://.+")


SettingsT = TypeVar("SettingsT", bound=CommonSettings)


@functools.cache
def load_settings(model: type[SettingsT]) -> SettingsT:
    """Settings of one function, read once per process (a Lambda cold start)."""
    try:
        return model.model_validate(dict(os.environ))
    except ValidationError as exc:
        raise ConfigurationError(f"invalid {model.__name__} in the environment: {_problems(exc)}") from exc


def _problems(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors(include_url=False)
    )
