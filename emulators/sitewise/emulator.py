"""``SiteWiseEmulator``: the emulated service on a loopback port plus its scenario API."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from emulators.lookout.service import Authoriser
from emulators.sitewise.server import SiteWiseHTTPServer
from emulators.sitewise.service import SiteWiseService
from emulators.sitewise.state import SiteWiseState
from model_steward.models.sitewise import SiteWiseFacts

if TYPE_CHECKING:
    from mypy_boto3_iotsitewise import IoTSiteWiseClient


class SiteWiseEmulator(SiteWiseState):
    """A stateful AWS IoT SiteWise endpoint (the anomaly-detection operations) for an unmodified
    boto3 client.

    ``with SiteWiseEmulator() as emu:`` serves on ``emu.endpoint_url`` until the block ends; every
    scenario method of :class:`SiteWiseState` is available on it. ``facts`` says where the emulator
    puts what the service does not document (the product's defaults unless given).
    ``authoriser`` (settable while serving) authorises each request; without one all are accepted.

    botocore prefixes the control-plane host with ``api.``: a client pointed at the emulator needs
    ``AWS_DISABLE_HOST_PREFIX_INJECTION=true`` (or ``Config(inject_host_prefix=False)``).
    """

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
        self._address = (host, port)
        self._server: SiteWiseHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Self:
        if self._server is not None:
            raise RuntimeError("the emulator is already running")
        self._server = SiteWiseHTTPServer(self._address, self.service)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.name = f"sitewise-emulator-{self.port}"
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def authoriser(self) -> Authoriser | None:
        return self.service.authoriser

    @authoriser.setter
    def authoriser(self, authoriser: Authoriser | None) -> None:
        self.service.authoriser = authoriser

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the emulator is not running")
        return int(self._server.server_address[1])

    @property
    def endpoint_url(self) -> str:
        """``http://127.0.0.1:PORT``: pass as ``endpoint_url`` or ``AWS_ENDPOINT_URL_IOTSITEWISE``."""
        if self._server is None:
            raise RuntimeError("the emulator is not running")
        host = str(self._server.server_address[0])
        return f"http://{host}:{self.port}"

    def client(self, **kwargs: Any) -> IoTSiteWiseClient:
        """A boto3 ``iotsitewise`` client for this emulator (dummy credentials, no host prefix)."""
        import boto3
        from botocore.config import Config

        settings: dict[str, Any] = {
            "region_name": self.region,
            "endpoint_url": self.endpoint_url,
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
            "config": Config(inject_host_prefix=False),
        }
        settings.update(kwargs)
        return boto3.client("iotsitewise", **settings)
