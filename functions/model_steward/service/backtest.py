"""The data a backtest replays: every version of a model (ListModelVersions + DescribeModelVersion),
the model's current and previous active versions (DescribeModel), and the ledger's records when a
ledger is given. The replay itself is pure (domain.backtest)."""

from __future__ import annotations

from datetime import datetime

from model_steward.adapters import lookout
from model_steward.adapters.ledger import Ledger
from model_steward.domain.backtest import Backtest, VersionHistory, actual_activation, replay
from model_steward.errors import NotFoundError
from model_steward.models.policy import Policy


def backtest(model_name: str, policy: Policy, *, ledger: Ledger | None, now: datetime) -> Backtest:
    described = lookout.describe_model(model_name)
    numbers = sorted({s["ModelVersion"] for s in lookout.iter_model_versions(model_name)})
    if not numbers:
        raise NotFoundError(f"model {model_name} has no versions to replay")
    versions = [lookout.version_facts(lookout.describe_model_version(model_name, n)) for n in numbers]
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
            current_active=described.get("ActiveModelVersion"),
            previous_active=described.get("PreviousActiveModelVersion"),
        )
    return replay(versions, actuals, policy, fallback_now=now)
