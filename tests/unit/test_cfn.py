"""The local deployer's template handling: parameters, conditions, rules, code packaging."""

from __future__ import annotations

import io
import zipfile

import pytest

from emulators import cfn
from tests.helpers import ROOT

TEMPLATE = {
    "Parameters": {
        "Mode": {"Type": "String", "Default": "none", "AllowedValues": ["none", "bucket"]},
        "Name": {"Type": "String", "Default": ""},
    },
    "Conditions": {
        "UseBucket": {"Fn::Equals": [{"Ref": "Mode"}, "bucket"]},
        "HasName": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Name"}, ""]}]},
        "Both": {"Fn::And": [{"Condition": "UseBucket"}, {"Condition": "HasName"}]},
    },
    "Rules": {
        "BucketNeedsName": {
            "RuleCondition": {"Fn::Equals": [{"Ref": "Mode"}, "bucket"]},
            "Assertions": [
                {
                    "Assert": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Name"}, ""]}]},
                    "AssertDescription": "needs a name",
                }
            ],
        }
    },
    "Resources": {
        "Bucket": {"Type": "AWS::S3::Bucket", "Condition": "UseBucket", "Properties": {}},
        "Role": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "Policies": [
                    {"PolicyName": "always"},
                    {"Fn::If": ["UseBucket", {"PolicyName": "bucket"}, {"Ref": "AWS::NoValue"}]},
                ],
                "Description": {"Fn::If": ["HasName", "named", {"Ref": "AWS::NoValue"}]},
            },
        },
    },
    "Outputs": {"BucketName": {"Condition": "UseBucket", "Value": {"Ref": "Bucket"}}},
}


def test_given_a_false_condition_when_resolving_then_its_resources_outputs_and_novalues_disappear() -> None:
    resolved = cfn.resolve_conditions(TEMPLATE, cfn.parameter_values(TEMPLATE, {}))

    assert set(resolved["Resources"]) == {"Role"}
    assert resolved["Outputs"] == {}
    assert resolved["Resources"]["Role"]["Properties"] == {"Policies": [{"PolicyName": "always"}]}
    assert "Conditions" not in resolved


def test_given_a_true_condition_when_resolving_then_fn_if_takes_the_true_branch_without_condition_keys() -> (
    None
):
    resolved = cfn.resolve_conditions(
        TEMPLATE, cfn.parameter_values(TEMPLATE, {"Mode": "bucket", "Name": "x"})
    )

    assert resolved["Resources"]["Bucket"] == {"Type": "AWS::S3::Bucket", "Properties": {}}
    assert resolved["Resources"]["Role"]["Properties"] == {
        "Policies": [{"PolicyName": "always"}, {"PolicyName": "bucket"}],
        "Description": "named",
    }
    assert resolved["Outputs"] == {"BucketName": {"Value": {"Ref": "Bucket"}}}


def test_given_a_rule_assertion_that_fails_when_resolving_then_its_description_is_the_error() -> None:
    with pytest.raises(cfn.TemplateError, match="needs a name"):
        cfn.resolve_conditions(TEMPLATE, cfn.parameter_values(TEMPLATE, {"Mode": "bucket"}))


def test_given_a_value_outside_allowed_values_or_an_unknown_parameter_then_it_is_refused() -> None:
    with pytest.raises(cfn.TemplateError, match="Mode='s3' is not one of"):
        cfn.parameter_values(TEMPLATE, {"Mode": "s3"})
    with pytest.raises(cfn.TemplateError, match="unknown parameters: Nope"):
        cfn.parameter_values(TEMPLATE, {"Nope": "1"})


def test_given_the_functions_folder_when_packaged_then_the_zip_has_the_package_and_no_caches() -> None:
    names = zipfile.ZipFile(io.BytesIO(cfn.package_code(ROOT / "functions"))).namelist()

    assert "model_steward/handlers/watch.py" in names
    assert "requirements.txt" in names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


def test_given_the_project_template_then_every_function_uses_the_one_shared_code_uri() -> None:
    template = cfn.load_template(ROOT / "template.yaml")

    assert cfn.code_uris(template) == {"functions/"}
    relocated = cfn.with_code_location(template, "bucket", {"functions/": "code.zip"})
    assert relocated["Globals"]["Function"]["CodeUri"] == "s3://bucket/code.zip"
    assert template["Globals"]["Function"]["CodeUri"] == "functions/"  # the source is not modified


def test_references_are_found_in_ref_getatt_and_sub_strings() -> None:
    node = {
        "A": {"Ref": "Topic"},
        "B": {"Fn::GetAtt": ["Queue", "Arn"]},
        "C": {"Fn::Sub": "arn:${AWS::Partition}:x:${Alarm.Arn}/${Bucket}/${!Literal}"},
        "D": {"Fn::GetAtt": "Role.Arn"},
    }

    assert cfn.references(node) == {"Topic", "Queue", "AWS::Partition", "Alarm", "Bucket", "Role"}


def test_what_refers_to_an_unsupported_resource_waits_too_and_so_do_its_outputs() -> None:
    template = {
        "Resources": {
            "Alarm": {"Type": "AWS::CloudWatch::Alarm", "Properties": {}},
            "Dashboard": {
                "Type": "AWS::CloudWatch::Dashboard",
                "Properties": {"Body": {"Fn::Sub": "${Alarm.Arn}"}},
            },
            "Queue": {"Type": "AWS::SQS::Queue", "Properties": {}},
        },
        "Outputs": {"Board": {"Value": {"Ref": "Dashboard"}}, "QueueUrl": {"Value": {"Ref": "Queue"}}},
    }

    for_moto, later, waiting = cfn.split_for_moto(template, {"Alarm"})

    assert waiting == {"Alarm", "Dashboard"}
    assert set(for_moto["Resources"]) == {"Queue"}
    assert set(for_moto["Outputs"]) == {"QueueUrl"}
    assert set(later) == {"Board"}


def test_conditions_may_pick_a_name_out_of_a_comma_separated_parameter() -> None:
    pick = {"Fn::Select": [1, {"Fn::Split": [",", {"Fn::Sub": "${Names},,"}]}]}
    template = {
        "Parameters": {"Names": {"Type": "String", "Default": ""}},
        "Conditions": {"HasSecond": {"Fn::Not": [{"Fn::Equals": [pick, ""]}]}},
        "Resources": {"Second": {"Type": "AWS::SNS::Topic", "Condition": "HasSecond", "Properties": {}}},
    }

    one = cfn.resolve_conditions(template, cfn.parameter_values(template, {"Names": "pump-01"}))
    two = cfn.resolve_conditions(template, cfn.parameter_values(template, {"Names": "pump-01,pump-02"}))

    assert "Second" not in one["Resources"]
    assert "Second" in two["Resources"]
