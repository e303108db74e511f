"""The promotion decision: facts about a new version + policy -> Decision with reasons (pure).

Every rule is evaluated every time and reported in ``RuleId`` order. The outcome is the most
severe blocking result: CONFLICT (MANAGED scheduler) > REJECT > HOLD > PROMOTE. PROMOTE becomes
WOULD_PROMOTE under dry run. A FAIL always blocks, so nothing that fails a rule is promoted.

Rules and what a failure does:
- version_status: only SUCCESS can be activated. FAILED / CANCELED -> REJECT; still running
  (IN_PROGRESS, IMPORT_IN_PROGRESS) -> HOLD.
- scheduler_mode: a retraining scheduler that activates versions itself (Lookout for Equipment
  MANAGED, SiteWise SERVICE_MANAGED) -> CONFLICT.
- newer_than_active: the candidate must be newer than the active version -> REJECT.
- model_quality: below min_model_quality -> REJECT, except CANNOT_DETERMINE_QUALITY (or no
  ModelQuality at all), which follows on_cannot_determine_quality (HOLD / ACCEPT / REJECT).
- metrics_readable: ModelMetrics / PriorModelMetrics that cannot be read -> HOLD.
- comparable_windows: the prior metrics score another evaluation window (SiteWise gave no prior-
  model metrics on the new version's window, so the active version's own metrics were compared)
  -> HOLD, always: never promote on an unlike comparison. The comparison rules below then say what
  they compared, and a regression they find is held for a person (NOT_MEASURABLE on like terms)
  instead of rejected.
- event_recall, mean_forewarning, unknown_events: regression beyond the policy's tolerance ->
  REJECT. For an unlabelled version (no labelled events on either side and no determinable
  quality) the two label-based rules are SKIPPED: its fate is on_cannot_determine_quality's.
  Recall and forewarning are compared only when both documents describe the same labelled events
  (same num_labeled, same labelled ranges); otherwise they are NOT_MEASURABLE and always HOLD,
  whatever on_not_measurable says: a version catching 1 of 1 events never beats a prior catching
  9 of 10.
- retraining_data_days: fewer days than min_retraining_data_days -> REJECT.
- cooldown: active version activated too recently -> HOLD (re-evaluate later).
A metric that cannot be measured gives NOT_MEASURABLE, which HOLDs or is ignored according to
on_not_measurable.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from model_steward.domain.formatting import duration, durations, hours, num, signed, timestamp
from model_steward.domain.metrics import compare, derive_metrics, labelled_events_differ
from model_steward.models.decision import (
    Agreement,
    AutoPromotionResult,
    Decision,
    ModelFacts,
    ModelQuality,
    Outcome,
    PriorBasis,
    PromoteMode,
    RuleId,
    RuleOutcome,
    RuleResult,
    ServiceAutoPromotion,
    Severity,
    VersionFacts,
    VersionStatus,
)
from model_steward.models.metrics import DerivedMetrics
from model_steward.models.policy import NotMeasurableAction, Policy, QualityAction

_EPSILON = 1e-9  # float noise: 0.80 - 0.75 must not exceed a 0.05 tolerance
_MAX_FINDINGS_IN_MESSAGE = 3


# ---------------------------------------------------------------------------------------------
# Rule result constructors.


def _shown_name(model_name: str, label: str | None) -> str:
    """How a model is named in a sentence: its label (SiteWise: model / asset) when it has one."""
    return label or model_name


def _pass(rule: RuleId, message: str) -> RuleResult:
    return RuleResult(rule=rule, outcome=RuleOutcome.PASS, message=message)


def _skip(rule: RuleId, message: str) -> RuleResult:
    return RuleResult(rule=rule, outcome=RuleOutcome.SKIPPED, message=message)


def _fail(rule: RuleId, severity: Severity, message: str, look_at: str | None = None) -> RuleResult:
    return RuleResult(
        rule=rule, outcome=RuleOutcome.FAIL, severity=severity, message=message, look_at=look_at
    )


def _not_measurable(rule: RuleId, policy: Policy, message: str, look_at: str) -> RuleResult:
    if policy.on_not_measurable is NotMeasurableAction.IGNORE:
        return RuleResult(
            rule=rule,
            outcome=RuleOutcome.NOT_MEASURABLE,
            message=f"{message}; ignored (on_not_measurable=IGNORE).",
        )
    return RuleResult(
        rule=rule,
        outcome=RuleOutcome.NOT_MEASURABLE,
        severity=Severity.HOLD,
        message=f"{message}; held for a person (on_not_measurable=HOLD).",
        look_at=look_at,
    )


# ---------------------------------------------------------------------------------------------
# The rules.


class _Context:
    """Everything the rules read, computed once."""

    def __init__(self, version: VersionFacts, model: ModelFacts, policy: Policy, now: datetime) -> None:
        self.version = version
        self.model = model
        self.policy = policy
        self.now = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
        self.candidate = derive_metrics(version.model_metrics, source="ModelMetrics")
        self.unlike = version.prior_basis is PriorBasis.OTHER_WINDOW
        self.prior_name = (
            (version.prior_description or "the active version's own metrics")
            if self.unlike
            else ("PriorModelMetrics")
        )
        # What a comparison sentence adds to say what it compared (nothing when like for like).
        self.against = f", against {self.prior_name}" if self.unlike else ""
        self.prior = derive_metrics(version.prior_model_metrics, source="PriorModelMetrics")
        self.comparison = compare(self.candidate, self.prior)
        self.quality = version.model_quality
        # Unlabelled: nothing to score recall with, and the service could not judge the quality.
        self.unlabelled = (
            not self.candidate.labeled
            and not self.prior.labeled
            and self.quality in (None, ModelQuality.CANNOT_DETERMINE_QUALITY)
        )
        self.label_mismatch = labelled_events_differ(self.candidate, self.prior)

    @property
    def name(self) -> str:
        return f"version {self.version.version}"

    def regression(self, rule: RuleId, message: str, look_at: str | None = None) -> RuleResult:
        """A metric got worse: REJECT, or on an unlike comparison a HOLD for a person."""
        if not self.unlike:
            return _fail(rule, Severity.REJECT, message, look_at)
        return RuleResult(
            rule=rule,
            outcome=RuleOutcome.NOT_MEASURABLE,
            severity=Severity.HOLD,
            message=f"{message.rstrip('.')}: not a like-for-like comparison, so held for a person.",
            look_at=look_at or _unlike_look_at(self),
        )


def _rule_version_status(ctx: _Context) -> RuleResult:
    rule = RuleId.VERSION_STATUS
    status = ctx.version.status
    if status is VersionStatus.SUCCESS:
        return _pass(rule, f"Version {ctx.version.version} finished training (status SUCCESS).")
    if status in (VersionStatus.IN_PROGRESS, VersionStatus.IMPORT_IN_PROGRESS):
        return _fail(
            rule,
            Severity.HOLD,
            f"Version {ctx.version.version} is still {status}; only a SUCCESS version can be activated.",
            look_at=f"Wait for version {ctx.version.version} to finish; it is evaluated again then.",
        )
    reason = f": {ctx.version.failed_reason}" if ctx.version.failed_reason else ""
    return _fail(
        rule,
        Severity.REJECT,
        f"Version {ctx.version.version} is {status}{reason}; only a SUCCESS version can be activated.",
    )


def _rule_scheduler_mode(ctx: _Context) -> RuleResult:
    rule = RuleId.SCHEDULER_MODE
    mode = ctx.model.promote_mode
    status = f" (scheduler {ctx.model.scheduler_status})" if ctx.model.scheduler_status else ""
    if mode is None:
        return _pass(rule, "The model has no retraining scheduler, so Model Steward alone decides.")
    if not mode.service_activates:
        return _pass(rule, f"The retraining scheduler is in {mode} promote mode{status}.")
    fix = (
        "Restart the retraining scheduler with promotion CUSTOMER_MANAGED (START_RETRAINING_SCHEDULER)"
        if mode is PromoteMode.SERVICE_MANAGED
        else "Set the retraining scheduler's PromoteMode to MANUAL (UpdateRetrainingScheduler)"
    )
    return _fail(
        rule,
        Severity.CONFLICT,
        f"The retraining scheduler of {_shown_name(ctx.model.model_name, ctx.model.label)} is in {mode} "
        f"promote mode{status}, so the service activates versions itself; Model Steward reports and "
        "acts on nothing.",
        look_at=f"{fix} if Model Steward should decide, or stop watching this model.",
    )


def _rule_newer_than_active(ctx: _Context) -> RuleResult:
    rule = RuleId.NEWER_THAN_ACTIVE
    active = ctx.model.active_version
    candidate = ctx.version.version
    if active is None:
        return _pass(rule, f"No version is active, so version {candidate} would be the first.")
    if candidate > active:
        return _pass(rule, f"Version {candidate} is newer than the active version {active}.")
    if candidate == active:
        return _fail(rule, Severity.REJECT, f"Version {candidate} is already the active version.")
    return _fail(
        rule,
        Severity.REJECT,
        f"Version {candidate} is older than the active version {active}; activating it would roll back.",
    )


def _unlabelled_look_at(ctx: _Context) -> str:
    cmp = ctx.comparison
    parts = []
    ranges = cmp.predicted_range_count
    if ranges.candidate is not None:
        prior = f" (prior model: {num(ranges.prior, 0)})" if ranges.prior is not None else ""
        parts.append(f"its {num(ranges.candidate, 0)} predicted abnormal ranges{prior}")
    unknown = cmp.unknown_event_count
    if unknown.candidate is not None:
        prior = f" (prior model: {num(unknown.prior, 0)})" if unknown.prior is not None else ""
        parts.append(f"its {num(unknown.candidate, 0)} unknown events{prior}")
    what = " and ".join(parts) if parts else "its predicted abnormal ranges"
    active = ctx.model.active_version
    keep = f"keep version {active}" if active is not None else "leave the model without an active version"
    return (
        f"No labels score version {ctx.version.version}: compare {what} with what really happened on "
        f"the asset, then activate it by hand or {keep}."
    )


def _rule_model_quality(ctx: _Context) -> RuleResult:
    rule = RuleId.MODEL_QUALITY
    policy = ctx.policy
    minimum = policy.min_model_quality
    reported = ctx.quality
    quality = reported or ModelQuality.CANNOT_DETERMINE_QUALITY
    said = (
        f"ModelQuality is {reported}"
        if reported is not None
        else "The service reported no ModelQuality (treated as CANNOT_DETERMINE_QUALITY)"
    )
    if quality.rank >= minimum.rank:
        return _pass(rule, f"{said}, which meets the policy's minimum {minimum}.")
    if quality is not ModelQuality.CANNOT_DETERMINE_QUALITY:
        return _fail(rule, Severity.REJECT, f"{said}, below the policy's minimum {minimum}.")
    action = policy.on_cannot_determine_quality
    if action is QualityAction.ACCEPT:
        return _pass(rule, f"{said}; the policy accepts such versions (on_cannot_determine_quality=ACCEPT).")
    if action is QualityAction.REJECT:
        return _fail(
            rule,
            Severity.REJECT,
            f"{said}; the policy rejects such versions (on_cannot_determine_quality=REJECT).",
        )
    return _fail(
        rule,
        Severity.HOLD,
        f"{said}; the policy asks a person to decide (on_cannot_determine_quality=HOLD).",
        look_at=_unlabelled_look_at(ctx),
    )


def _rule_metrics_readable(ctx: _Context) -> RuleResult:
    rule = RuleId.METRICS_READABLE
    findings = ctx.candidate.findings + ctx.prior.findings
    if findings:
        shown = "; ".join(findings[:_MAX_FINDINGS_IN_MESSAGE])
        more = len(findings) - _MAX_FINDINGS_IN_MESSAGE
        extra = f" (and {more} more)" if more > 0 else ""
        return _fail(
            rule,
            Severity.HOLD,
            f"The metrics could not be read as expected: {shown}{extra}.",
            look_at=(
                f"Read ModelMetrics and PriorModelMetrics of version {ctx.version.version} "
                "(DescribeModelVersion or the console) and judge the version by hand."
            ),
        )
    absent = [m.source for m in (ctx.candidate, ctx.prior) if not m.present]
    if absent:
        return _pass(rule, f"The metrics were read without problems ({' and '.join(absent)} absent).")
    return _pass(rule, "ModelMetrics and PriorModelMetrics were read without problems.")


def _unlike_look_at(ctx: _Context) -> str:
    active = ctx.model.active_version
    keep = f"keep version {active}" if active is not None else "leave the model as it is"
    return (
        f"Compare version {ctx.version.version} with {ctx.prior_name} on the same data (its metrics file "
        f"and evaluation results), then activate it (steward promote) or {keep}."
    )


def _rule_comparable_windows(ctx: _Context) -> RuleResult:
    rule = RuleId.COMPARABLE_WINDOWS
    v = ctx.version.version
    if not ctx.unlike:
        described = f" ({ctx.version.prior_description})" if ctx.version.prior_description else ""
        if ctx.prior.present:
            return _pass(
                rule,
                f"The prior metrics{described} score version {v}'s own evaluation window: like for like.",
            )
        return _pass(rule, "There are no prior metrics, so nothing is compared across evaluation windows.")
    return RuleResult(
        rule=rule,
        outcome=RuleOutcome.NOT_MEASURABLE,
        severity=Severity.HOLD,
        message=(
            f"Version {v} was compared with {ctx.prior_name}: the service gave no prior-model metrics on "
            f"version {v}'s own evaluation window, so the comparison is not like for like and is held for "
            "a person."
        ),
        look_at=_unlike_look_at(ctx),
    )


def _missing_side(ctx: _Context, candidate: object, prior: object, what: str) -> str:
    sides = []
    if candidate is None:
        sides.append(f"ModelMetrics of version {ctx.version.version}{_why_not(ctx.candidate)}")
    if prior is None:
        sides.append(f"{ctx.prior_name}{_why_not(ctx.prior)}")
    return f"{what} is not measurable in {' or '.join(sides)}"


def _why_not(metrics: DerivedMetrics) -> str:
    """Why a document gives no number: absent, or the first problem found in it."""
    if not metrics.present:
        return " (absent)"
    if metrics.findings:
        return f" ({metrics.findings[0].split(': ', 1)[-1]})"
    return ""


def _not_comparable(ctx: _Context, rule: RuleId, what: str, mismatch: str) -> RuleResult:
    """Different labelled events on the two sides: never compared, never ignored."""
    return RuleResult(
        rule=rule,
        outcome=RuleOutcome.NOT_MEASURABLE,
        severity=Severity.HOLD,
        message=(
            f"{what} cannot be compared: {mismatch}, so the two documents do not describe the same "
            "labelled events; held for a person (whatever on_not_measurable says)."
        ),
        look_at=(
            f"Compare labeled_ranges and labeled_event_metrics.num_labeled in ModelMetrics and "
            f"PriorModelMetrics of version {ctx.version.version} (DescribeModelVersion): the prior "
            "model should be scored on the same labelled events."
        ),
    )


def _label_rule_off(ctx: _Context, rule: RuleId, *, disabled: bool, what: str, setting: str) -> RuleResult:
    """Why a label-based rule does not apply: disabled by the policy, or an unlabelled version."""
    if disabled:
        return _skip(rule, f"{what.capitalize()} is not checked ({setting} is null).")
    compared = what.rsplit(maxsplit=1)[-1]  # "recall", "forewarning"
    return _skip(
        rule,
        f"Version {ctx.version.version} has no labelled events, so {compared} cannot be compared; "
        "the decision follows on_cannot_determine_quality.",
    )


def _rule_event_recall(ctx: _Context) -> RuleResult:
    rule = RuleId.EVENT_RECALL
    limit = ctx.policy.max_recall_drop
    if limit is None or ctx.unlabelled:
        return _label_rule_off(
            ctx, rule, disabled=limit is None, what="event recall", setting="max_recall_drop"
        )
    cand, prior = ctx.candidate, ctx.prior
    if ctx.label_mismatch is not None:
        return _not_comparable(ctx, rule, "Event recall", ctx.label_mismatch)
    if cand.event_recall is None or prior.event_recall is None:
        return _not_measurable(
            rule,
            ctx.policy,
            _missing_side(ctx, cand.event_recall, prior.event_recall, "Event recall"),
            look_at="Check labeled_event_metrics (num_labeled, num_identified) in both metrics documents.",
        )
    change = cand.event_recall - prior.event_recall
    detail = (
        f"from {num(prior.event_recall)} ({prior.num_identified} of {prior.num_labeled} labelled events) "
        f"to {num(cand.event_recall)} ({cand.num_identified} of {cand.num_labeled})"
    )
    if abs(change) <= _EPSILON:
        return _pass(
            rule,
            f"Event recall stayed at {num(cand.event_recall)} "
            f"({cand.num_identified} of {cand.num_labeled} labelled events){ctx.against}.",
        )
    if change > 0:
        return _pass(rule, f"Event recall rose {detail} ({signed(change)}){ctx.against}.")
    allowed = (
        f"the policy allows a drop of at most {num(limit)}" if limit > 0 else "the policy allows no drop"
    )
    if -change > limit + _EPSILON:
        return ctx.regression(rule, f"Event recall fell {detail} ({signed(change)}){ctx.against}; {allowed}.")
    return _pass(
        rule, f"Event recall fell {detail} ({signed(change)}){ctx.against}, within tolerance: {allowed}."
    )


def _rule_mean_forewarning(ctx: _Context) -> RuleResult:
    rule = RuleId.MEAN_FOREWARNING
    limit = ctx.policy.max_forewarning_drop_pct
    if limit is None or ctx.unlabelled:
        setting = "max_forewarning_drop_pct"
        return _label_rule_off(ctx, rule, disabled=limit is None, what="mean forewarning", setting=setting)
    cand, prior = ctx.candidate, ctx.prior
    if ctx.label_mismatch is not None:
        return _not_comparable(ctx, rule, "Mean forewarning", ctx.label_mismatch)
    allowed = f"the policy allows a shrink of at most {num(limit, 1)}%"
    if prior.num_identified == 0 and cand.num_identified is not None and cand.num_identified > 0:
        return _pass(rule, "The prior model identified no labelled event, so forewarning cannot have shrunk.")
    if cand.num_identified == 0 and prior.mean_forewarning_seconds is not None:
        return ctx.regression(
            rule,
            f"Version {ctx.version.version} identified no labelled event, so it gives no forewarning "
            f"(prior model: {duration(prior.mean_forewarning_seconds)} on average{ctx.against}); {allowed}.",
        )
    if cand.mean_forewarning_seconds is None or prior.mean_forewarning_seconds is None:
        return _not_measurable(
            rule,
            ctx.policy,
            _missing_side(
                ctx, cand.mean_forewarning_seconds, prior.mean_forewarning_seconds, "Mean forewarning"
            ),
            look_at=(
                "Check labeled_event_metrics (num_identified, total_warning_time_in_seconds) in both "
                "metrics documents."
            ),
        )
    before, after = prior.mean_forewarning_seconds, cand.mean_forewarning_seconds
    was, now = durations(before, after)
    detail = f"from {was} to {now}"
    if after == before or (after > before and was == now):
        return _pass(rule, f"Mean forewarning is unchanged at {now} per identified event{ctx.against}.")
    if after > before:
        return _pass(rule, f"Mean forewarning grew {detail} per identified event{ctx.against}.")
    shrink_pct = (before - after) / before * 100
    if shrink_pct > limit + _EPSILON:
        return ctx.regression(
            rule, f"Mean forewarning shrank {detail} (-{num(shrink_pct, 1)}%){ctx.against}; {allowed}."
        )
    return _pass(
        rule,
        f"Mean forewarning shrank {detail} (-{num(shrink_pct, 1)}%){ctx.against}, "
        f"within tolerance: {allowed}.",
    )


def _rule_unknown_events(ctx: _Context) -> RuleResult:
    rule = RuleId.UNKNOWN_EVENTS
    pct_limit = ctx.policy.max_unknown_events_increase_pct
    count_limit = ctx.policy.max_unknown_events_increase_count
    if pct_limit is None and count_limit is None:
        return _skip(rule, "Unknown events are not checked (both increase limits are null).")
    cand, prior = ctx.candidate.unknown_event_count, ctx.prior.unknown_event_count
    if cand is None or prior is None:
        return _not_measurable(
            rule,
            ctx.policy,
            _missing_side(ctx, cand, prior, "The number of unknown events"),
            look_at="Check unknown_event_metrics.num_identified in both metrics documents.",
        )
    increase = cand - prior
    if increase == 0:
        return _pass(rule, f"Unknown (unlabelled) abnormal events stayed at {cand}{ctx.against}.")
    if increase < 0:
        return _pass(
            rule,
            f"Unknown (unlabelled) abnormal events fell from {prior} to {cand} ({increase:+d}){ctx.against}.",
        )
    pct = increase / prior * 100 if prior else None
    limits = []
    if count_limit is not None:
        limits.append(f"+{count_limit} events")
    if pct_limit is not None:
        limits.append(f"+{num(pct_limit, 1)}%")
    allowed = " or ".join(limits)
    within_count = count_limit is not None and increase <= count_limit
    within_pct = pct_limit is not None and pct is not None and pct <= pct_limit + _EPSILON
    change = f"{increase:+d}, " + (f"+{num(pct, 1)}%" if pct is not None else "up from none")
    detail = f"Unknown (unlabelled) abnormal events rose from {prior} to {cand} ({change}){ctx.against}"
    if within_count or within_pct:
        return _pass(rule, f"{detail}, within the policy's limit of {allowed}.")
    return ctx.regression(rule, f"{detail}; the policy allows at most {allowed}.")


def _rule_retraining_data_days(ctx: _Context) -> RuleResult:
    rule = RuleId.RETRAINING_DATA_DAYS
    minimum = ctx.policy.min_retraining_data_days
    days = ctx.version.retraining_available_data_in_days
    if minimum is None:
        return _skip(rule, "Retraining data is not checked (min_retraining_data_days is null).")
    if days is None:
        return _skip(rule, "The service did not report RetrainingAvailableDataInDays for this version.")
    if days >= minimum:
        return _pass(rule, f"Retraining used {days} days of data; the policy requires at least {minimum}.")
    return _fail(
        rule,
        Severity.REJECT,
        f"Retraining used only {days} days of data; the policy requires at least {minimum}.",
    )


def _rule_cooldown(ctx: _Context) -> RuleResult:
    rule = RuleId.COOLDOWN
    cooldown = ctx.policy.cooldown_hours
    if cooldown <= 0:
        return _skip(rule, "No cooldown is configured (cooldown_hours is 0).")
    active = ctx.model.active_version
    if active is None:
        return _skip(rule, "No version is active, so there is no activation to cool down from.")
    activated_at = ctx.model.active_version_activated_at
    if activated_at is None:
        return _not_measurable(
            rule,
            ctx.policy,
            f"The activation time of the active version {active} is unknown, "
            "so the cooldown cannot be checked",
            look_at=f"Check when version {active} was activated (DescribeModel.ModelVersionActivatedAt).",
        )
    elapsed = max(ctx.now - activated_at, timedelta(0))
    elapsed_hours = elapsed.total_seconds() / 3600
    if elapsed_hours + _EPSILON >= cooldown:
        return _pass(
            rule,
            f"Version {active} was activated {duration(elapsed.total_seconds())} ago; "
            f"the policy requires {hours(cooldown)}.",
        )
    ready = activated_at + timedelta(hours=cooldown)
    return _fail(
        rule,
        Severity.HOLD,
        f"Version {active} was activated only {duration(elapsed.total_seconds())} ago; the policy requires "
        f"{hours(cooldown)} between activations.",
        look_at=f"Re-evaluate after {timestamp(ready)}, or activate the version by hand before then.",
    )


_RULES = (
    _rule_version_status,
    _rule_scheduler_mode,
    _rule_newer_than_active,
    _rule_model_quality,
    _rule_metrics_readable,
    _rule_comparable_windows,
    _rule_event_recall,
    _rule_mean_forewarning,
    _rule_unknown_events,
    _rule_retraining_data_days,
    _rule_cooldown,
)


def evaluate_rules(
    version: VersionFacts, model: ModelFacts, policy: Policy, now: datetime
) -> list[RuleResult]:
    """Every rule's result, in RuleId order."""
    ctx = _Context(version, model, policy, now)
    return [rule(ctx) for rule in _RULES]


