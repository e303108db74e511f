"""Inputs and output of the promotion decision.

The inputs (``VersionFacts``, ``ModelFacts``) are plain facts about a model source; they carry the
Lookout for Equipment vocabulary (status, ModelQuality, PromoteMode) but nothing about its client,
so another model source can fill them in.

How a ``Decision`` reads:
- ``outcome``: what to do. PROMOTE (activate the version), WOULD_PROMOTE (dry run: the rules say
  promote, nothing is called), HOLD (a person must decide: see ``look_at``), REJECT (do not
  promote: see the failed rules), CONFLICT (the model's retraining scheduler activates versions
  itself, MANAGED or SERVICE_MANAGED: report, act on nothing).
- ``policy_verdict``: what the rules alone say (PROMOTE, HOLD or REJECT), before dry run and the
  scheduler conflict are applied; under CONFLICT it is what Model Steward *would* have done.
- ``rule_results``: every rule, always, in the order of ``RuleId``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from model_steward.models.metrics import DerivedMetrics, MetricsComparison

_FACTS_CONFIG = ConfigDict(frozen=True, extra="forbid", protected_namespaces=())


class ModelQuality(StrEnum):
    """The service's verdict on a version, best first: QUALITY_THRESHOLD_MET >
    CANNOT_DETERMINE_QUALITY > POOR_QUALITY_DETECTED. Unlabelled models always get
    CANNOT_DETERMINE_QUALITY."""

    QUALITY_THRESHOLD_MET = "QUALITY_THRESHOLD_MET"
    CANNOT_DETERMINE_QUALITY = "CANNOT_DETERMINE_QUALITY"
    POOR_QUALITY_DETECTED = "POOR_QUALITY_DETECTED"

    @property
    def rank(self) -> int:
        """Higher is better."""
        return _QUALITY_RANK[self]


_QUALITY_RANK = {
    ModelQuality.QUALITY_THRESHOLD_MET: 2,
    ModelQuality.CANNOT_DETERMINE_QUALITY: 1,
    ModelQuality.POOR_QUALITY_DETECTED: 0,
}


class VersionStatus(StrEnum):
    IN_PROGRESS = "IN_PROGRESS"
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"
    IMPORT_IN_PROGRESS = "IMPORT_IN_PROGRESS"
    CANCELED = "CANCELED"


class SourceType(StrEnum):
    TRAINING = "TRAINING"
    RETRAINING = "RETRAINING"
    IMPORT = "IMPORT"


class PromoteMode(StrEnum):
    """Who activates a retrained version: the service (Lookout for Equipment MANAGED, SiteWise
    SERVICE_MANAGED) or the customer (MANUAL, CUSTOMER_MANAGED)."""

    MANAGED = "MANAGED"
    MANUAL = "MANUAL"
    SERVICE_MANAGED = "SERVICE_MANAGED"
    CUSTOMER_MANAGED = "CUSTOMER_MANAGED"

    @property
    def service_activates(self) -> bool:
        """The service activates retrained versions itself (Model Steward must not)."""
        return self in (PromoteMode.MANAGED, PromoteMode.SERVICE_MANAGED)


class SchedulerStatus(StrEnum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    STOPPING = "STOPPING"
    STOPPED = "STOPPED"


class AutoPromotionResult(StrEnum):
    MODEL_PROMOTED = "MODEL_PROMOTED"
    MODEL_NOT_PROMOTED = "MODEL_NOT_PROMOTED"
    RETRAINING_INTERNAL_ERROR = "RETRAINING_INTERNAL_ERROR"
    RETRAINING_CUSTOMER_ERROR = "RETRAINING_CUSTOMER_ERROR"
    RETRAINING_CANCELLED = "RETRAINING_CANCELLED"


class PriorBasis(StrEnum):
    """What the prior metrics of a version score."""

    SAME_WINDOW = "SAME_WINDOW"
    """The prior model on the new version's own evaluation window (Lookout's PriorModelMetrics)."""
    OTHER_WINDOW = "OTHER_WINDOW"
    """The active version on its own, earlier evaluation window (its own metrics file): not a
    like-for-like comparison."""


class ObjectLocation(BaseModel):
    """An S3 object, or with a key prefix, an S3 location."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    bucket: str
    key: str = ""

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


class VersionFacts(BaseModel):
    """One model version as the decision needs it (from DescribeModelVersion)."""

    model_config = _FACTS_CONFIG

    model_name: str = Field(min_length=1, max_length=200)
    version: int = Field(ge=1)
    status: VersionStatus
    source_type: SourceType | None = None
    version_arn: str | None = Field(None, description="The registry's ARN of the version, when it has one.")
    model_quality: ModelQuality | None = Field(None, description="None: the service reported none.")
    model_metrics: str | None = Field(None, description="ModelMetrics JSON string, as received.")
    prior_model_metrics: str | None = Field(None, description="PriorModelMetrics JSON string, as received.")
    retraining_available_data_in_days: int | None = Field(None, ge=0)
    created_at: AwareDatetime | None = None
    failed_reason: str | None = None
    auto_promotion_result: AutoPromotionResult | None = None
    auto_promotion_result_reason: str | None = None
    diagnostics_object: ObjectLocation | None = Field(
        None, description="Where the version's pointwise diagnostics file is, when the registry says."
    )
    prior_basis: PriorBasis = Field(
        PriorBasis.SAME_WINDOW, description="What prior_model_metrics scores (same or another window)."
    )
    prior_description: str | None = Field(
        None, description="What the prior metrics are, in words, when they are not PriorModelMetrics."
    )
    label: str | None = Field(
        None, description="How people know the model when model_name is an id (SiteWise: model / asset)."
    )
    raw: str | None = Field(
        None, description="The registry's own answers behind these facts (JSON), kept in the ledger record."
    )
    source_version_arn: str | None = Field(None, description="An imported version's source (its ARN).")
    import_started_at: AwareDatetime | None = None
    import_ended_at: AwareDatetime | None = None
    imported_data_bytes: int | None = Field(None, ge=0)


