"""The gzip libraries weighed for diagnostics files: speed, import cost, wheel size (x86_64 and arm64).

    .venv/bin/python -m benchmarks.inflaters            # the libraries installed here, on the 100k file
    .venv/bin/python -m benchmarks.inflaters --wheels   # also download each wheel (pip) to size it

Speed: each library's ``GzipFile`` reading the benchmark's 100,000-record file 1 MiB at a time
(best of 5), against zlib with bounded output (the baseline of bench-diagnostics). Import cost: a
fresh interpreter's ``-X importtime`` for the module, best of 5. A library that is not installed is
reported as such (``pip install zlib-ng`` to compare it; isal is a dependency).
Figures only: nothing here asserts.
"""

from __future__ import annotations

import argparse
import importlib
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from benchmarks.diagnostics_bench import data_file, inflate_only

LIBRARIES = {"isal": "isal.igzip", "zlib-ng": "zlib_ng.gzip_ng", "standard library": "gzip"}
WHEELS = {"isal": "isal", "zlib-ng": "zlib-ng"}
PLATFORMS = ("manylinux2014_x86_64", "manylinux2014_aarch64")


def read_all(module: str, path: Path) -> int:
    gzip_module = importlib.import_module(module)
    size = 0
    with path.open("rb") as source, gzip_module.GzipFile(fileobj=source, mode="rb") as reader:
        while chunk := reader.read(1 << 20):
            size += len(chunk)
    return size


def best(runs: int, function: object, *args: object) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        function(*args)  # type: ignore[operator]
        times.append(time.perf_counter() - began)
    return min(times)


def import_ms(module: str, runs: int = 5) -> float:
    costs = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", f"import {module}"],
            capture_output=True,
            text=True,
            check=True,
        )
        line = [line for line in done.stderr.splitlines() if line.rstrip().endswith(f"| {module}")][-1]
        costs.append(int(re.split(r"\s*\|\s*", line)[1]) / 1000)
    return min(costs)


def wheel_sizes(project: str) -> str:
    sizes = []
    with tempfile.TemporaryDirectory() as tmp:
        for platform in PLATFORMS:
            target = Path(tmp) / platform
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                 "--python-version", f"{sys.version_info.major}.{sys.version_info.minor}",
                 "--platform", platform, "--dest", str(target), project],
                check=True, capture_output=True,
            )  # fmt: skip
            (wheel,) = target.glob("*.whl")
            unpacked = sum(info.file_size for info in zipfile.ZipFile(wheel).infolist())
            arch = platform.split("_", 1)[1]
            sizes.append(
                f"{arch} {wheel.stat().st_size / 1024:.0f} KiB wheel, {unpacked / 1024:.0f} KiB installed"
            )
    return "; ".join(sizes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheels", action="store_true", help="download the wheels (PyPI) to size them")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    path = data_file(100_000, 50)
    baseline = best(args.runs, inflate_only, path)
    print(f"{path.name}: zlib {baseline:.3f} s (the baseline of bench-diagnostics)")
    for name, module in LIBRARIES.items():
        try:
            importlib.import_module(module)
        except ImportError:
            print(f"{name:17s} not installed")
            continue
        seconds = best(args.runs, read_all, module, path)
        print(
            f"{name:17s} GzipFile {seconds:.3f} s ({seconds / baseline:.2f}x the baseline), "
            f"import {import_ms(module):.1f} ms"
        )
        if args.wheels and name in WHEELS:
            print(f"{'':17s} {wheel_sizes(WHEELS[name])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
