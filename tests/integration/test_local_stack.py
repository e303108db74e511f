"""The local stack deploys template.yaml itself, so the wiring exercised here is the deployed one."""

from __future__ import annotations

import json
from typing import Any

import pytest

from emulators.cfn import load_template
from emulators.stack import TEMPLATE, InvocationTimedOut, LocalStack
from model_steward.models.settings import (
    DiagnosticsSettings,
    EvaluateSettings,
    SlackNotifierSettings,
    WatchSettings,
    load_settings,
)
from tests.helpers import load_event

SETTINGS = {
    "WatchFunction": WatchSettings,
    "EvaluateFunction": EvaluateSettings,
    "DiagnosticsFunction": DiagnosticsSettings,
    "SlackNotifierFunction": SlackNotifierSettings,
}


def test_every_function_in_the_template_is_deployed_with_its_handler(full_stack: LocalStack) -> None:
    declared = {
        name: body["Properties"]["Handler"]
        for name, body in load_template(TEMPLATE)["Resources"].items()
        if body["Type"] == "AWS::Serverless::Function"
    }

    assert {name: f.handler for name, f in full_stack.functions.items()} == declared


def test_every_function_environment_is_resolved_from_the_created_resources(full_stack: LocalStack) -> None:
    resources, outputs = full_stack.resources, full_stack.outputs

    for function in full_stack.functions.values():
        env = function.environment
        assert env["LEDGER_TABLE_NAME"] == resources["LedgerTable"] == outputs["LedgerTableName"]
        assert env["ALERT_TOPIC_ARN"] == outputs["AlertTopicArn"]
        assert env["POWERTOOLS_SERVICE_NAME"] == "model-steward"
        assert not [value for value in env.values() if "{" in value or "Ref" in value], env
    watch = full_stack.functions["WatchFunction"].environment
    assert watch["EVALUATE_QUEUE_URL"] == resources["EvaluateQueue"] == outputs["EvaluateQueueUrl"]
    assert watch["WATCHED_MODELS"] == "compressor-07"
    assert full_stack.functions["EvaluateFunction"].environment["DRY_RUN"] == "true"
    slack = full_stack.functions["SlackNotifierFunction"].environment
    assert slack["SLACK_WEBHOOK_SECRET_ARN"].startswith("arn:aws:secretsmanager:")
    assert "hooks.slack.com" not in json.dumps(slack)


def test_every_function_settings_model_validates_its_deployed_environment(full_stack: LocalStack) -> None:
    for logical_id, model in SETTINGS.items():
        with full_stack.function_environment(logical_id):
            settings = load_settings(model)
        assert settings.ledger_table_name == full_stack.resources["LedgerTable"]


def test_the_ledger_table_is_created_as_declared(full_stack: LocalStack) -> None:
    table = full_stack.client("dynamodb").describe_table(TableName=full_stack.resources["LedgerTable"])[
        "Table"
    ]

    assert {k["AttributeName"]: k["KeyType"] for k in table["KeySchema"]} == {"pk": "HASH", "sk": "RANGE"}
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


def test_the_evaluate_queue_redrives_to_its_dead_letter_queue(full_stack: LocalStack) -> None:
    sqs = full_stack.client("sqs")
    url = sqs.get_queue_url(QueueName=full_stack.resources["EvaluateQueue"].rsplit("/", 1)[1])["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]

    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"].endswith(
        full_stack.resources["EvaluateDeadLetterQueue"].rsplit("/", 1)[1]
    )
    assert int(redrive["maxReceiveCount"]) == 5


def test_the_event_source_mappings_report_partial_batch_failures(full_stack: LocalStack) -> None:
    mappings = {m.function_logical_id: m for m in full_stack.event_source_mappings}

    assert set(mappings) == {"EvaluateFunction", "ImportFunction"}
    for mapping in mappings.values():
        assert mapping.report_batch_item_failures
    assert (mappings["EvaluateFunction"].batch_size, mappings["ImportFunction"].batch_size) == (5, 10)
    assert mappings["ImportFunction"].queue_arn.endswith(
        full_stack.resources["ApprovalQueue"].rsplit("/", 1)[1]
    )


