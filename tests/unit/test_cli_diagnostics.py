"""`steward diagnostics summarize` on local files: exit codes and outputs (S3 sources: tests/adapters)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from model_steward import cli

RECORDS = [
    {"timestamp": "2021-03-11T22:25:00.000000", "prediction": 0, "anomaly_score": 0.1},
    {
        "timestamp": "2021-03-11T22:30:00.000000",
        "prediction": 1,
        "prediction_reason": "ANOMALY_DETECTED",
        "anomaly_score": 0.72385,
        "diagnostics": [{"name": "component_5feceb66\\sensor0", "value": 0.02346}],
    },
]
DATA = gzip.compress("\n".join(json.dumps(r) for r in RECORDS).encode())


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "model_diagnostics_results.json.gz"
    path.write_bytes(DATA)
    return path


def test_json_output(good: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["diagnostics", "summarize", str(good), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["version"] == 1
    assert out["rows"] == 2
    assert out["top_sensors"] == [{"name": "component_5feceb66\\sensor0", "mean_contribution": 0.02346}]


def test_text_output_and_report(good: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "report.html"
    assert cli.main(["diagnostics", "summarize", str(good), "--report", str(report)]) == 0
    assert "Anomalous records:  1 (50.00%)" in capsys.readouterr().out
    assert "<svg" in report.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "content",
    [b"not a diagnostics file", DATA[:-8], b'{"timestamp": "x", "prediction": 0}', b""],
)
def test_bad_input_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    path = tmp_path / "bad.json.gz"
    path.write_bytes(content)
    assert cli.main(["diagnostics", "summarize", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1
    assert captured.err.startswith("steward: diagnostics file")
    assert "Traceback" not in captured.err


def test_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["diagnostics", "summarize", str(tmp_path / "nope.gz")]) == 2
    assert "cannot open" in capsys.readouterr().err
