"""``SiteWiseEmulator``: the emulated service on a loopback port plus its scenario API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from emulators.common.auth import Authoriser
from emulators.common.emulator import ServedEmulator
from emulators.sitewise.server import SiteWiseHandler
from emulators.sitewise.service import SiteWiseService
from emulators.sitewise.state import SiteWiseState
from model_steward.models.sitewise import SiteWiseFacts

if TYPE_CHECKING:
    from mypy_boto3_iotsitewise import IoTSiteWiseClient


class SiteWiseEmulator(ServedEmulator, SiteWiseState):
    """A stateful AWS IoT SiteWise endpoint (the anomaly-detection operations) for an unmodified
    boto3 client.

    ``with SiteWiseEmulator() as emu:`` serves on ``emu.endpoint_url`` until the block ends; every
    scenario method of :class:`SiteWiseState` is available on it. ``facts`` says where the emulator
    puts what the service does not document (the product's defaults unless given).
    ``authoriser`` (settable while serving) authorises each request; without one all are accepted.

    botocore prefixes the control-plane host with ``api.``: a client pointed at the emulator needs
    ``AWS_DISABLE_HOST_PREFIX_INJECTION=true`` (or ``Config(inject_host_prefix=False)``). The endpoint
    URL also goes in ``AWS_ENDPOINT_URL_IOTSITEWISE``.
    """

    handler = SiteWiseHandler
    thread_name = "sitewise-emulator"
    service: SiteWiseService

    def __init__(
        self,
        region: str = "eu-west-1",
        account_id: str = "123456789012",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        facts: SiteWiseFacts | None = None,
        clock: Callable[[], datetime] | None = None,
        authoriser: Authoriser | None = None,
    ) -> None:
        super().__init__(region, account_id, facts=facts, clock=clock)
        self.service = SiteWiseService(self, authoriser=authoriser)
        self._serve_at(host, port)

    def client(self, **kwargs: Any) -> IoTSiteWiseClient:
        """A boto3 ``iotsitewise`` client for this emulator (dummy credentials, no host prefix)."""
        import boto3
        from botocore.config import Config

        settings = {"config": Config(inject_host_prefix=False), **kwargs}
        return boto3.client("iotsitewise", **self.client_settings(**settings))
