"""Diagnostics summary vs plain gzip inflation of the same file, and memory across file sizes.

    .venv/bin/python -m benchmarks.diagnostics_bench                 # 100k x 50, then 25k/100k/400k
    .venv/bin/python -m benchmarks.diagnostics_bench --quick         # 20k x 50, then 5k/20k/80k
    .venv/bin/python -m benchmarks.diagnostics_bench --records 50000 --sensors 100 --sizes 10000,50000

Files are generated deterministically (seeded) as gzipped JSON Lines shaped like the service's
records, and cached under benchmarks/.data/ (gitignored). Times are the best of 3 interleaved runs in this
process; memory is measured in a fresh subprocess per file: the peak RSS increase over the RSS after
imports (Linux VmHWM, reset first), and tracemalloc's peak in a separate run since tracing is slow.
Figures only: nothing here asserts on timing.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import resource
import subprocess
import sys
import time
import zlib
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / ".data"
READ_SIZE = 1 << 20


def data_file(records: int, sensors: int, seed: int = 7) -> Path:
    """Generate (once) a gzipped JSON Lines diagnostics file; return its path."""
    DATA_DIR.mkdir(exist_ok=True)
    path = DATA_DIR / f"diagnostics-{records}x{sensors}-s{seed}.jsonl.gz"
    if path.exists():
        return path
    rng = random.Random(seed)
    components = [f"component_{rng.getrandbits(32):08x}" for _ in range((sensors + 9) // 10)]
    names = [json.dumps(f"{components[i // 10]}\\sensor{i:02d}")[1:-1] for i in range(sensors)]
    weights = [rng.random() for _ in range(sensors)]
    start = 1615501500  # 2021-03-11T22:25:00Z
    anomalous = False
    tmp = path.with_suffix(".tmp")
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
    with tmp.open("wb") as out:
        lines: list[str] = []
        for n in range(records):
            # Runs: ~0.2% chance to start an event, events last ~15 records (a few % anomalous).
            anomalous = rng.random() < (0.93 if anomalous else 0.002)
            moment = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(start + 300 * n))
            score = rng.uniform(0.55, 1.0) if anomalous else rng.uniform(0.0, 0.45)
            raw = [w * rng.random() for w in weights]
            total = sum(raw) or 1.0
            diagnostics = ", ".join(
                f'{{"name": "{name}", "value": {value / total:.5f}}}'
                for name, value in zip(names, raw, strict=True)
            )
            reason = "ANOMALY_DETECTED" if anomalous else "NO_ANOMALY_DETECTED"
            lines.append(
                f'{{"timestamp": "{moment}.000000", "prediction": {int(anomalous)}, '
                f'"prediction_reason": "{reason}", "anomaly_score": {score:.5f}, '
                f'"diagnostics": [{diagnostics}]}}\n'
            )
            if len(lines) == 1000:
                out.write(compressor.compress("".join(lines).encode()))
                lines = []
        out.write(compressor.compress("".join(lines).encode()))
        out.write(compressor.flush())
    tmp.rename(path)
    return path


def inflate_only(path: Path) -> int:
    """Plain streaming gzip inflation of the file (the baseline); returns the decompressed size."""
    size = 0
    with path.open("rb") as source:
        inflater = zlib.decompressobj(31)
        while chunk := source.read(READ_SIZE):
            while chunk:
                size += len(inflater.decompress(chunk))
                chunk = inflater.unused_data
                if inflater.eof and chunk:
                    inflater = zlib.decompressobj(31)
    return size


def summarise(path: Path) -> object:
    from model_steward.domain.diagnostics import read_diagnostics

    with path.open("rb") as source:
        return read_diagnostics(source)


def best_of(runs: int, function: object, *args: object) -> float:
    best = float("inf")
    for _ in range(runs):
        began = time.perf_counter()
        function(*args)  # type: ignore[operator]
        best = min(best, time.perf_counter() - began)
    return best


def rss_kib(field: str) -> int:
    """VmRSS (now) or VmHWM (peak since the last reset) of this process, in KiB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def reset_peak_rss() -> None:
    """Reset VmHWM to the current RSS (Linux: write 5 to clear_refs), so the next peak is the run's own."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def measure_memory(path: Path) -> dict[str, float]:
    """Run in a fresh interpreter: RSS increase and tracemalloc peak of one summary."""
    code = (
        "import json, sys, tracemalloc\n"
        "from pathlib import Path\n"
        "from benchmarks.diagnostics_bench import rss_kib, reset_peak_rss, summarise\n"
        "import model_steward.domain.diagnostics\n"
        "before = rss_kib('VmRSS')\n"
        "reset_peak_rss()\n"
        "summarise(Path(sys.argv[1]))\n"
        "after = rss_kib('VmHWM')\n"
        "tracemalloc.start()\n"
        "summarise(Path(sys.argv[1]))\n"
        "peak = tracemalloc.get_traced_memory()[1]\n"
        "print(json.dumps({'rss_mb': (after - before) / 1024, 'traced_mb': peak / 2**20}))\n"
    )
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)], cwd=root, capture_output=True, text=True, check=True
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def row(path: Path, records: int, runs: int) -> str:
    inflated = inflate_only(path)
    # Interleaved, so that a noisy neighbour slows both sides alike; the best of each is kept.
    inflate = summary = float("inf")
    for _ in range(runs):
        inflate = min(inflate, best_of(1, inflate_only, path))
        summary = min(summary, best_of(1, summarise, path))
    memory = measure_memory(path)
    return (
        f"{records:>9,} {path.stat().st_size / 2**20:>8.1f} {inflated / 2**20:>9.1f} "
        f"{inflate:>9.2f} {summary:>9.2f} {summary / inflate:>6.2f}x "
        f"{memory['rss_mb']:>8.1f} {memory['traced_mb']:>9.1f}"
    )


HEADER = (
    f"{'records':>9} {'gz MiB':>8} {'json MiB':>9} {'inflate s':>9} {'summary s':>9} {'ratio':>7} "
    f"{'RSS+ MiB':>8} {'traced MiB':>9}"
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=None, help="records of the main file (100000)")
    parser.add_argument("--sensors", type=int, default=50, help="sensors per record (50)")
    parser.add_argument(
        "--sizes", default=None, help="record counts for the memory table (25000,100000,400000)"
    )
    parser.add_argument("--quick", action="store_true", help="smaller files (20k; 5k,20k,80k)")
    parser.add_argument("--runs", type=int, default=3, help="timing runs, best kept (3)")
    args = parser.parse_args(argv)
    records = args.records or (20_000 if args.quick else 100_000)
    sizes_text = args.sizes or ("5000,20000,80000" if args.quick else "25000,100000,400000")
    sizes = [int(size) for size in sizes_text.split(",") if size]

    print(f"python {sys.version.split()[0]}, zlib {zlib.ZLIB_RUNTIME_VERSION}, sensors {args.sensors}")
    print(f"\nSummary vs plain inflation ({records:,} records, best of {args.runs}):")
    print(HEADER)
    print(row(data_file(records, args.sensors), records, args.runs), flush=True)
    print(f"\nMemory across sizes (best of {args.runs} for times):")
    print(HEADER)
    for size in sizes:
        print(row(data_file(size, args.sensors), size, args.runs), flush=True)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n(this process's own peak RSS: {rss:.0f} MiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
