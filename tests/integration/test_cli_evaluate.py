"""`steward evaluate` explains a decision from the live service's answers and changes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from emulators.lookout import LookoutEmulator
from model_steward.adapters.aws import reset_clients
from model_steward.cli import main
from tests.integration.retraining import GOOD, PRIOR, WORSE


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[LookoutEmulator]:
    with LookoutEmulator(region="eu-west-1", account_id="123456789012") as emu:
        for key, value in {
            "AWS_ENDPOINT_URL_LOOKOUTEQUIPMENT": emu.endpoint_url,
            "AWS_DEFAULT_REGION": "eu-west-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        }.items():
            monkeypatch.setenv(key, value)
        reset_clients()
        emu.seed_model("pump-01", scheduler="MANUAL")
        emu.add_version("pump-01", model_metrics=PRIOR, activate=True)
        v2 = emu.start_retraining("pump-01")
        emu.finish_retraining("pump-01", v2, model_metrics=GOOD, prior_model_metrics=PRIOR)
        v3 = emu.start_retraining("pump-01")
        emu.finish_retraining("pump-01", v3, model_metrics=WORSE, prior_model_metrics=PRIOR)
        yield emu
    reset_clients()


def test_given_the_newest_version_is_worse_then_the_explanation_is_reject_with_the_recall_numbers(
    emulator: LookoutEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["evaluate", "--model", "pump-01"])

    out = capsys.readouterr().out
    assert code == 0
    assert out.splitlines()[0] == "pump-01 v3 (active: v1): REJECT"
    assert "[FAIL] event_recall" in out
    assert "nothing was recorded or changed" in out
    assert emulator.call_count("UpdateActiveModelVersion") == 0


def test_given_a_version_and_a_dry_run_policy_file_then_json_says_would_promote(
    emulator: LookoutEmulator, tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"version": 1, "defaults": {"cooldown_hours": 0}}))

    code = main(["evaluate", "--model", "pump-01", "--version", "2", "--policy", str(policy), "--json"])

    decision = json.loads(capsys.readouterr().out)
    assert code == 0
    assert decision["outcome"] == "WOULD_PROMOTE"
    assert decision["version"] == 2
    assert emulator.active_version("pump-01") == 1


def test_given_an_unknown_model_then_exit_2_and_one_line_on_stderr(
    emulator: LookoutEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["evaluate", "--model", "pump-99"])

    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert "pump-99" in err
    assert "Traceback" not in err
