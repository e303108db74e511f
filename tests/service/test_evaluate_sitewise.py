"""The evaluate flow on SiteWise-shaped facts (in-memory fakes): an unlike comparison is held once
with its sentence and the registry's raw answers in the record; a SERVICE_MANAGED scheduler is a
conflict that activates nothing; the readable name reaches the alert."""

from __future__ import annotations

import json

from model_steward.domain.samples import metrics_json
from model_steward.models.decision import PriorBasis
from model_steward.models.ledger import VersionState
from model_steward.models.policy import Policy
from tests.service.conftest import World

LABEL = "Pump anomaly / Pump 01"
RAW = json.dumps({"execution": {"executionId": "e-2", "executionEntityVersion": "2"}})
PRIOR = metrics_json(num_labeled=8, num_identified=6, unknown=4)
BETTER = metrics_json(num_labeled=8, num_identified=7, unknown=3)
SITEWISE_POLICY = Policy(dry_run=False, cooldown_hours=0, min_model_quality="CANNOT_DETERMINE_QUALITY")


def seeded(world: World, scheduler: str) -> None:
    world.policy = SITEWISE_POLICY
    world.seed_active_model("pump-01", scheduler=scheduler, label=LABEL)


def test_a_better_version_on_unlike_terms_is_held_once_with_its_sentence_and_raw_answers(
    world: World,
) -> None:
    seeded(world, "CUSTOMER_MANAGED")
    unlike = {
        "prior_basis": PriorBasis.OTHER_WINDOW,
        "prior_description": "version 1's own metrics (another window)",
        "raw": RAW,
    }
    version = world.registry.add_version(
        "pump-01", model_quality=None, model_metrics=BETTER, prior_model_metrics=PRIOR, facts=unlike
    )

    world.tick("full-sweep")
    world.tick("full-sweep")

    held = world.ledger.version("pump-01", version)
    assert held is not None
    assert (held.state, held.outcome) == (VersionState.DECIDED, "HOLD")
    assert "was compared with version 1's own metrics (another window)" in held.summary
    assert held.registry_facts == RAW
    assert world.registry.call_count("activate") == 0
    assert world.topic.kinds() == ["HELD"]
    assert world.topic.published[0].title == f"{LABEL} v2 held for review"


def test_a_service_managed_scheduler_is_reported_as_a_conflict_and_nothing_is_activated(world: World) -> None:
    seeded(world, "SERVICE_MANAGED")
    version = world.registry.add_version(
        "pump-01",
        model_quality=None,
        model_metrics=BETTER,
        prior_model_metrics=PRIOR,
        auto_promotion_result="MODEL_PROMOTED",
        auto_promotion_result_reason="AUTO_PROMOTION_SUCCESSFUL",
    )

    world.tick("full-sweep")
    world.tick("full-sweep")

    conflict = world.ledger.version("pump-01", version)
    assert conflict is not None
    assert (conflict.state, conflict.outcome) == (VersionState.DECIDED, "CONFLICT")
    assert conflict.service_auto_promotion == "MODEL_PROMOTED"
    assert world.registry.call_count("activate") == 0
    assert world.topic.kinds() == ["CONFIGURATION_PROBLEM"]
    assert "SERVICE_MANAGED" in world.topic.published[0].summary
