"""Two deployments in two accounts of one local cloud: staging approves, production imports.

Staging (account 111111111111, dry run) sends an approval for every WOULD_PROMOTE decision to the
approval bus of production (account 222222222222), which imports the version into its mapped model,
decides it by policy and activates it when it passes. Each function runs as its own deployed role;
EventBridge, SQS, DynamoDB and SNS are moto's, Lookout for Equipment the emulator, each request
authorised in its caller's account.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulators.iam import create_import_role
from emulators.stack import LocalCloud, LocalStack
from model_steward import cli
from model_steward.adapters import aws
from model_steward.models.decision import Decision, RuleId, RuleOutcome
from model_steward.models.imports import ImportRecord, ImportState
from model_steward.models.ledger import Channel, VersionRecord, VersionState
from tests.aws import Inbox
from tests.integration.retraining import (
    GOOD,
    PRIOR,
    ledger,
    record,
    retrain,
    seed_active_model,
    subscribe_inbox,
    tick,
)

STAGING, PRODUCTION, OUTSIDER = "111111111111", "222222222222", "333333333333"
IMPORT_ROLE = f"arn:aws:iam::{PRODUCTION}:role/LookoutImport"
MAP = ",".join(f"pump-0{n}=pump-0{n}:pump-data" for n in range(1, 7))


@dataclass
class Accounts:
    cloud: LocalCloud
    staging: LocalStack
    production: LocalStack
    inbox: Inbox


@pytest.fixture(scope="module")
def accounts() -> Iterator[Accounts]:
    with LocalCloud() as cloud:
        with cloud.as_admin(PRODUCTION) as admin:
            assert create_import_role(admin.client("iam")) == IMPORT_ROLE
        production = cloud.deploy(
            {
                "Environment": "prod",
                "DryRun": "false",
                "PolicyCooldownHours": "0",
                "WatchedModelPrefix": "pump-",
                "ImportSourceAccounts": STAGING,
                "ImportModelMap": MAP,
                "ImportRoleArn": IMPORT_ROLE,
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
        production.lookout.seed_dataset("pump-data")
        inbox = subscribe_inbox(production, "inbox")
        yield Accounts(cloud, staging, production, inbox)


#: botocore still decides what to retry; the tests just do not wait between attempts.
pytestmark = pytest.mark.usefixtures("no_retry_backoff")


# ------------------------------------------------------------------------------------------ helpers


def steward(stack: LocalStack, *words: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with stack.as_operator(), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(words))
    return code, out.getvalue(), err.getvalue()


def version_record(stack: LocalStack, model: str, version: int) -> VersionRecord:
    with stack.as_operator():
        return record(stack, model, version)


def imports_of(stack: LocalStack, model: str) -> list[ImportRecord]:
    with stack.as_operator():
        return ledger(stack).imports_of(model)


def seed_staging(accounts: Accounts, model: str) -> str:
    """A staging model with v1 active, seen by staging's watch (its baseline); returns v1's ARN."""
    staging = accounts.staging
    seed_active_model(staging, model)
    tick(staging)
    return staging.lookout.version_arn(model, 1)


def share(accounts: Accounts, model: str) -> None:
    code, out, _ = steward(accounts.staging, "share", model, "--account", PRODUCTION, "--yes")
    assert code == 0, out


def import_first_version(accounts: Accounts, model: str, source: str) -> None:
    """Production's first version of the model: staging's v1, imported by an operator."""
    accounts.production.lookout.plan_imports("SUCCESS")
    code, out, err = steward(
        accounts.production,
        "import",
        source,
        "--dataset",
        "pump-data",
        "--reason",
        "first production version",
        "--stack",
        "production",
        "--poll-seconds",
        "0",
    )
    assert code == 0, out + err
    tick(accounts.production)
    accounts.inbox.read()


def approve_in_staging(accounts: Accounts, model: str) -> int:
    """Staging retrains the model better than v1; its dry-run decision (WOULD_PROMOTE) approves it."""
    staging = accounts.staging
    version = retrain(staging, model, model_metrics=GOOD, prior_model_metrics=PRIOR)
    tick(staging)
    assert version_record(staging, model, version).outcome == "WOULD_PROMOTE"
    return version


def approval_messages(accounts: Accounts) -> list[dict[str, Any]]:
    """The approvals waiting in production's queue (received and made visible again)."""
    sqs = accounts.production.client("sqs")
    url = accounts.production.resources["ApprovalQueue"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0).get(
        "Messages", []
    )
    return [json.loads(m["Body"]) for m in messages]


# ------------------------------------------------------------------------------------------ the story