class ModelFacts(BaseModel):
    """The model the version belongs to (DescribeModel + DescribeRetrainingScheduler)."""

    model_config = _FACTS_CONFIG

    model_name: str = Field(min_length=1, max_length=200)
    active_version: int | None = Field(None, ge=1, description="None: no version is active.")
    active_version_arn: str | None = None
    active_version_activated_at: AwareDatetime | None = Field(
        None, description="DescribeModel.ModelVersionActivatedAt."
    )
    previous_active_version: int | None = Field(
        None, ge=1, description="The version active before the current one, when the registry knows."
    )
    promote_mode: PromoteMode | None = Field(None, description="None: the model has no retraining scheduler.")
    scheduler_status: SchedulerStatus | None = None
    label: str | None = Field(
        None, description="How people know the model when model_name is an id (SiteWise: model / asset)."
    )


class Outcome(StrEnum):
    PROMOTE = "PROMOTE"
    WOULD_PROMOTE = "WOULD_PROMOTE"
    HOLD = "HOLD"
    REJECT = "REJECT"
    CONFLICT = "CONFLICT"


class RuleId(StrEnum):
    """Stable rule identifiers, in evaluation (and reporting) order."""

    VERSION_STATUS = "version_status"
    SCHEDULER_MODE = "scheduler_mode"
    NEWER_THAN_ACTIVE = "newer_than_active"
    MODEL_QUALITY = "model_quality"
    METRICS_READABLE = "metrics_readable"
    COMPARABLE_WINDOWS = "comparable_windows"
    EVENT_RECALL = "event_recall"
    MEAN_FOREWARNING = "mean_forewarning"
    UNKNOWN_EVENTS = "unknown_events"
    RETRAINING_DATA_DAYS = "retraining_data_days"
    COOLDOWN = "cooldown"


class RuleOutcome(StrEnum):
    PASS = "PASS"  # noqa: S105 - a rule outcome, not a password
    FAIL = "FAIL"
    NOT_MEASURABLE = "NOT_MEASURABLE"
    SKIPPED = "SKIPPED"
    """The rule does not apply (disabled by the policy, or not applicable to this version)."""


class Severity(StrEnum):
    """What a blocking result does to the decision: CONFLICT > REJECT > HOLD."""

    CONFLICT = "CONFLICT"
    REJECT = "REJECT"
    HOLD = "HOLD"


class RuleResult(BaseModel):
    """One rule's verdict. ``severity`` is set exactly when the result blocks promotion: always
    for FAIL, for NOT_MEASURABLE when the policy says HOLD, never for PASS or SKIPPED."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule: RuleId
    outcome: RuleOutcome
    severity: Severity | None = None
    message: str = Field(description="One sentence, with the numbers, that a person understands.")
    look_at: str | None = Field(None, description="For a HOLD: what a person should check.")

    @model_validator(mode="after")
    def _severity_matches_outcome(self) -> RuleResult:
        if self.outcome is RuleOutcome.FAIL and self.severity is None:
            raise ValueError("a FAIL result must carry a severity")
        if self.outcome in (RuleOutcome.PASS, RuleOutcome.SKIPPED) and self.severity is not None:
            raise ValueError(f"a {self.outcome} result cannot block")
        return self

    @property
    def blocking(self) -> bool:
        return self.severity is not None


class Agreement(StrEnum):
    AGREES = "AGREES"
    DIFFERS = "DIFFERS"
    NOT_APPLICABLE = "NOT_APPLICABLE"


class ServiceAutoPromotion(BaseModel):
    """The service's own AutoPromotionResult for the version, against our policy verdict."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    result: AutoPromotionResult | None
    reason: str | None
    agreement: Agreement
    message: str


class Decision(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", protected_namespaces=())

    model_name: str
    model_label: str | None = Field(None, description="How people know the model, when not by its name.")
    version: int
    active_version: int | None
    outcome: Outcome
    policy_verdict: Outcome = Field(description="PROMOTE, HOLD or REJECT from the rules alone.")
    summary: str = Field(description="One sentence saying what was decided and why.")
    look_at: list[str] = Field(default_factory=list, description="What a person should check (HOLD).")
    rule_results: list[RuleResult]
    candidate_metrics: DerivedMetrics
    prior_metrics: DerivedMetrics
    comparison: MetricsComparison
    policy_fingerprint: str
    dry_run: bool
    decided_at: datetime
    service_auto_promotion: ServiceAutoPromotion

    @property
    def should_promote(self) -> bool:
        """True only when UpdateActiveModelVersion is to be called now."""
        return self.outcome is Outcome.PROMOTE

    @property
    def failed_rules(self) -> list[RuleResult]:
        return [r for r in self.rule_results if r.outcome is RuleOutcome.FAIL]

    @property
    def blocking_rules(self) -> list[RuleResult]:
        return [r for r in self.rule_results if r.blocking]

    def result(self, rule: RuleId | str) -> RuleResult:
        """The result of one rule (by RuleId or its string id)."""
        wanted = RuleId(rule)
        return next(r for r in self.rule_results if r.rule is wanted)
