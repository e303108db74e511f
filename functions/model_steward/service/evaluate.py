"""Evaluate one model: record every new version's outcome, promote at most the newest eligible one.

A request for a model outside the watched set is refused before the registry is asked anything,
and a model that no longer exists is recorded: each is alerted once, and neither is an error (a
retry could not change it). The versions a model has when it is first seen are its baseline
(``domain.versions.on_listed``), unless the deployment decides existing versions.

For each version the ledger has not closed (``domain.versions``): IN_PROGRESS is recorded and
revisited on later ticks; FAILED and CANCELED are recorded and alerted with the registry's reason;
SUCCESS versions go to the policy. Of several pending SUCCESS versions only the newest one newer
than the active version is decided; the older ones are recorded as superseded. A promotion goes
through the promotion protocol (``service.promotion``), which also finishes a promotion an earlier
invocation left PROMOTING after the registry activated it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from model_steward.domain import alerts, versions
from model_steward.domain.budget import Budget
from model_steward.domain.links import ledger_command
from model_steward.domain.policy import choose_candidate, decide
from model_steward.domain.versions import Transition
from model_steward.errors import ActivationConflict, InvalidInputError, NotFoundError, TransientError
from model_steward.models.alerts import Alert, Links
from model_steward.models.decision import Decision, ModelFacts, Outcome, VersionFacts
from model_steward.models.ledger import AlertRecord, ModelState, VersionRecord, VersionState
from model_steward.models.messages import EvaluateRequest
from model_steward.models.policy import Policy, PolicyOverrides, parse_overrides, resolve_policy
from model_steward.observability import logger, metrics, tracer
from model_steward.ports import Ledger, ModelRegistry, PolicyDocument
from model_steward.service.alerting import Alerter, record_for
from model_steward.service.approvals import Approvals
from model_steward.service.imports import ImportLineage
from model_steward.service.promotion import Promotion, PromotionRequest, Status, version_record


@dataclass
class Evaluation:
    model_name: str
    outcomes: dict[int, str] = field(default_factory=dict)  # version -> state/outcome recorded now
    promoted: int | None = None
    alerts_sent: int = 0
    alerts_pending: int = 0
    refused: str | None = None  # why the model was not evaluated at all (not watched, gone)


@dataclass(frozen=True)
class PolicyChoice:
    policy: Policy
    problem: str | None = None  # a policy document that cannot be used: promotion is held


class PolicySource:
    """The deployment's base policy plus the per-model overrides document (cached by its port)."""

    def __init__(self, base: Policy, document: PolicyDocument | None = None) -> None:
        self.base = base
        self.document = document

    def overrides(self) -> tuple[PolicyOverrides | None, str | None]:
        if self.document is None:
            return None, None
        try:
            text = self.document.read()
            return parse_overrides(text, source=f"SSM parameter {self.document.name}"), None
        except (InvalidInputError, NotFoundError) as exc:
            return None, str(exc)

    def for_model(self, model_name: str) -> PolicyChoice:
        overrides, problem = self.overrides()
        if problem is not None:
            return PolicyChoice(self.base, problem)
        return PolicyChoice(resolve_policy(self.base, overrides, model_name))


