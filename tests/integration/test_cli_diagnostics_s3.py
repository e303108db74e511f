"""`steward diagnostics summarize s3://…`: the object streamed through the S3 adapter (moto)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from model_steward import cli

DATA = gzip.compress(
    b'{"timestamp": "2021-03-11T22:25:00", "prediction": 0, "anomaly_score": 0.1}\n'
    b'{"timestamp": "2021-03-11T22:30:00", "prediction": 1, "anomaly_score": 0.7}\n'
)


@pytest.fixture(autouse=True)
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    monkeypatch.setattr(cli, "COMMAND_MODULES", tuple(dict.fromkeys((*cli.COMMAND_MODULES, "diagnostics"))))
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


def test_s3_uri(capsys: pytest.CaptureFixture[str]) -> None:
    uri = "s3://diag/m/v1/model_diagnostics_results.json.gz"
    assert cli.main(["diagnostics", "summarize", uri, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["anomalous_rows"] == 1


@pytest.mark.parametrize("uri", ["s3://diag/missing.gz", "s3://no-such-bucket-xyz/k"])
def test_s3_missing_exits_2(uri: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["diagnostics", "summarize", uri]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
