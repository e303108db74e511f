"""Manual promote and rollback: an operator activates a version through the automation's guards.

The policy is evaluated (``decide``) and a FAIL refuses the action unless forced; then the
promotion protocol (``service.promotion``), the automation's own: the model's promotion claim (so
no evaluation activates concurrently), a fresh look at the model (the active version must still be
the one the operator saw), ``PROMOTING`` written conditionally on the state the record was read
in, activation verified, and ``PROMOTED`` written with the operator as actor, the reason and what
was forced, in one transaction with the alert, which goes to every configured channel at once. A
failed activation restores the record as it was, with the failure in its note.

Which rule results refuse (:func:`assess`, pure):
- a version that is not SUCCESS cannot be activated at all (not even with ``--force``);
- every other FAIL refuses, unless ``force``: then it is recorded as overridden;
- a rollback is, by definition, an older version over a newer one, and usually undoes a recent
  activation: for it, and only for it, the ``newer_than_active`` and ``cooldown`` rules are
  bypassed (and recorded as bypassed); the cooldown exists to stop automation flapping, not to
  delay a person undoing a bad promotion;
- a result that holds the version for a person (a HOLD: an unlabelled version, unreadable metrics,
  a metric that cannot be measured) does not refuse: the operator is that person, and the action
  is recorded as their decision, not as overriding the policy; the cooldown, a HOLD too, is the
  exception: it refuses a promotion (a rollback bypasses it, above).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Literal

from model_steward.domain import alerts
from model_steward.domain.links import ledger_command
from model_steward.domain.policy import decide
from model_steward.errors import ActivationRefused, InvalidInputError, StewardError
from model_steward.models.alerts import Links
from model_steward.models.decision import (
    Decision,
    RuleId,
    RuleOutcome,
    RuleResult,
    Severity,
    VersionFacts,
    VersionStatus,
)
from model_steward.models.ledger import VersionState
from model_steward.models.policy import Policy
from model_steward.ports import Ledger, ModelRegistry
from model_steward.service.alerting import Alerter
from model_steward.service.promotion import Promotion, PromotionRequest, Status, version_record

Action = Literal["promote", "rollback"]


class Result(StrEnum):
    DONE = "DONE"
    REFUSED = "REFUSED"
    NOTHING_TO_DO = "NOTHING_TO_DO"


@dataclass(frozen=True)
class ManualRequest:
    model_name: str
    action: Action
    version: int | None  # rollback: None = the model's PreviousActiveModelVersion
    reason: str
    actor: str
    force: bool = False


@dataclass(frozen=True)
class Assessment:
    refusing: list[RuleResult]
    bypassed: list[RuleResult]

    @property
    def allowed(self) -> bool:
        return not self.refusing


@dataclass
class ManualOutcome:
    model_name: str
    action: Action
    version: int
    previous_version: int | None
    actor: str
    reason: str
    result: Result
    message: str
    refusing: list[RuleResult] = field(default_factory=list)  # refused, or overridden when forced
    bypassed: list[RuleResult] = field(default_factory=list)
    forced: bool = False
    alert_id: str | None = None
    alert_sent: bool = False
    decision: Decision | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "model_name": self.model_name,
            "action": self.action,
            "version": self.version,
            "previous_version": self.previous_version,
            "actor": self.actor,
            "reason": self.reason,
            "result": self.result.value,
            "message": self.message,
            "forced": self.forced,
            "refusing_rules": [r.model_dump(mode="json") for r in self.refusing],
            "bypassed_rules": [r.model_dump(mode="json") for r in self.bypassed],
            "alert_id": self.alert_id,
            "alert_sent": self.alert_sent,
        }


_ROLLBACK_BYPASSES = frozenset({RuleId.NEWER_THAN_ACTIVE, RuleId.COOLDOWN})


def _asks_a_person(result: RuleResult) -> bool:
    return result.severity is Severity.HOLD and result.rule is not RuleId.COOLDOWN


def assess(decision: Decision, action: Action) -> Assessment:
    """Which FAIL results refuse a manual action, and which the action bypasses (pure)."""
    failed = [r for r in decision.rule_results if r.outcome is RuleOutcome.FAIL and not _asks_a_person(r)]
    bypassed = [r for r in failed if action == "rollback" and r.rule in _ROLLBACK_BYPASSES]
    return Assessment(refusing=[r for r in failed if r not in bypassed], bypassed=bypassed)


def _note(request: ManualRequest, assessment: Assessment, forced: bool) -> str:
    parts = [f"{request.action} by {request.actor}: {request.reason.strip() or 'no reason given'}"]
    if forced:
        parts.append("forced over: " + ", ".join(r.rule.value for r in assessment.refusing))
    if assessment.bypassed:
        parts.append("bypassed (a rollback): " + ", ".join(r.rule.value for r in assessment.bypassed))
    return "; ".join(parts)


class ManualAction:
    def __init__(
        self,
        ledger: Ledger,
        registry: ModelRegistry,
        alerter: Alerter,
        policy: Policy,
        *,
        now: datetime,
        cli_target: str = "",
    ) -> None:
        self.cli_target = cli_target  # how `steward` commands in the alert reach the deployment
        self.ledger = ledger
        self.registry = registry
        self.alerter = alerter
        self.policy = policy.model_copy(update={"dry_run": False})  # an operator's action is never a dry run
        self.now = now

    def perform(self, request: ManualRequest) -> ManualOutcome:
        name = request.model_name
        model = self.registry.describe_model(name)
        active = model.active_version
        target = request.version
        if target is None:
            target = model.previous_active_version
            if target is None:
                raise InvalidInputError(
                    f"{name} has no previous active version to roll back to: pass --to VERSION"
                )
        facts = self.registry.describe_version(name, target)
        if facts.status is not VersionStatus.SUCCESS:
            raise InvalidInputError(
                f"{name} v{target} is {facts.status.value}: only a SUCCESS version can be activated"
            )

        def outcome(result: Result, message: str, **extra: object) -> ManualOutcome:
            return ManualOutcome(
                model_name=name,
                action=request.action,
                version=target,
                previous_version=active,
                actor=request.actor,
                reason=request.reason,
                result=result,
                message=message,
                **extra,  # type: ignore[arg-type]
            )

        if target == active:
            return outcome(
                Result.NOTHING_TO_DO, f"{name} v{target} is already the active version; nothing changed"
            )
        decision = decide(facts, model, self.policy, self.now)
        assessment = assess(decision, request.action)
        details = {"refusing": assessment.refusing, "bypassed": assessment.bypassed, "decision": decision}
        if not assessment.allowed and not request.force:
            failing = ", ".join(r.rule.value for r in assessment.refusing)
            return outcome(
                Result.REFUSED,
                f"refused: the policy fails {failing} for {name} v{target} "
                "(--force overrides it, recorded with who and why)",
                **details,
            )
        forced = not assessment.allowed
        done = Promotion(self.ledger, self.registry, now=self.now).run(
            self._request(request, facts, decision, assessment, forced=forced, active=active)
        )
        if done.status is Status.CLAIM_HELD:
            return outcome(
                Result.REFUSED,
                f"refused: an evaluation of {name} holds its promotion claim; try again in a minute",
                **details,
            )
        if done.status is Status.ACTIVE_CHANGED:
            return outcome(
                Result.REFUSED,
                f"refused: the active version of {name} changed from v{active} to v{done.active} meanwhile; "
                "look again, then retry",
                **details,
            )
        if done.status is Status.RECORD_CHANGED:
            raise StewardError(
                f"{name} v{target}: its ledger record changed meanwhile; nothing was activated"
            )
        if done.status is Status.REFUSED:
            raise ActivationRefused(done.reason)
        assert done.alert is not None
        delivery = self.alerter.send([done.alert], self.now)
        verb = "promoted" if request.action == "promote" else "rolled back to"
        previously = f" (previously v{active})" if active is not None else ""
        return outcome(
            Result.DONE,
            f"{name} {verb} v{target}{previously} by {request.actor}"
            + (", overriding the policy" if forced else ""),
            forced=forced,
            alert_id=done.alert.alert_id,
            alert_sent=delivery.sent > 0,
            **details,
        )

    def _request(
        self,
        request: ManualRequest,
        facts: VersionFacts,
        decision: Decision,
        assessment: Assessment,
        *,
        forced: bool,
        active: int | None,
    ) -> PromotionRequest:
        name, target = facts.model_name, facts.version
        existing = self.ledger.version(name, target)
        verb = "promoted" if request.action == "promote" else "rolled back to"
        promoting = version_record(
            facts,
            VersionState.PROMOTING,
            existing=existing,
            now=self.now,
            decision=decision,
            outcome=f"MANUAL_{request.action.upper()}",
            summary=(
                f"{request.actor} {verb} version {target} by hand"
                + (f" (previously version {active})" if active is not None else "")
                + (", overriding the policy" if forced else "")
                + f": {request.reason.strip()}"
            ),
        ).model_copy(update={"actor": request.actor, "note": _note(request, assessment, forced)})
        alert = alerts.for_manual_action(
            name,
            target,
            request.action,
            actor=request.actor,
            reason=request.reason,
            forced=forced,
            previous_version=active,
            links=Links(
                console_url=self.registry.console_url(name), ledger=ledger_command(name, self.cli_target)
            ),
            now=self.now,
        )
        return PromotionRequest(
            promoting=promoting,
            replaces=[existing.state if existing else None],
            alert=alert,
            accepts_active=lambda fresh: fresh == active,
            restore=existing or promoting.model_copy(update={"state": VersionState.DECIDED}),
            failure_note=f"manual {request.action} by {request.actor}",
        )
