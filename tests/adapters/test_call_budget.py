"""During an invocation the product's clients keep to its budget: an attempt that could not end
before the budget's margin is not started (the request never leaves the process)."""

from __future__ import annotations

import pytest

from emulators.lookout import LookoutEmulator
from model_steward.adapters import aws
from model_steward.adapters.lookout import LookoutRegistry
from model_steward.domain.budget import Budget
from model_steward.errors import OutOfTime


@pytest.fixture
def registry(lookout_sandbox: LookoutEmulator) -> LookoutRegistry:
    lookout_sandbox.seed_model("pump-01")
    lookout_sandbox.add_version("pump-01", activate=True)
    lookout_sandbox.reset_calls()
    return LookoutRegistry("eu-west-1")


def test_an_attempt_that_cannot_end_in_time_is_not_made(
    lookout_sandbox: LookoutEmulator, registry: LookoutRegistry
) -> None:
    # 19 s left, 5 s of them the margin: less than one Lookout attempt and its wait (7 + 8 s)
    aws.use_budget(Budget(lambda: 19_000, margin=5.0))

    with pytest.raises(OutOfTime, match="lookoutequipment call not attempted: an attempt may take 15 s"):
        registry.describe_model("pump-01")

    assert lookout_sandbox.calls == []


def test_with_time_enough_the_call_is_made(
    lookout_sandbox: LookoutEmulator, registry: LookoutRegistry
) -> None:
    aws.use_budget(Budget(lambda: 21_000, margin=5.0))

    assert registry.describe_model("pump-01").active_version == 1
    assert "DescribeModel" in [call.operation for call in lookout_sandbox.calls]


def test_without_a_budget_nothing_is_refused(registry: LookoutRegistry) -> None:
    aws.use_budget(None)
    assert registry.active_version("pump-01") == 1
