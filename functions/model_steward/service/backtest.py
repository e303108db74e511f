"""The data a backtest replays: every version of a model, the model's current and previous active
versions (the registry), and the ledger's records when a ledger is given. The replay itself is pure
(domain.backtest)."""

from __future__ import annotations

from datetime import datetime

from model_steward.domain.backtest import Backtest, VersionHistory, actual_activation, replay
from model_steward.errors import NotFoundError
from model_steward.models.policy import Policy
from model_steward.ports import Ledger, ModelRegistry


def backtest(
    model_name: str, policy: Policy, *, registry: ModelRegistry, ledger: Ledger | None, now: datetime
) -> Backtest:
    model = registry.describe_model(model_name)
    numbers = registry.version_numbers(model_name)
    if not numbers:
        raise NotFoundError(f"model {model_name} has no versions to replay")
    versions = [registry.describe_version(model_name, n) for n in numbers]
    records = {r.version: r for r in ledger.versions(model_name)} if ledger is not None else {}
    actuals = {}
    for facts in versions:
        record = records.get(facts.version)
        history = (
            VersionHistory(
                ledger_state=record.state.value, ledger_outcome=record.outcome, ledger_actor=record.actor
            )
            if record
            else VersionHistory()
        )
        actuals[facts.version] = actual_activation(
            facts,
            history,
            current_active=model.active_version,
            previous_active=model.previous_active_version,
        )
    return replay(versions, actuals, policy, fallback_now=now)
