"""`steward import` and `steward share` refuse bad input with exit 2 and one clear line, before they
look anything up (the lookups themselves run through the local stack in
tests/integration/test_cross_account.py)."""

from __future__ import annotations

import pytest

from model_steward import cli

SOURCE = "arn:aws:lookoutequipment:eu-west-1:111111111111:model/pump-01/abc-123/model-version/7"


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["import", "arn:aws:s3:::bucket/key"], "not a model version ARN: 'arn:aws:s3:::bucket/key'"),
        (["import", SOURCE.replace("/model-version/7", "")], "not a model version ARN"),
        (
            ["import", SOURCE, "--labels", "https://bucket/labels"],
            "labels must be an s3://bucket/prefix location",
        ),
        (["import", SOURCE, "--role", "arn:aws:iam::1:role/x"], "role_arn: String should match pattern"),
        (["import", SOURCE, "--reason", "   "], "--reason must say why"),
        (["share", "pump-01", "--account", "12345"], "--account must be a 12-digit AWS account ID"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    arguments: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    words = [*arguments]
    if words[0] == "import":
        words += ["--dataset", "pump-data", "--table", "ledger", "--topic", "arn:aws:sns:eu-west-1:1:t"]
        if "--reason" not in words:
            words += ["--reason", "approved in staging"]

    code = cli.main(words)

    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert err.startswith("steward: ")
    assert expected in err


def test_the_help_names_every_option_of_the_issue(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["import", "--help"])

    text = capsys.readouterr().out
    for option in (
        "--model",
        "--dataset",
        "--role",
        "--labels",
        "--inference-data",
        "--kms",
        "--reason",
        "--no-wait",
    ):
        assert option in text
