"""The HTTP side: endpoint discovery by environment, scenario control over HTTP, the console entry point."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from emulators.lookout import LookoutEmulator, RemoteScenario, ScenarioError

from .conftest import make_client

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_a_client_finds_the_emulator_through_the_service_specific_endpoint_variable(
    lookout_emulator: LookoutEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Given only environment configuration (no endpoint_url argument)
    monkeypatch.setenv("AWS_ENDPOINT_URL_LOOKOUTEQUIPMENT", lookout_emulator.endpoint_url)
    monkeypatch.delenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    lookout_emulator.seed_model("pump-01")
    # When an unmodified boto3 client is created without endpoint_url
    client = make_client(None)
    # Then its calls reach the emulator
    assert client.meta.endpoint_url == lookout_emulator.endpoint_url
    assert [s["ModelName"] for s in client.list_models()["ModelSummaries"]] == ["pump-01"]
    assert lookout_emulator.call_count("ListModels") == 1


def test_scenario_methods_work_over_http(lookout_emulator: LookoutEmulator, lookout_client: Any) -> None:
    # Given a scenario driven from "another process" over HTTP
    remote = RemoteScenario(lookout_emulator.endpoint_url)
    arn = remote.call(
        "seed_model", model_name="pump-01", scheduler="MANUAL", created_at="2024-05-01T00:00:00Z"
    )
    remote.call(
        "add_version", model_name="pump-01", activate=True, model_metrics={"labeled_event_metrics": {}}
    )
    version = remote.call("start_retraining", model_name="pump-01")
    remote.call("finish_retraining", model_name="pump-01", version=version, status="FAILED")
    remote.call("inject_fault", operation="DescribeModel", code="AccessDeniedException")
    # When the service is called
    with pytest.raises(lookout_client.exceptions.AccessDeniedException):
        lookout_client.describe_model(ModelName="pump-01")
    model = lookout_client.describe_model(ModelName="pump-01")
    # Then the state and the record of calls are visible both ways
    assert model["ModelArn"] == arn
    assert model["CreatedAt"] == datetime(2024, 5, 1, tzinfo=UTC)
    assert model["LatestScheduledRetrainingStatus"] == "FAILED"
    assert remote.call("active_version", model_name="pump-01") == 1
    assert (
        remote.call("auto_promotion", model_name="pump-01", version=version)[0] == "RETRAINING_CUSTOMER_ERROR"
    )
    assert [(c["operation"], c["error_code"]) for c in remote.calls()] == [
        ("DescribeModel", "AccessDeniedException"),
        ("DescribeModel", None),
    ]
    assert remote.call("snapshot", model_name="pump-01")["Versions"][1]["Status"] == "FAILED"


def test_scenario_errors_over_http_are_reported(lookout_emulator: LookoutEmulator) -> None:
    remote = RemoteScenario(lookout_emulator.endpoint_url)
    with pytest.raises(ScenarioError, match="no model 'ghost'"):
        remote.call("add_version", model_name="ghost")
    with pytest.raises(ScenarioError, match="UnknownScenarioMethod"):
        remote.call("stop")
    with pytest.raises(ScenarioError, match="TypeError"):
        remote.call("seed_model", model_name="pump-01", colour="blue")


def test_concurrent_clients_and_scenario_changes_are_safe(lookout_emulator: LookoutEmulator) -> None:
    # Given 4 threads listing models while the scenario keeps adding models
    errors: list[BaseException] = []
    seen: list[int] = []

    def list_repeatedly() -> None:
        client = make_client(lookout_emulator.endpoint_url)
        try:
            for _ in range(15):
                seen.append(len(client.list_models(MaxResults=500)["ModelSummaries"]))
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=list_repeatedly) for _ in range(4)]
    for thread in threads:
        thread.start()
    for index in range(60):
        lookout_emulator.seed_model(f"pump-{index:02d}")
        lookout_emulator.add_version(f"pump-{index:02d}", activate=True)
    for thread in threads:
        thread.join(timeout=30)
    # Then every call succeeded and saw a consistent count
    assert errors == []
    assert len(seen) == 60
    assert all(0 <= count <= 60 for count in seen)
    assert lookout_emulator.call_count("ListModels") == 60


def test_the_console_entry_point_prints_its_url_and_serves(tmp_path: Path) -> None:
    # Given `python -m emulators.lookout --port 0` running in another process
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "emulators.lookout", "--port", "0", "--region", "us-east-1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        # When it is used through HTTP and boto3
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
            f"{url}/_emulator/health"
        ) as health:
            assert health.status == 200
        RemoteScenario(url).call("seed_model", model_name="pump-01")
        client = make_client(url)
        # Then it serves the scenario's state
        assert url.startswith("http://127.0.0.1:")
        assert client.describe_model(ModelName="pump-01")["ModelArn"].startswith(
            "arn:aws:lookoutequipment:us-east-1:123456789012:model/pump-01/"
        )
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0


def test_the_emulator_binds_a_free_loopback_port_and_releases_it() -> None:
    emulator = LookoutEmulator()
    with pytest.raises(RuntimeError, match="not running"):
        _ = emulator.endpoint_url
    with emulator:
        url = emulator.endpoint_url
        assert url == f"http://127.0.0.1:{emulator.port}"
        assert emulator.port > 0
    with pytest.raises(RuntimeError, match="not running"):
        _ = emulator.port
