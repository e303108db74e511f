"""An emulator of AWS IoT SiteWise native anomaly detection (moto has none of these operations),
for tests and the local demo.

It speaks the service's restJson1 protocol, so an unmodified boto3 client works against it (with
``AWS_DISABLE_HOST_PREFIX_INJECTION=true``: botocore prefixes the control-plane host with
``api.``)::

    from emulators.sitewise import SiteWiseEmulator

    with SiteWiseEmulator(region="eu-west-1") as emu:
        key = emu.seed_unit("Pump anomaly", "Pump 01", bucket="my-bucket")
        emu.train(key, activate=True)                 # version 1, active, inference running
        version = emu.start_retraining(key)           # the scheduler retrains: version 2 RUNNING
        emu.finish_retraining(key, version)           # COMPLETED; metrics and results in S3

Operations: ListComputationModels, DescribeComputationModel,
ListComputationModelResolveToResources, ListExecutions, DescribeExecution,
DescribeComputationModelExecutionSummary, ExecuteAction, ListActions, DescribeAction,
DescribeAsset, DescribeAssetProperty. Requests are validated against botocore's ``iotsitewise``
input shapes; every response is checked against the output shape before it is sent.

Modules: ``protocol`` (routing, wire format, validation, tokens), ``state`` (data and
scenario operations), ``service`` (API operations), ``server`` (HTTP), ``emulator`` (this class),
``__main__`` (``python -m emulators.sitewise``); what it shares with the Lookout for Equipment
emulator (shape validation, serving, test controls) is in :mod:`emulators.common`. Drive a
stand-alone emulator with ``emulators.lookout.RemoteScenario(url)``: the scenario routes are the
same.
"""

from emulators.common.auth import Authoriser, SignedRequest
from emulators.sitewise.emulator import SiteWiseEmulator
from emulators.sitewise.protocol import ServiceError
from emulators.sitewise.service import DEFAULT_PAGE_SIZE
from emulators.sitewise.state import DEFAULT, SiteWiseState, auto_promotion

__all__ = [
    "DEFAULT",
    "DEFAULT_PAGE_SIZE",
    "Authoriser",
    "ServiceError",
    "SignedRequest",
    "SiteWiseEmulator",
    "SiteWiseState",
    "auto_promotion",
]
