"""Cold import per handler and CLI start (prints figures; asserts nothing).

Every figure is the median of fresh interpreters (``--runs``), on this machine:

- venv: the handler imported from the project's .venv (bytecode cached), with the environment
  Lambda sets; ``no bytecode`` is the same with bytecode neither read nor written, which is
  what Lambda did before the packages shipped any (its code directory is read-only);
- package: the handler imported from its Lambda package built for this machine's architecture
  (same packager, same trimming, this machine's wheels), by a python3.13 that sees only the
  package and the standard library, as in Lambda; ``process`` adds interpreter start-up;
- the X-Ray SDK opt-in (aws-lambda-powertools[tracer]): what recording AWS calls adds to the
  watch package;
- the imports that dominate each handler's package import (``-X importtime``, self time summed
  per top-level package, and our slowest modules);
- ``steward --help``: the whole CLI process, and whether it loads an AWS SDK.

Import time is measured inside the process around the ``import``; the process figure adds
interpreter start-up. Usage: python -m benchmarks.coldstart_bench [--runs 21]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from packaging.requirements import Requirement

from benchmarks.package_bench import DATA, build_all
from scripts import lambda_package as lp

ROOT = Path(__file__).resolve().parent.parent
VENV_PYTHON = Path(sys.executable)
TIMER = """
import sys, time
{path}
started = time.perf_counter()
import {module}
print((time.perf_counter() - started) * 1000)
"""


def lambda_environ(task_root: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LAMBDA_TASK_ROOT": str(task_root),
        "AWS_LAMBDA_FUNCTION_NAME": "steward-bench",
        "AWS_REGION": "eu-west-1",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "POWERTOOLS_SERVICE_NAME": "model-steward",
        "POWERTOOLS_METRICS_NAMESPACE": "ModelSteward",
        **extra,
    }


def timed(
    commands: dict[str, tuple[list[str], dict[str, str]]], runs: int
) -> dict[str, tuple[float, float, float]]:
    """Per command: median import time the process reports, median whole-process wall time, and
    the fastest import (ms; the fastest is the steadiest figure on a shared machine).

    The commands take turns, run after run, so a busy moment on the machine weighs on all alike.
    """
    imports: dict[str, list[float]] = defaultdict(list)
    walls: dict[str, list[float]] = defaultdict(list)
    for _ in range(runs):
        for key, (command, environ) in commands.items():
            started = time.perf_counter()
            done = subprocess.run(command, env=environ, capture_output=True, text=True, check=True)
            walls[key].append((time.perf_counter() - started) * 1000)
            imports[key].append(float(done.stdout.strip().splitlines()[-1]))
    return {
        key: (statistics.median(imports[key]), statistics.median(walls[key]), min(imports[key]))
        for key in commands
    }


def venv_command(module: str, *flags: str) -> list[str]:
    return [str(VENV_PYTHON), "-I", *flags, "-c", TIMER.format(path="", module=module)]


def package_command(package: Path, module: str, *flags: str) -> list[str]:
    insert = f"sys.path.insert(0, {str(package)!r})"
    return [lp.runtime_python(), "-I", "-S", *flags, "-c", TIMER.format(path=insert, module=module)]


def importtime_by_package(
    package: Path, module: str, environ: dict[str, str]
) -> tuple[dict[str, float], list]:
    """Self import time (ms) summed per top-level package, and our slowest modules."""
    done = subprocess.run(
        package_command(package, module, "-X", "importtime"),
        env=environ,
        capture_output=True,
        text=True,
        check=True,
    )
    per_package: dict[str, float] = defaultdict(float)
    ours = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative_us, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
        top = name.split(".")[0]
        per_package[top if top not in sys.stdlib_module_names else "(stdlib)"] += int(self_us) / 1000
        if top == lp.FIRST_PARTY:
            ours.append((name, int(self_us) / 1000, int(cumulative_us) / 1000))
    return dict(per_package), sorted(ours, key=lambda item: -item[1])[:3]


def cli_start(runs: int) -> tuple[float, list[str]]:
    steward = VENV_PYTHON.parent / "steward"
    walls = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([str(steward), "--help"], capture_output=True, check=True)
        walls.append((time.perf_counter() - started) * 1000)
    done = subprocess.run(
        [str(VENV_PYTHON), "-X", "importtime", "-m", "model_steward", "--help"],
        check=False,
        capture_output=True,
        text=True,
    )
    loaded = {
        line.rsplit("|", 1)[-1].strip().split(".")[0] for line in done.stderr.splitlines() if "|" in line
    }
    sdks = sorted(loaded & {"boto3", "botocore", "aws_xray_sdk", "awscrt", "s3transfer"})
    return statistics.median(walls), sdks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    arch = {"x86_64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}.get(platform.machine())
    if arch is None:
        raise SystemExit(f"no Lambda wheels for {platform.machine()}")
    functions = lp.template_functions()
    packages = build_all(arch)
    # The same watch package with the X-Ray SDK (aws-lambda-powertools[tracer]), to price the opt-in.
    requirements = lp.read_requirements()
    requirements["aws-lambda-powertools"] = Requirement(
        str(requirements["aws-lambda-powertools"]).replace(
            "aws-lambda-powertools", "aws-lambda-powertools[tracer]"
        )
    )
    traced_package = DATA / arch / "WatchFunction-xray"
    lp.build_package(
        functions["WatchFunction"].handler_module, traced_package, arch=arch, requirements=requirements
    )

    commands: dict[str, tuple[list[str], dict[str, str]]] = {}
    with tempfile.TemporaryDirectory() as empty_cache:
        for logical_id, spec in functions.items():
            module, package = spec.handler_module, packages[logical_id]
            shipped = lambda_environ(package)
            # The venv has the X-Ray SDK (a dev dependency); the packages do not.
            untraced = lambda_environ(package, POWERTOOLS_TRACE_DISABLED="true")
            commands[f"{logical_id} venv"] = (venv_command(module), untraced)
            commands[f"{logical_id} venv-cold"] = (
                venv_command(module, "-B", "-X", f"pycache_prefix={empty_cache}"),
                untraced,
            )
            commands[f"{logical_id} package"] = (package_command(package, module), shipped)
        watch = functions["WatchFunction"].handler_module
        commands["xray package"] = (package_command(traced_package, watch), lambda_environ(traced_package))
        results = timed(commands, args.runs)

    print(
        f"Cold import per handler, ms: median (fastest) of {args.runs} fresh interpreters,"
        f" {platform.machine()}"
    )
    print(f"  {'handler':<16}{'venv':>12}{'no bytecode':>14}{'package':>12}{'process':>9}")
    figures = {}
    for logical_id, spec in functions.items():
        name = spec.handler_module.rsplit(".", 1)[-1]
        venv, _, venv_best = results[f"{logical_id} venv"]
        cold, _, cold_best = results[f"{logical_id} venv-cold"]
        shipped, process, shipped_best = results[f"{logical_id} package"]
        figures[name] = {"venv": round(venv), "no_bytecode": round(cold), "package": round(shipped)}
        print(
            f"  {name:<16}{venv:>6.0f} ({venv_best:>3.0f}){cold:>7.0f} ({cold_best:>4.0f})"
            f"{shipped:>6.0f} ({shipped_best:>3.0f}){process:>9.0f}"
        )
    traced, _, traced_best = results["xray package"]
    untraced, _, untraced_best = results["WatchFunction package"]
    size = lp.tree_bytes(traced_package) - lp.tree_bytes(packages["WatchFunction"])
    print(
        f"X-Ray SDK opt-in, watch package: {traced:.0f} ({traced_best:.0f}) ms with AWS calls traced, "
        f"{untraced:.0f} ({untraced_best:.0f}) ms without; +{size / 1e6:.1f} MB"
    )

    print("What dominates each package's import (self time per top-level package, ms; our slowest modules):")
    for logical_id, spec in functions.items():
        per_package, ours = importtime_by_package(
            packages[logical_id], spec.handler_module, lambda_environ(packages[logical_id])
        )
        top = sorted(per_package.items(), key=lambda item: -item[1])[:6]
        print(f"  {spec.handler_module.rsplit('.', 1)[-1]}: " + ", ".join(f"{n} {ms:.0f}" for n, ms in top))
        print("    " + "; ".join(f"{n} {own:.0f} self / {total:.0f} total" for n, own, total in ours))

    wall, sdks = cli_start(args.runs)
    print(
        f"steward --help: {wall:.0f} ms (whole process); AWS SDK modules loaded: {', '.join(sdks) or 'none'}"
    )
    print(json.dumps({"cold_import_ms": figures, "steward_help_ms": round(wall)}))


if __name__ == "__main__":
    main()
