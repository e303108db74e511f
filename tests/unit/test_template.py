"""template.yaml as a platform engineer reviews it: handlers import, IAM is narrow, wiring is whole."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

from emulators import cfn
from tests.helpers import ROOT

TEMPLATE = cfn.load_template(ROOT / "template.yaml")
FUNCTIONS = {
    name: body for name, body in TEMPLATE["Resources"].items() if body["Type"] == "AWS::Serverless::Function"
}


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_every_handler_path_in_the_template_imports_to_a_callable(logical_id: str) -> None:
    module_name, attribute = FUNCTIONS[logical_id]["Properties"]["Handler"].rsplit(".", 1)

    handler = getattr(importlib.import_module(module_name), attribute)

    assert callable(handler)


def _statements(node: Any) -> list[dict[str, Any]]:
    found = []
    if isinstance(node, dict):
        if "Effect" in node and "Action" in node:
            found.append(node)
        for value in node.values():
            found.extend(_statements(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_statements(value))
    return found


def test_resource_star_is_granted_only_for_list_calls_that_accept_nothing_else() -> None:
    star_only = {
        "lookoutequipment:ListModels",
        "lookoutequipment:ListRetrainingSchedulers",
        "iotsitewise:ListComputationModels",  # no resource type in the authorization reference
        "iotsitewise:DescribeExecution",  # no resource type either
    }
    for name, body in FUNCTIONS.items():
        for statement in _statements(body["Properties"].get("Policies", [])):
            if statement.get("Resource") == "*":
                actions = (
                    statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                )
                assert set(actions) <= star_only, f"{name} grants {actions} on *"


def test_every_dead_letter_queue_has_an_alarm_that_notifies_the_alert_topic() -> None:
    resources = TEMPLATE["Resources"]
    queues = {
        name for name, body in resources.items() if body["Type"] == "AWS::SQS::Queue" and "DeadLetter" in name
    }
    alarmed = {
        alarm["Properties"]["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
        for alarm in resources.values()
        if alarm["Type"] == "AWS::CloudWatch::Alarm" and alarm["Properties"]["Namespace"] == "AWS/SQS"
    }
    assert queues
    assert queues == alarmed
    for alarm in resources.values():
        if alarm["Type"] == "AWS::CloudWatch::Alarm":
            assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlertTopic"}]


def test_every_function_has_an_error_alarm_and_its_own_log_group_with_retention() -> None:
    resources = TEMPLATE["Resources"]
    alarmed = {
        alarm["Properties"]["Dimensions"][0]["Value"]["Ref"]
        for alarm in resources.values()
        if alarm["Type"] == "AWS::CloudWatch::Alarm" and alarm["Properties"]["MetricName"] == "Errors"
    }
    assert alarmed == set(FUNCTIONS)
    for name, body in FUNCTIONS.items():
        group = body["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        assert resources[group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}, name


def test_asynchronous_functions_have_an_on_failure_destination() -> None:
    for name in ("WatchFunction", "DiagnosticsFunction", "SlackNotifierFunction"):
        config = FUNCTIONS[name]["Properties"]["EventInvokeConfig"]
        assert config["DestinationConfig"]["OnFailure"]["Type"] == "SQS", name


def test_the_slack_webhook_is_referenced_by_secret_arn_and_never_passed_as_a_url() -> None:
    text = (ROOT / "template.yaml").read_text()

    assert "hooks.slack.com" not in text
    env = FUNCTIONS["SlackNotifierFunction"]["Properties"]["Environment"]["Variables"]
    assert env["SLACK_WEBHOOK_SECRET_ARN"] == {"Ref": "SlackWebhookSecretArn"}


def test_every_parameter_is_described_and_constrained() -> None:
    for name, spec in TEMPLATE["Parameters"].items():
        assert spec.get("Description"), name
        constrained = {"AllowedPattern", "AllowedValues", "MinValue"} & set(spec)
        assert constrained, f"{name} has no AllowedPattern/AllowedValues/MinValue"
