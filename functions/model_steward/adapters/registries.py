"""Both model registries as one (``ports.ModelRegistry``), for a deployment that governs Amazon
Lookout for Equipment and AWS IoT SiteWise models together.

A model goes to SiteWise when its name is a SiteWise ledger key (``sw-<computation model id>-<asset
id>``, which no Lookout for Equipment model is named in practice), to Lookout for Equipment
otherwise. Listings, diagnostics hints and sensor labels ask both.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from model_steward.models.decision import ModelFacts, VersionFacts
from model_steward.models.registry import ModelListing, ModelSnapshot, VersionRef
from model_steward.models.sitewise import is_unit_key
from model_steward.ports import ModelRegistry


class RegistryRouter:
    """``ports.ModelRegistry`` over a Lookout for Equipment and a SiteWise registry."""

    def __init__(self, lookout: ModelRegistry, sitewise: ModelRegistry) -> None:
        self.lookout = lookout
        self.sitewise = sitewise
        self.members = (lookout, sitewise)

    @property
    def registry_id(self) -> str:
        return f"{self.lookout.registry_id}+{self.sitewise.registry_id}"

    def route(self, model_name: str) -> ModelRegistry:
        return self.sitewise if is_unit_key(model_name) else self.lookout

    def list_models(self, name_prefix: str = "") -> Iterator[ModelListing]:
        for member in self.members:
            yield from member.list_models(name_prefix)

    def describe_model(self, model_name: str) -> ModelFacts:
        return self.route(model_name).describe_model(model_name)

    def active_version(self, model_name: str) -> int | None:
        return self.route(model_name).active_version(model_name)

    def model_snapshot(self, model_name: str) -> ModelSnapshot:
        return self.route(model_name).model_snapshot(model_name)

    def version_numbers(self, model_name: str, *, from_version: int = 1) -> list[int]:
        return self.route(model_name).version_numbers(model_name, from_version=from_version)

    def describe_version(self, model_name: str, version: int) -> VersionFacts:
        return self.route(model_name).describe_version(model_name, version)

    def activate(self, model_name: str, version: int) -> int:
        return self.route(model_name).activate(model_name, version)

    def console_url(self, model_name: str) -> str:
        return self.route(model_name).console_url(model_name)

    def diagnostics_hint(self, key: str) -> VersionRef | None:
        for member in self.members:
            found = member.diagnostics_hint(key)
            if found is not None:
                return found
        return None

    def sensor_labels(self, names: Iterable[str]) -> dict[str, str]:
        wanted = list(names)
        labels: dict[str, str] = {}
        for member in self.members:
            labels.update(member.sensor_labels([n for n in wanted if n not in labels]))
        return labels
