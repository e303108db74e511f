"""Least privilege and safe defaults, judged on the transformed template as AWS would evaluate it.

The roles' and resources' policies are evaluated with emulators.permissions (IAM's wildcard and
condition semantics) for the parameter sets an operator would deploy with.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

import pytest

from emulators import cfn
from emulators.permissions import ACCOUNT_ID, REGION, Caller, Decision, DeployedTemplate, evaluate
from tests.helpers import ROOT

SOURCE = cfn.load_template(ROOT / "template.yaml")
LOOKOUT = f"arn:aws:lookoutequipment:{REGION}:{ACCOUNT_ID}"
MODEL_SCOPED = (
    "lookoutequipment:DescribeModel",
    "lookoutequipment:ListModelVersions",
    "lookoutequipment:DescribeRetrainingScheduler",
    "lookoutequipment:DescribeModelVersion",
    "lookoutequipment:UpdateActiveModelVersion",
)
NAMED = {"WatchedModels": "pump-01,compressor-07", "WatchedModelPrefix": "line-a-"}
STACK_BUCKET = {
    "DiagnosticsSource": "stack-bucket",
    "DiagnosticsPrefix": "lookout/",
    "ReportsPrefix": "steward/",
}


def deployed(**parameters: str) -> DeployedTemplate:
    return DeployedTemplate(SOURCE, parameters)


def model(name: str) -> str:
    return f"{LOOKOUT}:model/{name}/8f2c4a9e-0c1d-4b7e-9d55-0123456789ab"


def role(template: DeployedTemplate, function: str) -> Any:
    return template.roles()[template.function_roles()[function]]


def allows(template: DeployedTemplate, function: str, action: str, resource: str) -> bool:
    return evaluate(role(template, function).documents, action, resource) == Decision.ALLOW


# ------------------------------------------------------------------------------------ what is watched
def test_named_models_and_a_prefix_are_all_the_evaluate_function_may_read_or_activate() -> None:
    template = deployed(**NAMED)

    for name in ("pump-01", "compressor-07", "line-a-press"):
        for action in MODEL_SCOPED:
            assert allows(template, "EvaluateFunction", action, model(name)), (name, action)
        version = f"{model(name)}/model-version/4"
        assert allows(template, "EvaluateFunction", "lookoutequipment:UpdateActiveModelVersion", version)
    for outside in ("pump-02", "pump-011", "compressor-0", "line-b-press"):
        assert not allows(
            template, "EvaluateFunction", "lookoutequipment:UpdateActiveModelVersion", model(outside)
        )


@pytest.mark.parametrize(
    "parameters", [NAMED, {"WatchedModels": "pump-01"}, {"WatchedModelPrefix": "pump-"}, {}, STACK_BUCKET]
)
def test_no_statement_grants_activation_on_every_model_unless_all_are_watched(
    parameters: dict[str, str],
) -> None:
    template = deployed(**parameters)

    for name, found in template.roles().items():
        for document in found.documents:
            for statement in document["Statement"]:
                actions = (
                    statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                )
                resources = (
                    statement["Resource"]
                    if isinstance(statement["Resource"], list)
                    else [statement["Resource"]]
                )
                if "lookoutequipment:UpdateActiveModelVersion" in actions:
                    assert f"{LOOKOUT}:model/*" not in resources, name
                    assert "*" not in resources, name


def test_all_models_only_when_the_operator_says_so() -> None:
    everything = deployed(WatchAllModels="true")

    assert allows(
        everything, "EvaluateFunction", "lookoutequipment:UpdateActiveModelVersion", model("anything")
    )


def test_nothing_is_watched_or_activated_by_default() -> None:
    template = deployed()

    assert template.parameters["WatchAllModels"] == "false"
    assert template.parameters["DryRun"] == "true"
    for action in MODEL_SCOPED:
        assert not allows(template, "EvaluateFunction", action, model("pump-01")), action
    watch_environment = template.resources["WatchFunction"].properties["Environment"]["Variables"]
    assert (watch_environment["WATCHED_MODELS"], watch_environment["WATCHED_MODEL_PREFIX"]) == ("", "")


def test_ten_named_models_each_get_their_own_resource_and_an_eleventh_is_refused() -> None:
    names = [f"pump-{n:02}" for n in range(1, 11)]
    template = deployed(WatchedModels=",".join(names))

    for name in names:
        assert allows(template, "EvaluateFunction", "lookoutequipment:UpdateActiveModelVersion", model(name))
    pattern = SOURCE["Parameters"]["WatchedModels"]["AllowedPattern"]
    assert re.fullmatch(pattern, ",".join(names))
    assert not re.fullmatch(pattern, ",".join([*names, "pump-11"]))


def test_watching_all_models_and_naming_some_is_refused_at_deployment() -> None:
    with pytest.raises(cfn.TemplateError, match="WatchAllModels"):
        deployed(WatchAllModels="true", WatchedModels="pump-01")


# ------------------------------------------------------------------------------------ diagnostics
def test_the_diagnostics_role_reads_diagnostics_files_and_writes_only_summaries_and_reports() -> None:
    template = deployed(**STACK_BUCKET)
    bucket = f"arn:aws:s3:::steward-dev-diag-{ACCOUNT_ID}-{REGION}"
    folder = "lookout/pump-01/model-version-3"

    assert allows(
        template,
        "DiagnosticsFunction",
        "s3:GetObject",
        f"{bucket}/{folder}/model_diagnostics_results.json.gz",
    )
    for output in ("model_diagnostics_summary.json", "model_diagnostics_report.html"):
        assert allows(template, "DiagnosticsFunction", "s3:PutObject", f"{bucket}/steward/{folder}/{output}")
    refused = [
        ("s3:GetObject", f"{bucket}/other/pump-01/model_diagnostics_results.json.gz"),  # outside the prefix
        ("s3:GetObject", f"{bucket}/lookout/secrets.csv"),
        ("s3:PutObject", f"{bucket}/{folder}/model_diagnostics_results.json.gz"),
        ("s3:PutObject", f"{bucket}/{folder}/model_diagnostics_summary.json"),  # not under ReportsPrefix
        ("s3:DeleteObject", f"{bucket}/steward/{folder}/model_diagnostics_summary.json"),
    ]
    for action, resource in refused:
        assert not allows(template, "DiagnosticsFunction", action, resource), (action, resource)


@pytest.mark.parametrize(
    "parameters",
    [STACK_BUCKET, {"DiagnosticsSource": "existing-bucket", "DiagnosticsBucketName": "acme-diagnostics"}],
)
def test_no_role_may_change_object_acls_or_bucket_lifecycle(parameters: dict[str, str]) -> None:
    template = deployed(**parameters)
    bucket = "arn:aws:s3:::" + (
        parameters.get("DiagnosticsBucketName") or f"steward-dev-diag-{ACCOUNT_ID}-{REGION}"
    )

    for name, found in template.roles().items():
        for action, resource in [
            ("s3:PutObjectAcl", f"{bucket}/lookout/x/model_diagnostics_summary.json"),
            ("s3:PutBucketAcl", bucket),
            ("s3:PutLifecycleConfiguration", bucket),
            ("s3:PutBucketPolicy", bucket),
        ]:
            assert evaluate(found.documents, action, resource) != Decision.ALLOW, (name, action)


def test_the_diagnostics_key_is_used_only_through_s3() -> None:
    key = f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    template = deployed(
        DiagnosticsSource="existing-bucket", DiagnosticsBucketName="acme", DiagnosticsKmsKeyArn=key
    )
    documents = role(template, "DiagnosticsFunction").documents

    through_s3 = {"kms:ViaService": f"s3.{REGION}.amazonaws.com"}
    assert evaluate(documents, "kms:Decrypt", key, through_s3) == Decision.ALLOW
    assert (
        evaluate(documents, "kms:Decrypt", key, {"kms:ViaService": f"sqs.{REGION}.amazonaws.com"})
        != Decision.ALLOW
    )
    assert evaluate(documents, "kms:Decrypt", key) != Decision.ALLOW  # a direct call


# ------------------------------------------------------------------------------------ the ledger
def test_each_function_holds_exactly_the_ledger_calls_it_makes() -> None:
    template = deployed(**STACK_BUCKET)
    table = template.arn("LedgerTable")
    index = f"{table}/index/pending-alerts"
    every_call = [
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:Query",
        "dynamodb:DeleteItem",
        "dynamodb:Scan",
        "dynamodb:BatchWriteItem",
        "dynamodb:BatchGetItem",
        "dynamodb:DescribeTable",
        "dynamodb:ConditionCheckItem",
        "dynamodb:DeleteTable",
    ]
    expected = {
        "WatchFunction": ({"GetItem", "PutItem", "UpdateItem", "Query"}, {"Query"}),
        "EvaluateFunction": ({"GetItem", "PutItem", "UpdateItem", "Query"}, set()),
        "DiagnosticsFunction": ({"GetItem", "PutItem", "UpdateItem"}, set()),
        "SlackNotifierFunction": (set(), set()),
    }
    for function, (on_table, on_index) in expected.items():
        if function not in template.function_roles():
            continue
        granted_table = {a.split(":")[1] for a in every_call if allows(template, function, a, table)}
        granted_index = {a.split(":")[1] for a in every_call if allows(template, function, a, index)}
        assert (granted_table, granted_index) == (on_table, on_index), function


# ------------------------------------------------------------------------------------ topics, queues
def publish_decision(template: DeployedTemplate, topic: str, caller: Caller, **context: str) -> Decision:
    policies = {
        t: p.properties["PolicyDocument"]
        for p in template.of_type("AWS::SNS::TopicPolicy").values()
        for t in p.properties["Topics"]
    }
    arn = template.arn(topic)
    base = {"aws:SecureTransport": "true", "aws:PrincipalIsAWSService": "false" if caller.arn else "true"}
    if caller.arn:
        base["aws:PrincipalArn"] = caller.arn
    return evaluate([policies[arn]], "sns:Publish", arn, {**base, **context}, caller=caller)


@pytest.mark.parametrize("topic", ["AlertTopic", "ChatbotTopic"])
def test_only_the_stacks_functions_and_named_operators_may_publish_alerts(topic: str) -> None:
    operator = f"arn:aws:iam::{ACCOUNT_ID}:role/reliability-engineer"
    template = deployed(
        **STACK_BUCKET,
        SlackWebhookSecretArn=f"arn:aws:secretsmanager:{REGION}:{ACCOUNT_ID}:secret:slack-AbCdEf",
        ChatbotSlackWorkspaceId="T0123ABC",
        ChatbotSlackChannelId="C0123ABC",
        AlertPublisherArns=operator,
    )

    for function in ("WatchFunction", "EvaluateFunction", "DiagnosticsFunction"):
        caller = Caller(arn=template.arn(template.function_roles()[function]))
        assert publish_decision(template, topic, caller) != Decision.DENY, function
    assert publish_decision(template, topic, Caller(arn=operator)) != Decision.DENY
    for outsider in (
        f"arn:aws:iam::{ACCOUNT_ID}:role/admin",
        template.arn(template.function_roles()["SlackNotifierFunction"]),
    ):
        assert publish_decision(template, topic, Caller(arn=outsider)) == Decision.DENY, outsider


def test_only_the_stacks_own_alarms_may_publish_to_the_alert_topic() -> None:
    template = deployed()
    cloudwatch = Caller(service="cloudwatch.amazonaws.com")
    own_alarm = template.arn("AlertsFailingAlarm")
    elsewhere = f"arn:aws:cloudwatch:{REGION}:{ACCOUNT_ID}:alarm:someone-elses-alarm"

    assert (
        publish_decision(
            template,
            "AlertTopic",
            cloudwatch,
            **{"aws:SourceArn": own_alarm, "aws:SourceAccount": ACCOUNT_ID},
        )
        == Decision.ALLOW
    )
    assert (
        publish_decision(
            template,
            "AlertTopic",
            cloudwatch,
            **{"aws:SourceArn": elsewhere, "aws:SourceAccount": ACCOUNT_ID},
        )
        != Decision.ALLOW
    )


@pytest.mark.parametrize(
    "parameters",
    [
        {},
        {
            **STACK_BUCKET,
            "SlackWebhookSecretArn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:s-AbCdEf",
            "ChatbotSlackWorkspaceId": "T1",
            "ChatbotSlackChannelId": "C1",
        },
        {"DiagnosticsSource": "existing-bucket", "DiagnosticsBucketName": "acme-diagnostics"},
    ],
)
def test_every_queue_and_topic_refuses_requests_without_tls(parameters: dict[str, str]) -> None:
    template = deployed(**parameters)
    policies: dict[str, Any] = {}
    for policy in template.of_type("AWS::SNS::TopicPolicy").values():
        policies.update(dict.fromkeys(policy.properties["Topics"], policy.properties["PolicyDocument"]))
    for policy in template.of_type("AWS::SQS::QueuePolicy").values():
        policies.update(dict.fromkeys(policy.properties["Queues"], policy.properties["PolicyDocument"]))
    resources = [(n, "sns:Publish") for n in template.of_type("AWS::SNS::Topic")]
    resources += [(n, "sqs:SendMessage") for n in template.of_type("AWS::SQS::Queue")]
    anyone = Caller(arn=f"arn:aws:iam::{ACCOUNT_ID}:role/anyone")

    assert len(resources) >= 4
    for name, action in resources:
        policy = policies.get(template.ref(name))
        assert policy is not None, f"{name} has no resource policy"
        decision = evaluate(
            [policy], action, template.arn(name), {"aws:SecureTransport": "false"}, caller=anyone
        )
        assert decision == Decision.DENY, name


# ------------------------------------------------------------------------------------ alarms, config
def test_an_alarm_fires_when_alerts_keep_failing_on_the_metric_the_functions_emit() -> None:
    alarm = SOURCE["Resources"]["AlertsFailingAlarm"]["Properties"]
    variables = SOURCE["Globals"]["Function"]["Environment"]["Variables"]

    assert alarm["MetricName"] == "AlertsFailed"
    assert alarm["Namespace"] == variables["POWERTOOLS_METRICS_NAMESPACE"]
    assert alarm["Dimensions"] == [{"Name": "service", "Value": variables["POWERTOOLS_SERVICE_NAME"]}]
    assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (2, 2)  # keeps failing, not a blip
    assert alarm["AlarmActions"] == [{"Ref": "AlertTopic"}]


def test_no_samconfig_environment_turns_dry_run_off_or_watches_anything() -> None:
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    deploys = {
        env: body["deploy"]["parameters"]
        for env, body in config.items()
        if isinstance(body, dict) and "deploy" in body
    }

    assert {"default", "prod"} <= set(deploys)
    for env, parameters in deploys.items():
        overrides = dict(item.split("=", 1) for item in parameters.get("parameter_overrides", []))
        assert overrides.get("DryRun", "true") == "true", env
        assert not {"WatchedModels", "WatchedModelPrefix", "WatchAllModels"} & set(overrides), env
