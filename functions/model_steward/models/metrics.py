"""Numbers derived from a version's ModelMetrics / PriorModelMetrics, and their comparison.

Every number is ``None`` when it is *not measurable* (its block is missing, a denominator is zero,
or the value in the document is unusable): missing never means zero. Problems found while reading
a document are carried in ``findings`` as human-readable sentences instead of being raised.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class DerivedMetrics(BaseModel):
    """What one metrics document says, reduced to the numbers the promotion policy uses."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str = Field(description="Which document this came from (ModelMetrics or PriorModelMetrics).")
    present: bool = Field(description="A non-empty document was supplied.")
    labeled_range_count: int | None = Field(
        None, description="Number of labelled ranges (None: absent, or a range is malformed)."
    )
    labeled_ranges_digest: str | None = Field(
        None,
        description=(
            "Fingerprint of the labelled ranges, in order-independent UTC form: two documents with the "
            "same digest label the same events. None: no labelled ranges, or a range is malformed."
        ),
    )
    num_labeled: int | None = Field(None, description="Labelled events in the evaluation window.")
    num_identified: int | None = Field(None, description="Labelled events the model identified.")
    event_recall: float | None = Field(None, description="num_identified / num_labeled, 0..1.")
    total_warning_time_seconds: float | None = Field(
        None, description="Total forewarning over the identified labelled events, in seconds."
    )
    mean_forewarning_seconds: float | None = Field(
        None, description="total_warning_time_in_seconds / num_identified, in seconds."
    )
    unknown_event_count: int | None = Field(
        None, description="Abnormal events outside any label (the false-alarm proxy)."
    )
    unknown_event_total_duration_seconds: float | None = Field(
        None, description="Total duration of the unknown events, in seconds."
    )
    predicted_range_count: int | None = Field(None, description="Number of predicted abnormal ranges.")
    predicted_total_duration_seconds: float | None = Field(
        None, description="Sum of (end - start) over the predicted ranges, in seconds."
    )
    findings: list[str] = Field(
        default_factory=list, description="Problems found while reading the document; empty when clean."
    )

    @property
    def readable(self) -> bool:
        """The document (if any) was read without problems."""
        return not self.findings

    @property
    def labeled(self) -> bool:
        """The evaluation window had at least one labelled event."""
        return self.num_labeled is not None and self.num_labeled > 0


class MetricDelta(BaseModel):
    """One metric on both sides. ``absolute`` = candidate - prior; ``relative`` = absolute / prior
    as a fraction (-0.25 means 25 % lower). Both are ``None`` when either side is not measurable;
    ``relative`` is also ``None`` when prior is 0 and candidate is not (0 -> 0 is 0.0)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    candidate: float | None = None
    prior: float | None = None
    absolute: float | None = None
    relative: float | None = None


class MetricsComparison(BaseModel):
    """The candidate version's derived metrics against the prior model's on the same window."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_recall: MetricDelta
    mean_forewarning_seconds: MetricDelta
    unknown_event_count: MetricDelta
    unknown_event_total_duration_seconds: MetricDelta
    predicted_range_count: MetricDelta
    predicted_total_duration_seconds: MetricDelta
