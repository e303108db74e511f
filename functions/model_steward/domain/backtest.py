"""Backtest: replay a promotion policy over every past version of a model (pure).

The replay walks the versions in order. The first SUCCESS version starts as the active one
(START). Every later version is decided with ``decide`` against the replay's own active version
and activation time, at the version's CreatedAt (so the cooldown counts between the replay's
activations); a PROMOTE verdict makes it the replay's active version. The scheduler is taken as
MANUAL: the question is what the policy would have done had it governed the model. The metrics
compared are the version's own ModelMetrics against its PriorModelMetrics, i.e. against the model
that was *actually* active when it was evaluated, which is not always the replay's.

Each replayed verdict is set beside what actually happened (:func:`actual_activation`): whether
the version was ever active, from the ledger's records, the service's AutoPromotionResult and the
model's current and previous active versions. The service keeps no full activation history, so
"no" means "no record of an activation", and when there is no evidence at all it says unknown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from model_steward.domain.policy import decide
from model_steward.models.decision import ModelFacts, Outcome, PromoteMode, VersionFacts, VersionStatus
from model_steward.models.policy import Policy


class Agreement(StrEnum):
    AGREES = "AGREES"
    DIFFERS = "DIFFERS"
    UNKNOWN = "UNKNOWN"
    START = "START"  # the replay's starting point: assumed active, not compared


@dataclass(frozen=True)
class Actual:
    """Was the version ever active? None: nothing says either way."""

    activated: bool | None
    evidence: str

    @property
    def label(self) -> str:
        word = {True: "yes", False: "no", None: "unknown"}[self.activated]
        return f"{word} ({self.evidence})" if self.evidence else word


@dataclass(frozen=True)
class VersionHistory:
    """What is known of one version's real fate."""

    ledger_state: str | None = None
    ledger_outcome: str | None = None
    ledger_actor: str | None = None


def actual_activation(
    facts: VersionFacts,
    history: VersionHistory,
    *,
    current_active: int | None,
    previous_active: int | None,
) -> Actual:
    """The evidence, strongest first: activation is certain from any one source; "not activated"
    only from the ledger's decision or the service's own result; otherwise unknown."""
    version = facts.version
    if version == current_active:
        return Actual(True, "active now")
    if version == previous_active:
        return Actual(True, "the previous active version")
    if history.ledger_state == "PROMOTED":
        return Actual(True, f"ledger: promoted by {history.ledger_actor or 'model-steward'}")
    if history.ledger_outcome == "ACTIVATED_ELSEWHERE":
        return Actual(True, "ledger: activated outside Model Steward")
    if facts.auto_promotion_result is not None and facts.auto_promotion_result.value == "MODEL_PROMOTED":
        return Actual(True, "service: MODEL_PROMOTED")
    if facts.status is not VersionStatus.SUCCESS:
        return Actual(False, f"status {facts.status.value}")
    if history.ledger_state in ("DECIDED", "SUPERSEDED"):
        return Actual(False, f"ledger: {history.ledger_outcome or history.ledger_state}")
    if facts.auto_promotion_result is not None:
        return Actual(False, f"service: {facts.auto_promotion_result.value}")
    if history.ledger_state == "BASELINE":
        return Actual(None, "ledger: existed before Model Steward")
    return Actual(None, "no record")


@dataclass(frozen=True)
class ReplayStep:
    version: int
    status: str
    created_at: datetime | None
    active_before: int | None  # the replay's active version when this one was decided
    verdict: str  # START, PROMOTE, HOLD or REJECT
    reasons: list[str]  # the blocking rules' ids; empty for PROMOTE / START
    summary: str
    would_activate: bool
    actual: Actual
    agreement: Agreement


@dataclass
class Backtest:
    model_name: str
    policy_fingerprint: str
    steps: list[ReplayStep] = field(default_factory=list)

    def count(self, agreement: Agreement) -> int:
        return sum(step.agreement is agreement for step in self.steps)

    @property
    def summary(self) -> str:
        agree, differ, unknown = (
            self.count(a) for a in (Agreement.AGREES, Agreement.DIFFERS, Agreement.UNKNOWN)
        )
        promoted = sum(step.verdict == "PROMOTE" for step in self.steps)
        return (
            f"{len(self.steps)} versions replayed: the policy would have promoted {promoted}; "
            f"{agree} agree with what happened, {differ} differ, {unknown} unknown"
        )


def _compare(would_activate: bool, actual: Actual) -> Agreement:
    if actual.activated is None:
        return Agreement.UNKNOWN
    return Agreement.AGREES if actual.activated == would_activate else Agreement.DIFFERS


def replay(
    versions: Sequence[VersionFacts],
    actuals: Mapping[int, Actual],
    policy: Policy,
    *,
    fallback_now: datetime,
) -> Backtest:
    """Replay ``policy`` over ``versions`` (any order); see the module docstring."""
    ordered = sorted({v.version: v for v in versions}.values(), key=lambda v: v.version)
    if not ordered:
        return Backtest(model_name="", policy_fingerprint=policy.fingerprint())
    # The fingerprint names the policy as given (as `steward evaluate` shows it); the replay
    # itself decides as if the policy were not a dry run.
    result = Backtest(model_name=ordered[0].model_name, policy_fingerprint=policy.fingerprint())
    policy = policy.model_copy(update={"dry_run": False})
    active: int | None = None
    activated_at: datetime | None = None
    for facts in ordered:
        actual = actuals.get(facts.version, Actual(None, "no record"))
        moment = facts.created_at or activated_at or fallback_now
        if active is None and facts.status is VersionStatus.SUCCESS:
            active, activated_at = facts.version, moment
            result.steps.append(
                ReplayStep(
                    version=facts.version,
                    status=facts.status.value,
                    created_at=facts.created_at,
                    active_before=None,
                    verdict="START",
                    reasons=[],
                    summary="The replay starts with this version active.",
                    would_activate=True,
                    actual=actual,
                    agreement=Agreement.START,
                )
            )
            continue
        model = ModelFacts(
            model_name=facts.model_name,
            active_version=active,
            active_version_activated_at=activated_at,
            promote_mode=PromoteMode.MANUAL,
        )
        decision = decide(facts, model, policy, moment)
        verdict = decision.policy_verdict
        would = verdict is Outcome.PROMOTE
        result.steps.append(
            ReplayStep(
                version=facts.version,
                status=facts.status.value,
                created_at=facts.created_at,
                active_before=active,
                verdict=verdict.value,
                reasons=[r.rule.value for r in decision.blocking_rules],
                summary=decision.summary,
                would_activate=would,
                actual=actual,
                agreement=_compare(would, actual),
            )
        )
        if would:
            active, activated_at = facts.version, moment
    return result


__all__ = ["Actual", "Agreement", "Backtest", "ReplayStep", "VersionHistory", "actual_activation", "replay"]