# ---------------------------------------------------------------------------------------------
# The decision.


def _verdict(results: Sequence[RuleResult]) -> Outcome:
    """PROMOTE, HOLD or REJECT from the rules, ignoring the scheduler conflict."""
    severities = {r.severity for r in results if r.severity is not None}
    if Severity.REJECT in severities:
        return Outcome.REJECT
    if Severity.HOLD in severities:
        return Outcome.HOLD
    return Outcome.PROMOTE


def _service_view(version: VersionFacts, model: ModelFacts, verdict: Outcome) -> ServiceAutoPromotion:
    result = version.auto_promotion_result
    reason = version.auto_promotion_result_reason
    because = f" ({reason})" if reason else ""
    ours = {Outcome.PROMOTE: "promote", Outcome.HOLD: "hold", Outcome.REJECT: "reject"}[verdict]

    def view(agreement: Agreement, message: str) -> ServiceAutoPromotion:
        return ServiceAutoPromotion(result=result, reason=reason, agreement=agreement, message=message)

    if result is None:
        return view(Agreement.NOT_APPLICABLE, "The service reported no AutoPromotionResult.")
    if result is AutoPromotionResult.MODEL_PROMOTED:
        if verdict is Outcome.PROMOTE:
            return view(Agreement.AGREES, f"The service promoted this version{because}; our policy agrees.")
        return view(
            Agreement.DIFFERS,
            f"The service promoted this version{because}, but our policy says {ours}.",
        )
    if result is AutoPromotionResult.MODEL_NOT_PROMOTED:
        if model.promote_mode is not None and not model.promote_mode.service_activates:
            return view(
                Agreement.NOT_APPLICABLE,
                f"The service did not promote this version{because}, as it never does in "
                f"{model.promote_mode} mode.",
            )
        if verdict is Outcome.PROMOTE:
            return view(
                Agreement.DIFFERS,
                f"The service did not promote this version{because}, but our policy says promote.",
            )
        return view(
            Agreement.AGREES, f"The service did not promote this version{because}; our policy agrees."
        )
    return view(Agreement.NOT_APPLICABLE, f"The service reports {result}{because}.")


