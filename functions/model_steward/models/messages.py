"""Messages Model Steward's functions pass to each other."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from model_steward.models.names import ModelName

LOOKOUT_FOR_EQUIPMENT = "lookout-equipment"
"""The registry id of Amazon Lookout for Equipment (the default of every request)."""


class EvaluateRequest(BaseModel):
    """One SQS message on the evaluate queue: a model with something new to decide."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model_name: ModelName
    registry: str = Field(
        default=LOOKOUT_FOR_EQUIPMENT, description="which model registry governs the model (one today)"
    )
    reasons: tuple[str, ...] = Field(default=(), description="why the watch queued the model")
    fingerprint: str = Field(default="", description="the ListModels summary fingerprint the watch saw")
    tick_id: str = Field(default="", description="the watch tick that queued it (for tracing)")
    defer_alerts: bool = Field(
        default=False, description="a busy tick: leave alerts pending for the next tick's digest"
    )


class ScheduleInput(BaseModel):
    """The input the EventBridge Scheduler schedules in template.yaml give the watch function."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    kind: Literal["tick", "full-sweep"] = "tick"
    scheduled_time: str | None = None
    execution_id: str | None = None
    attempt: str | None = None
