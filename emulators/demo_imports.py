"""`make demo`, part 7: two deployments in two accounts, staging approves and production imports.

Staging (account 111111111111) runs in dry run and sends an approval for every WOULD_PROMOTE decision
to production's approval bus; production (account 222222222222) imports each approved version into
its mapped model, decides it by its own policy and activates it when it passes. Everything runs as
the deployed roles of each account, through one moto server and the Lookout for Equipment emulator.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import boto3
from botocore.exceptions import ClientError

from emulators.demo_inbox import read_inbox, subscribe_inbox
from emulators.iam import create_import_role, operator_arn
from emulators.samples import metrics_json
from emulators.stack import LocalCloud, LocalStack
from model_steward import cli
from model_steward.adapters.ledger import DynamoLedger
from model_steward.models.decision import Decision, RuleId

STAGING, PRODUCTION, OUTSIDER = "111111111111", "222222222222", "333333333333"
PRIOR = metrics_json(num_labeled=8, num_identified=6, unknown=4)
BETTER = metrics_json(num_labeled=8, num_identified=7, unknown=3)
IMPORT_ROLE = f"arn:aws:iam::{PRODUCTION}:role/LookoutImport"


Quiet = Callable[[], AbstractContextManager[None]]


def _steward(stack: LocalStack, say: Callable[[str], None], out: Path, *words: str) -> str:
    """Run a command as the stack's operator; what it prints is shown (the structured logs of the
    code it shares with the functions, which in this process log as the functions do, are not)."""
    say(f"   $ steward {' '.join(words)}")
    output = io.StringIO()
    with stack.as_operator(), contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        code = cli.main(list(words))
    shown = "".join(
        line for line in output.getvalue().splitlines(keepends=True) if not line.startswith('{"level"')
    )
    for line in shown.splitlines():
        say(f"     {line}")
    if code:
        say(f"     (exit code {code})")
    name = "-".join(w for w in words[:2] if not w.startswith("arn:"))
    (out / f"steward-{stack.stack_name}-{name}.txt").write_text(shown)
    return shown


def _tick(stack: LocalStack, quiet: Quiet) -> None:
    with quiet():
        stack.invoke("WatchFunction", {"kind": "tick"})
        stack.drain("EvaluateFunction")


def _deploy(cloud: LocalCloud) -> tuple[LocalStack, LocalStack]:
    with cloud.as_admin(PRODUCTION) as admin:
        create_import_role(admin.client("iam"))  # IMPORT_ROLE
    production = cloud.deploy(
        {
            "Environment": "prod",
            "DryRun": "false",
            "PolicyCooldownHours": "0",
            "WatchedModelPrefix": "pump-",
            "ImportSourceAccounts": STAGING,
            "ImportModelMap": "pump-01=pump-01:pump-data,pump-02=pump-02:pump-data",
            "ImportRoleArn": IMPORT_ROLE,
            "AlertPublisherArns": operator_arn(PRODUCTION),  # its `steward import` alerts at once
        },
        account_id=PRODUCTION,
        stack_name="production",
    )
    staging = cloud.deploy(
        {
            "Environment": "staging",
            "WatchAllModels": "true",
            "PolicyCooldownHours": "0",
            "ApprovalBusArn": production.outputs["ApprovalBusArn"],
        },
        account_id=STAGING,
        stack_name="staging",
    )
    return staging, production


def _approve_in_staging(staging: LocalStack, quiet: Quiet, say: Callable[[str], None]) -> None:
    for model in ("pump-01", "pump-02"):
        version = staging.lookout.start_retraining(model)
        staging.lookout.finish_retraining(model, version, model_metrics=BETTER, prior_model_metrics=PRIOR)
    _tick(staging, quiet)
    with staging.as_operator():
        ledger = DynamoLedger(staging.resources["LedgerTable"])
        for model in ("pump-01", "pump-02"):
            approval = ledger.alert(f"MODEL#{model}", f"{model}#v2#APPROVAL")
            assert approval is not None
            sent = f"approval {approval.state.value} (EventBridge event {approval.message_id})"
            say(f"     {model} v2: WOULD_PROMOTE; {sent}")


def _import_and_decide(production: LocalStack, quiet: Quiet, say: Callable[[str], None], out: Path) -> None:
    inbox = subscribe_inbox(production, f"{production.stack_name}-inbox")
    production.lookout.plan_imports("SUCCESS")
    with quiet():
        production.drain("ImportFunction")
    _tick(production, quiet)
    with production.as_operator():
        ledger = DynamoLedger(production.resources["LedgerTable"])
        record = ledger.version("pump-01", 2)
        assert record is not None
        decision = Decision.model_validate_json(record.decision_json or "")
        refused = ledger.imports_of("pump-02")[-1]
    active = production.lookout.active_version("pump-01")
    say(f"     pump-01 v2: \033[1m{record.outcome}\033[0m ({record.state.value}; active now: v{active})")
    compared = decision.result(RuleId.COMPARABLE_WINDOWS)
    say(f"       {compared.message}")
    say(f"     pump-02: import {refused.state.value}: {refused.last_error}")
    alerts = read_inbox(production, inbox)
    for alert in alerts:
        say(f"     [{alert.severity.value:<8}] {alert.title}")
    (out / "production-alerts.json").write_text(
        json.dumps([a.model_dump(mode="json") for a in alerts], indent=1) + "\n"
    )


def _outsider(cloud: LocalCloud, bus: str, say: Callable[[str], None]) -> None:
    with cloud.as_admin(OUTSIDER) as admin:
        iam = admin.client("iam")
        iam.create_user(UserName="mallory")
        allow = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "events:*", "Resource": "*"}],
        }
        iam.put_user_policy(UserName="mallory", PolicyName="events", PolicyDocument=json.dumps(allow))
        key = iam.create_access_key(UserName="mallory")["AccessKey"]
    events = boto3.session.Session(
        aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"]
    ).client("events")
    try:
        events.put_events(
            Entries=[
                {
                    "Source": "model-steward",
                    "DetailType": "Model Version Approved",
                    "Detail": "{}",
                    "EventBusName": bus,
                }
            ]
        )
        say("     accepted (unexpected)")
    except ClientError as exc:
        say(f"     refused: {exc.response['Error']['Code']} (the bus policy names {STAGING} only)")


def run(out: Path, quiet: Quiet, say: Callable[[str], None]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with LocalCloud() as cloud:
        staging, production = _deploy(cloud)
        bus = production.outputs["ApprovalBusArn"]
        say(f"   staging    (account {STAGING}): dry run; approvals go to {bus}")
        say(f"   production (account {PRODUCTION}): imports {STAGING}'s pump-01 and pump-02 (pump-data)")
        say("   staging trains pump-01 and pump-02; production has the dataset pump-data and no model yet")
        for model in ("pump-01", "pump-02"):
            staging.lookout.seed_model(model, scheduler="MANUAL")
            staging.lookout.add_version(model, model_metrics=PRIOR, activate=True)
        production.lookout.seed_dataset("pump-data")
        _tick(staging, quiet)

        say("\n   In staging, an operator lets production import pump-01 (not pump-02):")
        _steward(staging, say, out, "share", "pump-01", "--account", PRODUCTION, "--yes")

        say("\n   In production, an operator imports staging's pump-01 v1 by hand, and waits for it:")
        production.lookout.plan_imports("SUCCESS")
        v1 = staging.lookout.version_arn("pump-01", 1)
        _steward(
            production, say, out, "import", v1, "--dataset", "pump-data", "--role", IMPORT_ROLE,
            "--reason", "first production version", "--stack", "production", "--poll-seconds", "0",
        )  # fmt: skip
        _tick(production, quiet)

        say("\n   Staging retrains both; its policy would promote them (dry run), so it approves them:")
        _approve_in_staging(staging, quiet, say)

        say("\n   Production's import function takes the approvals from its bus; its watch decides:")
        _import_and_decide(production, quiet, say, out)

        say(f"\n   An approval sent from account {OUTSIDER}, which production does not name:")
        _outsider(cloud, bus, say)

        say("\n   What the production operator sees:")
        _steward(production, say, out, "history", "pump-01", "--stack", "production")
