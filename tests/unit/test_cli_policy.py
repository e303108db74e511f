"""`steward policy check` and `steward policy show`."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

import model_steward.cli as cli
from model_steward.models.policy import Policy


@pytest.fixture
def overrides_file(tmp_path: Path) -> Path:
    path = tmp_path / "policy.json"
    path.write_text(
        json.dumps(
            {
                "version": 1,
                "defaults": {"max_recall_drop": 0.05},
                "prefixes": {"compressor-": {"cooldown_hours": 72}},
                "models": {"pump-01": {"dry_run": False, "on_cannot_determine_quality": "ACCEPT"}},
            }
        )
    )
    return path


@pytest.fixture
def invalid_file(tmp_path: Path) -> Path:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"version": 1, "models": {"pump-01": {"max_recall_drop": 3, "dryrun": True}}}))
    return path


def test_check_valid_document_summarises_what_it_overrides(
    overrides_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["policy", "check", str(overrides_file)])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert out[0] == f"{overrides_file}: valid policy overrides document (version 1; 1 prefix, 1 model)"
    assert out[1:] == [
        "  defaults: max_recall_drop=0.05",
        "  prefix compressor-*: cooldown_hours=72.0",
        '  model pump-01: dry_run=false, on_cannot_determine_quality="ACCEPT"',
    ]


def test_check_invalid_document_lists_every_problem_on_stderr(
    invalid_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["policy", "check", str(invalid_file)])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert f"policy overrides document {invalid_file} is invalid (2 problems):" in captured.err
    assert "  - models.pump-01.max_recall_drop: must be <= 1 (got 3)" in captured.err
    assert "  - models.pump-01.dryrun: unknown setting (did you mean dry_run?)" in captured.err
    assert "Traceback" not in captured.err


def test_check_missing_file_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["policy", "check", str(tmp_path / "nope.json")])
    assert code == 2
    assert "cannot read" in capsys.readouterr().err


def test_check_reads_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO('{"version": 1}'))
    code = cli.main(["policy", "check", "-"])
    assert code == 0
    assert "overrides nothing" in capsys.readouterr().out


def test_show_without_file_prints_the_default_policy(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["policy", "show"])
    captured = capsys.readouterr()
    assert code == 0
    assert Policy.model_validate_json(captured.out) == Policy()
    assert Policy().fingerprint() in captured.err


def test_show_resolves_for_a_model(overrides_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["policy", "show", "--model", "pump-01", "--file", str(overrides_file)])
    captured = capsys.readouterr()
    shown = json.loads(captured.out)
    assert code == 0
    assert shown["max_recall_drop"] == 0.05
    assert shown["dry_run"] is False
    assert shown["on_cannot_determine_quality"] == "ACCEPT"
    assert shown["cooldown_hours"] == 24.0
    assert "base < defaults < model pump-01" in captured.err


def test_show_with_invalid_file_is_bad_input(invalid_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["policy", "show", "--file", str(invalid_file)])
    assert code == 2
    assert capsys.readouterr().out == ""