@dataclass(frozen=True)
class EvaluateService:
    """What one evaluate invocation works with (built once per invocation)."""

    ledger: Ledger
    registries: dict[str, ModelRegistry]
    policies: PolicySource
    alerter: Alerter
    watches: Callable[[str], bool]
    """Whether the deployment watches a model (the only models it may read or activate)."""
    cli_target: str = ""  # how `steward` commands in alerts reach this deployment (links.cli_target)
    budget: Budget = field(default_factory=Budget.unlimited)
    """The invocation's time: a queued request is taken only with RECORD_SECONDS left."""
    scope: str = ""
    """The watched set in words, for the alert that refuses another model."""
    decide_existing: bool = False
    """Versions newer than the active one when a model is first seen are decided (else baseline)."""
    approvals: Approvals | None = None
    """Where this deployment sends approvals of the versions it promotes (None: nowhere)."""

    def evaluate(self, request: EvaluateRequest, now: datetime) -> Evaluation:
        if not self.watches(request.model_name):
            return self._refuse_unwatched(request, now)
        registry = self.registries.get(request.registry)
        if registry is None:
            raise InvalidInputError(f"{request.model_name}: no model registry {request.registry!r} here")
        try:
            return ModelEvaluator(self, registry, now=now).evaluate(request)
        except NotFoundError as exc:
            return self._model_gone(request, exc, now)

    def _refuse_unwatched(self, request: EvaluateRequest, now: datetime) -> Evaluation:
        name = request.model_name
        logger.warning(
            "evaluation refused: model not watched", extra={"model_name": name, "scope": self.scope}
        )
        alert = alerts.for_configuration_problem(
            f"An evaluation of {name} was requested, but this deployment does not watch it; nothing "
            "was read or changed.",
            model_name=name,
            details=[
                f"Watched: {self.scope or 'see the deployment parameters'}.",
                f"The request said: reasons {', '.join(request.reasons) or 'none'}"
                + (f", tick {request.tick_id}" if request.tick_id else ", from no watch tick")
                + ".",
                "If the model should be governed, add it to the watched set; otherwise find out who "
                "can send messages to the evaluate queue.",
            ],
            now=now,
        )
        alert = alert.model_copy(update={"alert_id": f"{name}#NOT_WATCHED#{_digest(self.scope)}"})
        delivery = self.alerter.raise_alert(alert, now)
        metrics.add_metric(name="EvaluationsRefused", unit=MetricUnit.Count, value=1)
        return Evaluation(model_name=name, refused="not watched", alerts_sent=delivery.sent)

    def _model_gone(self, request: EvaluateRequest, exc: NotFoundError, now: datetime) -> Evaluation:
        """Deleted between the watch tick and now: recorded (the alert, under the model) once."""
        name = request.model_name
        logger.warning("model no longer exists", extra={"model_name": name, "error": str(exc)})
        state = self.ledger.model_state(name)
        seen = state.last_evaluated_at.isoformat() if state and state.last_evaluated_at else "never"
        alert = alerts.for_configuration_problem(
            f"{name} no longer exists in the model registry; it was not evaluated.",
            model_name=name,
            details=[
                f"The registry answered: {exc}.",
                f"Last evaluated: {seen}. Nothing is retried; if the model was deleted on purpose, "
                "stop watching it.",
            ],
            now=now,
        )
        alert = alert.model_copy(update={"alert_id": f"{name}#GONE#{_digest(seen)}"})
        delivery = self.alerter.raise_alert(alert, now)
        metrics.add_metric(name="ModelsGone", unit=MetricUnit.Count, value=1)
        return Evaluation(model_name=name, refused="no longer exists", alerts_sent=delivery.sent)

    def evaluate_message(self, body: str) -> dict[str, Any]:
        """One queue message: the request in it, evaluated now (OutOfTime, so that the queue
        delivers it again, when the invocation has not time enough left to start it)."""
        request = EvaluateRequest.model_validate_json(body)
        logger.append_keys(model_name=request.model_name)
        self.budget.require(RECORD_SECONDS, f"evaluation of {request.model_name}")
        result = self.evaluate(request, datetime.now(UTC))
        logger.info(
            "model evaluated",
            extra={"outcomes": result.outcomes, "promoted": result.promoted, "refused": result.refused},
        )
        return {
            "model_name": result.model_name,
            "outcomes": result.outcomes,
            "promoted": result.promoted,
            **({"refused": result.refused} if result.refused else {}),
        }


RECORD_SECONDS = 30.0
"""Time left (beyond the budget's margin) without which a queued request is not started: one
model's evaluation makes about 6 Lookout for Equipment calls, 10 ledger calls and 2 publishes,
under a second in all on a good day, and well under 30 s unless several calls are throttled to
their last attempts. Whatever is started and cannot finish is cut by the clients' own guard
(``adapters.aws``) and delivered again by the queue; the ledger makes the retry idempotent."""


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


_BASELINE = "Existed when Model Steward first saw the model: baseline, never decided or activated."
_ELSEWHERE = "Activated outside Model Steward (by a person or another tool) before it was decided."


