"""`make local`: the local stack with the demo fleet, running until Ctrl-C, for `steward` to use.

Deploys template.yaml into moto and the Lookout for Equipment emulator (``emulators.stack``), plays
the demo's story once (a fleet seen for the first time, a retraining round with a promotion, a
rejection, a held version and a failed retraining, a diagnostics file), then keeps running: the
watch schedule fires every ``--tick-seconds`` (the evaluate queue is drained after each tick, as
Lambda would), until Ctrl-C or SIGTERM stops it cleanly.

It writes an environment file (``.local/env`` by default) with the endpoints, the region, the
credentials and the deployment (``STEWARD_STACK``); with it sourced, every `steward` command works
against the local stack, and so does the AWS CLI. The file is removed when the stack stops. The
functions' logs go to ``.local/functions.log``, the diagnostics summary and report to
``.local/diagnostics/`` (``--dir`` moves all three).
"""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

from emulators import demo, iam
from emulators.stack import ACCOUNT_ID, ROOT, LocalStack

LOCAL = ROOT / ".local"
STACK_NAME = "model-steward-local"
PARAMETERS = {**demo.PARAMETERS, "AlertPublisherArns": iam.operator_arn(ACCOUNT_ID)}
"""The demo's deployment, whose alert topic also takes the operator's manual actions at once."""
_CLEARED = ("AWS_SESSION_TOKEN", "AWS_PROFILE", "STEWARD_TABLE", "STEWARD_TOPIC", "STEWARD_CHATBOT_TOPIC")


def credentials(stack: LocalStack) -> dict[str, str]:
    """What an operator signs requests with: the local stack's operator user (IAM is enforced; the
    stack names it in AlertPublisherArns, so its manual actions alert at once)."""
    if stack.operator is None:
        raise RuntimeError("the local stack has no operator yet: start it first")
    return {
        "AWS_ACCESS_KEY_ID": stack.operator.access_key_id,
        "AWS_SECRET_ACCESS_KEY": stack.operator.secret_access_key,
    }


def environment(stack: LocalStack) -> dict[str, str | None]:
    """The variables that point `steward` (and any AWS SDK or CLI) at the stack; None: unset."""
    values: dict[str, str | None] = {
        "AWS_ENDPOINT_URL": stack.moto_url,
        "AWS_ENDPOINT_URL_LOOKOUTEQUIPMENT": stack.lookout.endpoint_url,
        "AWS_ENDPOINT_URL_IOTSITEWISE": stack.sitewise.endpoint_url,
        "AWS_DISABLE_HOST_PREFIX_INJECTION": "true",  # local only: SiteWise's api. host prefix
        "AWS_REGION": stack.region,
        "AWS_DEFAULT_REGION": stack.region,
        **credentials(stack),
        "AWS_EC2_METADATA_DISABLED": "true",
        "STEWARD_STACK": stack.stack_name,
        "PATH": f"{Path(sys.executable).parent}:$PATH",
    }
    values.update(dict.fromkeys(_CLEARED))
    return values


def render_env_file(values: Mapping[str, str | None], *, started: datetime) -> str:
    lines = [
        f"# Model Steward's local stack (make local), started {started:%Y-%m-%d %H:%M} UTC.",
        "# Valid while `make local` runs; `source` it in another shell, then use `steward`.",
    ]
    for name, value in values.items():
        if value is None:
            lines.append(f"unset {name}")
        elif name == "PATH":
            lines.append(f'export PATH="{value}"')
        else:
            lines.append(f"export {name}={shlex.quote(value)}")
    return "\n".join(lines) + "\n"


def read_env_file(text: str, base: Mapping[str, str]) -> dict[str, str]:
    """The environment a shell would have after sourcing ``text`` on top of ``base`` (for tests
    and tools that run `steward` with the file's settings)."""
    result = dict(base)
    for line in text.splitlines():
        words = shlex.split(line, comments=True)
        if words[:1] == ["unset"]:
            for name in words[1:]:
                result.pop(name, None)
        elif words[:1] == ["export"] and len(words) == 2:
            name, _, value = words[1].partition("=")
            result[name] = value.replace("$PATH", base.get("PATH", ""))
    return result


def write_env_file(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)  # whoever waits for the file never reads half of it


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def usage(env_file: Path, stack: LocalStack, tick_seconds: float, folder: Path) -> str:
    shown = demo.short_path(env_file)
    every = f"every {tick_seconds:g} s" if tick_seconds > 0 else "never (--tick-seconds 0)"
    scenario = f"{stack.lookout.endpoint_url}/_emulator"
    return f"""
Model Steward's local stack is up: stack {stack.stack_name} in {stack.region}, the demo fleet in it.
In another shell:

  source {shown}
  steward status
  steward history compressor-08
  steward promote compressor-08 4 --reason "checked on the test bench"
  steward ledger export --out ledger.json

A retraining of pump-02 that finishes (the emulator's scenario API; the watch schedule fires
{every}, the functions' logs go to {demo.short_path(folder / "functions.log")}):

  curl -s -X POST {scenario}/start_retraining -d '{{"model_name": "pump-02"}}'
  curl -s -X POST {scenario}/finish_retraining -d '{{"model_name": "pump-02", "version": 5}}'

The SiteWise units (sw-... in steward status) retrain the same way through
{stack.sitewise.endpoint_url}/_emulator (start_retraining, finish_retraining with "key" and
"version"); `steward sitewise probe MODEL_ID ASSET_ID` shows what one returns.

Ctrl-C stops the stack and removes {shown}.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--dir", type=Path, default=LOCAL, help="where the environment file, logs and reports go (.local)"
    )
    parser.add_argument("--env-file", type=Path, help="where to write the variables (default: DIR/env)")
    parser.add_argument(
        "--tick-seconds", type=float, default=30.0, help="how often the watch schedule fires (0: never)"
    )
    args = parser.parse_args(argv)
    folder: Path = args.dir.resolve()
    env_file: Path = (args.env_file or folder / "env").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    # Ctrl-C and SIGTERM stop the stack cleanly, even when started with SIGINT ignored (a job in
    # the background of a non-interactive shell inherits that, and Python keeps it).
    for stop in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop, _stop)
    print("Deploying template.yaml into moto and the Lookout for Equipment emulator ...", flush=True)
    log_path = folder / "functions.log"
    with (
        log_path.open("a", encoding="utf-8") as log,
        LocalStack(PARAMETERS, stack_name=STACK_NAME) as stack,
    ):
        try:
            demo.build_fleet(stack, log, folder / "diagnostics")
            log.flush()
            write_env_file(env_file, render_env_file(environment(stack), started=datetime.now(UTC)))
            print(usage(env_file, stack, args.tick_seconds, folder), flush=True)
            while True:
                if args.tick_seconds <= 0:
                    time.sleep(3600)
                    continue
                time.sleep(args.tick_seconds)
                demo.run_tick(stack, log)
                log.flush()
        except KeyboardInterrupt:
            print("\nStopping the local stack ...", flush=True)
        finally:
            env_file.unlink(missing_ok=True)
    print("Stopped.", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
