"""`steward` fails with one line on stderr and its documented exit code, whatever the
configuration: no region, no credentials, an endpoint nobody answers on. Each case runs the real
command in a fresh process with a bare environment (no AWS configuration files either)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def steward(tmp_path: Path, *arguments: str, **variables: str) -> subprocess.CompletedProcess[str]:
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),  # no ~/.aws
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",  # no instance role lookup
        **variables,
    }
    return subprocess.run(
        [sys.executable, "-m", "model_steward", *arguments],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


def assert_one_line(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("steward: ")
    for word in words:
        assert word in done.stderr


@pytest.mark.parametrize(
    "command", [["status"], ["history", "pump-01"], ["rollback", "pump-01", "--reason", "x"]]
)
def test_given_no_region_then_one_line_and_exit_3(tmp_path: Path, command: list[str]) -> None:
    done = steward(tmp_path, *command, STEWARD_STACK="x")

    assert done.returncode == 3
    assert_one_line(done, "no AWS region", "--region")


def test_given_no_credentials_then_one_line_and_exit_3(tmp_path: Path) -> None:
    done = steward(tmp_path, "status", STEWARD_STACK="x", AWS_DEFAULT_REGION="eu-west-1")

    assert done.returncode == 3
    assert_one_line(done, "no AWS credentials")


def test_given_an_endpoint_nobody_answers_on_then_one_line_and_exit_3(tmp_path: Path) -> None:
    done = steward(
        tmp_path,
        "history",
        "pump-01",
        "--stack",
        "x",
        AWS_DEFAULT_REGION="eu-west-1",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_ENDPOINT_URL=f"http://127.0.0.1:{closed_port()}",
    )

    assert done.returncode == 3
    assert_one_line(done, "Could not connect to the endpoint URL", "is the endpoint reachable?")


def test_given_no_deployment_then_one_line_saying_what_to_pass_and_exit_2(tmp_path: Path) -> None:
    done = steward(tmp_path, "status", AWS_DEFAULT_REGION="eu-west-1")

    assert done.returncode == 2
    assert_one_line(done, "--stack NAME", "STEWARD_STACK")


def test_given_an_unknown_profile_then_one_line_and_exit_3(tmp_path: Path) -> None:
    done = steward(tmp_path, "status", STEWARD_STACK="x", AWS_PROFILE="nobody")

    assert done.returncode == 3
    assert_one_line(done, "nobody")
