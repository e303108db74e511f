"""The prod configuration in samconfig.toml, deployed as shipped, promotes nothing until the
operator opts in: nothing is watched, a forged request is refused, and once models are named,
versions that already exist are their baseline and dry run only says what it would do."""

from __future__ import annotations

import json
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from emulators.stack import ROOT, LocalStack
from tests.integration.retraining import GOOD, PRIOR, TICK, ledger, record, retrain, subscribe_inbox, tick


def prod_parameters() -> dict[str, str]:
    config = tomllib.loads(Path(ROOT / "samconfig.toml").read_text())
    overrides = config["prod"]["deploy"]["parameters"]["parameter_overrides"]
    return dict(item.split("=", 1) for item in overrides)


def activations(stack: LocalStack) -> list[tuple[str, int]]:
    return [
        (c.params["ModelName"], c.params["ModelVersion"])
        for c in stack.lookout.calls
        if c.operation == "UpdateActiveModelVersion" and c.status == 200
    ]


def a_fleet_with_better_versions_waiting(stack: LocalStack) -> None:
    """pump-01 and pump-02: version 1 active for a month (past any cooldown), version 2 trained
    since and better."""
    month_ago = datetime.now(UTC) - timedelta(days=30)
    stack.lookout._clock = lambda: month_ago  # the emulator's clock, while the past is seeded
    try:
        for name in ("pump-01", "pump-02"):
            stack.lookout.seed_model(name, scheduler="MANUAL")
            stack.lookout.add_version(name, model_metrics=PRIOR, activate=True)
            stack.lookout.add_version(name, model_metrics=GOOD, prior_model_metrics=PRIOR)
    finally:
        stack.lookout._clock = lambda: datetime.now(UTC)


def test_the_prod_configuration_never_turns_dry_run_off_and_watches_nothing() -> None:
    parameters = prod_parameters()
    assert parameters["DryRun"] == "true"
    assert not {"WatchedModels", "WatchedModelPrefix", "WatchAllModels"} & set(parameters)


def test_deployed_as_shipped_nothing_is_evaluated_or_activated_and_a_forged_request_is_refused() -> None:
    with LocalStack(prod_parameters()) as stack:
        inbox = subscribe_inbox(stack)
        a_fleet_with_better_versions_waiting(stack)

        report = stack.invoke("WatchFunction", TICK)
        # Someone with send rights queues pump-01 directly.
        body = json.dumps({"model_name": "pump-01", "reasons": ["summary-changed"]})
        stack.client("sqs").send_message(QueueUrl=stack.resources["EvaluateQueue"], MessageBody=body)
        drained = stack.drain("EvaluateFunction")

        assert (report["watched"], report["queued"]) == (0, [])
        assert (drained.delivered, drained.failed) == (1, 0)  # refused, not retried
        assert activations(stack) == []
        assert ledger(stack).versions("pump-01") == []
        assert {c.operation for c in stack.lookout.calls} == {"ListModels"}  # the evaluate role read nothing
        (refusal,) = [a["alert"] for a in inbox.read()]
        assert refusal["model_name"] == "pump-01"
        assert "does not watch it" in refusal["summary"]


def test_once_models_are_named_existing_versions_are_the_baseline_and_dry_run_only_says_so() -> None:
    with LocalStack({**prod_parameters(), "WatchedModels": "pump-01"}) as stack:
        inbox = subscribe_inbox(stack)
        a_fleet_with_better_versions_waiting(stack)

        tick(stack)
        # Version 2 existed before Model Steward saw pump-01: the baseline, even though it is better.
        assert [r.state.value for r in ledger(stack).versions("pump-01")] == ["BASELINE", "BASELINE"]
        new = retrain(stack, "pump-01", model_metrics=GOOD, prior_model_metrics=PRIOR)
        tick(stack)

        assert activations(stack) == []
        assert [stack.lookout.active_version(n) for n in ("pump-01", "pump-02")] == [1, 1]
        assert record(stack, "pump-01", new).outcome == "WOULD_PROMOTE"
        assert [a["alert"]["kind"] for a in inbox.read()] == ["WOULD_PROMOTE"]
        assert ledger(stack).versions("pump-02") == []  # not named: not watched
