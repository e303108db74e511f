"""An invocation's time budget, on a fake clock, and the figures the template's timeouts rest on."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from model_steward.adapters import aws
from model_steward.compose import seconds_per_alert
from model_steward.domain.budget import DEFAULT_MARGIN_SECONDS, Budget
from model_steward.errors import OutOfTime, TransientError
from model_steward.service.diagnostics import OBJECT_SECONDS
from model_steward.service.evaluate import RECORD_SECONDS

ROOT = Path(__file__).resolve().parents[2]


class FakeClock:
    def __init__(self, remaining_s: float) -> None:
        self.remaining_s = remaining_s

    def remaining_ms(self) -> int:
        return int(self.remaining_s * 1000)


def test_the_margin_is_kept_back_and_work_that_does_not_fit_is_not_started() -> None:
    clock = FakeClock(40.0)
    budget = Budget(clock.remaining_ms, margin=5.0)

    assert budget.left() == 35.0
    assert budget.allows(35.0)
    assert not budget.allows(35.5)

    clock.remaining_s = 12.0
    with pytest.raises(OutOfTime) as raised:
        budget.require(30.0, "evaluation of pump-01")
    assert str(raised.value) == (
        "evaluation of pump-01 not started: it may take 30 s and 7 s are left before the function's last 5 s"
    )
    assert isinstance(raised.value, TransientError)  # the queue or the next tick retries it

    clock.remaining_s = 5.5
    with pytest.raises(
        OutOfTime, match=r"it may take 12.5 min and 0.5 s are left before the function's last 5 s"
    ):
        budget.require(750.0, "the import of pump-01")


def test_an_unlimited_budget_allows_anything() -> None:
    budget = Budget.unlimited()
    assert not budget.limited
    assert budget.allows(1e9)
    budget.require(1e9, "anything")


@pytest.mark.parametrize(
    ("service", "worst_case", "attempt_reserve"),
    [("lookoutequipment", 50.0, 15.0), ("dynamodb", 12.0, 5.0), ("sns", 24.0, 9.0), ("s3", 69.0, 24.0)],
)
def test_the_worst_case_of_one_call_follows_from_its_client_settings(
    service: str, worst_case: float, attempt_reserve: float
) -> None:
    limits = aws.limits(service)
    assert limits.worst_case == worst_case
    assert limits.attempt_reserve == attempt_reserve
    config = limits.config()
    assert config.retries == {"mode": "standard", "total_max_attempts": limits.attempts}
    assert (config.connect_timeout, config.read_timeout) == (limits.connect_timeout, limits.read_timeout)


def test_the_cli_keeps_each_services_timeouts_with_fewer_attempts() -> None:
    aws.set_max_attempts(2)
    try:
        config = aws.config_for("lookoutequipment")
        assert config.retries == {"mode": "standard", "total_max_attempts": 2}
        assert config.read_timeout == aws.limits("lookoutequipment").read_timeout
    finally:
        aws.set_max_attempts(None)


def _timeouts() -> dict[str, int]:
    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    template = yaml.load((ROOT / "template.yaml").read_text(), Loader=Loader)
    return {
        name: resource["Properties"].get("Timeout", template["Globals"]["Function"]["Timeout"])
        for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


@pytest.mark.parametrize(
    ("function", "first_piece_of_work"),
    [
        ("WatchFunction", seconds_per_alert()),
        ("EvaluateFunction", RECORD_SECONDS),
        ("DiagnosticsFunction", OBJECT_SECONDS),
    ],
)
def test_each_timeout_leaves_room_for_its_work_the_guard_and_the_margin(
    function: str, first_piece_of_work: float
) -> None:
    # The derivation written next to each Timeout in template.yaml: a fresh invocation can start
    # its first piece of work, and an attempt cut short by the guard still ends before the margin.
    slowest_attempt = max(limits.attempt_reserve for limits in aws.LIMITS.values())
    assert _timeouts()[function] >= first_piece_of_work + slowest_attempt + DEFAULT_MARGIN_SECONDS
