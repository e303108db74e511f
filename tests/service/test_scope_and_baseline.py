"""What the evaluate flow may act on: only watched models, only versions that appear after a model
is first seen (unless the deployment decides existing ones), and a deleted model is said once."""

from __future__ import annotations

import json

from model_steward.domain.samples import metrics_json
from model_steward.models.ledger import VersionState, model_pk
from tests.service.conftest import World, watch_settings

GOOD = metrics_json(num_labeled=8, num_identified=7, unknown=4)
PRIOR = metrics_json(num_labeled=8, num_identified=6, unknown=4)


def state(world: World, name: str, version: int) -> VersionState:
    found = world.ledger.version(name, version)
    assert found is not None, f"{name} v{version} has no record"
    return found.state


def test_a_request_for_an_unwatched_model_is_refused_before_the_registry_is_asked(world: World) -> None:
    # Given a deployment that watches pump-01 only, and a forged message naming compressor-07
    world.settings = watch_settings(WATCHED_MODELS="pump-01")
    world.registry.seed_model("compressor-07", scheduler="MANUAL")
    world.registry.add_version("compressor-07", activate=True)
    world.registry.add_version("compressor-07", model_metrics=GOOD, prior_model_metrics=PRIOR)

    # When it is evaluated, twice
    first = world.evaluate("compressor-07", reasons=("summary-changed",))
    second = world.evaluate("compressor-07")

    # Then nothing was read or activated, nothing recorded but one alert, sent once
    assert first.refused == second.refused == "not watched"
    assert world.registry.calls == []
    assert world.registry.active_version("compressor-07") == 1
    assert world.ledger.records == {}
    (alert,) = world.ledger.alerts(model_pk("compressor-07"))
    assert world.topic.kinds() == ["CONFIGURATION_PROBLEM"]
    sent = world.topic.published[0]
    assert "does not watch it" in sent.summary
    assert any("WatchedModels=pump-01" in reason for reason in sent.reasons)
    assert alert.alert_id == sent.alert_id


def test_every_version_a_model_has_when_first_seen_is_its_baseline_even_a_newer_one(world: World) -> None:
    # Given a model whose version 2, newer than the active version 1 and better, exists already
    world.registry.seed_model("pump-01", scheduler="MANUAL")
    world.registry.add_version("pump-01", activate=True)
    world.registry.add_version("pump-01", model_metrics=GOOD, prior_model_metrics=PRIOR)

    # When Model Steward sees the model for the first time
    world.tick()

    # Then both versions are the baseline, with their status: nothing is decided, activated or alerted
    assert [state(world, "pump-01", v) for v in (1, 2)] == [VersionState.BASELINE] * 2
    assert {record.status for record in world.ledger.versions("pump-01")} == {"SUCCESS"}
    assert world.registry.active_version("pump-01") == 1
    assert world.registry.call_count("activate") == 0
    assert world.topic.published == []

    # And a version that appears afterwards is decided as usual
    version = world.retrain("pump-01", model_metrics=GOOD, prior_model_metrics=PRIOR)
    world.tick()
    assert world.registry.active_version("pump-01") == version


def test_deciding_existing_versions_is_an_opt_in(world: World) -> None:
    world.decide_existing = True
    world.registry.seed_model("pump-01", scheduler="MANUAL")
    world.registry.add_version("pump-01", activate=True)
    newer = world.registry.add_version("pump-01", model_metrics=GOOD, prior_model_metrics=PRIOR)

    world.tick()

    assert state(world, "pump-01", 1) is VersionState.BASELINE
    assert state(world, "pump-01", newer) is VersionState.PROMOTED
    assert world.topic.kinds() == ["PROMOTED"]


def test_a_model_first_seen_without_versions_decides_its_first_version(world: World) -> None:
    # Given a model whose first training is still running when it is first seen
    world.registry.seed_model("pump-new", scheduler="MANUAL")
    world.tick()
    assert world.ledger.versions("pump-new") == []

    # When its first version arrives
    world.registry.add_version("pump-new", model_metrics=GOOD, prior_model_metrics=None)
    world.tick()

    # Then it is decided (the first sight was the empty model), not taken as a baseline
    assert state(world, "pump-new", 1) is VersionState.DECIDED


def test_a_model_deleted_after_the_tick_is_recorded_and_alerted_once_not_retried(world: World) -> None:
    world.seed_active_model("pump-01")
    world.retrain("pump-01", model_metrics=GOOD, prior_model_metrics=PRIOR)
    del world.registry.models["pump-01"]

    first = world.evaluate("pump-01", reasons=("summary-changed",))
    second = world.evaluate("pump-01", reasons=("summary-changed",))

    assert first.refused == second.refused == "no longer exists"
    (alert,) = world.topic.published
    assert alert.kind == "CONFIGURATION_PROBLEM"
    assert "pump-01 no longer exists" in alert.summary
    assert "does not exist" in json.dumps(alert.reasons)
    assert [a.alert_id for a in world.ledger.alerts(model_pk("pump-01"))] == [alert.alert_id]


def test_a_version_still_training_when_the_model_is_first_seen_is_followed_and_decided(world: World) -> None:
    # Given a model first seen while a retraining runs (or an import Model Steward asked for)
    world.registry.seed_model("pump-01", scheduler="MANUAL")
    world.registry.add_version("pump-01", activate=True)
    running = world.registry.start_retraining("pump-01")
    world.tick()
    assert state(world, "pump-01", 1) is VersionState.BASELINE
    assert state(world, "pump-01", running) is VersionState.IN_PROGRESS

    # When it finishes, better
    world.registry.finish_retraining("pump-01", running, model_metrics=GOOD, prior_model_metrics=PRIOR)
    world.tick()

    # Then it is news that arrived after the model was watched: decided, and promoted
    assert state(world, "pump-01", running) is VersionState.PROMOTED
