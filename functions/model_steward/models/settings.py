"""Typed settings, validated at cold start from the environment the template gives each function.

This is the only module that reads ``os.environ``.
"""

from __future__ import annotations

import functools
import os
from typing import Annotated, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from model_steward.errors import ConfigurationError

ModelName = Annotated[str, Field(pattern=r"^[0-9a-zA-Z_-]{1,200}$")]


class CommonSettings(BaseModel):
    """Variables every function gets from the template's Globals."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    environment: str = Field(alias="ENVIRONMENT", pattern=r"^(dev|staging|prod)$")
    ledger_table_name: str = Field(alias="LEDGER_TABLE_NAME", min_length=3, max_length=255)
    alert_topic_arn: str = Field(
        alias="ALERT_TOPIC_ARN", pattern=r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:.+$"
    )


class WatchSettings(CommonSettings):
    evaluate_queue_url: str = Field(alias="EVALUATE_QUEUE_URL", pattern=r"^https?://.+")
    watched_models: tuple[ModelName, ...] = Field(alias="WATCHED_MODELS", default=())
    watched_model_prefix: str = Field(alias="WATCHED_MODEL_PREFIX", default="", pattern=r"^[0-9a-zA-Z_-]*$")

    @field_validator("watched_models", mode="before")
    @classmethod
    def _split_names(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(name.strip() for name in value.split(",") if name.strip())
        return value

    def watches(self, model_name: str) -> bool:
        """Explicit names and the prefix add up; with neither, every model is watched."""
        if not self.watched_models and not self.watched_model_prefix:
            return True
        return model_name in self.watched_models or bool(
            self.watched_model_prefix and model_name.startswith(self.watched_model_prefix)
        )


class EvaluateSettings(CommonSettings):
    dry_run: bool = Field(alias="DRY_RUN")


class DiagnosticsSettings(CommonSettings):
    reports_prefix: str = Field(alias="REPORTS_PREFIX", default="")


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
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors(include_url=False)
        )
        raise ConfigurationError(f"invalid {model.__name__} in the environment: {problems}") from exc
