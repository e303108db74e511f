"""A SiteWise-only deployment scoped to named computation models: only their units are governed,
and the deployed roles may start inference on them alone and read the bucket only under the
metrics and results prefixes."""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from typing import Any

import pytest

from emulators.stack import LocalStack
from model_steward.adapters.aws import reset_clients
from model_steward.models.ledger import VersionState
from tests.integration.retraining import GOOD, PRIOR, ledger, record, tick

GOVERNED = "0d5f0c1e-6a53-4c6e-9b1e-7f2a5d3c9a11"
OTHER = "8b7e4a2c-1f3d-4e5a-9c6b-2d1e0f9a8b77"
OTHER_VALVE = "5c2d7e9a-3b4f-4a1c-8e6d-0f9b8a7c6d55"
BUCKET = "acme-sitewise-artifacts"
PARAMETERS = {
    "ModelRegistry": "sitewise",
    "SiteWiseComputationModelIds": GOVERNED,
    "SiteWiseBucketName": BUCKET,
    "SiteWiseMetricsPrefix": "ad/metrics/",
    "SiteWiseResultsPrefix": "ad/results/",
    "DryRun": "false",
    "PolicyCooldownHours": "0",
    "PolicyMinModelQuality": "CANNOT_DETERMINE_QUALITY",
}


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack(PARAMETERS) as deployed:
        deployed.client("s3").create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": deployed.region}
        )
        reset_clients()
        yield deployed
    reset_clients()


def role_statements(stack: LocalStack, function: str) -> list[dict[str, Any]]:
    iam = stack.client("iam")
    role = stack.client("lambda").get_function_configuration(FunctionName=stack.functions[function].name)[
        "Role"
    ]
    name = role.rsplit("/", 1)[-1]
    statements = []
    for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"]
        if isinstance(document, str):  # moto answers the document's Python form, AWS URL-encoded JSON
            document = ast.literal_eval(document)
        statements.extend(document["Statement"])
    return statements


def granted(statements: list[dict[str, Any]], action: str) -> list[str]:
    resources = []
    for statement in statements:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if action in actions:
            found = statement["Resource"]
            resources.extend(found if isinstance(found, list) else [found])
    return sorted(resources)


def test_only_the_governed_models_units_are_decided(stack: LocalStack) -> None:
    sitewise = stack.sitewise
    governed = sitewise.seed_unit(
        "Pump anomaly", "Pump 31", bucket=BUCKET, metrics_prefix="ad/metrics/", results_prefix="ad/results/",
        model_id=GOVERNED,
    )  # fmt: skip
    other = sitewise.seed_unit("Fan anomaly", "Fan 31", bucket=BUCKET, model_id=OTHER)
    for key in (governed, other):
        sitewise.train(key, metrics=PRIOR, activate=True)
    tick(stack)
    versions = {}
    for key in (governed, other):
        versions[key] = sitewise.start_retraining(key)
        sitewise.finish_retraining(key, versions[key], metrics=GOOD)

    tick(stack)

    assert record(stack, governed, versions[governed]).state is VersionState.PROMOTED
    assert ledger(stack).model_state(other) is None
    assert sitewise.active_version(other) == 1


def test_the_evaluate_role_starts_inference_on_the_governed_models_only(stack: LocalStack) -> None:
    statements = role_statements(stack, "EvaluateFunction")
    arn = f"arn:aws:iotsitewise:{stack.region}:{stack.account_id}"

    assert granted(statements, "iotsitewise:ExecuteAction") == [
        f"arn:*:iotsitewise:*:*:computation-model/{GOVERNED}",  # a role acts in its own account
        f"{arn}:asset/*",
    ]
    assert granted(statements, "s3:GetObject") == [
        f"arn:aws:s3:::{BUCKET}/ad/metrics/*",
        f"arn:aws:s3:::{BUCKET}/ad/results/*",
    ]
    (listing,) = [s for s in statements if s["Action"] == "s3:ListBucket" or s["Action"] == ["s3:ListBucket"]]
    assert listing["Condition"] == {"StringLike": {"s3:prefix": ["ad/metrics/*", "ad/results/*"]}}
    assert "iotsitewise:ExecuteAction" not in json.dumps(role_statements(stack, "WatchFunction"))


def test_the_evaluate_role_can_neither_read_nor_activate_a_model_the_deployment_does_not_govern(
    stack: LocalStack,
) -> None:
    """The evaluate function's own role, checked by the emulator as SiteWise checks a caller."""
    from model_steward.adapters.sitewise import SiteWiseRegistry
    from model_steward.errors import ConfigurationError

    other = stack.sitewise.seed_unit("Valve anomaly", "Valve 31", bucket=BUCKET, model_id=OTHER_VALVE)
    stack.sitewise.train(other, metrics=PRIOR, activate=True)
    version = stack.sitewise.start_retraining(other)
    stack.sitewise.finish_retraining(other, version, metrics=GOOD)
    sent = len(stack.sitewise.payloads(other))

    with (
        stack.function_environment("EvaluateFunction"),
        pytest.raises(ConfigurationError, match=r"not authorized to perform: iotsitewise:\w+ on resource"),
    ):
        SiteWiseRegistry(stack.region, activation_wait=0).activate(other, version)

    assert stack.sitewise.active_version(other) == 1
    assert len(stack.sitewise.payloads(other)) == sent
