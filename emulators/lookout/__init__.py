"""An emulator of Amazon Lookout for Equipment (moto has none), for tests and the local demo.

It speaks the service's real JSON 1.0 protocol, so an unmodified boto3 client works against it::

    from emulators.lookout import LookoutEmulator

    with LookoutEmulator(region="eu-west-1", account_id="123456789012") as emu:
        emu.seed_model("pump-01", scheduler="MANUAL")
        emu.add_version("pump-01", activate=True)
        client = emu.client()  # or boto3.client(..., endpoint_url=emu.endpoint_url)
        client.describe_model(ModelName="pump-01")["ActiveModelVersion"]  # 1

Operations: ListModels, DescribeModel, ListModelVersions, DescribeModelVersion, DescribeDataset,
UpdateActiveModelVersion, ImportModelVersion, DescribeRetrainingScheduler, ListRetrainingSchedulers,
PutResourcePolicy, DescribeResourcePolicy, DeleteResourcePolicy, for any number of accounts
(``emulator.account(ID)``; each request acts in its caller's account).
Requests are validated against botocore's input shapes; every response is checked against the
output shape before it is sent. Choices the real service leaves open are documented in
:mod:`emulators.lookout.service` (orderings, page size 50, inclusive filters) and
:mod:`emulators.lookout.state` (model status, defaults, the MANAGED promotion rule).

Modules: ``protocol`` (wire format, validation, tokens), ``state`` (data and scenario
operations), ``service`` (API operations), ``server`` (HTTP), ``emulator`` (this class),
``client`` (scenario control from another process), ``policies`` (models' resource policies),
``__main__`` (``python -m emulators.lookout``); what it shares with the SiteWise emulator (shape
validation, serving, test controls) is in :mod:`emulators.common`.
"""

from emulators.common.shapes import shape_problems
from emulators.common.state import CallRecord
from emulators.lookout.client import RemoteScenario, ScenarioError
from emulators.lookout.emulator import LookoutEmulator
from emulators.lookout.protocol import ServiceError
from emulators.lookout.service import DEFAULT_PAGE_SIZE
from emulators.lookout.state import DEFAULT, LookoutState, managed_promotion

__all__ = [
    "DEFAULT",
    "DEFAULT_PAGE_SIZE",
    "CallRecord",
    "LookoutEmulator",
    "LookoutState",
    "RemoteScenario",
    "ScenarioError",
    "ServiceError",
    "managed_promotion",
    "shape_problems",
]
