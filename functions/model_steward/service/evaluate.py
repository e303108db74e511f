"""Evaluate one model: record every new version's outcome, promote at most the newest eligible one.

For each version the ledger has not closed: IN_PROGRESS is recorded and revisited on later
ticks; FAILED and CANCELED are recorded and alerted with the service's FailedReason; SUCCESS
versions go to the policy. Of several pending SUCCESS versions only the newest one newer than
the active version is decided; the older ones are recorded as superseded.

Promotion is guarded three ways: the model's promotion claim in the ledger (one invocation at a
time), the version record's state (``PROMOTING`` is written before UpdateActiveModelVersion and
``PROMOTED`` after, each conditionally), and a fresh DescribeModel right before the call, which
also reconciles a claim left by an invocation that died after the call: if the service already
has the candidate active, the record is completed without a second activation; if a newer
version became active meanwhile, nothing older is activated over it.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aws_lambda_powertools.metrics import MetricUnit

from model_steward.adapters import lookout
from model_steward.adapters.ledger import Ledger
from model_steward.adapters.parameters import policy_document
from model_steward.domain import alerts
from model_steward.domain.policy import choose_candidate, decide
from model_steward.errors import ConflictError, InvalidInputError, NotFoundError, StewardError, TransientError
from model_steward.models.alerts import Alert, Links
from model_steward.models.decision import (
    Decision,
    ModelFacts,
    Outcome,
    PromoteMode,
    RuleId,
    RuleOutcome,
    VersionFacts,
    VersionStatus,
)
from model_steward.models.ledger import AlertRecord, ModelState, VersionRecord, VersionState
from model_steward.models.messages import EvaluateRequest
from model_steward.models.policy import Policy, PolicyOverrides, parse_overrides, resolve_policy
from model_steward.models.settings import EvaluateSettings
from model_steward.observability import logger, metrics, tracer
from model_steward.service import alerting

CLAIM_LEASE = timedelta(minutes=5)  # longer than one evaluation; a dead invocation's claim expires
_RUNNING = {VersionStatus.IN_PROGRESS, VersionStatus.IMPORT_IN_PROGRESS}
_ENDED_BADLY = {VersionStatus.FAILED, VersionStatus.CANCELED}


@dataclass
class Evaluation:
    model_name: str
    outcomes: dict[int, str] = field(default_factory=dict)  # version -> state/outcome recorded now
    promoted: int | None = None
    alerts_sent: int = 0
    alerts_pending: int = 0


@dataclass(frozen=True)
class PolicyChoice:
    policy: Policy
    problem: str | None = None  # a policy document that cannot be used: promotion is held


class PolicySource:
    """The deployment's base policy plus the per-model overrides document (SSM, cached)."""

    def __init__(self, settings: EvaluateSettings) -> None:
        self.base = settings.base_policy()
        self.parameter_name = settings.policy_parameter_name

    def overrides(self) -> tuple[PolicyOverrides | None, str | None]:
        if not self.parameter_name:
            return None, None
        try:
            text = policy_document(self.parameter_name)
            return parse_overrides(text, source=f"SSM parameter {self.parameter_name}"), None
        except (InvalidInputError, NotFoundError) as exc:
            return None, str(exc)

    def for_model(self, model_name: str) -> PolicyChoice:
        overrides, problem = self.overrides()
        if problem is not None:
            return PolicyChoice(self.base, problem)
        return PolicyChoice(resolve_policy(self.base, overrides, model_name))


def links_for(region: str, model_name: str) -> Links:
    return Links(
        console_url=f"https://{region}.console.aws.amazon.com/lookoutequipment/home?region={region}#/models/{model_name}",
        ledger=f"steward history {model_name}",
    )