def test_what_moto_cloudformation_skips_is_created_through_the_apis(full_stack: LocalStack) -> None:
    # moto's S3 would enforce the bucket's TLS-only policy on the plain-HTTP local endpoint: it is
    # listed, not hidden. Topic and queue policies are applied (emulators.iam evaluates them).
    assert full_stack.not_emulated == {"DiagnosticsBucketPolicy": "AWS::S3::BucketPolicy"}
    scheduler = full_stack.client("scheduler")
    names = sorted(s["Name"] for s in scheduler.list_schedules()["Schedules"])
    assert names == [
        "model-steward-local-full-sweep",
        "model-steward-local-import-retry",
        "model-steward-local-watch-tick",
    ]
    expected = {
        "watch-tick": ("rate(15 minutes)", "tick", "WatchFunction"),
        "full-sweep": ("rate(1 day)", "full-sweep", "WatchFunction"),
        "import-retry": ("rate(15 minutes)", "retry", "ImportFunction"),
    }
    for name in names:
        detail = scheduler.get_schedule(Name=name)
        expression, kind, function = expected[name.removeprefix("model-steward-local-")]
        assert detail["ScheduleExpression"] == expression
        assert detail["Target"]["Arn"] == full_stack.functions[function].arn
        assert json.loads(detail["Target"]["Input"])["kind"] == kind
        assert detail["Target"]["RetryPolicy"]["MaximumRetryAttempts"] == 2
    alarms = full_stack.client("cloudwatch").describe_alarms()["MetricAlarms"]
    assert {a["AlarmActions"][0] for a in alarms} == {full_stack.outputs["AlertTopicArn"]}
    # every dead-letter queue and function's errors, overdue retraining, alerts (and the import side's)
    assert len(alarms) == 12
    dashboard = full_stack.client("cloudwatch").get_dashboard(
        DashboardName=full_stack.outputs["DashboardName"]
    )
    body = json.loads(dashboard["DashboardBody"])
    (alarm_widget,) = [w for w in body["widgets"] if w["type"] == "alarm"]
    assert set(alarm_widget["properties"]["alarms"]) <= {a["AlarmArn"] for a in alarms}
    invoke_config = full_stack.client("lambda").get_function_event_invoke_config(
        FunctionName=full_stack.functions["WatchFunction"].name
    )
    assert invoke_config["MaximumRetryAttempts"] == 0
    protocols = {
        s["Protocol"]: s["Endpoint"]
        for s in full_stack.client("sns").list_subscriptions_by_topic(
            TopicArn=full_stack.outputs["AlertTopicArn"]
        )["Subscriptions"]
    }
    assert protocols == {
        "email": "reliability@example.com",
        "lambda": full_stack.functions["SlackNotifierFunction"].arn,
    }


def test_e_mail_receives_only_the_minimum_severity_and_up_through_its_filter_policy(
    full_stack: LocalStack,
) -> None:
    sns = full_stack.client("sns")
    (email,) = [
        s
        for s in sns.list_subscriptions_by_topic(TopicArn=full_stack.outputs["AlertTopicArn"])[
            "Subscriptions"
        ]
        if s["Protocol"] == "email"
    ]

    attributes = sns.get_subscription_attributes(SubscriptionArn=email["SubscriptionArn"])["Attributes"]

    assert attributes["FilterPolicyScope"] == "MessageAttributes"
    policy = json.loads(attributes["FilterPolicy"])
    assert policy["$or"][0] == {"severity": ["NOTICE", "WARNING", "CRITICAL"]}


def test_the_watch_function_queues_the_watched_models_through_the_emulator(full_stack: LocalStack) -> None:
    for name in ("pump-01", "pump-02", "compressor-07", "compressor-08"):
        full_stack.lookout.seed_model(name)
    full_stack.lookout.reset_calls()

    result = full_stack.invoke("WatchFunction", load_event("scheduler-tick.json"))

    assert result["watched"] == 3
    assert sorted(result["queued"]) == ["compressor-07", "pump-01", "pump-02"]
    assert full_stack.lookout.call_count("ListModels") == 1
    assert full_stack.lookout.call_count() == 1


def test_an_object_in_the_stack_bucket_reaches_the_diagnostics_function_with_its_key_decoded(
    full_stack: LocalStack,
) -> None:
    bucket = full_stack.outputs["DiagnosticsBucketName"]
    key = "plant A/pump-01/model_diagnostics_results.json.gz"

    (result,) = full_stack.put_object(bucket, key, b"\x1f\x8b")

    assert key in json.dumps(result)  # decoded: the handler read the object under its real key
    assert full_stack.put_object(bucket, "plant A/pump-01/other.json", b"{}") == []


def test_an_invocation_that_runs_past_its_deployed_timeout_fails_the_caller(
    full_stack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[int] = []

    def slow(event: object, context: Any) -> None:
        seen.append(context.get_remaining_time_in_millis())
        full_stack.clock.advance(121)  # a stalled dependency, as the stack's clock sees it

    monkeypatch.setattr("model_steward.handlers.watch.handler", slow)

    with pytest.raises(InvocationTimedOut, match=r"WatchFunction ran 121\.\d s, past its 120 s timeout"):
        full_stack.invoke("WatchFunction", {"kind": "tick"})

    assert 119_000 < seen[0] <= 120_000  # the context has the deployed timeout
    assert full_stack.invocations[-1].timeout == 120