def _summary(
    version: VersionFacts,
    model: ModelFacts,
    outcome: Outcome,
    verdict: Outcome,
    results: Sequence[RuleResult],
) -> str:
    who = f"{_shown_name(version.model_name, version.label or model.label)} version {version.version}"
    active = f" (active: version {model.active_version})" if model.active_version is not None else ""
    unapplied = [r.rule.value for r in results if r.outcome is not RuleOutcome.PASS]
    passed = "every rule passed" + (f" (not applied: {', '.join(unapplied)})" if unapplied else "")

    def first(severity: Severity) -> tuple[str, str]:
        blocking = [r for r in results if r.severity is severity]
        more = len(blocking) - 1
        return blocking[0].message, (f" ({more} more reason{'s' if more > 1 else ''} below)" if more else "")

    if outcome is Outcome.PROMOTE:
        return f"Promote {who}{active}: {passed}."
    if outcome is Outcome.WOULD_PROMOTE:
        return f"Dry run: {who} would be promoted{active}: {passed}; nothing was changed."
    if outcome is Outcome.CONFLICT:
        would = {Outcome.PROMOTE: "promote", Outcome.HOLD: "hold", Outcome.REJECT: "reject"}[verdict]
        shown = _shown_name(model.model_name, version.label or model.label)
        return (
            f"Conflict: {shown} has a {model.promote_mode} retraining scheduler, so the service activates "
            f"versions itself; Model Steward acts on nothing for {who} (its policy would {would} it)."
        )
    if outcome is Outcome.REJECT:
        message, more = first(Severity.REJECT)
        return f"Reject {who}: {message.rstrip('.')}{more}."
    message, more = first(Severity.HOLD)
    return f"Hold {who} for a person to decide: {message.rstrip('.')}{more}."


