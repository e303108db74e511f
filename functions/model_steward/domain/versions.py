"""The life of one model version in the ledger, as pure functions (the evaluate flow follows them).

States (``VersionState``)::

    (none) --finished when the model is first seen (unless existing versions are decided)--> BASELINE
    (none) | IN_PROGRESS --training or import running------------------------------> IN_PROGRESS
    (none) | IN_PROGRESS --FAILED or CANCELED (alerted)-----------------------------> FAILED
    (none) | IN_PROGRESS | DECIDED | PROMOTING --SUCCESS:
        a newer eligible version is decided instead -------------------------> SUPERSEDED
        active already, activated by someone else ---------------------------> DECIDED (ACTIVATED_ELSEWHERE)
        the policy decides (alerted); the candidate may be promoted ---------> DECIDED | PROMOTING
    PROMOTING --activated and verified (alerted)------------------------------> PROMOTED
    PROMOTING, the registry already has it active (an interrupted promotion) -> PROMOTED

A version is looked at again while it is open: IN_PROGRESS and PROMOTING at once, a DECIDED HOLD
whose ``revisit_at`` has come (a hold only for the cooldown is decided again when it ends).
BASELINE, SUPERSEDED, FAILED, PROMOTED and other DECIDED versions are closed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from model_steward.models.decision import (
    Decision,
    ModelFacts,
    Outcome,
    RuleId,
    RuleOutcome,
    VersionFacts,
    VersionStatus,
)
from model_steward.models.ledger import OPEN_STATES, VersionRecord, VersionState
from model_steward.models.policy import Policy

RUNNING = frozenset({VersionStatus.IN_PROGRESS, VersionStatus.IMPORT_IN_PROGRESS})
ENDED_BADLY = frozenset({VersionStatus.FAILED, VersionStatus.CANCELED})
SUPERSEDED = "SUPERSEDED"
ACTIVATED_ELSEWHERE = "ACTIVATED_ELSEWHERE"
Replaces = tuple[VersionState | None, ...]


@dataclass(frozen=True)
class Transition:
    """What to do next with one version."""

    state: VersionState | None = None
    """The state to record now (None: nothing is recorded by this step)."""
    replaces: Replaces = ()
    """The states the version's record may be in when it is written (None: no record yet)."""
    describe: bool = False
    """Read the version's facts from the registry next."""
    decide: bool = False
    """The policy decides the version next."""
    promote: bool = False
    """The promotion protocol activates (or finishes activating) the version next."""
    baseline: bool = False
    """The version existed when the model was first seen: once described, it is the baseline
    unless it is still running (then it is followed like any new version)."""
    alert: bool = False
    """The record is written together with its alert."""
    outcome: str | None = None
    """The outcome recorded without a policy decision (SUPERSEDED, ACTIVATED_ELSEWHERE)."""
    revisit_at: datetime | None = None
    """Decide the version again at or after this time."""


NOTHING = Transition()


def is_open(record: VersionRecord | None, now: datetime) -> bool:
    """Whether the version still needs a look: unrecorded, running, promoting, or a HOLD whose
    revisit time has come."""
    if record is None or record.state in OPEN_STATES:
        return True
    return (
        record.state is VersionState.DECIDED
        and record.outcome == Outcome.HOLD
        and record.revisit_at is not None
        and record.revisit_at <= now
    )


def replaceable(record: VersionRecord | None) -> Replaces:
    """The states a decision may overwrite: none yet, running, and an open PROMOTING or DECIDED."""
    states: list[VersionState | None] = [None, VersionState.IN_PROGRESS]
    if record is not None and record.state in (VersionState.PROMOTING, VersionState.DECIDED):
        states.append(record.state)
    return tuple(states)


def on_listed(
    record: VersionRecord | None,
    *,
    version: int,
    now: datetime,
    first_sight: bool,
    active_version: int | None,
    decide_existing: bool = False,
) -> Transition:
    """A version the registry lists: skip it (closed), or describe it (as a baseline candidate).

    Every version that has finished when the model is first seen is its baseline: never decided,
    never activated, newer than the active version or not (a version still training or importing
    then is followed like a new one). ``decide_existing`` (an operator's opt-in) leaves only the
    versions up to the active one as the baseline and decides the newer ones."""
    if not is_open(record, now):
        return NOTHING
    if first_sight and record is None:
        newer = active_version is None or version > active_version
        if not (decide_existing and newer):
            return Transition(describe=True, baseline=True)
    return Transition(describe=True)