def test_an_approval_in_staging_leads_to_one_imported_version_decided_and_activated(
    accounts: Accounts,
) -> None:
    production = accounts.production
    source = seed_staging(accounts, "pump-01")
    share(accounts, "pump-01")
    import_first_version(accounts, "pump-01", source)
    version = approve_in_staging(accounts, "pump-01")

    (event,) = approval_messages(accounts)
    production.client("sqs").send_message(  # EventBridge delivers at least once: a duplicate
        QueueUrl=production.resources["ApprovalQueue"], MessageBody=json.dumps(event)
    )
    production.lookout.plan_imports("SUCCESS")
    production.drain("ImportFunction")
    tick(production)

    assert event["account"] == STAGING
    assert event["detail"]["source_version_arn"] == accounts.staging.lookout.version_arn("pump-01", version)
    assert production.lookout.version_numbers("pump-01") == [1, 2]
    imports = [c for c in production.lookout.calls if c.operation == "ImportModelVersion"]
    assert len([c for c in imports if (c.params or {}).get("ModelName") == "pump-01"]) == 2  # v1 by hand, v2
    imported = version_record(production, "pump-01", 2)
    assert (imported.state, imported.outcome, imported.source_type) == (
        VersionState.PROMOTED,
        "PROMOTE",
        "IMPORT",
    )
    decision = Decision.model_validate_json(imported.decision_json or "")
    compared = decision.result(RuleId.COMPARABLE_WINDOWS)
    assert compared.outcome is RuleOutcome.PASS
    assert "the source deployment's PriorModelMetrics in staging" in compared.message
    assert production.lookout.active_version("pump-01") == 2
    (alert,) = accounts.inbox.for_model("pump-01")
    assert alert["alert"]["kind"] == "PROMOTED"
    assert "the source decided WOULD_PROMOTE" in alert["alert"]["reasons"][0]
    record = imports_of(production, "pump-01")[-1]
    assert (record.state, record.version, record.source_account) == (ImportState.IMPORTED, 2, STAGING)
    assert record.request.source_decision is not None
    assert record.request.source_decision.outcome == "WOULD_PROMOTE"

    code, out, _ = steward(production, "history", "pump-01", "--stack", "production")
    assert code == 0
    assert f"imported from {event['detail']['source_version_arn']} (account {STAGING})" in out
    assert "source decision: WOULD_PROMOTE in staging (decision " in out


def test_the_approval_is_sent_once_and_recorded_with_the_decision(accounts: Accounts) -> None:
    staging = accounts.staging
    seed_staging(accounts, "pump-02")
    version = approve_in_staging(accounts, "pump-02")
    tick(staging)  # another tick: nothing is sent again

    with staging.as_operator():
        items = [a for a in ledger(staging).alerts("MODEL#pump-02") if a.channel is Channel.APPROVAL]
    (approval,) = items
    assert approval.alert_id == f"pump-02#v{version}#APPROVAL"
    assert approval.message_id  # EventBridge's event id
    waiting = [m for m in approval_messages(accounts) if m["detail"]["model_name"] == "pump-02"]
    assert len(waiting) == 1
    accounts.production.drain("ImportFunction")  # it is refused: pump-02 was never shared


def test_an_import_the_source_policy_refuses_is_recorded_and_alerted(accounts: Accounts) -> None:
    production = accounts.production
    seed_staging(accounts, "pump-03")  # not shared with production
    approve_in_staging(accounts, "pump-03")

    production.drain("ImportFunction")

    (record,) = imports_of(production, "pump-03")
    assert record.state is ImportState.REFUSED
    assert "AccessDeniedException" in (record.last_error or "")
    assert "no resource-based policy allows the lookoutequipment:ImportModelVersion action" in (
        record.last_error or ""
    )
    (alert,) = accounts.inbox.for_model("pump-03")
    assert (alert["alert"]["kind"], alert["alert"]["title"]) == ("IMPORT_FAILED", "pump-03: import refused")
    assert "steward share" in alert["alert"]["look_at"][0]
    assert "pump-03" not in production.lookout.model_names()


def test_a_throttled_import_call_creates_one_version(accounts: Accounts) -> None:
    production = accounts.production
    seed_staging(accounts, "pump-04")
    share(accounts, "pump-04")
    approve_in_staging(accounts, "pump-04")
    production.lookout.inject_fault("ImportModelVersion", "ThrottlingException", count=3)

    production.drain("ImportFunction")

    assert production.lookout.version_numbers("pump-04") == [1]
    calls = [
        c.error_code
        for c in production.lookout.calls
        if c.operation == "ImportModelVersion" and (c.params or {}).get("ModelName") == "pump-04"
    ]
    assert calls == ["ThrottlingException"] * 3 + [None]  # botocore's retries, the same ClientToken
    (record,) = imports_of(production, "pump-04")
    assert (record.state, record.version) == (ImportState.IMPORTING, 1)
    production.lookout.complete_imports("pump-04")


