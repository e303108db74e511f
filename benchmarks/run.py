"""`make bench`: every benchmark in turn; each prints its own figures."""

from __future__ import annotations

import subprocess
import sys

BENCHMARKS = (
    "benchmarks.package_bench",
    "benchmarks.coldstart_bench",
    "benchmarks.cli_start_bench",
    "benchmarks.diagnostics_bench",
    "benchmarks.watch_bench",
    "benchmarks.sitewise_bench",
)


def main() -> int:
    for module in BENCHMARKS:
        print(f"\n=== {module} ===", flush=True)
        code = subprocess.call([sys.executable, "-m", module, *sys.argv[1:]])
        if code:
            return code
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
