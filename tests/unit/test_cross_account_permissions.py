"""Cross-account promotion's permissions, checked on a staging and a production deployment of the
template (no AWS, no moto): approvals may flow from the named account only, imports go into the
mapped models only, the import role is passed to Lookout for Equipment only. Mutations show the check
finds what it claims to."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from emulators import cfn
from emulators.permissions import CROSS_ACCOUNT_SETS, cross_account_findings, deployments
from tests.helpers import ROOT

SOURCE = cfn.load_template(ROOT / "template.yaml")
(PAIR,) = CROSS_ACCOUNT_SETS.values()


def statements(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if "Effect" in node and ("Action" in node or "NotAction" in node):
            yield node
        for value in node.values():
            yield from statements(value)
    elif isinstance(node, list):
        for value in node:
            yield from statements(value)


def findings_of(template: dict[str, Any], pair: tuple[dict[str, str], dict[str, str]] = PAIR) -> list[str]:
    return cross_account_findings(*deployments(template, pair))


def test_the_template_lets_approvals_and_imports_through_and_no_further() -> None:
    assert findings_of(SOURCE) == []


def test_a_source_function_without_put_events_is_found() -> None:
    broken = copy.deepcopy(SOURCE)
    for statement in statements(broken["Resources"]["EvaluateFunction"]):
        if statement.get("Sid") == "SendApprovalsToTheTargetBus":
            statement["Action"] = "events:DescribeEventBus"

    assert findings_of(broken) == [
        "EvaluateFunctionRole: its policies do not allow events:PutEvents on "
        "arn:aws:events:eu-west-1:222222222222:event-bus/model-steward-prod-approvals"
    ]


def test_a_bus_policy_open_to_every_account_is_found() -> None:
    broken = copy.deepcopy(SOURCE)
    broken["Resources"]["ApprovalBusPolicy"]["Properties"]["Statement"]["Principal"] = "*"

    assert any("lets accounts that are not named put events" in f for f in findings_of(broken))


def test_a_bus_policy_naming_another_account_is_found() -> None:
    source, target = PAIR
    findings = findings_of(SOURCE, (source, {**target, "ImportSourceAccounts": "444444444444"}))

    assert {f.split(":", 1)[0] for f in findings if "does not let account 111111111111" in f} == {
        "WatchFunctionRole",
        "EvaluateFunctionRole",
    }
    assert any(
        "ApprovalRule: its pattern does not match events of account 111111111111" in f for f in findings
    )


def test_an_import_role_allowed_every_model_is_found() -> None:
    broken = copy.deepcopy(SOURCE)
    for statement in statements(broken["Resources"]["ImportFunction"]):
        if statement.get("Sid") == "LookoutImportIntoMappedModels":
            statement["Resource"] = "*"

    assert findings_of(broken) == [
        "ImportFunction: may import with a model that is not mapped",
        "ImportFunction: may import with a dataset that is not mapped",
    ]


def test_pass_role_without_its_service_condition_is_found() -> None:
    broken = copy.deepcopy(SOURCE)
    for statement in statements(broken["Resources"]["ImportFunction"]):
        if statement.get("Sid") == "PassTheImportRoleToLookoutOnly":
            del statement["Condition"]

    assert findings_of(broken) == [
        "ImportFunction: may pass arn:aws:iam::222222222222:role/LookoutImport to ec2.amazonaws.com"
    ]


def test_a_source_sending_to_a_bus_the_target_does_not_create_is_found() -> None:
    source, target = PAIR
    wrong = {**source, "ApprovalBusArn": "arn:aws:events:eu-west-1:222222222222:event-bus/elsewhere"}

    assert findings_of(SOURCE, (wrong, target)) == [
        "the source sends approvals to arn:aws:events:eu-west-1:222222222222:event-bus/elsewhere, "
        "which the target does not create"
    ]
