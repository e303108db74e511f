"""Scenario helpers for the retraining-watch tests: a fleet in the emulator, ticks, an alert inbox."""

from __future__ import annotations

from typing import Any

from emulators.samples import metrics_json, unlabelled_metrics_json
from emulators.stack import DrainResult, LocalStack
from model_steward.adapters.ledger import DynamoLedger
from model_steward.models.ledger import VersionRecord
from tests.aws import Inbox
from tests.aws import subscribe_inbox as aws_subscribe

GOOD = metrics_json(num_labeled=8, num_identified=7, unknown=4)
PRIOR = metrics_json(num_labeled=8, num_identified=6, unknown=4)
WORSE = metrics_json(num_labeled=8, num_identified=4, unknown=12)
UNLABELLED = unlabelled_metrics_json(unknown=5, ranges=3)
#: The event of one EventBridge schedule tick, as the watch function receives it.
TICK = {"kind": "tick", "scheduled_time": "2026-11-22T09:15:00Z", "attempt": "1"}


def tick(stack: LocalStack, kind: str = "tick", *, retry_failed_now: bool = True) -> DrainResult:
    """One scheduler tick of the watch function, then the evaluate queue drained as Lambda would."""
    stack.invoke("WatchFunction", {**TICK, "kind": kind})
    return stack.drain("EvaluateFunction", retry_failed_now=retry_failed_now)


def seed_active_model(
    stack: LocalStack, name: str, *, scheduler: str = "MANUAL", labelled: bool = True
) -> None:
    """A model with version 1 active, seen once by Model Steward (so version 1 is its baseline)."""
    stack.lookout.seed_model(name, scheduler=scheduler, labelled=labelled)
    stack.lookout.add_version(name, model_metrics=PRIOR if labelled else UNLABELLED, activate=True)


def retrain(stack: LocalStack, name: str, **finish: Any) -> int:
    """A scheduled retraining run that ends as ``finish`` says (status, metrics, quality...)."""
    version = stack.lookout.start_retraining(name)
    stack.lookout.finish_retraining(name, version, **finish)
    return version


def ledger(stack: LocalStack) -> DynamoLedger:
    return DynamoLedger(stack.resources["LedgerTable"])


def record(stack: LocalStack, name: str, version: int) -> VersionRecord:
    found = ledger(stack).version(name, version)
    assert found is not None, f"{name} v{version} has no ledger record"
    return found


def updates_of(stack: LocalStack, name: str) -> list[int]:
    """The versions of ``name`` that UpdateActiveModelVersion activated, in order."""
    return [
        c.params["ModelVersion"]
        for c in stack.lookout.calls
        if c.operation == "UpdateActiveModelVersion" and c.params["ModelName"] == name and c.status == 200
    ]


def subscribe_inbox(stack: LocalStack, name: str = "alert-inbox") -> Inbox:
    """An inbox on the deployed alert topic."""
    return aws_subscribe(stack.client("sns"), stack.client("sqs"), stack.outputs["AlertTopicArn"], name)
