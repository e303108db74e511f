"""`steward diagnostics summarize` (the whole process) vs plain zlib inflation of the same file.

    .venv/bin/python -m benchmarks.diagnostics_bench            # 25k, 100k, 400k records x 50 sensors
    .venv/bin/python -m benchmarks.diagnostics_bench --quick    # 5k, 20k, 80k
    .venv/bin/python -m benchmarks.diagnostics_bench --sizes 10000,50000 --sensors 100 --runs 5

Files are generated deterministically (benchmarks/diagnostics_cases.py) as gzipped JSON Lines shaped
like the service's records and cached under benchmarks/.data/ (gitignored); 100k x 50 is about
264 MB of JSON, 24.7 MiB of gzip. For each file, interleaved runs (best kept, so that a noisy
neighbour slows both sides alike):

* zlib: this process inflating the file with the standard library's zlib, 1 MiB read at a time,
  at most 1 MiB of output per call (zlib at its fastest here; the baseline of the ratios);
* one-call zlib: the same inflating each read in one call, the baseline this benchmark used
  before; its time swings between about 1x and 1.8x the former with the allocator's state
  (the output buffer grows again and again), so its ratio is shown last, for reference;
* CLI: a fresh ``steward diagnostics summarize FILE --json`` process, interpreter start included,
  with its own peak RSS (``VmHWM`` read by the process as it exits);
* in-process: ``read_diagnostics`` alone in this process, for comparison.

Each is timed twice: wall-clock, and CPU (user + system: the child's rusage, this process's
``process_time``). The work is single-threaded, so both agree on a quiet machine; on a shared one
the CPU ratio is the steadier figure.

One more CLI row runs the largest file with the ``isal`` package hidden, as on an installation
without it (the standard library's gzip is the fallback). Figures only: nothing here asserts.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

from benchmarks.diagnostics_cases import write_bench_file

DATA_DIR = Path(__file__).resolve().parent / ".data"
ROOT = Path(__file__).resolve().parent.parent
_CLI = """
import atexit, sys
from pathlib import Path

def peak():  # VmHWM: this process's own peak RSS (ru_maxrss would count the parent's pages before exec)
    status = Path("/proc/self/status").read_text().split("VmHWM:")[1]
    print(f"VmHWM {int(status.split()[0])}", file=sys.stderr)

atexit.register(peak)
if sys.argv.pop(1) == "without-isal":
    sys.modules["isal"] = None
from model_steward.cli import main
sys.exit(main())
"""


def data_file(records: int, sensors: int, seed: int = 7) -> Path:
    return write_bench_file(
        DATA_DIR / f"diagnostics-{records}x{sensors}-s{seed}.jsonl.gz", records, sensors, seed
    )


def inflate_one_call(path: Path) -> int:
    """zlib inflating each 1 MiB read in one call (the former baseline); the decompressed size."""
    size = 0
    with path.open("rb") as source:
        inflater = zlib.decompressobj(31)
        while chunk := source.read(1 << 20):
            while chunk:
                size += len(inflater.decompress(chunk))
                chunk = inflater.unused_data
                if inflater.eof and chunk:
                    inflater = zlib.decompressobj(31)
    return size


def inflate_only(path: Path) -> int:
    """zlib inflation, 1 MiB read at a time, at most 1 MiB of output per call (the baseline)."""
    size = 0
    with path.open("rb") as source:
        inflater = zlib.decompressobj(31)
        while chunk := source.read(1 << 20):
            while chunk:
                size += len(inflater.decompress(chunk, 1 << 20))
                chunk = inflater.unconsumed_tail or inflater.unused_data
                if inflater.eof and chunk:
                    inflater = zlib.decompressobj(31)
    return size


@dataclass
class Times:
    """Best wall-clock and best CPU seconds (user + system) over the runs."""

    wall: float = float("inf")
    cpu: float = float("inf")

    def add(self, wall: float, cpu: float) -> None:
        self.wall, self.cpu = min(self.wall, wall), min(self.cpu, cpu)


def timed(function: object, *args: object) -> tuple[float, float]:
    """(wall, CPU) seconds of a call in this process."""
    wall, cpu = time.perf_counter(), time.process_time()
    function(*args)  # type: ignore[operator]
    return time.perf_counter() - wall, time.process_time() - cpu


def cli_run(path: Path, *, without_isal: bool = False) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak RSS MiB) of one ``steward diagnostics summarize PATH --json``
    process (what the ``steward`` script runs, plus a report of the process's peak RSS at exit)."""
    mode = "without-isal" if without_isal else "as-installed"
    began = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", _CLI, mode, "diagnostics", "summarize", str(path), "--json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    assert child.stderr is not None
    stderr = child.stderr.read().decode()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - began
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"steward exited {child.returncode} on {path}: {stderr}")
    peak_kib = int(stderr.rsplit("VmHWM ", 1)[1].split()[0])
    return seconds, usage.ru_utime + usage.ru_stime, peak_kib / 1024


