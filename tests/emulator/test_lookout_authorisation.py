"""With an authoriser, each request is authorised on the resources the real service names.

The authoriser here records what it is asked and refuses what a test says; the moto-backed one the
local stack uses is exercised in tests/integration/test_iam_enforcement.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from emulators.common.auth import Identity, SignedRequest
from emulators.lookout import LookoutEmulator, ServiceError
from emulators.lookout.service import UNKNOWN_MODEL_ID

from .conftest import ACCOUNT_ID, REGION, WireResponse


@dataclass
class RecordingAuthoriser:
    refuse: set[str] = field(default_factory=set)  # actions to refuse
    asked: list[tuple[str, tuple[str, ...], bool]] = field(default_factory=list)
    _signed: bool = False

    def identify(self, request: SignedRequest) -> Identity:
        self._signed = "Authorization" in request.headers
        return Identity.root(ACCOUNT_ID)

    def authorise(self, identity: Identity, action: str, resources: Sequence[str]) -> None:
        self.asked.append((action, tuple(resources), self._signed))
        if action in self.refuse:
            raise ServiceError("AccessDeniedException", f"not authorized to perform: {action}")

    def pass_role(self, identity: Identity, role_arn: str) -> None:
        self.asked.append(("iam:PassRole", (role_arn,), self._signed))


@pytest.fixture
def authoriser(lookout_emulator: LookoutEmulator) -> RecordingAuthoriser:
    recording = RecordingAuthoriser()
    lookout_emulator.authoriser = recording
    return recording


def test_each_operation_is_authorised_on_the_arns_the_service_names(
    lookout_emulator: LookoutEmulator,
    lookout_client: Any,
    pump_with_active_version: str,
    authoriser: RecordingAuthoriser,
) -> None:
    pump = lookout_emulator.model_arn(pump_with_active_version)
    lookout_emulator.add_version(pump_with_active_version)

    lookout_client.list_models()
    lookout_client.describe_model(ModelName="pump-01")
    lookout_client.list_model_versions(ModelName="pump-01")
    lookout_client.describe_model_version(ModelName="pump-01", ModelVersion=2)
    lookout_client.update_active_model_version(ModelName="pump-01", ModelVersion=2)
    lookout_client.list_retraining_schedulers()
    lookout_client.describe_retraining_scheduler(ModelName="pump-01")

    assert [(action, resources) for action, resources, _ in authoriser.asked] == [
        ("lookoutequipment:ListModels", ("*",)),
        ("lookoutequipment:DescribeModel", (pump,)),
        ("lookoutequipment:ListModelVersions", (pump,)),
        ("lookoutequipment:DescribeModelVersion", (f"{pump}/model-version/2",)),
        ("lookoutequipment:UpdateActiveModelVersion", (pump, f"{pump}/model-version/2")),
        ("lookoutequipment:ListRetrainingSchedulers", ("*",)),
        ("lookoutequipment:DescribeRetrainingScheduler", (pump,)),
    ]
    assert all(signed for _, _, signed in authoriser.asked)  # boto3 signs every request


def test_a_model_that_does_not_exist_is_authorised_on_its_name_then_not_found(
    lookout_client: Any, authoriser: RecordingAuthoriser
) -> None:
    with pytest.raises(lookout_client.exceptions.ResourceNotFoundException):
        lookout_client.describe_model(ModelName="pump-gone")

    ((action, resources, _),) = authoriser.asked
    assert action == "lookoutequipment:DescribeModel"
    assert resources == (
        f"arn:aws:lookoutequipment:{REGION}:{ACCOUNT_ID}:model/pump-gone/{UNKNOWN_MODEL_ID}",
    )


def test_a_refusal_is_an_access_denied_exception_and_changes_nothing(
    lookout_emulator: LookoutEmulator,
    lookout_client: Any,
    pump_with_active_version: str,
    authoriser: RecordingAuthoriser,
    wire_responses: list[WireResponse],
) -> None:
    lookout_emulator.add_version(pump_with_active_version)
    authoriser.refuse.add("lookoutequipment:UpdateActiveModelVersion")

    with pytest.raises(lookout_client.exceptions.AccessDeniedException) as raised:
        lookout_client.update_active_model_version(ModelName="pump-01", ModelVersion=2)

    assert "UpdateActiveModelVersion" in raised.value.response["Error"]["Message"]
    assert wire_responses[-1].status == 400
    assert wire_responses[-1].body["__type"] == "AccessDeniedException"
    assert lookout_emulator.active_version("pump-01") == 1


def test_without_an_authoriser_any_request_is_accepted(
    lookout_emulator: LookoutEmulator, lookout_client: Any, pump_with_active_version: str
) -> None:
    assert lookout_emulator.authoriser is None
    assert lookout_client.describe_model(ModelName="pump-01")["ActiveModelVersion"] == 1
