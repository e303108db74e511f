"""`steward diagnostics summarize s3://...`: the CLI streams the object through the S3 adapter (moto)."""

from __future__ import annotations

import json

import pytest

from model_steward import cli
from tests.aws import AwsSandbox
from tests.unit.test_cli_diagnostics import DATA


@pytest.fixture
def s3(aws_sandbox: AwsSandbox) -> None:
    aws_sandbox.create_bucket("diag")
    aws_sandbox.client("s3").put_object(
        Bucket="diag", Key="m/v1/model_diagnostics_results.json.gz", Body=DATA
    )


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
