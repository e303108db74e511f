"""The operator's commands through the local stack: history, status, promote, rollback, backtest."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from emulators.stack import LocalStack
from model_steward import cli
from model_steward.adapters.aws import reset_clients
from model_steward.models.decision import RuleId
from model_steward.models.ledger import VersionState
from tests.integration.conftest import OPERATOR_ARN
from tests.integration.retraining import (
    GOOD,
    PRIOR,
    UNLABELLED,
    WORSE,
    Inbox,
    ledger,
    record,
    retrain,
    seed_active_model,
    subscribe_inbox,
    tick,
)
from tests.unit.builders import metrics_json


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    # The backtest model (conveyor-12) is not watched: other tests' ticks must leave no trace of it.
    # Operators' manual actions alert at once when the stack names them among the alert publishers.
    parameters = {
        "DryRun": "false",
        "PolicyCooldownHours": "0",
        "WatchedModelPrefix": "pump-",
        "WatchedModels": "line-forced,line-rollback",
        "AlertPublisherArns": OPERATOR_ARN,
    }
    with LocalStack(parameters) as deployed:
        reset_clients()
        yield deployed
    reset_clients()


@pytest.fixture(scope="module")
def inbox(stack: LocalStack) -> Inbox:
    return subscribe_inbox(stack, "operator-inbox")


@pytest.fixture(scope="module")
def fleet(stack: LocalStack) -> dict[str, int]:
    """pump-ops: v1 baseline, v2 better (promoted), v3 worse (rejected); pump-fail: its retraining
    failed. Returns the versions by name."""
    seed_active_model(stack, "pump-ops")
    seed_active_model(stack, "pump-fail")
    tick(stack)
    better = retrain(stack, "pump-ops", model_metrics=GOOD, prior_model_metrics=PRIOR)
    tick(stack)
    worse = retrain(stack, "pump-ops", model_metrics=WORSE, prior_model_metrics=GOOD)
    failed = retrain(stack, "pump-fail", status="FAILED", failed_reason="Not enough valid data.")
    tick(stack)
    return {"better": better, "worse": worse, "failed": failed}


@pytest.fixture(autouse=True)
def _no_deployment_in_the_environment(
    monkeypatch: pytest.MonkeyPatch, stack: LocalStack, no_retry_backoff: None
) -> None:
    """No deployment named in the environment unless a test says so (and no sleep between
    botocore's retry attempts)."""
    for name in ("STEWARD_TABLE", "STEWARD_TOPIC", "STEWARD_STACK"):
        monkeypatch.delenv(name, raising=False)


def steward(stack: LocalStack, *args: str) -> int:
    return cli.main(
        [*args, "--table", stack.resources["LedgerTable"], "--topic", stack.outputs["AlertTopicArn"]]
    )


def steward_read(stack: LocalStack, *args: str) -> int:
    return cli.main([*args, "--table", stack.resources["LedgerTable"]])


@pytest.fixture
def no_cooldown(tmp_path: Path) -> str:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps({"version": 1, "defaults": {"cooldown_hours": 0}}))
    return str(path)


# ------------------------------------------------------------------------------------------ history


def test_given_a_retraining_round_when_history_then_newest_first_with_the_failing_rule(
    stack: LocalStack, fleet: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["history", "pump-ops", "--stack", stack.stack_name])

    out = capsys.readouterr().out
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith(f"pump-ops: active v{fleet['better']} since ")
    versions = [line.split()[0] for line in lines if line.startswith("v")]
    assert versions == [f"v{fleet['worse']}", f"v{fleet['better']}", "v1"]
    assert "[FAIL] event_recall" in out
    assert "[pass]" not in out  # only blocking results without --all


