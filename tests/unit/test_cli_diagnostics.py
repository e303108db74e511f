"""`steward diagnostics summarize` on local files: exit codes, outputs, and no AWS SDK loaded (S3 sources:
tests/adapters)."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
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
    assert out["schema_version"] == 2
    assert (out["model_name"], out["model_version"]) == (None, None)
    assert out["rows"] == 2
    assert out["top_sensors"] == [{"name": "component_5feceb66\\sensor0", "mean_contribution": 0.02346}]


def test_text_output_and_report(good: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "report.html"
    assert cli.main(["diagnostics", "summarize", str(good), "--report", str(report)]) == 0
    captured = capsys.readouterr()
    assert "Anomalous records:  1 (50.00%)" in captured.out
    assert captured.err == f"steward: report written to {report}\n"
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


def test_a_bad_s3_uri_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["diagnostics", "summarize", "s3://bucket-only"]) == 2
    assert "not an S3 object URI" in capsys.readouterr().err


AWS_SDK = ("boto3", "botocore", "s3transfer", "awscrt", "aws_xray_sdk", "aws_lambda_powertools")


def test_a_local_file_loads_no_aws_sdk(good: Path) -> None:
    """The real command in a fresh interpreter: nothing of the AWS SDK, nor the S3 adapter, is imported."""
    code = (
        "import json, sys\n"
        "from model_steward.cli import main\n"
        "code = main()\n"
        "print(json.dumps([code, sorted(sys.modules)]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "diagnostics", "summarize", str(good), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    exit_code, modules = json.loads(done.stdout.strip().splitlines()[-1])
    assert exit_code == 0
    assert "model_steward.domain.diagnostics" in modules
    assert [m for m in modules if m.split(".")[0] in AWS_SDK] == []
    assert [m for m in modules if m.startswith("model_steward.adapters")] == []
