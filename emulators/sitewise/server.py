"""The emulator's HTTP front: the service's restJson1 API, and scenario control on ``/_emulator``.

Routes:

* ``GET`` / ``POST`` on the service's own paths (``/computation-models``, ``/executions/{id}``,
  ``/actions`` ...): the API (the SigV4 ``Authorization`` header is verified and the caller
  authorised only when the service has an authoriser; otherwise any is accepted).
* ``POST /_emulator/<method>`` with a JSON object of keyword arguments: a scenario method of
  :class:`~emulators.sitewise.state.SiteWiseState` (see :data:`SCENARIO_METHODS`); answers
  ``{"result": ...}``, or HTTP 400 ``{"error": ..., "message": ...}``.
* ``GET /_emulator/calls``: ``{"calls": [...]}``, the recorded API calls, oldest first.
* ``GET /_emulator/health``: ``{"ok": true}``.
"""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast

from emulators.lookout.protocol import HttpResponse
from emulators.lookout.server import _json, _jsonable
from emulators.lookout.service import SignedRequest
from emulators.sitewise.service import SiteWiseService

#: The scenario methods reachable over HTTP.
SCENARIO_METHODS = frozenset(
    {
        "seed_unit",
        "train",
        "start_retraining",
        "finish_retraining",
        "start_retraining_scheduler",
        "stop_retraining_scheduler",
        "set_promotion",
        "start_inference",
        "stop_inference",
        "inject_fault",
        "clear_faults",
        "set_latency",
        "set_summary_lag",
        "reset_calls",
        "call_count",
        "unit_keys",
        "names",
        "active_version",
        "inference_running",
        "promotion",
        "version_numbers",
        "version_state",
        "metrics_key",
        "results_key",
        "payloads",
    }
)
_SCENARIO_PREFIX = "/_emulator/"


def call_scenario(service: SiteWiseService, method: str, body: bytes) -> HttpResponse:
    import json

    if method not in SCENARIO_METHODS:
        return _json(
            404,
            {"error": "UnknownScenarioMethod", "message": f"{method!r}; known: {sorted(SCENARIO_METHODS)}"},
        )
    try:
        kwargs = json.loads(body or b"{}")
        if not isinstance(kwargs, dict):
            raise ValueError("the body must be a JSON object of keyword arguments")
        result = getattr(service.state, method)(**kwargs)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        return _json(400, {"error": type(exc).__name__, "message": str(message)})
    return _json(200, {"result": _jsonable(result)})


class SiteWiseHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], service: SiteWiseService) -> None:
        self.service = service
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "IoTSiteWiseEmulator/1.0"

    @property
    def _service(self) -> SiteWiseService:
        return cast(SiteWiseHTTPServer, self.server).service

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

    def _api(self, method: str) -> None:
        body = self._body()
        path, _, query = self.path.partition("?")
        if path.startswith(_SCENARIO_PREFIX):
            if method == "POST":
                self._send(call_scenario(self._service, path[len(_SCENARIO_PREFIX) :], body))
            elif path == f"{_SCENARIO_PREFIX}calls":
                calls = [call.as_dict() for call in self._service.state.calls]
                self._send(_json(200, {"calls": calls}))
            elif path == f"{_SCENARIO_PREFIX}health":
                self._send(_json(200, {"ok": True}))
            else:
                self._send(_json(404, {"error": "NotFound", "message": f"no route {method} {path}"}))
            return
        signed = SignedRequest(method=method, path=self.path, headers=self.headers, body=body)
        self._send(self._service.handle(method, path, query, body, signed))

    def do_GET(self) -> None:
        self._api("GET")

    def do_POST(self) -> None:
        self._api("POST")

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: tests and the demo read ``calls`` instead of access logs."""
