"""`steward`: the operator's command line (also `python -m model_steward`).

Each command group lives in its own module with a ``register(subparsers)`` function; a command's
handler returns the process exit code. Only the module of the command that runs is imported
(``steward --help`` lists the commands from :data:`COMMANDS` without importing any of them), so a
command loads the AWS SDK, pydantic and the rest only when it needs them.

Exit codes: 0 success; 1 a check found something that needs a person, or an action was refused;
2 bad input, usage, or an unknown model, version or stack; 3 AWS could not be used (no region or
credentials, access denied, an endpoint that cannot be reached, a service error); 4 an unexpected
error (a bug: ``STEWARD_DEBUG=1`` shows its traceback). Every error is one message on stderr,
never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from model_steward import __version__
from model_steward.errors import InvalidInputError, NotFoundError, StewardError

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_BAD_INPUT = 2
EXIT_SERVICE_ERROR = 3
EXIT_UNEXPECTED = 4
EXIT_INTERRUPTED = 130

# Every command, in the order `steward --help` lists them: name -> (module under model_steward.cli
# that registers it, one-line help). A module's register() uses the same help (a test checks).
COMMANDS: dict[str, tuple[str, str]] = {
    "info": ("info", "show the version, the region, the deployment and the AWS endpoints in use"),
    "status": ("status", "one line per watched model, and what needs a person"),
    "history": ("history", "the ledger of one model, newest version first"),
    "evaluate": ("evaluate", "explain what the policy decides for a version (no action)"),
    "promote": ("actions", "activate a version by hand, through the policy's guards"),
    "rollback": ("actions", "activate an earlier version by hand"),
    "backtest": ("backtest", "replay a policy over a model's past versions"),
    "ledger": ("ledger", "export the ledger as plain JSON"),
    "policy": ("policy", "check a policy overrides document, show a model's policy"),
    "diagnostics": ("diagnostics", "model diagnostics files (model_diagnostics_results.json.gz)"),
    "notify": ("notify", "preview the alerts Model Steward sends"),
    "import": ("imports", "import a version from another account, recorded, followed and governed here"),
    "share": ("imports", "let another account import a model's versions"),
    "sitewise": ("sitewise", "AWS IoT SiteWise anomaly detection: probe the settings"),
}


def summary(name: str) -> str:
    """A command's one-line help (what `steward --help` lists)."""
    return COMMANDS[name][1]


def _requested(argv: Sequence[str]) -> str | None:
    """The command named on the command line (the top level has no option that takes a value)."""
    return next((arg for arg in argv if not arg.startswith("-")), None)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser, with the requested command's own arguments; ``argv=None`` registers them all."""
    parser = argparse.ArgumentParser(
        prog="steward",
        description="Model Steward's operator command line.",
        epilog=(
            "Exit codes: 0 success; 1 something needs a person, or an action was refused; 2 bad "
            "input or an unknown model, version or stack; 3 AWS could not be used; 4 an unexpected "
            "error. `steward COMMAND --help` describes a command."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    wanted = COMMANDS.get(_requested(argv) or "", ("", ""))[0] if argv is not None else None
    registered: set[str] = set()
    for name, (module, summary) in COMMANDS.items():
        if module in registered:
            continue  # its module registered it with a sibling (promote and rollback)
        if wanted is None or module == wanted:
            importlib.import_module(f"model_steward.cli.{module}").register(subparsers)
            registered.add(module)
        else:
            subparsers.add_parser(name, help=summary)  # listed only; never run
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:  # the `steward` process itself (not a caller in a process of its own)
        # The code it shares with the functions logs to stderr; a person wants its warnings only.
        os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "steward")
        os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    arguments = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(arguments).parse_args(arguments)
    try:
        code: int = args.handler(args)
    except (InvalidInputError, NotFoundError) as exc:
        return _fail(exc, EXIT_BAD_INPUT)
    except StewardError as exc:
        return _fail(exc, EXIT_SERVICE_ERROR)
    except KeyboardInterrupt:
        print("steward: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `steward status | head`: the reader left; nothing more to say
        sys.stderr.close()
        return EXIT_OK
    except Exception as exc:
        if os.environ.get("STEWARD_DEBUG"):
            raise
        detail = " ".join(str(exc).split()) or "no detail"
        print(
            f"steward: unexpected error ({type(exc).__name__}): {detail} "
            "(STEWARD_DEBUG=1 shows the traceback)",
            file=sys.stderr,
        )
        return EXIT_UNEXPECTED
    finally:
        _back_to_defaults()
    return code


def _back_to_defaults() -> None:
    """The command's shorter AWS retries end with it (what else runs in this process, e.g. a
    function under test, keeps its own); nothing to do when the command never loaded the SDK."""
    clients = sys.modules.get("model_steward.adapters.aws")
    if clients is not None:
        clients.set_max_attempts(None)


def _fail(exc: StewardError, code: int) -> int:
    if os.environ.get("STEWARD_DEBUG"):
        raise exc
    print(f"steward: {exc}", file=sys.stderr)
    return code
