"""A world of in-memory fakes for the service suite: the registry, the ledger, both alert channels,
the evaluate queue and the policy document, with a clock the test moves."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from model_steward.models.messages import EvaluateRequest
from model_steward.models.policy import Policy
from model_steward.models.settings import WatchSettings
from model_steward.observability import metrics
from model_steward.service.alerting import Alerter
from model_steward.service.evaluate import EvaluateService, Evaluation, PolicySource
from model_steward.service.watch import TickReport, WatchService
from tests.fakes.channels import FakeEvaluateQueue, FakePolicyDocument, FakePublisher
from tests.fakes.ledger import FakeLedger
from tests.fakes.registry import FakeRegistry

START = datetime(2026, 11, 22, 9, 15, tzinfo=UTC)
TOPIC_ARN = "arn:aws:sns:eu-west-1:123456789012:model-steward-alerts"


def watch_settings(**values: Any) -> WatchSettings:
    return WatchSettings.model_validate(
        {
            "ENVIRONMENT": "dev",
            "LEDGER_TABLE_NAME": "ledger",
            "ALERT_TOPIC_ARN": TOPIC_ARN,
            "AWS_REGION": "eu-west-1",
            "EVALUATE_QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/123456789012/evaluate",
            # Nothing is watched unless the deployment says so: these worlds watch every model,
            # unless a test names models or a prefix.
            "WATCH_ALL_MODELS": "false"
            if {"WATCHED_MODELS", "WATCHED_MODEL_PREFIX"} & set(values)
            else "true",
            **values,
        }
    )


@dataclass
class World:
    now: datetime = START
    policy: Policy = field(default_factory=lambda: Policy(dry_run=False, cooldown_hours=0))
    settings: WatchSettings = field(default_factory=watch_settings)
    ledger: FakeLedger = field(default_factory=FakeLedger)
    topic: FakePublisher = field(default_factory=FakePublisher)
    chatbot: FakePublisher = field(default_factory=lambda: FakePublisher(name="chatbot"))
    queue: FakeEvaluateQueue = field(default_factory=FakeEvaluateQueue)
    document: FakePolicyDocument | None = None
    decide_existing: bool = False

    def __post_init__(self) -> None:
        self.registry = FakeRegistry(clock=lambda: self.now)

    def advance(self, delta: timedelta) -> None:
        self.now += delta

    def alerter(self) -> Alerter:
        return Alerter(
            self.ledger, self.topic, self.chatbot, digest_threshold=self.settings.alert_digest_threshold
        )

    def watch(self) -> WatchService:
        return WatchService(
            self.settings,
            self.ledger,
            self.registry,
            self.queue,
            self.alerter(),
            policy_document=self.document,
        )

    def evaluator(self) -> EvaluateService:
        return EvaluateService(
            ledger=self.ledger,
            registries={self.registry.registry_id: self.registry},
            policies=PolicySource(self.policy, self.document),
            alerter=self.alerter(),
            watches=self.settings.watches,
            scope=self.settings.scope(),
            decide_existing=self.decide_existing,
        )

    def evaluate(self, name: str, **request: Any) -> Evaluation:
        return self.evaluator().evaluate(EvaluateRequest(model_name=name, **request), self.now)

    def tick(self, kind: str = "tick") -> TickReport:
        """One watch tick, then every queued request evaluated (as the evaluate function would)."""
        self.queue.sent.clear()
        report = self.watch().tick(now=self.now, full_sweep=kind == "full-sweep")
        for request in list(self.queue.sent):
            self.evaluator().evaluate(request, self.now)
        return report

    def seed_active_model(self, name: str, **seed: Any) -> int:
        """A model with version 1 active, seen once by Model Steward (version 1 is its baseline)."""
        self.registry.seed_model(name, scheduler=seed.pop("scheduler", "MANUAL"), **seed)
        version = self.registry.add_version(name, activate=True)
        self.tick()
        self.topic.published.clear()
        return version

    def retrain(self, name: str, **finish: Any) -> int:
        version = self.registry.start_retraining(name)
        self.registry.finish_retraining(name, version, **finish)
        return version


@pytest.fixture(autouse=True)
def _no_metrics_left_over() -> Iterator[None]:
    """Metrics accumulate per process until a handler flushes them; no handler runs here."""
    metrics.clear_metrics()
    yield
    metrics.clear_metrics()


@pytest.fixture
def world() -> World:
    return World()