def test_an_event_from_an_account_that_is_not_named_is_refused(accounts: Accounts) -> None:
    cloud, production = accounts.cloud, accounts.production
    bus = production.outputs["ApprovalBusArn"]
    with cloud.as_admin(OUTSIDER) as admin:
        iam = admin.client("iam")
        iam.create_user(UserName="mallory")
        iam.put_user_policy(
            UserName="mallory",
            PolicyName="put-anywhere",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "events:*", "Resource": "*"}],
                }
            ),
        )
        key = iam.create_access_key(UserName="mallory")["AccessKey"]
    import boto3

    mallory = boto3.session.Session(
        aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"]
    ).client("events")
    forged = {
        "Source": "model-steward",
        "DetailType": "Model Version Approved",
        "Detail": json.dumps({"source_version_arn": "arn:aws:lookoutequipment:eu-west-1:333333333333:x"}),
        "EventBusName": bus,
    }

    with pytest.raises(ClientError) as refused:
        mallory.put_events(Entries=[forged])
    production.client("events").put_events(Entries=[forged])  # the target's own account: not named either

    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"
    assert "because no resource-based policy allows the events:PutEvents action" in str(refused.value)
    assert approval_messages(accounts) == []  # the rule matched neither


def test_the_import_function_may_import_into_mapped_models_and_pass_the_named_role_only(
    accounts: Accounts,
) -> None:
    production = accounts.production
    source = seed_staging(accounts, "pump-05")
    share(accounts, "pump-05")
    production.lookout.seed_dataset("other-data")
    with production.function_environment("ImportFunction"):
        lookout = aws.lookout()

        def attempt(**params: Any) -> str:
            with pytest.raises(ClientError) as raised:
                lookout.import_model_version(SourceModelVersionArn=source, ClientToken=str(params), **params)
            return str(raised.value)

        unmapped = attempt(ModelName="compressor-09", DatasetName="pump-data")
        other_dataset = attempt(ModelName="pump-05", DatasetName="other-data")
        other_role = attempt(
            ModelName="pump-05", DatasetName="pump-data", RoleArn=f"arn:aws:iam::{PRODUCTION}:role/Admin"
        )

    assert "lookoutequipment:ImportModelVersion on resource" in unmapped
    assert ":model/compressor-09/" in unmapped
    assert ":dataset/other-data/" in other_dataset
    assert f"iam:PassRole on resource: arn:aws:iam::{PRODUCTION}:role/Admin" in other_role
    assert "pump-05" not in production.lookout.model_names()


# ------------------------------------------------------------------------------------------ by hand


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["--dataset", "pump-typo"], "steward: unknown dataset pump-typo: it does not exist in this account"),
        (
            ["--dataset", "pump-data", "--role", f"arn:aws:iam::{PRODUCTION}:role/Missing"],
            f"steward: missing role arn:aws:iam::{PRODUCTION}:role/Missing: it does not exist",
        ),
        (["--dataset", "pump-data", "--model", "pump 6"], "steward: model_name: String should match pattern"),
    ],
)
def test_steward_import_refuses_an_unknown_dataset_or_a_missing_role_with_exit_2(
    accounts: Accounts, arguments: list[str], expected: str
) -> None:
    source = f"arn:aws:lookoutequipment:eu-west-1:{STAGING}:model/pump-01/any-id/model-version/1"

    code, out, err = steward(
        accounts.production, "import", source, *arguments, "--reason", "test", "--stack", "production"
    )

    assert (code, out) == (2, "")
    assert err.startswith(expected)
    assert err.count("\n") == 1


def test_steward_import_without_waiting_leaves_the_version_to_the_watch(accounts: Accounts) -> None:
    production = accounts.production
    source = seed_staging(accounts, "pump-06")
    share(accounts, "pump-06")

    code, out, _ = steward(
        production, "import", source, "--dataset", "pump-data", "--reason", "try it", "--no-wait", "--json",
        "--stack", "production",
    )  # fmt: skip
    again, _, _ = steward(
        production, "import", source, "--dataset", "pump-data", "--reason", "try it", "--no-wait",
        "--stack", "production",
    )  # fmt: skip
    tick(production)
    importing = version_record(production, "pump-06", 1)
    production.lookout.complete_imports("pump-06")
    tick(production)

    assert (code, again) == (0, 0)
    assert json.loads(out)["state"] == "IMPORTING"
    assert production.lookout.version_numbers("pump-06") == [1]
    assert (importing.state, importing.status, importing.source_type) == (
        VersionState.IN_PROGRESS,
        "IMPORT_IN_PROGRESS",
        "IMPORT",
    )
    # The service activates the first version of a new model itself; the ledger says so.
    assert version_record(production, "pump-06", 1).outcome == "ACTIVATED_ELSEWHERE"
