"""The diagnostics part of ``make demo``: a realistic diagnostics file through the deployed wiring.

:func:`run` seeds a model whose diagnostics output goes to the stack's diagnostics bucket, writes a
generated ``model_diagnostics_results.json.gz`` where the model version's
``ModelDiagnosticsResultsObject`` says (through ``LocalStack.put_object``, so the bucket's deployed
notification invokes the diagnostics function), then downloads the summary JSON and the HTML
report the function wrote.

:func:`diagnostics_file` generates files shaped like the service's records (JSON Lines, one record
per timestamp, every record with one diagnostics entry per sensor) with anomalous periods driven by
chosen sensors; the tests use it too.
"""

from __future__ import annotations

import gzip
import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from model_steward.domain.formatting import duration, timestamp

if TYPE_CHECKING:
    from emulators.stack import LocalStack

SENSORS: tuple[str, ...] = (
    "motor\\winding_temperature",
    "motor\\current",
    "motor\\vibration_x",
    "motor\\vibration_y",
    "bearing_de\\temperature",
    "bearing_de\\vibration",
    "bearing_nde\\temperature",
    "bearing_nde\\vibration",
    "pump\\discharge_pressure",
    "pump\\suction_pressure",
    "pump\\flow",
    "pump\\seal_temperature",
)


@dataclass(frozen=True)
class Episode:
    """An anomalous period: ``length`` records from record ``start``, driven by ``drivers``."""

    start: int
    length: int
    drivers: tuple[str, ...]


EPISODES: tuple[Episode, ...] = (
    Episode(start=1_450, length=36, drivers=("bearing_de\\vibration", "bearing_de\\temperature")),
    Episode(start=4_020, length=18, drivers=("pump\\discharge_pressure", "pump\\flow")),
    Episode(start=6_600, length=96, drivers=("bearing_de\\vibration", "motor\\vibration_x")),
    Episode(start=8_900, length=60, drivers=("pump\\seal_temperature", "pump\\suction_pressure")),
)
MACHINE_OFF = (2_700, 144)  # half a day stopped: records without score or diagnostics
DEMO_START = datetime(2026, 9, 1, tzinfo=UTC)


def diagnostics_file(
    *,
    records: int = 10_000,
    sensors: Sequence[str] = SENSORS,
    episodes: Sequence[Episode] = EPISODES,
    machine_off: tuple[int, int] | None = MACHINE_OFF,
    start: datetime = DEMO_START,
    step: timedelta = timedelta(minutes=5),
    seed: int = 7,
    compress: bool = True,
) -> bytes:
    """A deterministic diagnostics file: gzipped JSON Lines unless ``compress`` is False.

    Outside the episodes the score stays low, the diagnostics are spread evenly, and about one record
    in 2,000 is an isolated false alarm; inside an episode the score rises and falls and the drivers
    carry most of the contribution.
    """
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    by_record: dict[int, Episode] = {}
    for episode in episodes:
        for index in range(episode.start, min(records, episode.start + episode.length)):
            by_record[index] = episode
    off = range(machine_off[0], machine_off[0] + machine_off[1]) if machine_off else range(0)
    lines = []
    for index in range(records):
        moment = (start + index * step).strftime("%Y-%m-%dT%H:%M:%S.%f")
        if index in off:
            lines.append(
                json.dumps({"timestamp": moment, "prediction": 0, "prediction_reason": "MACHINE_OFF"})
            )
            continue
        current = by_record.get(index)
        if current is not None:
            progress = (index - current.start + 0.5) / current.length
            score = min(1.0, 0.6 + 0.35 * (1 - abs(2 * progress - 1)) + rng.uniform(-0.03, 0.03))
            weights = [
                (6.0 + rng.random()) if name in current.drivers else rng.uniform(0.1, 0.5) for name in sensors
            ]
            anomalous = True
        else:
            anomalous = rng.random() < 0.0005
            score = rng.uniform(0.55, 0.7) if anomalous else rng.betavariate(2, 9)
            weights = [rng.uniform(0.5, 1.5) for _ in sensors]
        total = sum(weights)
        record: dict[str, Any] = {
            "timestamp": moment,
            "prediction": int(anomalous),
            "prediction_reason": "ANOMALY_DETECTED" if anomalous else "NO_ANOMALY_DETECTED",
            "anomaly_score": round(score, 5),
            "diagnostics": [
                {"name": name, "value": round(weight / total, 5)}
                for name, weight in zip(sensors, weights, strict=True)
            ],
        }
        lines.append(json.dumps(record))
    data = ("\n".join(lines) + "\n").encode()
    return gzip.compress(data, mtime=0) if compress else data


def run(
    stack: LocalStack,
    out_dir: Path,
    *,
    model_name: str = "conveyor-pump-03",
    before_upload: Callable[[], object] | None = None,
) -> dict[str, Any]:
    """Summarise a generated diagnostics file through the deployed stack; returns paths and figures.

    The stack must have been deployed with ``DiagnosticsSource=stack-bucket``. ``before_upload``
    runs once the model and its version exist, before the file arrives (e.g. a watch tick, so the
    version has a ledger record for the summary to be linked to).
    """
    bucket = stack.outputs.get("DiagnosticsBucketName")
    if not bucket or stack.parameters.get("DiagnosticsSource") != "stack-bucket":
        raise ValueError("the diagnostics demo needs a stack deployed with DiagnosticsSource=stack-bucket")
    stack.lookout.seed_model(
        model_name, scheduler="MANUAL", diagnostics_bucket=bucket, diagnostics_prefix="lookout/diagnostics/"
    )
    version = stack.lookout.add_version(model_name, activate=True)
    described = stack.client("lookoutequipment").describe_model_version(
        ModelName=model_name, ModelVersion=version
    )
    key = described["ModelDiagnosticsResultsObject"]["Key"]
    if before_upload is not None:
        before_upload()
    body = diagnostics_file()
    (result,) = stack.put_object(bucket, key, body)
    (outcome,) = result["files"]
    if outcome["status"] != "SUMMARISED":
        raise RuntimeError(f"the diagnostics function did not summarise the file: {outcome}")

    out_dir.mkdir(parents=True, exist_ok=True)
    s3 = stack.client("s3")
    paths = {}
    for name in ("summary_uri", "report_uri"):
        source_key = outcome[name].removeprefix(f"s3://{bucket}/")
        target = out_dir / source_key.rsplit("/", 1)[1]
        target.write_bytes(s3.get_object(Bucket=bucket, Key=source_key)["Body"].read())
        paths[name] = target
    summary = json.loads(paths["summary_uri"].read_text(encoding="utf-8"))
    return {
        "model_name": model_name,
        "version": version,
        "linked": outcome["linked"],
        "source_uri": outcome["source_uri"],
        "source_bytes": len(body),
        "summary_path": paths["summary_uri"],
        "report_path": paths["report_uri"],
        "summary_uri": outcome["summary_uri"],
        "report_uri": outcome["report_uri"],
        "alert_id": outcome["alert_id"],
        "rows": summary["rows"],
        "anomalous_rows": summary["anomalous_rows"],
        "anomalous_fraction": summary["anomalous_fraction"],
        "event_count": summary["event_count"],
        "longest_event": _event_text(summary["longest_event"]),
        "top_sensors": ", ".join(sensor["name"] for sensor in summary["top_sensors"][:3]),
    }


def _event_text(event: dict[str, Any] | None) -> str:
    if event is None:
        return "none"
    return (
        f"{timestamp(event['start'])} to {timestamp(event['end'])} "
        f"({event['rows']} records, {duration(event['duration_seconds'])})"
    )