def test_given_all_when_history_as_json_then_every_rule_of_every_version(
    stack: LocalStack, fleet: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    code = steward_read(stack, "history", "pump-ops", "--json")

    history = json.loads(capsys.readouterr().out)
    assert code == 0
    worse, better = history["versions"][0], history["versions"][1]
    assert (worse["state"], worse["outcome"]) == ("DECIDED", "REJECT")
    assert (better["state"], better["outcome"]) == ("PROMOTED", "PROMOTE")
    assert better["promoted_at"] is not None
    assert len(worse["rule_results"]) == len(RuleId)


def test_given_an_unknown_model_when_history_then_exit_2_with_one_line(
    stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    code = steward_read(stack, "history", "pump-nowhere")

    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert "unknown model pump-nowhere" in err
    assert "Traceback" not in err


def test_given_no_deployment_named_when_history_then_exit_2_saying_what_to_pass(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = cli.main(["history", "pump-ops"])

    err = capsys.readouterr().err
    assert code == 2
    assert "--stack" in err
    assert err.count("\n") == 1


# ------------------------------------------------------------------------------------------- status


def test_given_a_failed_retraining_when_status_then_it_needs_a_person_and_exit_1(
    stack: LocalStack,
    fleet: dict[str, int],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STEWARD_STACK", stack.stack_name)

    code = cli.main(["status", "--prefix", "pump-"])

    out = capsys.readouterr().out
    assert code == 1
    rows = {line.split()[0]: line for line in out.splitlines()[1:] if line.startswith("pump-")}
    assert f"v{fleet['better']}" in rows["pump-ops"].split()[1]
    assert f"v{fleet['worse']} DECIDED" in rows["pump-ops"]
    assert "REJECT" in rows["pump-ops"]
    assert f"WARNING  pump-fail: The latest retraining (v{fleet['failed']}) FAILED" in out
    assert "WARNING retraining-failed" in rows["pump-fail"]


def test_given_status_as_json_then_one_entry_per_model_with_findings(
    stack: LocalStack, fleet: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    code = steward_read(stack, "status", "--json", "--prefix", "pump-")

    status = json.loads(capsys.readouterr().out)
    by_name = {m["model_name"]: m for m in status["models"]}
    assert code == 1
    assert status["needs_person"] is True
    assert status["severity"] == "WARNING"
    assert by_name["pump-ops"]["findings"] == []
    assert by_name["pump-ops"]["last_outcome"] == "REJECT"
    assert by_name["pump-ops"]["next_retraining"] is not None
    assert [f["code"] for f in by_name["pump-fail"]["findings"]] == ["retraining-failed"]


# ------------------------------------------------------------------------------------ promote/rollback


def test_given_a_failing_rule_when_promoted_then_refused_and_nothing_changes(
    stack: LocalStack, fleet: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    worse = fleet["worse"]

    code = steward(stack, "promote", "pump-ops", str(worse), "--reason", "try it", "--actor", "alice")

    out = capsys.readouterr().out
    assert code == 1
    assert "refused" in out
    assert "failing: [FAIL] event_recall" in out
    assert stack.lookout.active_version("pump-ops") == fleet["better"]
    assert record(stack, "pump-ops", worse).state is VersionState.DECIDED


def promoted_and_rejected(stack: LocalStack, name: str) -> dict[str, int]:
    """A model of its own (so that changing it changes nothing another test reads): v1 baseline,
    a better version promoted by the automation, a worse one rejected."""
    seed_active_model(stack, name)
    tick(stack)
    better = retrain(stack, name, model_metrics=GOOD, prior_model_metrics=PRIOR)
    tick(stack)
    worse = retrain(stack, name, model_metrics=WORSE, prior_model_metrics=GOOD)
    tick(stack)
    return {"better": better, "worse": worse}


def test_given_force_when_promoted_then_activated_recorded_with_actor_and_reason_and_alerted(
    stack: LocalStack, inbox: Inbox, capsys: pytest.CaptureFixture[str]
) -> None:
    versions = promoted_and_rejected(stack, "line-forced")
    inbox.read()

    code = steward(
        stack,
        "promote",
        "line-forced",
        str(versions["worse"]),
        "--force",
        "--actor",
        "alice",
        "--reason",
        "field trial",
    )

    out = capsys.readouterr().out
    assert code == 0, out
    assert stack.lookout.active_version("line-forced") == versions["worse"]
    forced = record(stack, "line-forced", versions["worse"])
    assert forced.state is VersionState.PROMOTED
    assert forced.actor == "alice"
    assert forced.outcome == "MANUAL_PROMOTE"
    assert "field trial" in (forced.note or "")
    assert "forced over: event_recall" in (forced.note or "")
    (alert,) = inbox.for_model("line-forced")
    assert alert["alert"]["kind"] == "MANUAL_ACTION"
    assert alert["alert"]["severity"] == "WARNING"
    assert "alice" in alert["alert"]["summary"]


def test_given_the_claim_is_held_when_rolled_back_then_refused_and_after_release_it_passes_the_guards(
    stack: LocalStack, inbox: Inbox, no_cooldown: str, capsys: pytest.CaptureFixture[str]
) -> None:
    versions = promoted_and_rejected(stack, "line-rollback")
    table = ledger(stack)
    now = datetime.now(UTC)
    assert table.claim_promotion(
        "line-rollback", versions["better"], "an-evaluation", now, timedelta(minutes=5)
    )
    inbox.read()

    held = steward(stack, "rollback", "line-rollback", "--reason", "false alarms", "--policy", no_cooldown)

    assert held == 1
    assert "holds its promotion claim" in capsys.readouterr().out
    assert stack.lookout.active_version("line-rollback") == versions["better"]
    table.release_promotion("line-rollback", "an-evaluation")
    stack.lookout.reset_calls()

    code = steward(stack, "rollback", "line-rollback", "--reason", "false alarms", "--policy", no_cooldown)

    out = capsys.readouterr().out
    assert code == 0, out
    assert "bypassed by the rollback: newer_than_active" in out
    assert stack.lookout.active_version("line-rollback") == 1
    assert [
        c.params["ModelVersion"] for c in stack.lookout.calls if c.operation == "UpdateActiveModelVersion"
    ] == [1]
    back = record(stack, "line-rollback", 1)
    assert back.state is VersionState.PROMOTED
    assert back.outcome == "MANUAL_ROLLBACK"
    assert back.actor.startswith("arn:aws:")  # the caller identity, from STS
    assert "bypassed (a rollback): newer_than_active" in (back.note or "")
    claim = stack.client("dynamodb").get_item(
        TableName=stack.resources["LedgerTable"],
        Key={"pk": {"S": "WATCH"}, "sk": {"S": "MODEL#line-rollback"}},
    )["Item"]
    assert "claim_id" not in claim  # released
    (alert,) = inbox.for_model("line-rollback")
    assert alert["alert"]["title"] == "line-rollback rolled back to v1"


def test_given_a_failed_version_when_promoted_then_exit_2_even_with_force(
    stack: LocalStack, fleet: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    code = steward(stack, "promote", "pump-fail", str(fleet["failed"]), "--force", "--reason", "x")

    err = capsys.readouterr().err
    assert code == 2
    assert "only a SUCCESS version can be activated" in err


def test_given_an_unknown_model_when_rolled_back_then_exit_2_one_line(
    stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    code = steward(stack, "rollback", "pump-nowhere", "--reason", "x", "--actor", "bob")

    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert "Traceback" not in err


# ------------------------------------------------------------------------------------------ backtest

BACKTEST_MODEL = "conveyor-12"
NOISY = metrics_json(num_labeled=8, num_identified=7, unknown=20)
BEST = metrics_json(num_labeled=8, num_identified=8, unknown=3)


@pytest.fixture(scope="module")
def twelve_versions(stack: LocalStack) -> str:
    """A year of monthly retrainings under a MANAGED scheduler (the service promoted by its own
    rule), a mix of better, worse, unlabelled, failed and cancelled results, and one version that
    left no trace of its fate."""
    emulator, name = stack.lookout, BACKTEST_MODEL
    start = datetime(2025, 1, 1, tzinfo=UTC)
    emulator.seed_model(name, scheduler="MANAGED", retraining_start_date=start)
    emulator.add_version(name, model_metrics=PRIOR, activate=True, created_at=start)
    rounds: list[dict[str, object]] = [
        {"model_metrics": GOOD},  # v2 better: both promote
        {"model_metrics": WORSE},  # v3 worse: neither
        {"status": "FAILED", "failed_reason": "Not enough valid data."},  # v4
        {"model_quality": "CANNOT_DETERMINE_QUALITY", "model_metrics": UNLABELLED},  # v5 unlabelled
        {"model_metrics": GOOD},  # v6 as good: both promote
        {"model_metrics": NOISY},  # v7 same recall, many more false alarms: the service promotes, not us
        {"status": "CANCELED"},  # v8
        {"model_metrics": GOOD},  # v9
        {"model_quality": "POOR_QUALITY_DETECTED", "model_metrics": WORSE},  # v10
        {"model_metrics": BEST},  # v11 best: both promote; active now
    ]
    for month, finish in enumerate(rounds, start=1):
        version = emulator.start_retraining(name, started_at=start + timedelta(days=30 * month))
        emulator.finish_retraining(name, version, **finish)  # type: ignore[arg-type]
    emulator.add_version(  # v12: trained by hand, never activated as far as anything says
        name, model_metrics=GOOD, prior_model_metrics=BEST, created_at=start + timedelta(days=30 * 11)
    )
    return name


def test_given_a_dozen_versions_when_backtested_then_side_by_side_with_what_happened(
    stack: LocalStack, twelve_versions: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = steward_read(stack, "backtest", twelve_versions, "--json")

    result = json.loads(capsys.readouterr().out)
    assert code == 0
    steps = {s["version"]: s for s in result["steps"]}
    assert len(steps) == 12
    assert [steps[v]["verdict"] for v in range(1, 13)] == [
        "START",
        "PROMOTE",
        "REJECT",
        "REJECT",
        "HOLD",
        "PROMOTE",
        "REJECT",
        "REJECT",
        "PROMOTE",
        "REJECT",
        "PROMOTE",
        "REJECT",
    ]
    assert steps[7]["agreement"] == "DIFFERS"
    assert steps[7]["evidence"] == "service: MODEL_PROMOTED"
    assert "unknown_events" in steps[7]["blocking_rules"]
    assert steps[9]["replay_active_before"] == 6  # v7 was never active in the replay
    assert (steps[11]["evidence"], steps[9]["evidence"]) == ("active now", "the previous active version")
    assert steps[12]["agreement"] == "UNKNOWN"
    assert result["summary"] == (
        "12 versions replayed: the policy would have promoted 4; "
        "9 agree with what happened, 1 differ, 1 unknown"
    )
    assert stack.lookout.active_version(twelve_versions) == 11


def test_given_a_backtest_for_a_terminal_then_a_table_and_the_summary_line(
    stack: LocalStack, twelve_versions: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["backtest", twelve_versions])

    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    assert lines[1].split()[:3] == ["VERSION", "CREATED", "STATUS"]
    assert len([line for line in lines if line.startswith("v")]) == 12
    assert "9 agree with what happened, 1 differ, 1 unknown." in lines[14]
    assert "ledger was not consulted" in lines[15]


def test_given_an_unknown_model_when_backtested_then_exit_2_one_line(
    stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    code = steward_read(stack, "backtest", "conveyor-nowhere")

    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
