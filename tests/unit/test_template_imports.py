"""Cross-account promotion in the template: nothing exists or changes while its parameters are
empty; with them, each side gets exactly what it needs (judged on the transformed template)."""

from __future__ import annotations

import pytest

from emulators import cfn
from emulators.permissions import CROSS_ACCOUNT_SETS, Decision, DeployedTemplate, evaluate
from tests.helpers import ROOT

SOURCE = cfn.load_template(ROOT / "template.yaml")
(STAGING_PARAMETERS, PRODUCTION_PARAMETERS) = next(iter(CROSS_ACCOUNT_SETS.values()))
TARGET_SIDE = {
    "ApprovalBus",
    "ApprovalBusPolicy",
    "ApprovalRule",
    "ApprovalQueue",
    "ApprovalDeadLetterQueue",
    "ApprovalQueuePolicy",
    "ImportFunction",
    "ImportFunctionRole",
    "ImportLogGroup",
    "ApprovalDeadLetterAlarm",
    "ImportErrorsAlarm",
}


def environment(t: DeployedTemplate, function: str) -> dict[str, str]:
    variables: dict[str, str] = t.resources[function].properties["Environment"]["Variables"]
    return variables


def test_with_the_parameters_empty_nothing_of_it_is_created_and_nothing_may_send_events() -> None:
    t = DeployedTemplate(SOURCE, {})

    assert TARGET_SIDE.isdisjoint(t.resources)
    assert "ApprovalsFailingAlarm" not in t.resources
    for function in ("WatchFunction", "EvaluateFunction"):
        assert environment(t, function)["APPROVAL_BUS_ARN"] == ""
        role = t.roles()[t.function_roles()[function]]
        assert evaluate(role.documents, "events:PutEvents", "*") is Decision.NONE


def test_the_source_side_sends_to_the_named_bus_only() -> None:
    t = DeployedTemplate(SOURCE, STAGING_PARAMETERS)
    bus = STAGING_PARAMETERS["ApprovalBusArn"]

    assert TARGET_SIDE.isdisjoint(t.resources)
    assert "ApprovalsFailingAlarm" in t.resources
    for function in ("WatchFunction", "EvaluateFunction"):
        assert environment(t, function)["APPROVAL_BUS_ARN"] == bus
        role = t.roles()[t.function_roles()[function]]
        assert evaluate(role.documents, "events:PutEvents", bus) is Decision.ALLOW
        assert evaluate(role.documents, "events:PutEvents", bus + "-other") is Decision.NONE


def test_the_target_side_creates_the_bus_rule_queue_and_import_function() -> None:
    t = DeployedTemplate(SOURCE, PRODUCTION_PARAMETERS)

    assert set(t.resources) >= TARGET_SIDE
    pattern = t.resources["ApprovalRule"].properties["EventPattern"]
    assert pattern == {
        "source": ["model-steward"],
        "detail-type": ["Model Version Approved"],
        "account": ["111111111111"],
    }
    variables = environment(t, "ImportFunction")
    assert variables["IMPORT_MODEL_MAP"] == PRODUCTION_PARAMETERS["ImportModelMap"]
    assert variables["IMPORT_SOURCE_ACCOUNTS"] == "111111111111"
    publishers = t.resources["AlertTopicPolicy"].properties["PolicyDocument"]["Statement"][1]
    assert t.arn("ImportFunctionRole") in publishers["Condition"]["ArnNotEquals"]["aws:PrincipalArn"]


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"ImportSourceAccounts": "111111111111"}, "ImportSourceAccounts needs ImportModelMap"),
        ({"ImportModelMap": "a=b:c"}, "ImportModelMap needs ImportSourceAccounts"),
    ],
)
def test_one_target_parameter_without_the_other_is_refused(parameters: dict[str, str], message: str) -> None:
    with pytest.raises(cfn.TemplateError, match=message):
        DeployedTemplate(SOURCE, parameters)
