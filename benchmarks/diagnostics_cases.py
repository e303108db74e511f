"""Diagnostics files made by code: the benchmark's large files and a corpus of edge cases.

:func:`bench_lines` yields JSON Lines shaped like the service's records (every record with one
diagnostics entry per sensor, runs of anomalous records); :func:`write_bench_file` gzips them to
disk. :func:`cases` returns named small files (bytes) that exercise every accepted shape and the
corners of the summary: events cut by the cap, sketched percentiles, records without a score or
diagnostics, offsets, time going backwards, ties. :func:`broken_cases` returns files that must be
refused, each with what is wrong somewhere in it.

The regression check (``tests/unit/test_diagnostics_regression.py``) compares the summary of every
case with the one recorded from the implementation the contract was first released with; the
comparison tool (``python -m benchmarks.diagnostics_compare``) compares any two revisions on
these cases and on the benchmark's files.
"""

from __future__ import annotations

import gzip
import json
import random
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from emulators.demo_diagnostics import diagnostics_file

START = 1615501500  # 2021-03-11T22:25:00Z


def bench_lines(records: int, sensors: int, seed: int = 7) -> Iterator[str]:
    """JSON Lines like the service's: ~0.2% of records start an event of ~15 records."""
    rng = random.Random(seed)
    components = [f"component_{rng.getrandbits(32):08x}" for _ in range((sensors + 9) // 10)]
    names = [json.dumps(f"{components[i // 10]}\\sensor{i:02d}")[1:-1] for i in range(sensors)]
    weights = [rng.random() for _ in range(sensors)]
    anomalous = False
    for n in range(records):
        anomalous = rng.random() < (0.93 if anomalous else 0.002)
        moment = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(START + 300 * n))
        score = rng.uniform(0.55, 1.0) if anomalous else rng.uniform(0.0, 0.45)
        raw = [w * rng.random() for w in weights]
        total = sum(raw) or 1.0
        diagnostics = ", ".join(
            f'{{"name": "{name}", "value": {value / total:.5f}}}'
            for name, value in zip(names, raw, strict=True)
        )
        reason = "ANOMALY_DETECTED" if anomalous else "NO_ANOMALY_DETECTED"
        yield (
            f'{{"timestamp": "{moment}.000000", "prediction": {int(anomalous)}, '
            f'"prediction_reason": "{reason}", "anomaly_score": {score:.5f}, '
            f'"diagnostics": [{diagnostics}]}}\n'
        )


def write_bench_file(path: Path, records: int, sensors: int, seed: int = 7) -> Path:
    """Write (once) the gzipped JSON Lines file of :func:`bench_lines`; return its path."""
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
    with tmp.open("wb") as out:
        lines: list[str] = []
        for line in bench_lines(records, sensors, seed):
            lines.append(line)
            if len(lines) == 1000:
                out.write(compressor.compress("".join(lines).encode()))
                lines = []
        out.write(compressor.compress("".join(lines).encode()))
        out.write(compressor.flush())
    tmp.rename(path)
    return path


def _ts(minute: int, offset: str = "") -> str:
    moment = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(START + 60 * minute))
    return f"{moment}.000000{offset}"


def _jsonl(records: list[dict[str, Any]], newline: str = "\n") -> bytes:
    return (newline.join(json.dumps(r) for r in records) + newline).encode()


def _alternating(count: int) -> list[dict[str, Any]]:
    """Events of 1 to 4 records separated by one normal record: more events than the cap lists."""
    rng = random.Random(11)
    records: list[dict[str, Any]] = []
    while len(records) < count:
        for _ in range(rng.randint(1, 4)):
            records.append(
                {
                    "timestamp": _ts(len(records)),
                    "prediction": 1,
                    "anomaly_score": round(rng.uniform(0.5, 1), 4),
                    "diagnostics": [
                        {"name": f"c\\s{k}", "value": round(rng.random(), 4)}
                        for k in range(rng.randint(0, 3))
                    ],
                }
            )
        records.append({"timestamp": _ts(len(records)), "prediction": 0, "anomaly_score": 0.1})
    # The longest event comes after the listed ones.
    records += [{"timestamp": _ts(len(records) + n), "prediction": 1} for n in range(9)]
    return records


def _sketched(count: int) -> bytes:
    """More scores than the exact limit: negative, zero, tiny and huge ones included."""
    rng = random.Random(13)
    specials = [0.0, -0.0, -1e99, 1e99, 1e-300, -5.5, 3.25]
    lines = []
    for n in range(count):
        score = specials[n % 7] if n % 997 == 0 else round(rng.lognormvariate(-1.5, 1.2), 6)
        prediction = int(score > 0.9)
        lines.append(
            f'{{"timestamp": "{_ts(n)}", "prediction": {prediction}, "anomaly_score": {json.dumps(score)}}}'
        )
    return ("\n".join(lines) + "\n").encode()


