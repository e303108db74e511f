"""`steward policy`: check a policy overrides document, show the policy a model gets.

    steward policy check FILE                 validate; exit 0 with a summary, 2 with every problem
    steward policy show [--model NAME] [--file FILE] [--stack NAME] [--region REGION]
                                              the policy a model gets, as JSON

``show`` starts from the deployed policy when a stack is named (``--stack`` or ``STEWARD_STACK``:
the evaluate function's ``Policy*`` parameters and its overrides document), else from the built-in
defaults; ``--file`` replaces the overrides document. FILE may be ``-`` for standard input.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from model_steward.cli import summary
from model_steward.errors import InvalidInputError
from model_steward.models.policy import PolicyOverrides, parse_overrides, patch_values


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("policy", help=summary("policy"))
    commands = parser.add_subparsers(dest="policy_command", metavar="SUBCOMMAND", required=True)

    check = commands.add_parser("check", help="validate a policy overrides document")
    check.add_argument("file", metavar="FILE", help="the overrides JSON document ('-' for stdin)")
    check.set_defaults(handler=run_check)

    show = commands.add_parser("show", help="print the resolved policy as JSON")
    show.add_argument("--model", metavar="NAME", help="resolve for this model name")
    show.add_argument("--file", metavar="FILE", help="apply this overrides document ('-' for stdin)")
    show.add_argument("--stack", metavar="NAME", help="start from this stack's deployed policy")
    show.add_argument("--region", metavar="REGION", help="the AWS region (default: the SDK's)")
    show.set_defaults(handler=run_show)


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InvalidInputError(f"cannot read {path}: {reason}") from None


def load_document(path: str) -> PolicyOverrides:
    """A policy overrides document from a file (``-``: standard input), validated."""
    return parse_overrides(_read(path), source=f"policy overrides document {path}")


def _settings(values: dict[str, Any]) -> str:
    if not values:
        return "(nothing)"
    return ", ".join(f"{name}={json.dumps(_jsonable(values[name]))}" for name in sorted(values))


def _jsonable(value: Any) -> Any:
    return value.value if hasattr(value, "value") else value


def summarize(overrides: PolicyOverrides) -> list[str]:
    """One line per layer that overrides something."""
    lines = []
    defaults = patch_values(overrides.defaults)
    if defaults:
        lines.append(f"defaults: {_settings(defaults)}")
    for prefix in sorted(overrides.prefixes):
        lines.append(f"prefix {prefix}*: {_settings(patch_values(overrides.prefixes[prefix]))}")
    for name in sorted(overrides.models):
        lines.append(f"model {name}: {_settings(patch_values(overrides.models[name]))}")
    return lines


def run_check(args: argparse.Namespace) -> int:
    overrides = load_document(args.file)
    counts = (
        f"{len(overrides.prefixes)} prefix{'es' if len(overrides.prefixes) != 1 else ''}, "
        f"{len(overrides.models)} model{'s' if len(overrides.models) != 1 else ''}"
    )
    print(f"{args.file}: valid policy overrides document (version {overrides.version}; {counts})")
    for line in summarize(overrides) or ["overrides nothing: every model gets the base policy"]:
        print(f"  {line}")
    return 0


def run_show(args: argparse.Namespace) -> int:
    from model_steward.cli.common import find_target, policy_in_use

    named = args.stack or os.environ.get("STEWARD_STACK")
    chosen = policy_in_use(find_target(args) if named else None, args.model, args.file)
    print(json.dumps(chosen.policy.model_dump(mode="json"), indent=2))
    subject = f"model {args.model}" if args.model else "any model"
    print(f"# {subject}: {chosen.describe()}", file=sys.stderr)
    return 0
