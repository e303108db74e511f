"""Serving an emulated service on a loopback port in a background thread."""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Any, ClassVar, Protocol, Self

from emulators.common.auth import Authoriser
from emulators.common.server import EmulatorHandler, EmulatorHTTPServer


class _Service(Protocol):
    authoriser: Authoriser | None


class ServedEmulator:
    """The serving half of an emulator: ``start``/``stop`` (or ``with``), ``port``, ``endpoint_url``,
    the settable ``authoriser`` and the settings of a boto3 client for it.

    A subclass (also the service's state) sets :attr:`handler` and :attr:`thread_name`, makes its
    ``service`` and calls :meth:`_serve_at` in ``__init__``.
    """

    #: The request handler of the service's routes.
    handler: ClassVar[type[EmulatorHandler]]
    #: The serving thread's name before its port (``lookout-emulator`` -> ``lookout-emulator-PORT``).
    thread_name: ClassVar[str]
    service: _Service
    region: str

    def _serve_at(self, host: str, port: int) -> None:
        self._address = (host, port)
        self._server: EmulatorHTTPServer[_Service] | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Self:
        """Bind the port and serve in a background thread."""
        if self._server is not None:
            raise RuntimeError("the emulator is already running")
        self._server = EmulatorHTTPServer(self._address, self.service, self.handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.name = f"{self.thread_name}-{self.port}"
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
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
        """Verifies each request's signature and authorises it (``None``: every request accepted)."""
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
        """``http://127.0.0.1:PORT``: pass as ``endpoint_url`` or ``AWS_ENDPOINT_URL_<SERVICE>``."""
        if self._server is None:
            raise RuntimeError("the emulator is not running")
        host = str(self._server.server_address[0])
        return f"http://{host}:{self.port}"

    def client_settings(self, **overrides: Any) -> dict[str, Any]:
        """``boto3.client`` keyword arguments for this emulator: its region and endpoint, dummy
        credentials, then ``overrides``."""
        settings: dict[str, Any] = {
            "region_name": self.region,
            "endpoint_url": self.endpoint_url,
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
        }
        settings.update(overrides)
        return settings
