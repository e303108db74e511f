"""Which watched models need an evaluation this tick (pure).

One ListModels page describes up to 500 models, including the fields that move when a model gets
news (active version, latest scheduled retraining version and status). A model is queued when its
summary differs from the one recorded after its last evaluation, when it was never seen, when
the ledger asked to look again (open versions, a cooldown ending), or on the full sweep, which
catches imported and manually trained versions that leave the summary unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from model_steward.models.ledger import ModelState
from model_steward.models.messages import LOOKOUT_FOR_EQUIPMENT, EvaluateRequest


@dataclass(frozen=True)
class WatchPlan:
    requests: list[EvaluateRequest] = field(default_factory=list)
    watched: int = 0
    missing: list[str] = field(default_factory=list)  # explicitly watched names ListModels did not return


def plan_tick(
    summaries: Iterable[tuple[str, str]],
    states: Mapping[str, ModelState],
    *,
    watches: Callable[[str], bool],
    explicit_names: Iterable[str],
    now: datetime,
    full_sweep: bool,
    tick_id: str,
    registry: str = LOOKOUT_FOR_EQUIPMENT,
) -> WatchPlan:
    """``summaries``: (model name, summary fingerprint) for every model ListModels returned."""
    requests = []
    seen = set()
    watched = 0
    for name, fingerprint in summaries:
        seen.add(name)
        if not watches(name):
            continue
        watched += 1
        reasons = _reasons(states.get(name), fingerprint, now=now, full_sweep=full_sweep)
        if reasons:
            requests.append(
                EvaluateRequest(
                    model_name=name,
                    registry=registry,
                    reasons=tuple(reasons),
                    fingerprint=fingerprint,
                    tick_id=tick_id,
                )
            )
    missing = sorted(set(explicit_names) - seen)
    return WatchPlan(requests=requests, watched=watched, missing=missing)


def _reasons(state: ModelState | None, fingerprint: str, *, now: datetime, full_sweep: bool) -> list[str]:
    if state is None:
        return ["new-model"]
    reasons = []
    if state.summary_fingerprint != fingerprint:
        reasons.append("summary-changed")
    if state.revisit_at is not None and state.revisit_at <= now:
        reasons.append("revisit-due")
    if full_sweep:
        reasons.append("full-sweep")
    return reasons
