"""Compare the diagnostics summaries of two revisions of the code on the same files.

    .venv/bin/python -m benchmarks.diagnostics_compare                      # working tree vs ff47092
    .venv/bin/python -m benchmarks.diagnostics_compare --against HEAD~3 --bench
    .venv/bin/python -m benchmarks.diagnostics_compare --record tests/unit/data/diagnostics_regression.json.gz

Each revision runs in its own interpreter from ``git archive`` of its ``functions/`` tree, on the
files of :mod:`benchmarks.diagnostics_cases` (and, with ``--bench``, the benchmark's large files).
A summary is compared on the fields of the first contract (everything but the schema version and
the fields added since); a refused file on where the error points (line, record, decompressed
offset). ``--record`` writes the revision's results as the regression check's expectations.
Exit 1 when anything differs.
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.diagnostics_cases import INFLATE_ERRORS, broken_cases, cases, write_bench_file

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "ff47092"
"""The revision whose summaries are the contract's reference (the first released contract)."""
V1_FIELDS = (
    "rows",
    "anomalous_rows",
    "anomalous_fraction",
    "first_timestamp",
    "last_timestamp",
    "span_seconds",
    "event_count",
    "events_per_day",
    "events_truncated",
    "events",
    "longest_event",
    "top_sensors",
    "sensors_seen",
    "anomaly_score",
)

_RUNNER = """
import json, sys
from pathlib import Path
from model_steward.domain.diagnostics import DiagnosticsFormatError, read_diagnostics
for path in sys.argv[1:]:
    try:
        with open(path, "rb") as source:
            summary = read_diagnostics(source).summary.model_dump(mode="json")
        print(json.dumps({"case": Path(path).name, "summary": summary}))
    except DiagnosticsFormatError as exc:
        where = {"line": exc.line, "record": exc.record, "offset": exc.offset}
        print(json.dumps({"case": Path(path).name, "error": where, "message": str(exc)}))
"""


def comparable(name: str, result: dict[str, Any]) -> dict[str, Any]:
    """What two implementations must agree on: the first contract's fields, or the error's place
    (for a file refused while inflating, only that it is refused)."""
    if "summary" in result:
        return {"summary": {key: result["summary"][key] for key in V1_FIELDS}}
    return {"error": "refused" if name in INFLATE_ERRORS else result["error"]}


def run(functions: Path | None, files: list[Path]) -> dict[str, dict[str, Any]]:
    """Results per file name, from the code under ``functions`` (None: this working tree)."""
    path = str(functions or ROOT / "functions")
    done = subprocess.run(
        [sys.executable, "-c", _RUNNER, *map(str, files)],
        env={"PYTHONPATH": path, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    results = (json.loads(line) for line in done.stdout.splitlines())
    return {result.pop("case"): result for result in results}


def checkout(revision: str, into: Path) -> Path:
    """The ``functions/`` tree of ``revision``, extracted under ``into``."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", revision, "functions"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    tar_path = into / "functions.tar"
    tar_path.write_bytes(archive)
    with tarfile.open(tar_path) as tar:
        tar.extractall(into, filter="data")
    return into / "functions"


def corpus(into: Path, bench: bool) -> list[Path]:
    files = []
    for name, data in {**cases(), **broken_cases()}.items():
        path = into / name
        path.write_bytes(data)
        files.append(path)
    if bench:
        data_dir = ROOT / "benchmarks" / ".data"
        for records in (25_000, 100_000):
            files.append(write_bench_file(data_dir / f"diagnostics-{records}x50-s7.jsonl.gz", records, 50))
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", default=BASELINE, help=f"the other revision ({BASELINE})")
    parser.add_argument("--bench", action="store_true", help="also the benchmark's 25k and 100k files")
    parser.add_argument("--record", type=Path, help="write the revision's results here (gzipped JSON)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        (base / "cases").mkdir()
        files = corpus(base / "cases", args.bench)
        theirs = run(checkout(args.against, base), files)
        if args.record:
            expected = {name: comparable(name, result) for name, result in sorted(theirs.items())}
            args.record.parent.mkdir(parents=True, exist_ok=True)
            args.record.write_bytes(gzip.compress(json.dumps(expected, sort_keys=True).encode(), mtime=0))
            print(f"recorded {len(expected)} results of {args.against} in {args.record}")
            return 0
        ours = run(None, files)
    differing = 0
    for name in sorted(theirs):
        same = comparable(name, theirs[name]) == comparable(name, ours[name])
        differing += not same
        what = "summary" if "summary" in ours[name] else f"refused ({ours[name].get('message', '')[:70]})"
        print(f"{'same     ' if same else 'DIFFERENT'} {name:34s} {what}")
    print(f"\n{len(theirs) - differing} of {len(theirs)} files give the same result as {args.against}")
    return 1 if differing else 0


if __name__ == "__main__":
    raise SystemExit(main())
