"""The registry contract's scenario API and names on SiteWise: the contract's models ("pump-01")
become units of the SiteWise emulator, and the port's ledger keys are shown by those names again,
so the same assertions read the same against every registry."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from emulators.sitewise import DEFAULT, SiteWiseEmulator
from model_steward.models.decision import ModelFacts, VersionFacts
from model_steward.models.registry import ModelListing, ModelSnapshot, VersionRef
from model_steward.models.sitewise import CUSTOMER_MANAGED, SERVICE_MANAGED, unit_key
from model_steward.ports import ModelRegistry

_MODES = {None: None, "MANUAL": CUSTOMER_MANAGED, "MANAGED": SERVICE_MANAGED}
_STATES = {"SUCCESS": "COMPLETED", "FAILED": "FAILED", "IN_PROGRESS": "RUNNING"}


class SiteWiseWorld:
    """``seed_model`` / ``add_version`` / ``start_retraining`` / ``finish_retraining`` by name."""

    def __init__(self, emulator: SiteWiseEmulator) -> None:
        self.emulator = emulator
        self.keys: dict[str, str] = {}

    def key(self, name: str) -> str:
        """The unit's key; for a name never seeded, a well-formed key of nothing."""
        if name in self.keys:
            return self.keys[name]
        made = str(uuid.uuid5(uuid.NAMESPACE_DNS, name))
        return unit_key(made, made)

    def name(self, key: str) -> str:
        return next((name for name, known in self.keys.items() if known == key), key)

    def seed_model(
        self,
        name: str,
        *,
        scheduler: str | None = None,
        labelled: bool = True,
        diagnostics_bucket: str | None = None,
        diagnostics_prefix: str = "",
        **_: Any,
    ) -> None:
        if diagnostics_bucket is not None:
            self._bucket(diagnostics_bucket)
        self.keys[name] = self.emulator.seed_unit(
            f"{name} model",
            name,
            labelled=labelled,
            promotion=_MODES[scheduler],
            bucket=diagnostics_bucket,
            metrics_prefix=f"{diagnostics_prefix}metrics/",
            results_prefix=f"{diagnostics_prefix}results/",
        )

    def _bucket(self, name: str) -> None:
        """The bucket the service writes to (moto's), created on first use."""
        import boto3

        s3 = boto3.client("s3", region_name=self.emulator.region)
        if name not in {b["Name"] for b in s3.list_buckets().get("Buckets", [])}:
            s3.create_bucket(
                Bucket=name, CreateBucketConfiguration={"LocationConstraint": self.emulator.region}
            )

    def add_version(
        self,
        name: str,
        *,
        status: str = "SUCCESS",
        model_metrics: Any = DEFAULT,
        prior_model_metrics: Any = None,
        activate: bool = False,
        **_: Any,
    ) -> int:
        return self.emulator.train(
            self.keys[name],
            status=_STATES[status],
            metrics=model_metrics,
            prior_metrics=prior_model_metrics,
            activate=activate,
        )

    def start_retraining(self, name: str, **_: Any) -> int:
        return self.emulator.start_retraining(self.keys[name])

    def finish_retraining(
        self,
        name: str,
        version: int,
        *,
        status: str = "SUCCESS",
        model_metrics: Any = DEFAULT,
        failed_reason: str | None = None,
        **_: Any,
    ) -> str | None:
        return self.emulator.finish_retraining(
            self.keys[name],
            version,
            status=_STATES[status],
            metrics=model_metrics,
            failure_message=failed_reason,
        )


class NamedRegistry:
    """A registry port whose models are called by the world's names instead of their keys."""

    def __init__(self, port: ModelRegistry, world: SiteWiseWorld) -> None:
        self.port = port
        self.world = world

    @property
    def registry_id(self) -> str:
        return self.port.registry_id

    def list_models(self, name_prefix: str = "") -> Iterator[ModelListing]:
        for listing in self.port.list_models():
            name = self.world.name(listing.model_name)
            if name.startswith(name_prefix):
                yield dataclasses.replace(listing, model_name=name)

    def describe_model(self, model_name: str) -> ModelFacts:
        return self.port.describe_model(self.world.key(model_name)).model_copy(
            update={"model_name": model_name}
        )

    def active_version(self, model_name: str) -> int | None:
        return self.port.active_version(self.world.key(model_name))

    def model_snapshot(self, model_name: str) -> ModelSnapshot:
        return dataclasses.replace(
            self.port.model_snapshot(self.world.key(model_name)), model_name=model_name
        )

    def version_numbers(self, model_name: str, *, from_version: int = 1) -> list[int]:
        return self.port.version_numbers(self.world.key(model_name), from_version=from_version)

    def describe_version(self, model_name: str, version: int) -> VersionFacts:
        facts = self.port.describe_version(self.world.key(model_name), version)
        return facts.model_copy(update={"model_name": model_name})

    def activate(self, model_name: str, version: int) -> int:
        return self.port.activate(self.world.key(model_name), version)

    def console_url(self, model_name: str) -> str:
        return self.port.console_url(self.world.key(model_name))

    def diagnostics_hint(self, key: str) -> VersionRef | None:
        found = self.port.diagnostics_hint(key)
        return VersionRef(self.world.name(found.model_name), found.version) if found else None

    def sensor_labels(self, names: Iterable[str]) -> dict[str, str]:
        return self.port.sensor_labels(names)
