"""How long `steward` takes to start: whole processes, as a person at a terminal waits for them
(prints figures; asserts nothing).

Runs each command ``--runs`` times (after one warm-up run that fills the bytecode cache) and prints
the median, the fastest and the slowest wall time, beside a bare interpreter start for reference:

- ``steward --help``: lists the commands, imports none of them (target: 150 ms);
- ``steward --version``;
- ``steward policy check FILE``: a command that validates a document (pydantic, no AWS SDK);
- ``steward notify preview held``: a command that renders an alert (the domain, no AWS SDK).

Usage: python -m benchmarks.cli_start_bench [--runs 20]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_MS = 150.0


def wall_ms(command: list[str], runs: int) -> list[float]:
    subprocess.run(command, capture_output=True, check=True)  # warm-up: bytecode cache, page cache
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        times.append((time.perf_counter() - began) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    steward = str(Path(sys.executable).parent / "steward")
    with tempfile.TemporaryDirectory() as folder:
        document = Path(folder) / "policy.json"
        document.write_text('{"version": 1, "defaults": {"cooldown_hours": 48}}')
        cases = [
            ("python -c pass (the interpreter alone)", [sys.executable, "-c", "pass"]),
            ("steward --help", [steward, "--help"]),
            ("steward --version", [steward, "--version"]),
            ("steward policy check FILE", [steward, "policy", "check", str(document)]),
            ("steward notify preview held", [steward, "notify", "preview", "held"]),
        ]
        print(f"CLI start, whole process, {args.runs} runs each (ms)")
        print(f"  {'command':<42} {'median':>7} {'min':>7} {'max':>7}")
        for label, command in cases:
            times = wall_ms(command, args.runs)
            print(f"  {label:<42} {statistics.median(times):7.0f} {min(times):7.0f} {max(times):7.0f}")
    print(f"  target for steward --help: {TARGET_MS:.0f} ms")


if __name__ == "__main__":
    main()
