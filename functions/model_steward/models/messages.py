"""Messages Model Steward's functions pass to each other."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class EvaluateRequest(BaseModel):
    """One SQS message on the evaluate queue: a model with something new to decide."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model_name: str = Field(pattern=r"^[0-9a-zA-Z_-]{1,200}$")
    versions: tuple[int, ...] = Field(default=(), description="versions the watch saw as new or pending")
    reason: str = Field(default="new-version", description="why the watch queued the model")