class ModelEvaluator:
    def __init__(
        self,
        settings: EvaluateSettings,
        ledger: Ledger,
        policies: PolicySource,
        *,
        region: str,
        now: datetime,
    ) -> None:
        self.settings = settings
        self.ledger = ledger
        self.policies = policies
        self.region = region
        self.now = now
        self._alerts: list[AlertRecord] = []

    # ------------------------------------------------------------------ the flow
    @tracer.capture_method
    def evaluate(self, request: EvaluateRequest) -> Evaluation:
        name = request.model_name
        result = Evaluation(model_name=name)
        state = self.ledger.model_state(name) or ModelState(model_name=name)
        model = lookout.model_facts(lookout.describe_model(name), lookout.describe_retraining_scheduler(name))
        first_sight = state.last_seen_version == 0
        start = min([*state.open_versions, state.last_seen_version + 1])
        listed = sorted({s["ModelVersion"] for s in lookout.iter_model_versions(name, min_version=start)})
        records = {version: self.ledger.version(name, version) for version in listed}
        links = links_for(self.region, name)

        successes: list[tuple[VersionFacts, VersionRecord | None]] = []
        for version in listed:
            existing = records[version]
            if not self._needs_decision(existing):
                continue
            if first_sight and existing is None and model.active_version and version <= model.active_version:
                self._write(self._baseline(name, version), replaces=[None], result=result)
                continue
            facts = lookout.version_facts(lookout.describe_model_version(name, version))
            if facts.status in _RUNNING:
                self._write(
                    self._new(facts, VersionState.IN_PROGRESS, existing),
                    replaces=[None, VersionState.IN_PROGRESS],
                    result=result,
                )
            elif facts.status in _ENDED_BADLY:
                alert = alerts.for_failed_version(facts, links=links, now=self.now)
                record = self._new(
                    facts, VersionState.FAILED, existing, outcome=alert.kind.value, summary=alert.summary
                )
                self._write(record, replaces=[None, VersionState.IN_PROGRESS], result=result, alert=alert)
            else:
                successes.append((facts, existing))

        successes = self._reconcile_interrupted(model, successes, links, result)
        revisit = self._decide_successes(model, successes, links, result)
        self._save_state(state, request, listed, revisit)
        if request.defer_alerts:  # a busy tick: the next watch tick sends them as one digest
            result.alerts_pending = len(self._alerts)
        else:
            delivery = alerting.send(
                self.ledger,
                self.settings.alert_topic_arn,
                self._alerts,
                self.now,
                chatbot_topic_arn=self.settings.chatbot_topic_arn,
            )
            result.alerts_sent, result.alerts_pending = delivery.sent, delivery.failed
        for outcome in result.outcomes.values():
            metrics.add_metric(
                name=f"Outcome{outcome.title().replace('_', '')}", unit=MetricUnit.Count, value=1
            )
        return result

    def _needs_decision(self, record: VersionRecord | None) -> bool:
        if record is None or record.state in (VersionState.IN_PROGRESS, VersionState.PROMOTING):
            return True
        return (
            record.state is VersionState.DECIDED
            and record.outcome == Outcome.HOLD
            and record.revisit_at is not None
            and record.revisit_at <= self.now
        )

    def _reconcile_interrupted(
        self,
        model: ModelFacts,
        successes: list[tuple[VersionFacts, VersionRecord | None]],
        links: Links,
        result: Evaluation,
    ) -> list[tuple[VersionFacts, VersionRecord | None]]:
        """Finish promotions an earlier invocation left PROMOTING after the service activated them."""
        remaining = []
        for facts, existing in successes:
            stored = existing.decision_json if existing and existing.state is VersionState.PROMOTING else None
            if stored and model.active_version == facts.version:
                decision = Decision.model_validate_json(stored)
                self._promote(facts, decision, existing, links, result)
            else:
                remaining.append((facts, existing))
        return remaining

    def _decide_successes(
        self,
        model: ModelFacts,
        successes: list[tuple[VersionFacts, VersionRecord | None]],
        links: Links,
        result: Evaluation,
    ) -> datetime | None:
        existing = {facts.version: record for facts, record in successes}
        candidate, superseded = choose_candidate([facts for facts, _ in successes], model.active_version)
        revisit: datetime | None = None
        for facts in superseded:
            assert candidate is not None  # choose_candidate supersedes only in favour of a candidate
            record = self._new(
                facts,
                VersionState.SUPERSEDED,
                existing[facts.version],
                outcome="SUPERSEDED",
                summary=f"Version {candidate.version} is newer and eligible; only the newest is decided.",
            ).model_copy(update={"superseded_by": candidate.version})
            self._write(record, replaces=self._replaceable(existing[facts.version]), result=result)
        decided = {facts.version for facts in superseded} | ({candidate.version} if candidate else set())
        choice = self.policies.for_model(model.model_name)
        if choice.problem is not None:
            self._policy_problem(choice.problem, model.model_name)
        # Versions that are neither candidate nor superseded (not newer than the active one) are
        # still decided, so each has a recorded outcome saying why nothing happened.
        for facts, earlier in successes:
            if facts.version in decided:
                continue
            if facts.version == model.active_version and model.promote_mode is not PromoteMode.MANAGED:
                activated = self._new(
                    facts,
                    VersionState.DECIDED,
                    earlier,
                    outcome="ACTIVATED_ELSEWHERE",
                    summary="Activated outside Model Steward (by a person or another tool) "
                    "before it was decided.",
                )
                self._write(activated, replaces=self._replaceable(earlier), result=result)
                continue
            decision = decide(facts, model, choice.policy, self.now)
            self._record_decision(facts, decision, earlier, links, result)
        if candidate is not None:
            decision = self._held_if(decide(candidate, model, choice.policy, self.now), choice.problem)
            if decision.should_promote:
                self._promote(candidate, decision, existing[candidate.version], links, result)
            else:
                revisit = self._cooldown_ends(decision, model, choice.policy)
                self._record_decision(
                    candidate, decision, existing[candidate.version], links, result, revisit=revisit
                )
        return revisit

    # ------------------------------------------------------------------ promotion
    def _promote(
        self,
        facts: VersionFacts,
        decision: Decision,
        existing: VersionRecord | None,
        links: Links,
        result: Evaluation,
    ) -> None:
        name, version = facts.model_name, facts.version
        claim_id = str(uuid.uuid4())
        if not self.ledger.claim_promotion(name, version, claim_id, self.now, CLAIM_LEASE):
            raise TransientError(f"{name}: another evaluation holds the promotion claim; retrying later")
        try:
            promoting = self._new(facts, VersionState.PROMOTING, existing, decision=decision)
            if not self.ledger.record(promoting, replaces=self._replaceable(existing)):
                logger.info("version already closed by another evaluation", extra={"version": version})
                return
            active = lookout.describe_model(name).get("ActiveModelVersion")
            note = None
            if active == version:
                note = (
                    "The service already had this version active (an earlier invocation's call); "
                    "UpdateActiveModelVersion was not called again."
                )
            elif active is not None and active > version:
                newer = decision.model_copy(
                    update={
                        "outcome": Outcome.REJECT,
                        "summary": f"Not promoted: version {active} became active meanwhile, and an "
                        "older version is never activated over a newer one.",
                    }
                )
                self._record_decision(facts, newer, promoting, links, result)
                return
            else:
                self._activate(facts, decision, promoting, links, result)
                if result.promoted is None:
                    return
            alert = alerts.for_decision(decision, links=links, version=facts)
            promoted = self._new(facts, VersionState.PROMOTED, promoting, decision=decision).model_copy(
                update={"promoted_at": self.now, "note": note}
            )
            self._write(promoted, replaces=[VersionState.PROMOTING], result=result, alert=alert)
            result.promoted = version
        finally:
            self.ledger.release_promotion(name, claim_id)

    def _activate(
        self,
        facts: VersionFacts,
        decision: Decision,
        promoting: VersionRecord,
        links: Links,
        result: Evaluation,
    ) -> None:
        """Call UpdateActiveModelVersion; a refusal is recorded as HOLD with the service's words."""
        try:
            response = lookout.update_active_model_version(facts.model_name, facts.version)
        except ConflictError as exc:  # the model is busy (training, importing): try again later
            raise TransientError(str(exc)) from exc
        except InvalidInputError as exc:
            refused = decision.model_copy(
                update={
                    "outcome": Outcome.HOLD,
                    "summary": f"Held: the service refused to activate version {facts.version}: {exc}",
                    "look_at": [f"Why the service refused: {exc}", *decision.look_at],
                }
            )
            self._record_decision(facts, refused, promoting, links, result)
            return
        if response.get("CurrentActiveVersion") != facts.version:
            raise StewardError(
                f"UpdateActiveModelVersion {facts.model_name} v{facts.version} answered "
                f"CurrentActiveVersion={response.get('CurrentActiveVersion')}"
            )
        metrics.add_metric(name="Promotions", unit=MetricUnit.Count, value=1)
        result.promoted = facts.version

    # ------------------------------------------------------------------ records and alerts
    def _record_decision(
        self,
        facts: VersionFacts,
        decision: Decision,
        existing: VersionRecord | None,
        links: Links,
        result: Evaluation,
        *,
        revisit: datetime | None = None,
    ) -> None:
        alert = alerts.for_decision(decision, links=links, version=facts)
        record = self._new(facts, VersionState.DECIDED, existing, decision=decision).model_copy(
            update={"revisit_at": revisit}
        )
        self._write(record, replaces=self._replaceable(existing), result=result, alert=alert)

    def _write(
        self,
        record: VersionRecord,
        *,
        replaces: list[VersionState | None],
        result: Evaluation,
        alert: Alert | None = None,
    ) -> None:
        alert_record = alerting.record_for(alert) if alert is not None else None
        if self.ledger.record(record, replaces=replaces, alert=alert_record):
            result.outcomes[record.version] = record.outcome or record.state.value
            if alert_record is not None:
                self._alerts.append(alert_record)
        else:
            logger.info("version already recorded by another evaluation", extra={"version": record.version})

    @staticmethod
    def _replaceable(existing: VersionRecord | None) -> list[VersionState | None]:
        states: list[VersionState | None] = [None, VersionState.IN_PROGRESS]
        if existing is not None and existing.state in (VersionState.PROMOTING, VersionState.DECIDED):
            states.append(existing.state)
        return states

    def _new(
        self,
        facts: VersionFacts,
        state: VersionState,
        existing: VersionRecord | None,
        *,
        outcome: str | None = None,
        summary: str = "",
        decision: Decision | None = None,
    ) -> VersionRecord:
        return VersionRecord(
            model_name=facts.model_name,
            version=facts.version,
            state=state,
            status=facts.status.value,
            source_type=facts.source_type.value if facts.source_type else None,
            outcome=decision.outcome.value if decision else outcome,
            summary=decision.summary if decision else summary,
            decision_json=decision.model_dump_json() if decision else None,
            policy_fingerprint=decision.policy_fingerprint if decision else None,
            failed_reason=facts.failed_reason,
            service_auto_promotion=facts.auto_promotion_result.value if facts.auto_promotion_result else None,
            first_seen_at=existing.first_seen_at if existing else self.now,
            updated_at=self.now,
            decided_at=self.now if decision else None,
        )

    def _baseline(self, name: str, version: int) -> VersionRecord:
        return VersionRecord(
            model_name=name,
            version=version,
            state=VersionState.BASELINE,
            status="SUCCESS",
            summary="Existed when Model Steward first saw the model; not decided.",
            first_seen_at=self.now,
            updated_at=self.now,
        )

    @staticmethod
    def _held_if(decision: Decision, problem: str | None) -> Decision:
        if problem is None or decision.outcome not in (Outcome.PROMOTE, Outcome.WOULD_PROMOTE):
            return decision
        return decision.model_copy(
            update={
                "outcome": Outcome.HOLD,
                "summary": f"Held: the policy rules pass, but the policy document is unusable: {problem}",
                "look_at": [f"Fix the policy document: {problem}", *decision.look_at],
            }
        )

    def _cooldown_ends(self, decision: Decision, model: ModelFacts, policy: Policy) -> datetime | None:
        """A HOLD only for the cooldown is decided again when the cooldown ends."""
        cooldown = decision.result(RuleId.COOLDOWN)
        if decision.outcome is not Outcome.HOLD or cooldown.outcome is not RuleOutcome.FAIL:
            return None
        if any(r.blocking and r.rule is not RuleId.COOLDOWN for r in decision.rule_results):
            return None
        if model.active_version_activated_at is None:
            return None
        return model.active_version_activated_at + timedelta(hours=policy.cooldown_hours)

    def _policy_problem(self, problem: str, model_name: str) -> None:
        digest = hashlib.sha256(problem.encode()).hexdigest()[:12]
        alert = alerts.for_configuration_problem(
            "The per-model policy document cannot be used; promotion is held for every model it could cover.",
            details=[problem, f"Document fingerprint {digest}."],
            now=self.now,
        )
        self._alerts.extend([r for r in [alerting.record_for(alert)] if self.ledger.add_alert(r)])

    def _save_state(
        self, state: ModelState, request: EvaluateRequest, listed: list[int], revisit: datetime | None
    ) -> None:
        name = state.model_name
        records = {r.version: r for r in self.ledger.versions(name)} if listed or state.open_versions else {}
        open_versions = tuple(
            sorted(
                v
                for v, r in records.items()
                if r.state in (VersionState.IN_PROGRESS, VersionState.PROMOTING)
                or (r.state is VersionState.DECIDED and r.revisit_at is not None)
            )
        )
        pending_revisits = [r.revisit_at for r in records.values() if r.revisit_at is not None]
        revisit_at = (
            self.now
            if any(records[v].state is not VersionState.DECIDED for v in open_versions)
            else min([*pending_revisits, *([revisit] if revisit else [])], default=None)
        )
        self.ledger.save_model_state(
            state.model_copy(
                update={
                    "summary_fingerprint": request.fingerprint or state.summary_fingerprint,
                    "last_seen_version": max([state.last_seen_version, *listed]),
                    "open_versions": open_versions,
                    "revisit_at": revisit_at,
                    "last_evaluated_at": self.now,
                    "last_full_sweep_at": self.now
                    if "full-sweep" in request.reasons
                    else state.last_full_sweep_at,
                }
            )
        )