class ModelEvaluator:
    """One evaluation of one model (its alerts are sent together at the end)."""

    def __init__(self, service: EvaluateService, registry: ModelRegistry, *, now: datetime) -> None:
        self.ledger = service.ledger
        self.registry = registry
        self.decide_existing = service.decide_existing
        self.policies = service.policies
        self.alerter = service.alerter
        self.cli_target = service.cli_target
        self.approvals = service.approvals
        self.now = now
        self.result = Evaluation(model_name="")
        self.lineage = ImportLineage(service.ledger, registry, now=now)
        self.model: ModelFacts | None = None
        self._alerts: list[AlertRecord] = []

    # ------------------------------------------------------------------ the flow
    @tracer.capture_method
    def evaluate(self, request: EvaluateRequest) -> Evaluation:
        name = request.model_name
        result = self.result = Evaluation(model_name=name)
        recorded = self.ledger.model_state(name)
        # First sight: never evaluated (a promotion claim alone may have created the item).
        first_sight = recorded is None or recorded.last_evaluated_at is None
        state = recorded or ModelState(model_name=name)
        model = self.model = self.registry.describe_model(name)
        start = min([*state.open_versions, state.last_seen_version + 1])
        listed = self.registry.version_numbers(name, from_version=start)
        links = Links(
            console_url=self.registry.console_url(name), ledger=ledger_command(name, self.cli_target)
        )

        successes: list[tuple[VersionFacts, VersionRecord | None]] = []
        for version in listed:
            existing = self.ledger.version(name, version)
            step = versions.on_listed(
                existing,
                version=version,
                now=self.now,
                first_sight=first_sight,
                active_version=model.active_version,
                decide_existing=self.decide_existing,
            )
            if not step.describe:
                continue
            facts = self.registry.describe_version(name, version)
            self.lineage.ended(facts)
            step = versions.on_facts(existing, facts, model, baseline=step.baseline)
            if step.state is VersionState.BASELINE:
                self._write(self._new(facts, step, existing, summary=_BASELINE), step)
            elif step.state is VersionState.IN_PROGRESS:
                self._write(self._new(facts, step, existing), step)
            elif step.state is VersionState.FAILED:
                alert = self.lineage.failure_alert(facts, links) or alerts.for_failed_version(
                    facts, links=links, now=self.now
                )
                record = self._new(facts, step, existing, outcome=alert.kind.value, summary=alert.summary)
                self._write(record, step, alert=alert)
            elif step.promote:  # an earlier invocation's promotion the registry completed
                assert existing is not None
                assert existing.decision_json is not None
                decision = Decision.model_validate_json(existing.decision_json)
                self._promote(facts, decision, existing, step, links)
            else:
                successes.append((facts, existing))

        revisit = self._decide_successes(model, successes, links)
        self._save_state(state, request, listed, revisit)
        if request.defer_alerts:  # a busy tick: the next watch tick sends them as one digest
            result.alerts_pending = len(self._alerts)
        else:
            delivery = self.alerter.send(self._alerts, self.now)
            result.alerts_sent, result.alerts_pending = delivery.sent, delivery.failed
        for outcome in result.outcomes.values():
            metrics.add_metric(
                name=f"Outcome{outcome.title().replace('_', '')}", unit=MetricUnit.Count, value=1
            )
        return result

    def _decide_successes(
        self,
        model: ModelFacts,
        successes: list[tuple[VersionFacts, VersionRecord | None]],
        links: Links,
    ) -> datetime | None:
        """Every SUCCESS version gets an outcome; the candidate is decided last (and maybe promoted)."""
        candidate, superseded = choose_candidate([facts for facts, _ in successes], model.active_version)
        superseded_versions = {facts.version for facts in superseded}
        choice = self.policies.for_model(model.model_name)
        if choice.problem is not None:
            self._policy_problem(choice.problem)
        newest = candidate.version if candidate else None
        revisit: datetime | None = None
        for facts, existing in sorted(successes, key=lambda pair: pair[0].version == newest):  # newest last
            step = versions.on_choice(
                existing, facts, model, candidate=newest, superseded=facts.version in superseded_versions
            )
            if step.outcome == versions.SUPERSEDED:
                summary = f"Version {newest} is newer and eligible; only the newest is decided."
                record = self._new(facts, step, existing, outcome=step.outcome, summary=summary)
                self._write(record.model_copy(update={"superseded_by": newest}), step)
                continue
            if step.outcome == versions.ACTIVATED_ELSEWHERE:
                self._write(self._new(facts, step, existing, outcome=step.outcome, summary=_ELSEWHERE), step)
                continue
            is_candidate = facts.version == newest
            decision = decide(self.lineage.comparable(facts, model), model, choice.policy, self.now)
            if is_candidate:
                decision = versions.held_if(decision, choice.problem)
            step = versions.on_decision(existing, decision, model, choice.policy, candidate=is_candidate)
            if step.promote:
                self._promote(facts, decision, existing, step, links)
            else:
                self._record_decision(facts, decision, existing, step, links)
                revisit = step.revisit_at or revisit
        return revisit

    # ------------------------------------------------------------------ promotion
    def _promote(
        self,
        facts: VersionFacts,
        decision: Decision,
        existing: VersionRecord | None,
        step: Transition,
        links: Links,
    ) -> None:
        version = facts.version
        promotion = Promotion(self.ledger, self.registry, now=self.now)
        request = PromotionRequest(
            promoting=self._new(facts, step, existing, decision=decision),
            replaces=versions.replaceable(existing),
            alert=self._decision_alert(decision, links, facts),
            accepts_active=lambda active: active is None or active <= version,
            outbox=self._approval(decision, facts),
        )
        try:
            done = promotion.run(request)
        except ActivationConflict as exc:  # the model is busy (training, importing): try again later
            raise TransientError(str(exc)) from exc
        if done.status is Status.CLAIM_HELD:
            raise TransientError(
                f"{facts.model_name}: another evaluation holds the promotion claim; retrying later"
            )
        if done.status is Status.ACTIVE_CHANGED:
            newer = decision.model_copy(
                update={
                    "outcome": Outcome.REJECT,
                    "summary": f"Not promoted: version {done.active} became active meanwhile, and an "
                    "older version is never activated over a newer one.",
                }
            )
            self._record_decision(facts, newer, existing, versions.decided(existing), links)
        elif done.status is Status.REFUSED:
            refused = decision.model_copy(
                update={
                    "outcome": Outcome.HOLD,
                    "summary": f"Held: the service refused to activate version {version}: {done.reason}",
                    "look_at": [f"Why the service refused: {done.reason}", *decision.look_at],
                }
            )
            promoting = request.promoting
            self._record_decision(facts, refused, promoting, versions.decided(promoting), links)
        elif done.status is Status.PROMOTED:
            self.result.promoted = version
            self._count(
                version,
                VersionState.PROMOTED,
                decision.outcome.value,
                done.recorded,
                done.alert,
                outbox=request.outbox,
            )

    # ------------------------------------------------------------------ records and alerts
    def _record_decision(
        self,
        facts: VersionFacts,
        decision: Decision,
        existing: VersionRecord | None,
        step: Transition,
        links: Links,
    ) -> None:
        alert = self._decision_alert(decision, links, facts)
        record = self._new(facts, step, existing, decision=decision).model_copy(
            update={"revisit_at": step.revisit_at}
        )
        self._write(record, step, alert=alert, outbox=self._approval(decision, facts))

    def _decision_alert(self, decision: Decision, links: Links, facts: VersionFacts) -> Alert:
        alert = alerts.for_decision(decision, links=links, version=facts, target=self.cli_target)
        return self.lineage.annotate(alert, facts)

    def _approval(self, decision: Decision, facts: VersionFacts) -> list[AlertRecord]:
        """The approval written with a decision that approves the version (when this deployment
        sends approvals: ``service.approvals``)."""
        if self.approvals is None or self.model is None:
            return []
        return self.approvals.outbox(decision, facts, self.model, self.now)

    def _write(
        self,
        record: VersionRecord,
        step: Transition,
        *,
        alert: Alert | None = None,
        outbox: Sequence[AlertRecord] = (),
    ) -> None:
        alert_record = record_for(alert) if alert is not None else None
        written = self.ledger.record(record, replaces=step.replaces, alert=alert_record, outbox=outbox)
        self._count(record.version, record.state, record.outcome, written, alert_record, outbox=outbox)

    def _count(
        self,
        version: int,
        state: VersionState,
        outcome: str | None,
        written: bool,
        alert: AlertRecord | None,
        *,
        outbox: Sequence[AlertRecord] = (),
    ) -> None:
        if not written:
            logger.info("version already recorded by another evaluation", extra={"version": version})
            return
        self.result.outcomes[version] = outcome or state.value
        if alert is not None:
            self._alerts.append(alert)
        self._alerts.extend(outbox)

    def _new(
        self,
        facts: VersionFacts,
        step: Transition,
        existing: VersionRecord | None,
        *,
        outcome: str | None = None,
        summary: str = "",
        decision: Decision | None = None,
    ) -> VersionRecord:
        assert step.state is not None
        return version_record(
            facts,
            step.state,
            existing=existing,
            now=self.now,
            decision=decision,
            outcome=outcome,
            summary=summary,
        )

    def _policy_problem(self, problem: str) -> None:
        alert = alerts.for_configuration_problem(
            "The per-model policy document cannot be used; promotion is held for every model it could cover.",
            details=[problem, f"Document fingerprint {_digest(problem)}."],
            now=self.now,
        )
        record = record_for(alert)
        if self.ledger.add_alert(record):
            self._alerts.append(record)

    def _save_state(
        self, state: ModelState, request: EvaluateRequest, listed: list[int], revisit: datetime | None
    ) -> None:
        records = self.ledger.versions(state.model_name) if listed or state.open_versions else []
        self.ledger.save_model_state(
            state.model_copy(
                update={
                    "summary_fingerprint": request.fingerprint or state.summary_fingerprint,
                    "last_seen_version": max([state.last_seen_version, *listed]),
                    "open_versions": versions.open_versions(records),
                    "revisit_at": versions.model_revisit(records, self.now, revisit),
                    "last_evaluated_at": self.now,
                    "last_full_sweep_at": self.now
                    if "full-sweep" in request.reasons
                    else state.last_full_sweep_at,
                }
            )
        )
