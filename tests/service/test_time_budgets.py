"""Every flow knows its remaining time: the watch tick queues first and retries pending alerts only
with the time left, one alert at a time; an evaluation is not started without time for it."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from model_steward.domain.budget import Budget
from model_steward.errors import OutOfTime, TransientError
from model_steward.models.alerts import Alert
from model_steward.models.messages import EvaluateRequest
from model_steward.service.alerting import Alerter
from model_steward.service.evaluate import RECORD_SECONDS
from model_steward.service.watch import WatchService
from tests.fakes.channels import FakePublisher
from tests.service.conftest import World

SNS_WORST_CASE = 24.0  # adapters.aws: 3 attempts of 7 s and waits of 1 + 2 s
PER_ALERT = 48.0  # compose.seconds_per_alert: lease 12 s + publish 24 s + mark sent 12 s


@dataclass
class LambdaClock:
    """The Lambda context's remaining time, moved by what the fakes say they spent."""

    timeout: float
    spent: float = 0.0

    def remaining_ms(self) -> int:
        return max(0, int((self.timeout - self.spent) * 1000))


@dataclass
class SnsDown(FakePublisher):
    """Every publish hangs for the client's worst case, then fails."""

    clock: LambdaClock = field(default_factory=lambda: LambdaClock(120))
    down: bool = True
    attempts: int = 0

    def publish(self, alert: Alert) -> str:
        self.attempts += 1
        if self.down:
            self.clock.spent += SNS_WORST_CASE
            raise TransientError("Publish: ReadTimeoutError (SNS unreachable)")
        return super().publish(alert)


def ten_pending_alerts(world: World, topic: SnsDown) -> list[str]:
    world.topic = topic
    names = [f"pump-{i:02d}" for i in range(10)]
    for name in names:
        world.seed_active_model(name)
    for name in names:
        world.retrain(name)
    world.tick()  # ten promotions; SNS refuses every alert
    assert len(world.ledger.pending_alerts()) == 10
    return names


def watch(world: World, clock: LambdaClock) -> WatchService:
    budget = Budget(clock.remaining_ms)
    alerter = Alerter(world.ledger, world.topic, world.chatbot, budget=budget, seconds_per_alert=PER_ALERT)
    return WatchService(world.settings, world.ledger, world.registry, world.queue, alerter, budget=budget)


def test_with_sns_down_a_tick_queues_every_model_first_and_stops_retrying_in_time(world: World) -> None:
    topic = SnsDown()
    ten_pending_alerts(world, topic)
    news = [f"comp-{i}" for i in range(3)]
    for name in news:
        world.seed_active_model(name)
    for name in news:
        world.retrain(name)
    clock = topic.clock = LambdaClock(timeout=120)
    topic.attempts = 0
    world.queue.sent.clear()

    report = watch(world, clock).tick(now=world.now)

    assert sorted(world.queue.names()) == news  # queued before any alert was tried
    assert clock.spent <= 120 - 5  # ended before its timeout, and its margin
    assert topic.attempts == report.alerts_still_pending == 3  # 115 s fit three 24 s failures
    assert report.alerts_deferred == 7
    assert len(world.ledger.pending_alerts()) == 10  # nothing lost


def test_after_the_outage_every_pending_alert_is_delivered_once(world: World) -> None:
    topic = SnsDown()
    names = ten_pending_alerts(world, topic)
    topic.down = False

    for _ in range(2):
        watch(world, LambdaClock(timeout=120)).tick(now=world.now)

    assert sorted(alert.model_name or "" for alert in topic.published) == names
    assert world.ledger.pending_alerts() == []


def test_an_evaluation_is_not_started_without_time_for_it(world: World) -> None:
    world.seed_active_model("pump-01")
    world.retrain("pump-01")
    calls = len(world.registry.calls)
    clock = LambdaClock(timeout=120, spent=120 - 5 - RECORD_SECONDS + 1)
    service = world.evaluator()
    late = type(service)(**{**service.__dict__, "budget": Budget(clock.remaining_ms)})

    with pytest.raises(OutOfTime, match="evaluation of pump-01 not started"):
        late.evaluate_message(EvaluateRequest(model_name="pump-01").model_dump_json())

    assert len(world.registry.calls) == calls
    clock.spent -= 1
    assert late.evaluate_message(EvaluateRequest(model_name="pump-01").model_dump_json())["promoted"] == 2
