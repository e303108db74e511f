"""`steward`: the operator's command line (also `python -m model_steward`).

Each command group lives in its own module with a ``register(subparsers)`` function; a command's
handler returns the process exit code. Exit codes: 0 success, 1 a check failed or an action was
refused, 2 bad input, usage, or an unknown model/version (one clear line on stderr, no
traceback), 3 an AWS/service error.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from model_steward import __version__
from model_steward.errors import InvalidInputError, NotFoundError, StewardError

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_BAD_INPUT = 2
EXIT_SERVICE_ERROR = 3

# Modules under model_steward.cli that contribute commands; each defines register(subparsers).
COMMAND_MODULES: tuple[str, ...] = (
    "info",
    "status",
    "history",
    "evaluate",
    "actions",
    "backtest",
    "policy",
    "diagnostics",
    "notify",
    "sitewise",
)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or only of ``command`` when a module of that name defines it
    (so that running one command imports only what it needs)."""
    parser = argparse.ArgumentParser(prog="steward", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in (command,) if command in COMMAND_MODULES else COMMAND_MODULES:
        importlib.import_module(f"model_steward.cli.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(words[0] if words else None)
    args = parser.parse_args(argv)
    try:
        code: int = args.handler(args)
    except (InvalidInputError, NotFoundError) as exc:
        print(f"steward: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except StewardError as exc:
        print(f"steward: {exc}", file=sys.stderr)
        return EXIT_SERVICE_ERROR
    return code
