"""The model registry's contract, asserted against the in-memory fake and against the Lookout for
Equipment adapter talking to the emulator over HTTP (an unmodified boto3 client): the same
scenario, the same answers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from model_steward.adapters.lookout import LookoutRegistry
from model_steward.domain.samples import metrics_json
from model_steward.errors import ActivationConflict, ActivationRefused, NotFoundError
from model_steward.models.decision import ObjectLocation
from model_steward.models.registry import VersionRef
from model_steward.ports import ModelRegistry
from tests.aws import REGION
from tests.fakes.registry import FakeRegistry

BUCKET = "diagnostics-bucket"


@dataclass
class Registry:
    """The port under test and the scenario API that feeds it (the emulator's, or the fake's)."""

    port: ModelRegistry
    world: Any


@pytest.fixture(params=["fake", "lookout"])
def registry(request: pytest.FixtureRequest) -> Iterator[Registry]:
    if request.param == "fake":
        fake = FakeRegistry(REGION)
        yield Registry(fake, fake)
        return
    emulator = request.getfixturevalue("lookout_sandbox")
    yield Registry(LookoutRegistry(REGION), emulator)


def pump(registry: Registry, name: str = "pump-01", **seed: Any) -> None:
    """A labelled model with a MANUAL scheduler writing diagnostics to BUCKET, version 1 active."""
    registry.world.seed_model(
        name, scheduler="MANUAL", diagnostics_bucket=BUCKET, diagnostics_prefix="lookout/", **seed
    )
    registry.world.add_version(name, activate=True)


def test_the_listing_names_every_model_and_filters_by_prefix(registry: Registry) -> None:
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
    assert (after.promote_mode, after.scheduler_status) == ("MANUAL", "RUNNING")
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


def test_a_version_is_described_with_its_quality_metrics_and_diagnostics_object(registry: Registry) -> None:
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
    assert (failed.status, failed.source_type, failed.failed_reason) == ("FAILED", "RETRAINING", "No data.")
    assert failed.auto_promotion_result == "RETRAINING_CUSTOMER_ERROR"


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
    with pytest.raises(ActivationConflict):
        registry.port.activate("pump-02", training)
    assert registry.port.activate("pump-01", 1) == 1  # the active one: nothing changes
    assert registry.port.describe_model("pump-01").previous_active_version is None


def test_the_snapshot_shows_the_scheduler_and_the_latest_retraining(registry: Registry) -> None:
    pump(registry)
    version = registry.world.start_retraining("pump-01")
    registry.world.finish_retraining("pump-01", version, status="FAILED", failed_reason="No data.")

    snap = registry.port.model_snapshot("pump-01")

    assert (snap.model_name, snap.active_version, snap.promote_mode) == ("pump-01", 1, "MANUAL")
    assert (snap.latest_retraining_version, snap.latest_retraining_status) == (version, "FAILED")
    assert snap.latest_retraining_failed_reason == "No data."
    assert (snap.retraining_frequency, snap.lookback_window) == ("P1M", "P360D")
    assert snap.next_retraining is not None


def test_the_registry_owns_its_console_links_and_object_layout(registry: Registry) -> None:
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


def test_the_listing_reads_every_page(registry: Registry) -> None:
    names = [f"asset-{i:04d}" for i in range(501)]  # one more than the service's largest page
    for name in names:
        registry.world.seed_model(name)

    assert [m.model_name for m in registry.port.list_models()] == names
