"""The emulator's HTTP front: the service's JSON protocol on ``POST /``, scenario control on ``/_emulator``.

Routes:

* ``POST /`` with ``X-Amz-Target: AWSLookoutEquipmentFrontendService.<Operation>``: the service API
  (the SigV4 ``Authorization`` header is verified and the caller authorised only when the service
  has an authoriser; otherwise any is accepted).
* ``POST /_emulator/<method>[?account=ACCOUNT_ID]`` with a JSON object of keyword arguments: a
  scenario method of :class:`~emulators.lookout.state.LookoutState` (see :data:`SCENARIO_METHODS`),
  on the default account or the one named; answers ``{"result": ...}``, or HTTP 400
  ``{"error": ..., "message": ...}``. Datetime arguments are ISO 8601 strings or epoch seconds.
* ``GET /_emulator/calls``: ``{"calls": [...]}``, the recorded API calls, oldest first.
* ``GET /_emulator/health``: ``{"ok": true}``.
"""

from __future__ import annotations

from typing import cast
from urllib.parse import parse_qs, urlsplit

from emulators.common.auth import SignedRequest
from emulators.common.server import (
    SCENARIO_PREFIX,
    EmulatorHandler,
    EmulatorHTTPServer,
    call_scenario,
    json_reply,
)
from emulators.lookout.service import LookoutService

#: The scenario methods reachable over HTTP.
SCENARIO_METHODS = frozenset(
    {
        "seed_model",
        "add_version",
        "activate_version",
        "start_retraining",
        "finish_retraining",
        "complete_imports",
        "plan_imports",
        "seed_dataset",
        "dataset_names",
        "resource_policy",
        "set_promote_mode",
        "set_scheduler_status",
        "set_accumulated_inference_data",
        "inject_fault",
        "clear_faults",
        "set_latency",
        "reset_calls",
        "call_count",
        "model_names",
        "model_arn",
        "version_arn",
        "model_status",
        "active_version",
        "previous_active_version",
        "version_numbers",
        "version_status",
        "auto_promotion",
        "promote_mode",
        "snapshot",
        "describe",
        "describe_version",
    }
)
_DATETIME_ARGUMENTS = frozenset(
    {"created_at", "started_at", "finished_at", "retraining_start_date", "start", "end"}
)


class LookoutHandler(EmulatorHandler):
    """The routes above, answered from the server's :class:`LookoutService`."""

    server_version = "LookoutEquipmentEmulator/1.0"

    @property
    def _service(self) -> LookoutService:
        return cast(EmulatorHTTPServer[LookoutService], self.server).service

    def do_POST(self) -> None:
        body = self._body()
        path = self.path.split("?", 1)[0]
        if path == "/":
            signed = SignedRequest(method="POST", path=self.path, headers=self.headers, body=body)
            self._send(self._service.handle(self.headers.get("X-Amz-Target"), body, signed))
        elif path.startswith(SCENARIO_PREFIX):
            account = parse_qs(urlsplit(self.path).query).get("account", [None])[0]
            state = self._service.accounts.account(account) if account else self._service.default_state
            scenario = path[len(SCENARIO_PREFIX) :]
            self._send(call_scenario(state, SCENARIO_METHODS, scenario, body, _DATETIME_ARGUMENTS))
        else:
            self._send(json_reply(404, {"error": "NotFound", "message": f"no route POST {path}"}))

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == f"{SCENARIO_PREFIX}calls":
            account = parse_qs(urlsplit(self.path).query).get("account", [None])[0]
            state = self._service.accounts.account(account) if account else self._service.default_state
            calls = [call.as_dict() for call in state.calls]
            self._send(json_reply(200, {"calls": calls}))
        elif path == f"{SCENARIO_PREFIX}health":
            self._send(json_reply(200, {"ok": True}))
        else:
            self._send(json_reply(404, {"error": "NotFound", "message": f"no route GET {path}"}))
