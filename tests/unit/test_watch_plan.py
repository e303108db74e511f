"""Which models a tick queues: only those with news, so an idle tick costs one sweep."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from model_steward.adapters.lookout import summary_fingerprint
from model_steward.domain.watch import plan_tick
from model_steward.models.ledger import ModelState

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def summary(
    name: str, *, active: int = 1, latest: int | None = None, status: str | None = None
) -> dict[str, object]:
    return {
        "ModelName": name,
        "Status": "SUCCESS",
        "ActiveModelVersion": active,
        "LatestScheduledRetrainingModelVersion": latest,
        "LatestScheduledRetrainingStatus": status,
        "RetrainingSchedulerStatus": "RUNNING",
    }


def plan(summaries, states, *, full_sweep=False, explicit=(), watches=lambda name: True):
    pairs = [(s["ModelName"], summary_fingerprint(s)) for s in summaries]
    return plan_tick(
        pairs, states, watches=watches, explicit_names=explicit, now=NOW, full_sweep=full_sweep, tick_id="t-1"
    )


def seen(s: dict[str, object], **changes: object) -> ModelState:
    return ModelState(model_name=str(s["ModelName"]), summary_fingerprint=summary_fingerprint(s), **changes)


def test_given_nothing_changed_when_planning_then_nothing_is_queued() -> None:
    fleet = [summary(f"pump-{i}") for i in range(3)]

    result = plan(fleet, {s["ModelName"]: seen(s) for s in fleet})

    assert result.requests == []
    assert result.watched == 3


def test_given_a_finished_retraining_when_planning_then_only_that_model_is_queued_with_why() -> None:
    before = summary("pump-1", latest=2, status="IN_PROGRESS")
    after = summary("pump-1", latest=2, status="SUCCESS")
    quiet = summary("pump-2")

    result = plan([after, quiet], {"pump-1": seen(before), "pump-2": seen(quiet)})

    (request,) = result.requests
    assert request.model_name == "pump-1"
    assert request.reasons == ("summary-changed",)
    assert request.fingerprint == summary_fingerprint(after)
    assert request.tick_id == "t-1"


def test_given_a_model_never_seen_or_a_revisit_due_then_it_is_queued() -> None:
    due = summary("pump-due")
    later = summary("pump-later")
    states = {
        "pump-due": seen(due, revisit_at=NOW - timedelta(minutes=1)),
        "pump-later": seen(later, revisit_at=NOW + timedelta(hours=3)),
    }

    result = plan([summary("pump-new"), due, later], states)

    assert {(r.model_name, r.reasons) for r in result.requests} == {
        ("pump-new", ("new-model",)),
        ("pump-due", ("revisit-due",)),
    }


def test_given_the_full_sweep_then_every_watched_model_is_queued_and_unwatched_ones_are_not() -> None:
    fleet = [summary("pump-1"), summary("comp-1")]

    result = plan(
        fleet,
        {s["ModelName"]: seen(s) for s in fleet},
        full_sweep=True,
        watches=lambda n: n.startswith("pump"),
    )

    assert [(r.model_name, r.reasons) for r in result.requests] == [("pump-1", ("full-sweep",))]
    assert result.watched == 1


def test_given_an_explicit_name_the_service_does_not_return_then_it_is_reported_missing() -> None:
    result = plan([summary("pump-1")], {}, explicit=("pump-1", "pump-typo"))

    assert result.missing == ["pump-typo"]
