"""The version state machine (domain.versions), table by table: state x facts -> the next state, and
whether to describe, decide, promote, alert or revisit (and when)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from model_steward.domain import versions
from model_steward.domain.policy import decide
from model_steward.domain.samples import SAMPLE_NOW as NOW
from model_steward.domain.samples import metrics_json, model_facts, version_facts
from model_steward.domain.versions import Transition
from model_steward.models.decision import Decision, Outcome
from model_steward.models.ledger import VersionRecord, VersionState
from model_steward.models.policy import Policy

S = VersionState
RUNS = Transition(state=S.IN_PROGRESS, replaces=(None, S.IN_PROGRESS))
ENDS_BADLY = Transition(state=S.FAILED, replaces=(None, S.IN_PROGRESS), alert=True)
LIVE = Policy(dry_run=False, cooldown_hours=0)


def stored(state: VersionState | None, **values: Any) -> VersionRecord | None:
    if state is None:
        return None
    fields: dict[str, Any] = {
        "model_name": "pump-01",
        "version": 5,
        "state": state,
        "status": "SUCCESS",
        "first_seen_at": NOW - timedelta(days=1),
        "updated_at": NOW - timedelta(days=1),
    }
    fields.update(values)
    return VersionRecord.model_validate(fields)


HOLD_DUE = {"outcome": "HOLD", "revisit_at": NOW - timedelta(minutes=1)}
HOLD_LATER = {"outcome": "HOLD", "revisit_at": NOW + timedelta(hours=1)}


@pytest.mark.parametrize(
    ("state", "values", "open_"),
    [
        (None, {}, True),
        (S.IN_PROGRESS, {}, True),
        (S.PROMOTING, {}, True),
        (S.DECIDED, HOLD_DUE, True),
        (S.DECIDED, HOLD_LATER, False),
        (S.DECIDED, {"outcome": "HOLD"}, False),
        (S.DECIDED, {"outcome": "REJECT", "revisit_at": NOW - timedelta(minutes=1)}, False),
        (S.PROMOTED, {}, False),
        (S.FAILED, {}, False),
        (S.SUPERSEDED, {}, False),
        (S.BASELINE, {}, False),
    ],
)
def test_which_records_are_still_open(
    state: VersionState | None, values: dict[str, Any], open_: bool
) -> None:
    assert versions.is_open(stored(state, **values), NOW) is open_


BASELINE = Transition(describe=True, baseline=True)  # described, then the baseline unless running
DESCRIBE = Transition(describe=True)


@pytest.mark.parametrize(
    ("state", "first_sight", "version", "active", "decide_existing", "expected"),
    [
        # First sight: every existing version is a baseline candidate, newer than the active one or not.
        (None, True, 1, 2, False, BASELINE),
        (None, True, 2, 2, False, BASELINE),
        (None, True, 3, 2, False, BASELINE),
        (None, True, 1, None, False, BASELINE),
        # Unless the deployment decides existing versions: then only those up to the active one.
        (None, True, 2, 2, True, BASELINE),
        (None, True, 3, 2, True, DESCRIBE),
        (None, True, 1, None, True, DESCRIBE),
        (None, False, 1, 2, False, DESCRIBE),
        (S.IN_PROGRESS, True, 1, 2, False, DESCRIBE),
        (S.PROMOTED, False, 3, 2, False, versions.NOTHING),
        (S.FAILED, False, 3, 2, False, versions.NOTHING),
    ],
)
def test_a_listed_version_is_skipped_baselined_or_described(
    state: VersionState | None,
    first_sight: bool,
    version: int,
    active: int | None,
    decide_existing: bool,
    expected: Transition,
) -> None:
    step = versions.on_listed(
        stored(state),
        version=version,
        now=NOW,
        first_sight=first_sight,
        active_version=active,
        decide_existing=decide_existing,
    )
    assert step == expected


DECISION_JSON = decide(version_facts(), model_facts(), LIVE, NOW).model_dump_json()


@pytest.mark.parametrize(
    ("state", "status", "active", "expected"),
    [
        (None, "IN_PROGRESS", 4, Transition(state=S.IN_PROGRESS, replaces=(None, S.IN_PROGRESS))),
        (
            S.IN_PROGRESS,
            "IMPORT_IN_PROGRESS",
            4,
            Transition(state=S.IN_PROGRESS, replaces=(None, S.IN_PROGRESS)),
        ),
        (None, "FAILED", 4, Transition(state=S.FAILED, replaces=(None, S.IN_PROGRESS), alert=True)),
        (
            S.IN_PROGRESS,
            "CANCELED",
            4,
            Transition(state=S.FAILED, replaces=(None, S.IN_PROGRESS), alert=True),
        ),
        (None, "SUCCESS", 4, Transition(decide=True)),
        (S.PROMOTING, "SUCCESS", 5, Transition(state=S.PROMOTING, promote=True)),
        (S.PROMOTING, "SUCCESS", 4, Transition(decide=True)),
    ],
)
def test_a_described_version_runs_fails_finishes_its_promotion_or_goes_to_the_policy(
    state: VersionState | None, status: str, active: int, expected: Transition
) -> None:
    record = stored(state, decision_json=DECISION_JSON if state is S.PROMOTING else None)
    facts = version_facts(
        status=status, model_quality=None if status != "SUCCESS" else "QUALITY_THRESHOLD_MET"
    )

    assert versions.on_facts(record, facts, model_facts(active_version=active)) == expected


@pytest.mark.parametrize(
    ("state", "replaces"),
    [
        (None, (None, S.IN_PROGRESS)),
        (S.IN_PROGRESS, (None, S.IN_PROGRESS)),
        (S.PROMOTING, (None, S.IN_PROGRESS, S.PROMOTING)),
        (S.DECIDED, (None, S.IN_PROGRESS, S.DECIDED)),
        (S.PROMOTED, (None, S.IN_PROGRESS)),
    ],
)
def test_a_decision_replaces_only_open_records(state: VersionState | None, replaces: tuple[Any, ...]) -> None:
    assert versions.replaceable(stored(state)) == replaces


@pytest.mark.parametrize(
    ("version", "candidate", "superseded", "active", "mode", "state", "outcome", "decide_", "alert"),
    [
        (5, 6, True, 4, "MANUAL", S.SUPERSEDED, versions.SUPERSEDED, False, False),
        (6, 6, False, 4, "MANUAL", None, None, True, False),
        (4, 6, False, 4, "MANUAL", S.DECIDED, versions.ACTIVATED_ELSEWHERE, False, False),
        (4, None, False, 4, None, S.DECIDED, versions.ACTIVATED_ELSEWHERE, False, False),
        (4, 6, False, 4, "MANAGED", None, None, True, False),
        (3, None, False, 4, "MANUAL", None, None, True, False),
    ],
)
def test_a_success_once_the_candidate_is_chosen(
    version: int,
    candidate: int | None,
    superseded: bool,
    active: int,
    mode: str | None,
    state: VersionState | None,
    outcome: str | None,
    decide_: bool,
    alert: bool,
) -> None:
    step = versions.on_choice(
        None,
        version_facts(version=version),
        model_facts(active_version=active, promote_mode=mode),
        candidate=candidate,
        superseded=superseded,
    )
    assert (step.state, step.outcome, step.decide, step.alert) == (state, outcome, decide_, alert)


def decision_for(
    *, cooldown_hours: float = 0, dry_run: bool = False, **facts: Any
) -> tuple[Decision, Policy]:
    policy = Policy(dry_run=dry_run, cooldown_hours=cooldown_hours)
    model = model_facts(active_version_activated_at=NOW - timedelta(hours=2))
    return decide(version_facts(**facts), model, policy, NOW), policy


def test_the_candidate_the_policy_promotes_goes_to_the_promotion_protocol() -> None:
    decision, policy = decision_for()

    step = versions.on_decision(stored(S.IN_PROGRESS), decision, model_facts(), policy, candidate=True)

    assert step == Transition(state=S.PROMOTING, replaces=(None, S.IN_PROGRESS), promote=True)


def test_a_promote_verdict_for_a_version_that_is_not_the_candidate_is_only_recorded() -> None:
    decision, policy = decision_for()

    step = versions.on_decision(None, decision, model_facts(), policy, candidate=False)

    assert (step.state, step.promote, step.alert) == (S.DECIDED, False, True)


def test_a_hold_only_for_the_cooldown_is_revisited_when_the_cooldown_ends() -> None:
    model = model_facts(active_version_activated_at=NOW - timedelta(hours=2))
    decision, policy = decision_for(cooldown_hours=24)
    assert decision.outcome is Outcome.HOLD

    step = versions.on_decision(None, decision, model, policy, candidate=True)

    assert (step.state, step.alert, step.revisit_at) == (S.DECIDED, True, NOW + timedelta(hours=22))


@pytest.mark.parametrize(
    "facts",
    [
        {"model_metrics": metrics_json(num_identified=2)},  # rejected as well: nothing to wait for
        {"model_quality": "CANNOT_DETERMINE_QUALITY"},  # held for a person too
    ],
)
def test_a_hold_for_more_than_the_cooldown_is_not_revisited(facts: dict[str, Any]) -> None:
    model = model_facts(active_version_activated_at=NOW - timedelta(hours=2))
    decision, policy = decision_for(cooldown_hours=24, **facts)

    step = versions.on_decision(None, decision, model, policy, candidate=True)

    assert step.revisit_at is None


def test_an_unusable_policy_document_holds_what_the_rules_would_promote() -> None:
    promote, _ = decision_for()
    would, _ = decision_for(dry_run=True)
    reject, _ = decision_for(model_metrics=metrics_json(num_identified=2))

    assert versions.held_if(promote, "bad document").outcome is Outcome.HOLD
    assert versions.held_if(would, "bad document").outcome is Outcome.HOLD
    assert versions.held_if(reject, "bad document") == reject
    assert versions.held_if(promote, None) == promote


def test_the_model_is_revisited_now_while_a_version_runs_else_at_the_earliest_revisit() -> None:
    later = NOW + timedelta(hours=5)
    running = [stored(S.IN_PROGRESS, version=7), stored(S.DECIDED, version=6, **HOLD_LATER)]
    waiting = [stored(S.DECIDED, version=6, outcome="HOLD", revisit_at=later), stored(S.PROMOTED, version=5)]
    closed = [stored(S.PROMOTED, version=5)]

    assert versions.model_revisit([r for r in running if r], NOW) == NOW
    assert versions.open_versions([r for r in running if r]) == (6, 7)
    assert versions.model_revisit([r for r in waiting if r], NOW, NOW + timedelta(hours=9)) == later
    assert versions.model_revisit([r for r in closed if r], NOW) is None
    assert versions.model_revisit([r for r in closed if r], NOW, later) == later
