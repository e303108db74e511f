"""The watch tick on in-memory fakes: one listing, one request per watched model with news."""

from __future__ import annotations

from datetime import timedelta

from model_steward.domain.samples import metrics_json
from model_steward.errors import TransientError
from tests.service.conftest import World, watch_settings

GOOD = metrics_json(num_labeled=8, num_identified=7, unknown=4)
PRIOR = metrics_json(num_labeled=8, num_identified=6, unknown=4)
WORSE = metrics_json(num_labeled=8, num_identified=4, unknown=12)


def test_a_new_model_is_queued_once_and_an_idle_tick_costs_one_listing(world: World) -> None:
    world.registry.seed_model("pump-01", scheduler="MANUAL")
    world.registry.add_version("pump-01", activate=True)

    first = world.tick()

    assert first.queued == ["pump-01"]
    (request,) = world.queue.sent
    assert (request.reasons, request.registry, request.tick_id) == (
        ("new-model",),
        "lookout-equipment",
        first.tick_id,
    )
    calls_before = len(world.registry.calls)

    idle = world.tick()

    assert idle.queued == []
    assert [c.operation for c in world.registry.calls[calls_before:]] == ["list_models"]


def test_news_in_the_listing_queues_the_model_with_its_fingerprint(world: World) -> None:
    world.seed_active_model("pump-01")
    world.retrain("pump-01", model_metrics=GOOD, prior_model_metrics=PRIOR)

    report = world.tick()

    assert report.queued == ["pump-01"]
    (request,) = world.queue.sent
    assert request.reasons == ("summary-changed",)
    state = world.ledger.model_state("pump-01")
    assert state is not None
    assert state.summary_fingerprint == request.fingerprint


def test_the_full_sweep_queues_every_watched_model(world: World) -> None:
    world.seed_active_model("pump-01")
    world.seed_active_model("pump-02")

    report = world.tick("full-sweep")

    assert report.kind == "full-sweep"
    assert sorted(report.queued) == ["pump-01", "pump-02"]
    assert all("full-sweep" in r.reasons for r in world.queue.sent)


def test_only_a_prefix_alone_is_pushed_to_the_registry(world: World) -> None:
    world.registry.seed_model("pump-01")
    world.registry.seed_model("fan-01")
    world.settings = watch_settings(WATCHED_MODEL_PREFIX="pump-")

    world.tick()

    listings = [c.args for c in world.registry.calls if c.operation == "list_models"]
    assert listings == [("pump-",)]
    assert world.queue.names() == ["pump-01"]

    world.settings = watch_settings(WATCHED_MODEL_PREFIX="pump-", WATCHED_MODELS="fan-01")
    world.tick("full-sweep")

    assert ("",) in [c.args for c in world.registry.calls if c.operation == "list_models"]
    assert sorted(world.queue.names()) == ["fan-01", "pump-01"]


def test_an_explicitly_watched_model_that_does_not_exist_is_alerted_once_a_day(world: World) -> None:
    world.settings = watch_settings(WATCHED_MODELS="compressor-07")

    first = world.tick()
    world.tick()

    assert first.missing == ["compressor-07"]
    (alert,) = world.topic.published
    assert alert.kind == "CONFIGURATION_PROBLEM"
    assert "compressor-07" in alert.summary
    assert world.chatbot.published == [alert]

    world.advance(timedelta(days=1))
    world.tick()

    assert len(world.topic.published) == 2


def test_a_flood_of_news_defers_the_alerts_to_one_digest_on_the_next_tick(world: World) -> None:
    world.settings = watch_settings(ALERT_DIGEST_THRESHOLD="2")
    names = [f"pump-{i:02d}" for i in range(4)]
    for name in names:
        world.seed_active_model(name)
    for name in names:
        world.retrain(name, model_metrics=WORSE, prior_model_metrics=PRIOR)

    world.tick()

    assert all(request.defer_alerts for request in world.queue.sent)
    assert world.topic.published == []
    assert len(world.ledger.pending_alerts()) == 4

    world.tick()

    (digest,) = world.topic.published
    assert digest.kind == "DIGEST"
    assert len(digest.included_alert_ids) == 4
    assert world.chatbot.published == [digest]
    assert world.ledger.pending_alerts() == []


def test_an_alert_the_topic_refused_is_sent_by_the_next_tick(world: World) -> None:
    world.seed_active_model("pump-01")
    world.retrain("pump-01", model_metrics=WORSE, prior_model_metrics=PRIOR)
    world.topic.fail.append(TransientError("Publish: Throttled"))

    world.tick()

    assert world.topic.published == []
    (pending,) = world.ledger.pending_alerts()
    assert pending.last_error == "Publish: Throttled"

    report = world.tick()

    assert report.alerts_retried == 1
    assert world.topic.kinds() == ["REJECTED"]
    assert world.ledger.pending_alerts() == []
