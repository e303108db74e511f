"""Shared fixtures: a running emulator, boto3 clients pointed at it, raw access to the wire."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.config import Config

from emulators.lookout import LookoutEmulator

REGION = "eu-west-1"
ACCOUNT_ID = "123456789012"
TARGET_PREFIX = "AWSLookoutEquipmentFrontendService"
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class WireResponse:
    """One HTTP response exactly as the emulator sent it."""

    operation: str
    status: int
    headers: dict[str, str]
    body: Any


@pytest.fixture
def lookout_emulator() -> Iterator[LookoutEmulator]:
    """A running emulator with no models."""
    with LookoutEmulator(region=REGION, account_id=ACCOUNT_ID) as emulator:
        yield emulator


def make_client(endpoint_url: str | None, **config: Any) -> Any:
    settings: dict[str, Any] = {
        "region_name": REGION,
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
        "config": Config(**config),
    }
    if endpoint_url is not None:
        settings["endpoint_url"] = endpoint_url
    return boto3.client("lookoutequipment", **settings)


@pytest.fixture
def lookout_client(lookout_emulator: LookoutEmulator) -> Any:
    """An unmodified boto3 client that does not retry: one call is one request."""
    return make_client(lookout_emulator.endpoint_url, retries={"mode": "standard", "total_max_attempts": 1})


@pytest.fixture
def unvalidated_client(lookout_emulator: LookoutEmulator) -> Any:
    """A boto3 client with client-side parameter validation off, so the emulator sees bad input."""
    return make_client(
        lookout_emulator.endpoint_url,
        retries={"mode": "standard", "total_max_attempts": 1},
        parameter_validation=False,
    )


@pytest.fixture
def retrying_client(lookout_emulator: LookoutEmulator, no_retry_backoff: None) -> Any:
    """A boto3 client in botocore's standard retry mode with 5 attempts (no backoff sleep)."""
    return make_client(lookout_emulator.endpoint_url, retries={"mode": "standard", "max_attempts": 5})


def capture_responses(client: Any) -> list[WireResponse]:
    """Every response ``client`` receives from now on, as raw JSON (an empty body as ``None``),
    captured by a botocore event hook."""
    captured: list[WireResponse] = []

    def capture(http_response: Any, model: Any, **_: Any) -> None:
        captured.append(
            WireResponse(
                operation=model.name,
                status=http_response.status_code,
                headers=dict(http_response.headers),
                body=json.loads(http_response.content or b"null"),
            )
        )

    client.meta.events.register(f"after-call.{client.meta.service_model.service_id.hyphenize()}", capture)
    return captured


@pytest.fixture
def wire_responses(lookout_client: Any) -> list[WireResponse]:
    """Every response ``lookout_client`` receives, as raw JSON."""
    return capture_responses(lookout_client)


RawCall = Callable[..., WireResponse]


@pytest.fixture
def raw_call(lookout_emulator: LookoutEmulator) -> RawCall:
    """POST a request body to the emulator without botocore: ``raw_call("ListModels", {...})``."""

    def call(
        operation: str, body: object = None, *, target: str | None = "", raw: bytes | None = None
    ) -> WireResponse:
        headers = {"Content-Type": "application/x-amz-json-1.0"}
        if target is not None:
            headers["X-Amz-Target"] = target or f"{TARGET_PREFIX}.{operation}"
        data = raw if raw is not None else json.dumps(body if body is not None else {}).encode()
        request = urllib.request.Request(
            lookout_emulator.endpoint_url + "/", data=data, headers=headers, method="POST"
        )
        try:
            with _NO_PROXY.open(request, timeout=10) as response:
                status, response_headers, content = response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            status, response_headers, content = error.code, dict(error.headers), error.read()
        return WireResponse(operation, status, response_headers, json.loads(content))

    return call


@pytest.fixture
def pump_with_active_version(lookout_emulator: LookoutEmulator) -> str:
    """Model ``pump-01`` (labelled, MANUAL scheduler, diagnostics bucket) whose version 1 is active."""
    lookout_emulator.seed_model(
        "pump-01",
        dataset_name="pump-01-data",
        diagnostics_bucket="diagnostics-bucket",
        diagnostics_prefix="lookout/",
        scheduler="MANUAL",
    )
    lookout_emulator.add_version("pump-01", activate=True)
    return "pump-01"


@pytest.fixture
def managed_pump(lookout_emulator: LookoutEmulator) -> str:
    """Model ``pump-02`` with a MANAGED retraining scheduler whose version 1 is active."""
    lookout_emulator.seed_model("pump-02", scheduler="MANAGED")
    lookout_emulator.add_version("pump-02", activate=True)
    return "pump-02"