def on_facts(
    record: VersionRecord | None, facts: VersionFacts, model: ModelFacts, *, baseline: bool = False
) -> Transition:
    """A described version: still running, the baseline (``baseline``: it existed, finished, when
    the model was first seen), ended badly, an interrupted promotion the registry completed, or a
    SUCCESS for the policy."""
    if facts.status in RUNNING:
        return Transition(state=VersionState.IN_PROGRESS, replaces=(None, VersionState.IN_PROGRESS))
    if baseline:
        return Transition(state=VersionState.BASELINE, replaces=(None,))
    if facts.status in ENDED_BADLY:
        return Transition(state=VersionState.FAILED, replaces=(None, VersionState.IN_PROGRESS), alert=True)
    interrupted = record is not None and record.state is VersionState.PROMOTING and bool(record.decision_json)
    if interrupted and model.active_version == facts.version:
        return Transition(state=VersionState.PROMOTING, promote=True)
    return Transition(decide=True)


def on_choice(
    record: VersionRecord | None,
    facts: VersionFacts,
    model: ModelFacts,
    *,
    candidate: int | None,
    superseded: bool,
) -> Transition:
    """A SUCCESS version once the newest eligible one (the candidate) is chosen: superseded by it,
    activated by someone else already, or decided by the policy (:func:`on_decision`)."""
    replaces = replaceable(record)
    if superseded:
        return Transition(state=VersionState.SUPERSEDED, replaces=replaces, outcome=SUPERSEDED)
    service_activates = model.promote_mode is not None and model.promote_mode.service_activates
    elsewhere = facts.version == model.active_version and not service_activates
    if facts.version != candidate and elsewhere:
        return Transition(state=VersionState.DECIDED, replaces=replaces, outcome=ACTIVATED_ELSEWHERE)
    # The candidate, and versions not newer than the active one: decided, so that every record
    # says why something or nothing happened.
    return Transition(decide=True)


def on_decision(
    record: VersionRecord | None,
    decision: Decision,
    model: ModelFacts,
    policy: Policy,
    *,
    candidate: bool,
) -> Transition:
    """The policy's decision: the candidate it says to promote goes to the promotion protocol;
    everything else is recorded DECIDED with its alert, and a candidate held only by the cooldown
    is decided again when the cooldown ends."""
    if candidate and decision.should_promote:
        return Transition(state=VersionState.PROMOTING, replaces=replaceable(record), promote=True)
    revisit = cooldown_ends(decision, model, policy) if candidate else None
    return decided(record, revisit_at=revisit)


def decided(record: VersionRecord | None, *, revisit_at: datetime | None = None) -> Transition:
    """Record a decision (with its alert) over an open record: also what a promotion the registry
    refused, or that a newer active version overtook, ends in."""
    return Transition(
        state=VersionState.DECIDED, replaces=replaceable(record), alert=True, revisit_at=revisit_at
    )


def cooldown_ends(decision: Decision, model: ModelFacts, policy: Policy) -> datetime | None:
    """When a HOLD that only the cooldown caused is over (None for any other decision)."""
    cooldown = decision.result(RuleId.COOLDOWN)
    if decision.outcome is not Outcome.HOLD or cooldown.outcome is not RuleOutcome.FAIL:
        return None
    if any(r.blocking and r.rule is not RuleId.COOLDOWN for r in decision.rule_results):
        return None
    if model.active_version_activated_at is None:
        return None
    return model.active_version_activated_at + timedelta(hours=policy.cooldown_hours)


def held_if(decision: Decision, problem: str | None) -> Decision:
    """A promotion the rules allow is held when the policy document is unusable."""
    if problem is None or decision.outcome not in (Outcome.PROMOTE, Outcome.WOULD_PROMOTE):
        return decision
    return decision.model_copy(
        update={
            "outcome": Outcome.HOLD,
            "summary": f"Held: the policy rules pass, but the policy document is unusable: {problem}",
            "look_at": [f"Fix the policy document: {problem}", *decision.look_at],
        }
    )


def open_versions(records: Iterable[VersionRecord]) -> tuple[int, ...]:
    """The versions a later evaluation must look at again (ascending)."""
    return tuple(
        sorted(
            r.version
            for r in records
            if r.state in OPEN_STATES or (r.state is VersionState.DECIDED and r.revisit_at is not None)
        )
    )


def model_revisit(
    records: Iterable[VersionRecord], now: datetime, candidate_revisit: datetime | None = None
) -> datetime | None:
    """When the watch should queue the model again without news: now while a version is running or
    promoting, else the earliest pending revisit (None: only news brings it back)."""
    records = list(records)
    if any(r.state in OPEN_STATES for r in records):
        return now
    pending = [r.revisit_at for r in records if r.revisit_at is not None]
    return min([*pending, *([candidate_revisit] if candidate_revisit else [])], default=None)