def summarise(path: Path) -> object:
    from model_steward.domain.diagnostics import read_diagnostics

    with path.open("rb") as source:
        return read_diagnostics(source)


HEADER = (
    f"{'records':>9} {'gz MiB':>7} {'json MiB':>8} | {'zlib s':>6} {'CLI s':>6} {'ratio':>6} | "
    f"{'zlib cpu':>8} {'CLI cpu':>7} {'ratio':>6} | {'CLI peak RSS':>12} | {'in-process':>10} | "
    f"{'one-call zlib':>13} {'ratio':>6}"
)


def row(path: Path, records: int, runs: int) -> str:
    inflated = inflate_only(path)
    summarise(path)  # warm the page cache and this process's imports
    assert inflate_one_call(path) == inflated
    inflate, one_call, cli, in_process = Times(), Times(), Times(), Times()
    peak = 0.0
    for _ in range(runs):
        inflate.add(*timed(inflate_only, path))
        wall, cpu, rss = cli_run(path)
        cli.add(wall, cpu)
        peak = max(peak, rss)
        one_call.add(*timed(inflate_one_call, path))
        in_process.add(*timed(summarise, path))
    return (
        f"{records:>9,} {path.stat().st_size / 2**20:>7.1f} {inflated / 2**20:>8.1f} | "
        f"{inflate.wall:>6.2f} {cli.wall:>6.2f} {cli.wall / inflate.wall:>5.2f}x | "
        f"{inflate.cpu:>8.2f} {cli.cpu:>7.2f} {cli.cpu / inflate.cpu:>5.2f}x | {peak:>8.0f} MiB | "
        f"{in_process.cpu:>8.2f} s | {one_call.cpu:>11.2f} s {cli.cpu / one_call.cpu:>5.2f}x"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=None, help="record counts (25000,100000,400000)")
    parser.add_argument("--sensors", type=int, default=50, help="sensors per record (50)")
    parser.add_argument("--quick", action="store_true", help="smaller files (5000,20000,80000)")
    parser.add_argument("--runs", type=int, default=3, help="interleaved runs, best kept (3)")
    args = parser.parse_args(argv)
    sizes_text = args.sizes or ("5000,20000,80000" if args.quick else "25000,100000,400000")
    sizes = [int(size) for size in sizes_text.split(",") if size]

    from model_steward.domain.diagnostics.inflate import inflater

    print(
        f"python {sys.version.split()[0]}, zlib {zlib.ZLIB_RUNTIME_VERSION}, gzip library: {inflater()}, "
        f"{os.cpu_count()} CPUs, {args.sensors} sensors per record"
    )
    print(f"\nsteward diagnostics summarize FILE --json vs zlib inflation (best of {args.runs}):")
    print(HEADER)
    for size in sizes:
        print(row(data_file(size, args.sensors), size, args.runs), flush=True)
    largest = data_file(sizes[-1], args.sensors)
    inflate, fallback = Times(), Times()
    for _ in range(args.runs):
        inflate.add(*timed(inflate_only, largest))
        wall, cpu, rss = cli_run(largest, without_isal=True)
        fallback.add(wall, cpu)
    print(
        f"\nwithout isal (standard library gzip), {sizes[-1]:,} records: CLI {fallback.wall:.2f} s "
        f"({fallback.wall / inflate.wall:.2f}x zlib), CPU {fallback.cpu:.2f} s "
        f"({fallback.cpu / inflate.cpu:.2f}x zlib), peak RSS {rss:.0f} MiB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
