"""`steward sitewise probe` against the SiteWise emulator: the raw answers, and a verdict per setting
that confirms the defaults where the service answers as they say, and names the value that fits
where it does not."""

from __future__ import annotations

import json

import pytest

from emulators.sitewise import SiteWiseEmulator
from model_steward import cli
from model_steward.domain.samples import metrics_json
from model_steward.domain.sitewise_probe import judge
from model_steward.models.sitewise import SiteWiseFacts, parse_unit_key
from tests.aws import REGION
from tests.conftest import SITEWISE_BUCKET

OTHER_FACTS = SiteWiseFacts(
    version="executionDetails:modelVersion",
    active_version="summary:currentModelVersion",
    reason_code="executionResult:promotionReason",
    prior_metrics="executionDetails:priorModelMetrics",
    failure_message="executionResult:errorMessage",
)


def unit_with_history(emulator: SiteWiseEmulator) -> tuple[str, str]:
    """A SERVICE_MANAGED unit with a promoted retraining and a failed one."""
    key = emulator.seed_unit("Pump anomaly", "Pump 01", bucket=SITEWISE_BUCKET, promotion="SERVICE_MANAGED")
    emulator.train(key, metrics=metrics_json(num_labeled=8, num_identified=5), activate=True)
    version = emulator.start_retraining(key)
    emulator.finish_retraining(key, version, metrics=metrics_json(num_labeled=8, num_identified=7))
    failed = emulator.start_retraining(key)
    emulator.finish_retraining(key, failed, status="FAILED", failure_message="No data in the window")
    emulator.start_retraining(key)  # one running: no file yet
    ids = parse_unit_key(key)
    assert ids is not None
    return ids


def probe(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, object]]:
    code = cli.main(["sitewise", "probe", *args, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_the_defaults_are_confirmed_by_a_service_that_answers_as_they_say(
    sitewise_sandbox: SiteWiseEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    model_id, asset_id = unit_with_history(sitewise_sandbox)
    sitewise_sandbox.reset_calls()

    code, answer = probe(capsys, model_id, asset_id)

    verdicts = {s["setting"]: s["verdict"] for s in answer["settings"]}  # type: ignore[union-attr,index]
    assert code == 0
    assert sitewise_sandbox.call_count("ListActions") == 1  # the payloads are read once
    assert verdicts == {
        "training_action": "CONFIRMED",
        "inference_action": "CONFIRMED",
        "version": "CONFIRMED",
        "active_version": "CONFIRMED",
        "inference_active": "CONFIRMED",
        "reason_code": "CONFIRMED",  # in the newest metrics file
        "prior_metrics": "CONFIRMED",
        "failure_message": "CONFIRMED",
        "activation_requires_stop": "NOT SEEN",
        "metrics_suffix": "CONFIRMED",
        "results_suffix": "CONFIRMED",
    }
    found = answer["found"]
    assert found["execution_summary"] == {"inferenceTimerActive": "TRUE", "activeModelVersion": "2"}  # type: ignore[index]
    metrics_objects = found["metrics_objects"]  # type: ignore[index]
    assert all(
        entry["key"].endswith("-model_metrics.json")
        for entries in metrics_objects.values()
        for entry in entries
    )
    assert answer["suggested_facts"] is None


def test_a_service_that_answers_with_other_keys_is_shown_the_settings_that_fit(
    sitewise_sandbox: SiteWiseEmulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from model_steward.adapters import aws

    with SiteWiseEmulator(region=REGION, facts=OTHER_FACTS) as other:
        monkeypatch.setenv("AWS_ENDPOINT_URL_IOTSITEWISE", other.endpoint_url)
        aws.reset_clients()
        model_id, asset_id = unit_with_history(other)

        code, answer = probe(capsys, model_id, asset_id)
        text_code = cli.main(["sitewise", "probe", model_id, asset_id])
        text = capsys.readouterr().out
        confirmed, _ = probe(capsys, model_id, asset_id, "--facts", OTHER_FACTS.text())
    aws.reset_clients()

    contradicted = {s["setting"] for s in answer["settings"] if s["verdict"] == "CONTRADICTED"}  # type: ignore[union-attr,index]
    assert code == text_code == 1
    assert contradicted == {"version", "active_version", "reason_code", "failure_message", "prior_metrics"}
    assert SiteWiseFacts.parse(str(answer["suggested_facts"])) == OTHER_FACTS
    assert f"Set the SiteWiseFacts parameter to: {answer['suggested_facts']}" in text
    assert "executionDetails" in text
    assert "priorModelMetrics" in text
    assert confirmed == 0


def test_a_unit_with_no_history_leaves_the_settings_unseen() -> None:
    judgements = {j.setting: j.verdict for j in judge(SiteWiseFacts(), {"execution_summary": {}})}

    assert judgements["version"] == "NOT SEEN"
    assert judgements["active_version"] == "CONTRADICTED"  # a unit that ran has a summary with it
    assert judgements["reason_code"] == judgements["prior_metrics"] == "NOT SEEN"


def test_ids_that_are_not_uuids_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["sitewise", "probe", "pump-01", "asset"]) == 2
    assert "not a SiteWise id" in capsys.readouterr().err


@pytest.fixture(autouse=True)
def _no_facts_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STEWARD_SITEWISE_FACTS", raising=False)
    return
