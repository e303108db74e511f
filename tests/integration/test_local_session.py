"""An operator's session against `make local`: the local stack started as `make local` starts it
(``python -m emulators.local``, in its own process), its environment file sourced, and `steward`
run as a separate process for each command, exactly as in a second shell."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from emulators.local import read_env_file
from tests.helpers import ROOT

STARTUP_SECONDS = 180


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The environment of a shell that sourced the local stack's environment file."""
    folder = tmp_path_factory.mktemp("local")
    env_file = folder / "env"
    output = (folder / "make-local.out").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "emulators.local", "--dir", str(folder), "--tick-seconds", "0"],
        cwd=ROOT,
        stdout=output,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + STARTUP_SECONDS
    while not env_file.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the local stack did not start:\n{(folder / 'make-local.out').read_text()}")
        time.sleep(0.2)
    shell = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(folder),  # a fresh shell: no ~/.aws of this machine
        "AWS_CONFIG_FILE": str(folder / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(folder / "no-credentials"),
    }
    yield read_env_file(env_file.read_text(), shell)
    process.send_signal(signal.SIGINT)  # Ctrl-C
    try:
        assert process.wait(timeout=60) == 0
    finally:
        process.kill()
        output.close()
    assert not env_file.exists(), "Ctrl-C removes the environment file"
    assert "Stopped." in (folder / "make-local.out").read_text()


def steward(session: dict[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["steward", *arguments], env=session, capture_output=True, text=True, timeout=120, check=False
    )


def json_of(done: subprocess.CompletedProcess[str], *codes: int) -> Any:
    """The command's stdout, which must be JSON and nothing else, after one of ``codes``; nothing
    on stderr either (the shared code's informational logs are not for a person at a terminal)."""
    assert done.returncode in codes, done.stderr
    assert done.stderr == ""
    return json.loads(done.stdout)


def test_the_environment_file_names_the_deployment_and_a_steward_on_the_path(session: dict[str, str]) -> None:
    assert session["STEWARD_STACK"] == "model-steward-local"
    assert session["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")
    assert session["AWS_ENDPOINT_URL_LOOKOUTEQUIPMENT"].startswith("http://127.0.0.1:")
    assert "AWS_SESSION_TOKEN" not in session

    info = json_of(steward(session, "info", "--json"), 0)

    assert info["region"] == session["AWS_REGION"]
    assert info["deployment"] == {"STEWARD_STACK": "model-steward-local"}


def test_status_is_json_and_flags_what_needs_a_person(session: dict[str, str]) -> None:
    status = json_of(steward(session, "status", "--json"), 0, 1)

    by_name = {m["model_name"]: m for m in status["models"]}
    assert {"pump-01", "pump-02", "compressor-08", "conveyor-03"} <= set(by_name)
    failed = by_name["conveyor-03"]
    assert failed["needs_person"]
    assert [f["code"] for f in failed["findings"]] == ["retraining-failed"]
    assert failed["severity"] == "WARNING"  # as its alert
    assert status["needs_person"]


def test_history_is_json_with_decisions_as_objects(session: dict[str, str]) -> None:
    history = json_of(steward(session, "history", "pump-02", "--json"), 0)

    newest = history["versions"][0]
    assert (newest["version"], newest["outcome"]) == (4, "REJECT")
    assert {r["rule"] for r in newest["rule_results"]} >= {"model_quality", "event_recall"}


def test_evaluate_and_backtest_judge_with_the_deployed_policy_and_print_one_fingerprint(
    session: dict[str, str],
) -> None:
    evaluated = json_of(steward(session, "evaluate", "pump-02", "--json"), 0)
    replayed = json_of(steward(session, "backtest", "pump-02", "--json"), 0)

    assert evaluated["outcome"] == "REJECT"
    assert evaluated["policy"]["base"] == "the Policy* parameters of stack model-steward-local"
    assert evaluated["policy"]["values"]["cooldown_hours"] == 0  # PolicyCooldownHours of the local stack
    assert evaluated["policy_fingerprint"] == evaluated["policy"]["fingerprint"]
    assert replayed["policy_fingerprint"] == evaluated["policy_fingerprint"]


def test_promoting_the_active_version_changes_nothing_and_says_so_in_json(session: dict[str, str]) -> None:
    active = json_of(steward(session, "history", "pump-01", "--json"), 0)["active_version"]

    outcome = json_of(steward(session, "promote", "pump-01", str(active), "--reason", "x", "--json"), 0)

    assert (outcome["result"], outcome["version"]) == ("NOTHING_TO_DO", active)


def test_a_held_version_is_promoted_by_the_person_it_waits_for_and_no_longer_flagged(
    session: dict[str, str],
) -> None:
    before = json_of(steward(session, "status", "--prefix", "compressor-08", "--json"), 0, 1)
    assert [f["code"] for f in before["models"][0]["findings"]] == ["held"]

    outcome = json_of(
        steward(session, "promote", "compressor-08", "4", "--reason", "checked on the bench", "--json"), 0
    )
    after = json_of(steward(session, "status", "--prefix", "compressor-08", "--json"), 0)

    assert (outcome["result"], outcome["forced"]) == ("DONE", False)
    assert outcome["actor"] == "arn:aws:iam::123456789012:user/local-stack-operator"
    assert outcome["alert_sent"]  # the local stack names its operator as an alert publisher
    assert after["models"][0]["active_version"] == 4
    assert after["models"][0]["findings"] == []


def test_a_refusal_exits_1_with_json_only(session: dict[str, str]) -> None:
    refused = json_of(steward(session, "promote", "pump-02", "4", "--reason", "x", "--json"), 1)

    assert refused["result"] == "REFUSED"
    assert "model_quality" in {r["rule"] for r in refused["refusing_rules"]}


def test_the_ledger_export_is_plain_json(session: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "ledger.json"

    done = steward(session, "ledger", "export", "--out", str(target))

    assert done.returncode == 0, done.stderr
    assert str(target) in done.stdout
    exported = json.loads(target.read_text())
    pump = exported["models"]["pump-01"]
    promoted = next(v for v in pump["versions"] if v["version"] == 4)
    assert promoted["state"] == "PROMOTED"
    assert isinstance(promoted["decision"]["rule_results"], list)
    assert any(isinstance(a["alert"], dict) and a["alert"]["kind"] == "PROMOTED" for a in pump["alerts"])
    text = target.read_text()
    for leftover in ('"S":', '"N":', '"M":', "decision_json", "payload_json"):
        assert leftover not in text


def test_an_unknown_stack_is_one_line_and_exit_2(session: dict[str, str]) -> None:
    done = steward(session, "status", "--stack", "no-such-stack")

    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert "no-such-stack does not exist" in done.stderr
