"""Drive an emulator in another process through its ``/_emulator`` HTTP routes."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any, cast

_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ScenarioError(Exception):
    """A scenario method failed in the emulator (bad argument, unknown model ...)."""


class RemoteScenario:
    """``RemoteScenario("http://127.0.0.1:PORT").call("seed_model", model_name="pump-01")``; with
    ``account_id``, the scenario acts on that account's state."""

    def __init__(self, endpoint_url: str, timeout: float = 10.0, *, account_id: str | None = None) -> None:
        if not endpoint_url.startswith(("http://", "https://")):
            raise ValueError(f"not an http(s) URL: {endpoint_url!r}")
        self.endpoint_url = endpoint_url.rstrip("/")
        self.timeout = timeout
        self._query = f"?account={account_id}" if account_id else ""

    def _open(self, request: urllib.request.Request) -> dict[str, Any]:
        try:
            with _NO_PROXY.open(request, timeout=self.timeout) as response:
                return cast(dict[str, Any], json.loads(response.read()))
        except urllib.error.HTTPError as exc:
            payload = json.loads(exc.read() or b"{}")
            raise ScenarioError(f"{payload.get('error')}: {payload.get('message')}") from None

    def call(self, method: str, **kwargs: Any) -> Any:
        """Run a scenario method; datetimes may be passed as ISO 8601 strings."""
        body = json.dumps(kwargs, default=str).encode()
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            f"{self.endpoint_url}/_emulator/{method}{self._query}",
            data=body,
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        return self._open(request)["result"]

    def calls(self) -> list[dict[str, Any]]:
        """The API calls the emulator answered, oldest first."""
        url = f"{self.endpoint_url}/_emulator/calls{self._query}"
        request = urllib.request.Request(url, method="GET")  # noqa: S310 - the scheme is checked in __init__
        return cast(list[dict[str, Any]], self._open(request)["calls"])