def _corners() -> list[dict[str, Any]]:
    """Small records that hit each rule of the contract once or more."""
    return [
        # An event open from the first record, with a sensor listed twice and an unknown key.
        {
            "timestamp": _ts(0),
            "prediction": 1,
            "anomaly_score": 0.75,
            "diagnostics": [{"name": "a\\x", "value": 0.5}, {"name": "a\\x", "value": 0.25}],
            "extra": {"nested": [1, {"deep": "}"}]},
        },
        {"timestamp": _ts(1), "prediction": 1, "diagnostics": None},
        {"timestamp": _ts(2), "prediction": 1, "anomaly_score": -0.5, "diagnostics": []},
        {"timestamp": _ts(3), "prediction": 0, "prediction_reason": "MACHINE_OFF"},
        {"timestamp": _ts(4), "prediction": 0, "diagnostics": {"not": "a list, and not used"}},
        # Ties: b\y and b\z share a mean; names break the tie.
        {
            "timestamp": _ts(5, "+01:00"),
            "prediction": 1,
            "anomaly_score": 0.5,
            "diagnostics": [{"name": "b\\z", "value": 0.25}, {"name": "b\\y", "value": 0.25}],
        },
        {"timestamp": _ts(6, "Z"), "prediction": 1, "anomaly_score": 0.5},
        {"timestamp": _ts(7), "prediction": 0, "anomaly_score": 0.0},
        # Time going backwards inside an event and between records.
        {
            "timestamp": _ts(3),
            "prediction": 1,
            "anomaly_score": 1e-9,
            "diagnostics": [{"name": "é\\<&>", "value": -2}],
        },
        {"timestamp": _ts(1), "prediction": 1, "anomaly_score": 1e9},
        {"timestamp": _ts(2), "prediction": 0},
        # An event still open at the end of the file.
        {
            "timestamp": _ts(20),
            "prediction": 1,
            "anomaly_score": 0.6,
            "diagnostics": [{"name": "a\\x", "value": 1}],
        },
        {
            "timestamp": _ts(21),
            "prediction": 1,
            "anomaly_score": 0.6,
            "diagnostics": [{"name": "c\\w", "value": 1}],
        },
    ]


def cases() -> dict[str, bytes]:
    """Named diagnostics files (bytes) that every implementation must summarise identically."""
    demo = diagnostics_file(compress=False)
    demo_records = [json.loads(line) for line in demo.splitlines()]
    corners = _corners()
    alternating = _alternating(4200)
    bench = "".join(bench_lines(3000, 50, seed=3)).encode()
    cut = len(demo) // 3
    return {
        "demo-gzip": gzip.compress(demo, mtime=0),
        "demo-plain": demo,
        "demo-array": json.dumps(demo_records).encode(),
        "demo-array-indented-gzip": gzip.compress(json.dumps(demo_records, indent=2).encode(), mtime=0),
        "demo-three-members-padded": gzip.compress(demo[:cut], mtime=0)
        + gzip.compress(demo[cut : 2 * cut], mtime=0)
        + gzip.compress(demo[2 * cut :], mtime=0)
        + b"\0" * 512,
        "demo-crlf-blank-lines-bom": b"\xef\xbb\xbf\r\n" + demo.replace(b"\n", b"\r\n\r\n"),
        "corners-jsonl": _jsonl(corners),
        "corners-array": json.dumps(corners, indent=1).encode(),
        "one-record": _jsonl([{"timestamp": _ts(0), "prediction": 1, "anomaly_score": 0.9}]),
        "no-scores": _jsonl([{"timestamp": _ts(n), "prediction": n % 2} for n in range(50)]),
        "events-beyond-cap": gzip.compress(_jsonl(alternating), mtime=0),
        "scores-sketched": gzip.compress(_sketched(120_000), mtime=0),
        "bench-shaped": gzip.compress(bench, mtime=0),
    }


INFLATE_ERRORS = frozenset({"truncated-gzip"})
"""Broken cases refused while inflating: where inflation stops depends on the inflater's buffering."""


def broken_cases() -> dict[str, bytes]:
    """Files that must be refused (the error names where)."""
    good = _jsonl(_corners())
    lines = good.splitlines(keepends=True)
    return {
        "bad-timestamp-line-4": b"".join(
            [*lines[:3], b'{"timestamp": "later", "prediction": 0}\n', *lines[3:]]
        ),
        "bad-prediction-line-2": b"".join(
            [lines[0], b'{"timestamp": "2021-03-11T00:00:00", "prediction": 3}\n']
        ),
        "malformed-line-3": b"".join(
            [*lines[:2], b'{"timestamp": "2021-03-11T00:00:00", "prediction": 0 x\n']
        ),
        "score-out-of-range": b'{"timestamp": "2021-03-11T00:00:00", "prediction": 0, '
        b'"anomaly_score": 1e200}\n',
        "bad-diagnostics-in-anomalous": b"".join(
            [
                lines[0],
                b'{"timestamp": "2021-03-11T00:00:00", "prediction": 1, "diagnostics": [{"name": 1}]}\n',
            ]
        ),
        "truncated-json": good[:-7],
        "truncated-gzip": gzip.compress(good, mtime=0)[:-9],
        "array-not-closed": json.dumps(_corners()).encode()[:-1],
        "array-trailing-comma": json.dumps(_corners()).encode()[:-1] + b",]",
        "neither": b"PK\x03\x04 zip",
        "empty": b"",
    }
