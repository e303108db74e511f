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

from typing import cast

from emulators.common.auth import SignedRequest
from emulators.common.server import (
    SCENARIO_PREFIX,
    EmulatorHandler,
    EmulatorHTTPServer,
    call_scenario,
    json_reply,
)
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


class SiteWiseHandler(EmulatorHandler):
    """The routes above, answered from the server's :class:`SiteWiseService`."""

    server_version = "IoTSiteWiseEmulator/1.0"

    @property
    def _service(self) -> SiteWiseService:
        return cast(EmulatorHTTPServer[SiteWiseService], self.server).service

    def _api(self, method: str) -> None:
        body = self._body()
        path, _, query = self.path.partition("?")
        if path.startswith(SCENARIO_PREFIX):
            if method == "POST":
                scenario = path[len(SCENARIO_PREFIX) :]
                self._send(call_scenario(self._service.state, SCENARIO_METHODS, scenario, body))
            elif path == f"{SCENARIO_PREFIX}calls":
                calls = [call.as_dict() for call in self._service.state.calls]
                self._send(json_reply(200, {"calls": calls}))
            elif path == f"{SCENARIO_PREFIX}health":
                self._send(json_reply(200, {"ok": True}))
            else:
                self._send(json_reply(404, {"error": "NotFound", "message": f"no route {method} {path}"}))
            return
        signed = SignedRequest(method=method, path=self.path, headers=self.headers, body=body)
        self._send(self._service.handle(method, path, query, body, signed))

    def do_GET(self) -> None:
        self._api("GET")

    def do_POST(self) -> None:
        self._api("POST")
