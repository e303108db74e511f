"""The model registry's contract, asserted against the in-memory fake, the Lookout for Equipment
adapter talking to its emulator, and the SiteWise adapter talking to its emulator (unmodified boto3
clients over HTTP): the same scenario, the same answers.

What only Lookout for Equipment has (a model listed before it is trained, ModelQuality, SourceType,
AutoPromotionResult codes, its console and object layout) is asserted on the ``lookout_registry``
fixture (the fake and the Lookout emulator); SiteWise's own are in tests/adapters/test_sitewise_*.
Where the two services name the same thing differently (CUSTOMER_MANAGED for MANUAL, a running
version refused rather than a model busy) the ``Registry`` says which word to expect."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from model_steward.adapters.lookout import LookoutRegistry
from model_steward.adapters.sitewise import SiteWiseRegistry
from model_steward.domain.samples import metrics_json
from model_steward.errors import ActivationConflict, ActivationRefused, NotFoundError
from model_steward.models.decision import ObjectLocation
from model_steward.models.registry import VersionRef
from model_steward.ports import ModelRegistry
from tests.aws import REGION
from tests.contract.sitewise_world import NamedRegistry, SiteWiseWorld
from tests.fakes.registry import FakeRegistry

BUCKET = "diagnostics-bucket"


@dataclass
class Registry:
    """The port under test and the scenario API that feeds it (the emulator's, or the fake's)."""

    port: ModelRegistry
    world: Any
    manual: str = "MANUAL"
    """The promotion mode in which the customer activates versions."""
    frequency: str = "P1M"
    running_version_error: type[Exception] = ActivationConflict
    """What activating a version whose training still runs raises."""


def _registry(request: pytest.FixtureRequest, kind: str) -> Registry:
    if kind == "fake":
        fake = FakeRegistry(REGION)
        return Registry(fake, fake)
    if kind == "lookout":
        return Registry(LookoutRegistry(REGION), request.getfixturevalue("lookout_sandbox"))
    world = SiteWiseWorld(request.getfixturevalue("sitewise_sandbox"))
    return Registry(
        NamedRegistry(SiteWiseRegistry(REGION, activation_wait=0), world),
        world,
        manual="CUSTOMER_MANAGED",
        frequency="P30D",
        running_version_error=ActivationRefused,
    )


@pytest.fixture(params=["fake", "lookout", "sitewise"])
def registry(request: pytest.FixtureRequest) -> Registry:
    return _registry(request, request.param)


@pytest.fixture(params=["fake", "lookout"])
def lookout_registry(request: pytest.FixtureRequest) -> Registry:
    """What Lookout for Equipment alone does (the fake is Lookout-shaped)."""
    return _registry(request, request.param)


def pump(registry: Registry, name: str = "pump-01", **seed: Any) -> None:
    """A labelled model with a MANUAL scheduler writing diagnostics to BUCKET, version 1 active."""
    registry.world.seed_model(
        name, scheduler="MANUAL", diagnostics_bucket=BUCKET, diagnostics_prefix="lookout/", **seed
    )
    registry.world.add_version(name, activate=True)


def test_the_listing_names_every_model_and_filters_by_prefix(lookout_registry: Registry) -> None:
    registry = lookout_registry
    pump(registry, "pump-01")
    pump(registry, "pump-02")
    registry.world.seed_model("fan-01")

    everything = {m.model_name: m for m in registry.port.list_models()}

    assert sorted(everything) == ["fan-01", "pump-01", "pump-02"]
    assert [m.model_name for m in registry.port.list_models("pump-")] == ["pump-01", "pump-02"]
    assert everything["pump-01"].diagnostics_output == ObjectLocation(bucket=BUCKET, key="lookout/")
    assert everything["fan-01"].diagnostics_output is None
    assert everything["pump-01"].scheduler_status == "RUNNING"
    assert everything["pump-01"].next_retraining is not None


def test_the_fingerprint_moves_when_a_retraining_starts_ends_or_a_version_is_activated(
    registry: Registry,
) -> None:
    pump(registry)

    def fingerprint() -> str:
        (listing,) = registry.port.list_models("pump-01")
        return listing.fingerprint

    seen = [fingerprint()]
    version = registry.world.start_retraining("pump-01")
    seen.append(fingerprint())
    registry.world.finish_retraining("pump-01", version, model_metrics=metrics_json())
    seen.append(fingerprint())
    registry.port.activate("pump-01", version)
    seen.append(fingerprint())

    assert len(set(seen)) == 4
    assert fingerprint() == seen[-1]  # nothing new: the same fingerprint


def test_a_model_is_described_with_its_active_and_previous_versions(registry: Registry) -> None:
    pump(registry)
    second = registry.world.add_version("pump-01")

    before = registry.port.describe_model("pump-01")
    assert registry.port.activate("pump-01", second) == second
    after = registry.port.describe_model("pump-01")

    assert (before.active_version, before.previous_active_version) == (1, None)
    assert (after.active_version, after.previous_active_version) == (second, 1)
    assert after.active_version_activated_at is not None
    assert (after.promote_mode, after.scheduler_status) == (registry.manual, "RUNNING")
    registry.world.seed_model("bare-01")
    bare = registry.port.describe_model("bare-01")
    assert (bare.active_version, bare.promote_mode, bare.scheduler_status) == (None, None, None)


def test_versions_are_numbered_from_one_and_listed_from_a_number(registry: Registry) -> None:
    pump(registry)
    for _ in range(3):
        registry.world.add_version("pump-01")

    assert registry.port.version_numbers("pump-01") == [1, 2, 3, 4]
    assert registry.port.version_numbers("pump-01", from_version=3) == [3, 4]
    assert registry.port.version_numbers("pump-01", from_version=5) == []


def test_a_version_is_described_with_its_quality_metrics_and_diagnostics_object(
    lookout_registry: Registry,
) -> None:
    registry = lookout_registry
    pump(registry)
    metrics = metrics_json(num_identified=7)
    version = registry.world.add_version("pump-01", model_metrics=metrics, prior_model_metrics=metrics_json())

    facts = registry.port.describe_version("pump-01", version)

    assert (facts.model_name, facts.version, facts.status) == ("pump-01", version, "SUCCESS")
    assert facts.model_quality == "QUALITY_THRESHOLD_MET"
    assert (facts.model_metrics, facts.prior_model_metrics) == (metrics, metrics_json())
    assert facts.diagnostics_object == ObjectLocation(
        bucket=BUCKET, key=f"lookout/pump-01/model-version-{version}/model_diagnostics_results.json.gz"
    )
    registry.world.seed_model("unlabelled-01", labelled=False)
    unlabelled = registry.world.add_version("unlabelled-01", model_metrics=metrics_json(labeled_block=False))
    assert (
        registry.port.describe_version("unlabelled-01", unlabelled).model_quality
        == "CANNOT_DETERMINE_QUALITY"
    )


def test_a_failed_retraining_is_described_with_its_reason(registry: Registry) -> None:
    pump(registry)
    version = registry.world.start_retraining("pump-01")
    assert registry.port.describe_version("pump-01", version).status == "IN_PROGRESS"

    registry.world.finish_retraining("pump-01", version, status="FAILED", failed_reason="No data.")

    failed = registry.port.describe_version("pump-01", version)
    assert (failed.model_name, failed.version, failed.status) == ("pump-01", version, "FAILED")
    assert failed.failed_reason == "No data."


def test_a_failed_retraining_says_its_source_and_auto_promotion_result(lookout_registry: Registry) -> None:
    registry = lookout_registry
    pump(registry)
    version = registry.world.start_retraining("pump-01")
    registry.world.finish_retraining("pump-01", version, status="FAILED", failed_reason="No data.")

    failed = registry.port.describe_version("pump-01", version)
    assert (failed.source_type, failed.auto_promotion_result) == ("RETRAINING", "RETRAINING_CUSTOMER_ERROR")


def test_unknown_models_and_versions_are_not_found(registry: Registry) -> None:
    pump(registry)

    with pytest.raises(NotFoundError):
        registry.port.describe_model("pump-99")
    with pytest.raises(NotFoundError):
        registry.port.describe_version("pump-01", 9)
    with pytest.raises(NotFoundError):
        registry.port.model_snapshot("pump-99")
    with pytest.raises(NotFoundError):
        registry.port.activate("pump-01", 9)


def test_only_a_success_version_of_a_model_not_training_can_be_activated(registry: Registry) -> None:
    pump(registry)
    failed = registry.world.add_version("pump-01", status="FAILED")
    registry.world.seed_model("pump-02")
    training = registry.world.add_version("pump-02", status="IN_PROGRESS")

    with pytest.raises(ActivationRefused, match="FAILED"):
        registry.port.activate("pump-01", failed)
    with pytest.raises(registry.running_version_error):
        registry.port.activate("pump-02", training)
    assert registry.port.activate("pump-01", 1) == 1  # the active one: nothing changes
    assert registry.port.describe_model("pump-01").previous_active_version is None


def test_the_snapshot_shows_the_scheduler_and_the_latest_retraining(registry: Registry) -> None:
    pump(registry)
    version = registry.world.start_retraining("pump-01")
    registry.world.finish_retraining("pump-01", version, status="FAILED", failed_reason="No data.")

    snap = registry.port.model_snapshot("pump-01")

    assert (snap.model_name, snap.active_version, snap.promote_mode) == ("pump-01", 1, registry.manual)
    assert (snap.latest_retraining_version, snap.latest_retraining_status) == (version, "FAILED")
    assert snap.latest_retraining_failed_reason == "No data."
    assert (snap.retraining_frequency, snap.lookback_window) == (registry.frequency, "P360D")
    assert snap.next_retraining is not None


def test_the_registry_owns_its_console_links_and_object_layout(lookout_registry: Registry) -> None:
    registry = lookout_registry
    assert registry.port.console_url("pump-01") == (
        f"https://{REGION}.console.aws.amazon.com/lookoutequipment/home?region={REGION}#/models/pump-01"
    )
    assert registry.port.diagnostics_hint("x/pump-01/model-version-3/f.json.gz") == VersionRef("pump-01", 3)
    assert registry.port.diagnostics_hint("x/pump 01/model-version-3/f.json.gz") is None
    assert registry.port.registry_id == "lookout-equipment"


def test_the_active_version_is_read_cheaply_and_agrees_with_the_description(registry: Registry) -> None:
    pump(registry)
    registry.world.seed_model("bare-01")

    assert (
        registry.port.active_version("pump-01") == registry.port.describe_model("pump-01").active_version == 1
    )
    assert registry.port.active_version("bare-01") is None
    with pytest.raises(NotFoundError):
        registry.port.active_version("pump-99")


def test_the_listing_reads_every_page(lookout_registry: Registry) -> None:
    registry = lookout_registry
    names = [f"asset-{i:04d}" for i in range(501)]  # one more than the service's largest page
    for name in names:
        registry.world.seed_model(name)

    assert [m.model_name for m in registry.port.list_models()] == names
