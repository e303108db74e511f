"""`steward diagnostics summarize`: exit codes, outputs, S3."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

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


@pytest.fixture(autouse=True)
def _with_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "COMMAND_MODULES", tuple(dict.fromkeys((*cli.COMMAND_MODULES, "diagnostics"))))


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


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        client = boto3.client("s3")
        client.create_bucket(Bucket="diag", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        client.put_object(Bucket="diag", Key="m/v1/model_diagnostics_results.json.gz", Body=DATA)
        yield client


@pytest.mark.usefixtures("s3")
def test_s3_uri(capsys: pytest.CaptureFixture[str]) -> None:
    uri = "s3://diag/m/v1/model_diagnostics_results.json.gz"
    assert cli.main(["diagnostics", "summarize", uri, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["anomalous_rows"] == 1


@pytest.mark.usefixtures("s3")
@pytest.mark.parametrize("uri", ["s3://diag/missing.gz", "s3://no-such-bucket-xyz/k", "s3://diag"])
def test_s3_missing_exits_2(uri: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["diagnostics", "summarize", uri]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
