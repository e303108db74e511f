"""AWS IoT SiteWise models through the local stack (template.yaml deployed into moto, the SiteWise
emulator beside the Lookout for Equipment one, both governed by one deployment): the decisions, the
activations, the alerts, the diagnostics and the operator's commands."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from emulators.stack import LocalStack
from model_steward import cli
from model_steward.adapters.aws import reset_clients
from model_steward.domain.diagnostics import summarize_diagnostics
from model_steward.models.decision import RuleId
from model_steward.models.diagnostics import DiagnosticsSummary
from model_steward.models.diagnostics_files import output_keys
from model_steward.models.ledger import VersionState
from tests.integration.retraining import GOOD, PRIOR, WORSE, Inbox, ledger, record, subscribe_inbox, tick

POLICY_PARAMETER = "/model-steward/policy"
# SiteWise reports no model quality: its units are judged on their metrics (a prefix override).
POLICY = {"version": 1, "prefixes": {"sw-": {"min_model_quality": "CANNOT_DETERMINE_QUALITY"}}}
PARAMETERS = {
    "ModelRegistry": "both",
    "WatchAllModels": "true",  # every Lookout model and every anomaly-detection computation model
    "DiagnosticsSource": "stack-bucket",
    "SiteWiseMetricsPrefix": "metrics/",
    "SiteWiseResultsPrefix": "results/",
    "DryRun": "false",
    "PolicyCooldownHours": "0",
    "PolicyParameterName": POLICY_PARAMETER,
}


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack(PARAMETERS) as deployed:
        deployed.client("ssm").put_parameter(Name=POLICY_PARAMETER, Type="String", Value=json.dumps(POLICY))
        reset_clients()
        yield deployed
    reset_clients()


@pytest.fixture(scope="module")
def inbox(stack: LocalStack) -> Inbox:
    return subscribe_inbox(stack, "sitewise-inbox")


@pytest.fixture(autouse=True)
def _quick(monkeypatch: pytest.MonkeyPatch, no_retry_backoff: None) -> None:
    """botocore still decides what to retry; the tests do not wait between attempts."""
    for name in ("STEWARD_TABLE", "STEWARD_TOPIC", "STEWARD_STACK", "STEWARD_REGISTRY"):
        monkeypatch.delenv(name, raising=False)


def unit(stack: LocalStack, asset: str, *, promotion: str = "CUSTOMER_MANAGED") -> str:
    """A unit of "Pump anomaly" on ``asset`` with version 1 active, seen once (its baseline)."""
    bucket = stack.outputs["DiagnosticsBucketName"]
    key = stack.sitewise.seed_unit("Pump anomaly", asset, bucket=bucket, promotion=promotion)
    stack.sitewise.train(key, metrics=PRIOR, activate=True)
    tick(stack)
    return key


def retrain(stack: LocalStack, key: str, **finish: Any) -> int:
    version = stack.sitewise.start_retraining(key)
    stack.sitewise.finish_retraining(key, version, **finish)
    return version


def starts(stack: LocalStack, key: str, version: int) -> int:
    """How many inference STARTs targeted ``version`` (each one an activation)."""
    return sum(p.get("targetModelVersion") == version for p in stack.sitewise.payloads(key, inference=True))


def test_better_on_like_terms_is_activated_exactly_once_with_one_alert(
    stack: LocalStack, inbox: Inbox
) -> None:
    key = unit(stack, "Pump 11")
    inbox.read()
    version = retrain(stack, key, metrics=GOOD)

    tick(stack)
    tick(stack, "full-sweep")

    promoted = record(stack, key, version)
    assert (promoted.state, promoted.outcome) == (VersionState.PROMOTED, "PROMOTE")
    assert stack.sitewise.active_version(key) == version
    assert starts(stack, key, version) == 1
    assert stack.sitewise.payloads(key, inference=True)[-1]["dataUploadFrequency"] == "PT15M"
    alerts = inbox.for_model(key)
    assert [m["alert"]["kind"] for m in alerts] == ["PROMOTED"]
    assert alerts[0]["alert"]["title"] == "Pump anomaly / Pump 11 v2 promoted"
    raw = json.loads(promoted.registry_facts or "")
    assert raw["execution"]["executionEntityVersion"] == str(version)


def test_worse_on_like_terms_is_rejected(stack: LocalStack, inbox: Inbox) -> None:
    key = unit(stack, "Pump 12")
    version = retrain(stack, key, metrics=WORSE)

    tick(stack)

    rejected = record(stack, key, version)
    assert (rejected.state, rejected.outcome) == (VersionState.DECIDED, "REJECT")
    assert stack.sitewise.active_version(key) == 1
    assert starts(stack, key, version) == 0


def test_an_unlike_comparison_is_held_with_a_sentence_that_says_why(stack: LocalStack, inbox: Inbox) -> None:
    key = unit(stack, "Pump 13")
    inbox.read()
    version = retrain(stack, key, metrics=GOOD, prior_metrics=None)

    tick(stack)

    held = record(stack, key, version)
    assert (held.state, held.outcome) == (VersionState.DECIDED, "HOLD")
    assert (
        "Version 2 was compared with version 1's own metrics (evaluation window 2024-01-01 to 2024-03-31; "
        "version 2's is 2024-01-31 to 2024-04-30): the service gave no prior-model metrics" in held.summary
    )
    assert stack.sitewise.active_version(key) == 1
    assert [m["alert"]["kind"] for m in inbox.for_model(key)] == ["HELD"]


def test_a_service_managed_model_is_left_alone_and_reported(stack: LocalStack, inbox: Inbox) -> None:
    key = unit(stack, "Pump 14", promotion="SERVICE_MANAGED")
    inbox.read()
    version = retrain(stack, key, metrics=GOOD)  # the service promotes it itself
    sent = len(stack.sitewise.payloads(key))

    tick(stack)

    conflict = record(stack, key, version)
    assert (conflict.state, conflict.outcome) == (VersionState.DECIDED, "CONFLICT")
    assert conflict.service_auto_promotion == "MODEL_PROMOTED"
    assert len(stack.sitewise.payloads(key)) == sent  # Model Steward executed nothing
    (alert,) = inbox.for_model(key)
    assert alert["alert"]["kind"] == "CONFIGURATION_PROBLEM"
    assert "SERVICE_MANAGED" in alert["alert"]["summary"]


def test_duplicate_deliveries_and_throttling_storms_change_nothing(stack: LocalStack, inbox: Inbox) -> None:
    key = unit(stack, "Pump 15")
    inbox.read()
    version = retrain(stack, key, metrics=GOOD)
    stack.sitewise.inject_fault("ListExecutions", "ThrottlingException", count=40)

    with pytest.raises(Exception, match="ThrottlingException"):
        tick(stack)  # the watch's own retries run out: the tick fails, nothing is recorded
    assert ledger(stack).version(key, version) is None
    stack.sitewise.clear_faults()
    stack.sitewise.inject_fault("DescribeExecution", "ThrottlingException", count=5)  # ridden out
    tick(stack)
    request = json.dumps({"model_name": key, "registry": "lookout-equipment+iot-sitewise"})
    stack.client("sqs").send_message(QueueUrl=stack.outputs["EvaluateQueueUrl"], MessageBody=request)
    stack.drain("EvaluateFunction")
    tick(stack, "full-sweep")

    assert record(stack, key, version).state is VersionState.PROMOTED
    assert starts(stack, key, version) == 1
    assert [m["alert"]["kind"] for m in inbox.for_model(key)] == ["PROMOTED"]


def test_an_evaluation_results_file_gives_the_same_summary_contract(stack: LocalStack, inbox: Inbox) -> None:
    key = unit(stack, "Pump 16")
    inbox.read()
    version = retrain(stack, key, metrics=GOOD)
    tick(stack)
    bucket = stack.outputs["DiagnosticsBucketName"]
    results = stack.sitewise.results_key(key, version) or ""

    (answer,) = stack.deliver(bucket, results)
    stack.deliver(bucket, results)  # S3 delivers at least once

    (outcome,) = answer["files"]
    assert (outcome["status"], outcome["model_name"], outcome["version"]) == ("SUMMARISED", key, version)
    s3 = boto3.session.Session().client("s3")
    summary_key, report_key = output_keys(results, "")
    written = DiagnosticsSummary.model_validate_json(
        s3.get_object(Bucket=bucket, Key=summary_key)["Body"].read()
    )
    source = s3.get_object(Bucket=bucket, Key=results)["Body"].read()
    assert written == summarize_diagnostics(io.BytesIO(source)).linked_to(key, version)
    assert "Pump 16 / Flow" in s3.get_object(Bucket=bucket, Key=report_key)["Body"].read().decode()
    kinds = [m["alert"]["kind"] for m in inbox.for_model(key)]
    assert kinds == ["PROMOTED", "DIAGNOSTICS_SUMMARY"]


def test_the_operator_commands_work_on_sitewise_models(
    stack: LocalStack,
    inbox: Inbox,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    key = unit(stack, "Pump 17")
    better = retrain(stack, key, metrics=GOOD)
    tick(stack)
    capsys.readouterr()

    assert cli.main(["status", "--stack", stack.stack_name, "--json"]) in (0, 1)
    status = {m["model_name"]: m for m in json.loads(capsys.readouterr().out)["models"]}
    assert status[key]["label"] == "Pump anomaly / Pump 17"
    assert status[key]["active_version"] == better

    assert cli.main(["history", key, "--stack", stack.stack_name]) == 0
    assert capsys.readouterr().out.startswith(f"Pump anomaly / Pump 17 ({key}): active v{better} since ")

    monkeypatch.setenv("STEWARD_STACK", stack.stack_name)  # which registries: from the stack's outputs
    assert cli.main(["evaluate", "--model", key, "--version", "1", "--json"]) == 0
    decision = json.loads(capsys.readouterr().out)
    assert len(decision["rule_results"]) == len(RuleId)

    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({**POLICY, "defaults": {"cooldown_hours": 0}}))
    acting = ["--actor", "ops", "--policy", str(policy), "--stack", stack.stack_name]
    code = cli.main(["rollback", key, "--to", "1", "--reason", "sensor fault", *acting])
    assert code == 0, capsys.readouterr()
    assert stack.sitewise.active_version(key) == 1
    code = cli.main(["promote", key, str(better), "--reason", "fault cleared", *acting])
    assert code == 0, capsys.readouterr()
    assert stack.sitewise.active_version(key) == better
    assert starts(stack, key, better) == 2  # the policy's promotion, then the operator's
    tick(stack)  # the operator may not publish: the next tick sends what the commands recorded
    kinds = [m["alert"]["kind"] for m in inbox.for_model(key)][-2:]
    assert kinds == ["MANUAL_ACTION", "MANUAL_ACTION"]


def test_a_lookout_model_is_governed_by_the_same_deployment(stack: LocalStack) -> None:
    stack.lookout.seed_model("pump-lfe", scheduler="MANUAL")
    stack.lookout.add_version("pump-lfe", model_metrics=PRIOR, activate=True)
    tick(stack)
    version = stack.lookout.start_retraining("pump-lfe")
    stack.lookout.finish_retraining("pump-lfe", version, model_metrics=GOOD, prior_model_metrics=PRIOR)

    tick(stack)

    assert record(stack, "pump-lfe", version).state is VersionState.PROMOTED
    assert stack.lookout.active_version("pump-lfe") == version
