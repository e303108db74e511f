"""`steward` starts at once: listing the commands imports none of them, and a command imports only
what it needs. Each check runs `steward` in a fresh interpreter and looks at ``sys.modules``
(how long it takes is a benchmark's business: ``make bench-cli``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from model_steward import cli

HEAVY = ("boto3", "botocore", "pydantic", "aws_lambda_powertools", "aws_xray_sdk", "msgspec", "slack_sdk")
_PROBE = """
import contextlib, io, json, sys
from model_steward import cli
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    try:
        code = cli.main(sys.argv[1:])
    except SystemExit as exc:
        code = exc.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def imported_by(*arguments: str) -> tuple[int, set[str]]:
    """(exit code, top-level packages imported) of `steward ARGUMENTS` in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *arguments], capture_output=True, text=True, check=True, timeout=60
    )
    shown = json.loads(done.stdout)
    return shown["code"], {name.split(".")[0] for name in shown["modules"]}


@pytest.mark.parametrize("arguments", [["--help"], ["--version"], []])
def test_listing_the_commands_imports_no_sdk_no_pydantic_and_no_command(arguments: list[str]) -> None:
    code, packages = imported_by(*arguments)

    assert code in (0, 2)  # --help and --version exit 0; no command is a usage error
    assert packages.isdisjoint(HEAVY)


def test_listing_the_commands_imports_no_command_module() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, "--help"], capture_output=True, text=True, check=True, timeout=60
    )
    modules = set(json.loads(done.stdout)["modules"])

    assert {m for m in modules if m.startswith("model_steward.")} == {
        "model_steward.cli",
        "model_steward.errors",
    }


def test_a_command_that_needs_no_aws_loads_no_aws_sdk(tmp_path: Path) -> None:
    document = tmp_path / "policy.json"
    document.write_text('{"version": 1, "defaults": {"max_recall_drop": "off"}}')

    code, packages = imported_by("policy", "check", str(document))

    assert code == 0
    assert "pydantic" in packages  # it validates the document
    assert packages.isdisjoint({"boto3", "botocore", "aws_xray_sdk"})


def test_every_listed_command_is_registered_by_its_module_with_the_same_help() -> None:
    full = cli.build_parser()  # every module registers its commands
    subparsers = next(a for a in full._actions if a.dest == "command")
    listed = {choice.dest: choice.help for choice in subparsers._choices_actions}

    assert listed == {name: summary for name, (_, summary) in cli.COMMANDS.items()}


@pytest.mark.parametrize("name", list(cli.COMMANDS))
def test_each_command_parses_its_own_help(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main([name, "--help"])

    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: steward {name}")
