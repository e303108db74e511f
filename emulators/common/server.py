"""The emulators' HTTP basics: a threading server bound to a service, a request handler that reads
and writes whole bodies on keep-alive connections, and the scenario calls on ``/_emulator``.

``POST /_emulator/<method>`` with a JSON object of keyword arguments runs a scenario method of the
emulator's state (one of those the service makes reachable); it answers ``{"result": ...}``
(datetimes as ISO 8601), HTTP 404 for a method that is not reachable, or HTTP 400
``{"error": ..., "message": ...}`` for arguments the method refuses.
"""

from __future__ import annotations

import json
from collections.abc import Set
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Generic, TypeVar

from emulators.common.shapes import HttpResponse

SCENARIO_PREFIX = "/_emulator/"

ServiceT = TypeVar("ServiceT")


def jsonable(value: object) -> Any:
    """``value`` with datetimes as ISO 8601 strings, tuples as lists and keys as strings."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    return value


def json_reply(status: int, payload: object) -> HttpResponse:
    """A plain JSON answer (the scenario routes', not the service's wire format)."""
    body = json.dumps(payload).encode()
    return HttpResponse(status, {"Content-Type": "application/json"}, body)


def _datetime_argument(name: str, value: object) -> datetime:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str):
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    raise ValueError(f"{name} must be an ISO 8601 string or epoch seconds")


def call_scenario(
    state: object,
    methods: Set[str],
    method: str,
    body: bytes,
    datetime_arguments: Set[str] = frozenset(),
) -> HttpResponse:
    """Run the scenario method ``method`` of ``state`` (one of ``methods``) with the keyword
    arguments of a request body; ``datetime_arguments`` are given as ISO 8601 strings or epoch
    seconds."""
    if method not in methods:
        return json_reply(
            404,
            {"error": "UnknownScenarioMethod", "message": f"{method!r}; known: {sorted(methods)}"},
        )
    try:
        kwargs = json.loads(body or b"{}")
        if not isinstance(kwargs, dict):
            raise ValueError("the body must be a JSON object of keyword arguments")
        for name in datetime_arguments & kwargs.keys():
            if kwargs[name] is not None:
                kwargs[name] = _datetime_argument(name, kwargs[name])
        result = getattr(state, method)(**kwargs)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        return json_reply(400, {"error": type(exc).__name__, "message": str(message)})
    return json_reply(200, {"result": jsonable(result)})


class EmulatorHTTPServer(ThreadingHTTPServer, Generic[ServiceT]):
    """A threading HTTP server whose handlers answer from one service object."""

    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], service: ServiceT, handler: type[BaseHTTPRequestHandler]
    ) -> None:
        self.service = service
        super().__init__(address, handler)


class EmulatorHandler(BaseHTTPRequestHandler):
    """Request-handler basics: keep-alive, whole bodies in and out, no access log."""

    protocol_version = "HTTP/1.1"  # keep-alive, as botocore's connection pool expects
    disable_nagle_algorithm = True  # headers and body go out as separate writes: no 40 ms stalls

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, response: HttpResponse) -> None:
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: tests and the demo read ``calls`` instead of access logs."""
