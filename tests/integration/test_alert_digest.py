"""A busy tick sends one digest instead of a flood (SNS e-mail takes 10 messages a second)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from emulators.stack import LocalStack
from tests.integration.retraining import (
    GOOD,
    PRIOR,
    ledger,
    retrain,
    seed_active_model,
    subscribe_inbox,
    tick,
)


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    parameters = {
        "DryRun": "false",
        "PolicyCooldownHours": "0",
        "AlertDigestThreshold": "3",
        "WatchAllModels": "true",
    }
    with LocalStack(parameters) as deployed:
        yield deployed


def test_given_more_models_with_news_than_the_threshold_then_one_digest_carries_every_alert(
    stack: LocalStack,
) -> None:
    names = [f"line-{i}" for i in range(5)]
    for name in names:
        seed_active_model(stack, name)
    tick(stack)
    inbox = subscribe_inbox(stack)
    for name in names:
        retrain(stack, name, model_metrics=GOOD, prior_model_metrics=PRIOR)

    tick(stack)  # five models queued: their alerts wait for the digest
    assert inbox.read() == []
    assert len(ledger(stack).pending_alerts()) == 5

    tick(stack)  # the next tick sends them as one message

    (digest,) = inbox.read()
    assert digest["alert"]["kind"] == "DIGEST"
    assert sorted(digest["alert"]["included_alert_ids"]) == sorted(f"{name}#v2#PROMOTED" for name in names)
    assert ledger(stack).pending_alerts() == []
    tick(stack)
    assert inbox.read() == []


def test_given_fewer_models_than_the_threshold_then_alerts_go_out_one_by_one_at_once(
    stack: LocalStack,
) -> None:
    seed_active_model(stack, "line-quiet")
    tick(stack)
    inbox = subscribe_inbox(stack, "inbox-quiet")
    retrain(stack, "line-quiet", model_metrics=GOOD, prior_model_metrics=PRIOR)

    tick(stack)

    assert [a["alert"]["kind"] for a in inbox.read()] == ["PROMOTED"]
