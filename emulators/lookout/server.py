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

import json
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

from emulators.lookout.protocol import HttpResponse
from emulators.lookout.service import LookoutService, SignedRequest
from emulators.lookout.state import LookoutState

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
_SCENARIO_PREFIX = "/_emulator/"


def _datetime_argument(name: str, value: object) -> datetime:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str):
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    raise ValueError(f"{name} must be an ISO 8601 string or epoch seconds")


def _jsonable(value: object) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    return value


def _json(status: int, payload: object) -> HttpResponse:
    body = json.dumps(payload).encode()
    return HttpResponse(status, {"Content-Type": "application/json"}, body)


def call_scenario(state: LookoutState, method: str, body: bytes) -> HttpResponse:
    """Run one scenario method from an HTTP request body (a JSON object of keyword arguments)."""
    if method not in SCENARIO_METHODS:
        return _json(
            404,
            {"error": "UnknownScenarioMethod", "message": f"{method!r}; known: {sorted(SCENARIO_METHODS)}"},
        )
    try:
        kwargs = json.loads(body or b"{}")
        if not isinstance(kwargs, dict):
            raise ValueError("the body must be a JSON object of keyword arguments")
        for name in _DATETIME_ARGUMENTS & kwargs.keys():
            if kwargs[name] is not None:
                kwargs[name] = _datetime_argument(name, kwargs[name])
        result = getattr(state, method)(**kwargs)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        return _json(400, {"error": type(exc).__name__, "message": str(message)})
    return _json(200, {"result": _jsonable(result)})


class EmulatorHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server bound to one :class:`LookoutService`."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], service: LookoutService) -> None:
        self.service = service
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as botocore's connection pool expects
    disable_nagle_algorithm = True  # headers and body go out as separate writes: no 40 ms stalls
    server_version = "LookoutEquipmentEmulator/1.0"

    @property
    def _service(self) -> LookoutService:
        return cast(EmulatorHTTPServer, self.server).service

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

    def do_POST(self) -> None:
        body = self._body()
        path = self.path.split("?", 1)[0]
        if path == "/":
            signed = SignedRequest(method="POST", path=self.path, headers=self.headers, body=body)
            self._send(self._service.handle(self.headers.get("X-Amz-Target"), body, signed))
        elif path.startswith(_SCENARIO_PREFIX):
            account = parse_qs(urlsplit(self.path).query).get("account", [None])[0]
            state = self._service.accounts.account(account) if account else self._service.default_state
            self._send(call_scenario(state, path[len(_SCENARIO_PREFIX) :], body))
        else:
            self._send(_json(404, {"error": "NotFound", "message": f"no route POST {path}"}))

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == f"{_SCENARIO_PREFIX}calls":
            account = parse_qs(urlsplit(self.path).query).get("account", [None])[0]
            state = self._service.accounts.account(account) if account else self._service.default_state
            calls = [call.as_dict() for call in state.calls]
            self._send(_json(200, {"calls": calls}))
        elif path == f"{_SCENARIO_PREFIX}health":
            self._send(_json(200, {"ok": True}))
        else:
            self._send(_json(404, {"error": "NotFound", "message": f"no route GET {path}"}))

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: tests and the demo read ``calls`` instead of access logs."""
