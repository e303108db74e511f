"""`steward notify preview`: sample alerts of every kind, rendered for e-mail and Slack."""

from __future__ import annotations

import argparse
import json

import pytest

from model_steward.cli import notify
from model_steward.models.alerts import AlertKind


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="steward")
    notify.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    code: int = args.handler(args)
    return code


def test_preview_all_as_json_renders_every_kind(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["notify", "preview", "all", "--json"]) == 0

    shown = json.loads(capsys.readouterr().out)

    assert set(shown) == {k.value for k in AlertKind}
    for kind, preview in shown.items():
        assert preview["email"]["subject"].startswith("[Model Steward] ")
        assert preview["slack"]["blocks"][0]["type"] == "header"
        assert json.loads(json.loads(preview["sns"]["Message"])["lambda"])["kind"] == kind


def test_preview_of_one_kind_prints_the_email_then_the_slack_blocks(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(["notify", "preview", "held"]) == 0

    out = capsys.readouterr().out

    assert "Subject: [Model Steward] pump-01 v5 held for review" in out
    assert "Hold pump-01 version 5 for a person to decide" in out
    assert out.index("Subject:") < out.index("--- Slack message")
    assert '"type": "header"' in out


def test_samples_come_from_real_decisions() -> None:
    held = notify.sample_alert(AlertKind.HELD)
    conflict = notify.sample_alert(AlertKind.CONFIGURATION_PROBLEM)

    assert held.decision is not None
    assert held.decision.outcome == "HOLD"
    assert conflict.decision is not None
    assert conflict.decision.outcome == "CONFLICT"
    assert notify.sample_alert(AlertKind.DIAGNOSTICS_SUMMARY).diagnostics is not None


def test_an_unknown_kind_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        run(["notify", "preview", "exploded"])

    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