def decide(version: VersionFacts, model: ModelFacts, policy: Policy, now: datetime) -> Decision:
    """Apply ``policy`` to a new ``version`` of ``model``. Pure; never raises on metrics content."""
    ctx = _Context(version, model, policy, now)
    results = [rule(ctx) for rule in _RULES]
    verdict = _verdict(results)
    if any(r.severity is Severity.CONFLICT for r in results):
        outcome = Outcome.CONFLICT
    elif verdict is Outcome.PROMOTE and policy.dry_run:
        outcome = Outcome.WOULD_PROMOTE
    else:
        outcome = verdict
    # Under a conflict the only thing to look at is the conflict: Model Steward acts on nothing.
    shown = (Severity.CONFLICT,) if outcome is Outcome.CONFLICT else (Severity.HOLD,)
    look_at = [r.look_at for r in results if r.look_at and r.severity in shown]
    return Decision(
        model_name=version.model_name,
        model_label=version.label or model.label,
        version=version.version,
        active_version=model.active_version,
        outcome=outcome,
        policy_verdict=verdict,
        summary=_summary(version, model, outcome, verdict, results),
        look_at=look_at,
        rule_results=results,
        candidate_metrics=ctx.candidate,
        prior_metrics=ctx.prior,
        comparison=ctx.comparison,
        policy_fingerprint=policy.fingerprint(),
        dry_run=policy.dry_run,
        decided_at=ctx.now,
        service_auto_promotion=_service_view(version, model, verdict),
    )


def choose_candidate(
    pending: Sequence[VersionFacts], active_version: int | None
) -> tuple[VersionFacts | None, list[VersionFacts]]:
    """Pick the one version worth deciding among several undecided ones.

    Only a SUCCESS version newer than the active one is eligible; the newest eligible is the
    candidate. Every other SUCCESS version (older eligible ones, and ones older than the active
    version) is returned as superseded, oldest first. The active version itself and versions that
    are not SUCCESS (running, FAILED, CANCELED) are in neither list: the caller handles them.
    Duplicates (same version number) count once; the last one given wins.
    """
    by_version = {v.version: v for v in pending}
    successes = sorted(
        (v for v in by_version.values() if v.status is VersionStatus.SUCCESS and v.version != active_version),
        key=lambda v: v.version,
    )
    eligible = [v for v in successes if active_version is None or v.version > active_version]
    candidate = eligible[-1] if eligible else None
    superseded = [v for v in successes if v is not candidate]
    return candidate, superseded


__all__ = ["choose_candidate", "decide", "evaluate_rules"]
