"""ModelMetrics-shaped JSON documents for scenarios: tests, benchmarks and the demo.

The shape is the one FORMATS-AND-FACTS.md records (labeled_event_metrics, unknown_event_metrics,
predicted_ranges); every argument has a sensible default.
"""

from __future__ import annotations

import json
from typing import Any


def metrics_json(
    *,
    num_labeled: int | None = 8,
    num_identified: int | None = 8,
    warning_seconds: float | None = 8 * 24 * 3600.0,
    unknown: int | None = 8,
    unknown_seconds: float | None = 4200.0,
    predicted: list[tuple[str, str]] | None = None,
    labeled_block: bool = True,
    unknown_block: bool = True,
    extra: dict[str, Any] | None = None,
) -> str:
    """A ModelMetrics-shaped JSON string. ``num_identified`` of ``num_labeled`` gives the recall;
    ``warning_seconds`` is the total forewarning (mean = warning_seconds / num_identified)."""
    doc: dict[str, Any] = {
        "labeled_ranges": [{"start": "2019-08-08T00:00:00.000000", "end": "2019-08-09T00:00:00.000000"}],
        "predicted_ranges": [
            {"start": start, "end": end, "diagnostics": [{"name": "pump\\Sensor0", "value": 0.05}]}
            for start, end in (
                predicted
                if predicted is not None
                else [("2019-08-07T00:00:00.000000", "2019-08-07T06:00:00.000000")]
            )
        ],
    }
    if labeled_block:
        block: dict[str, Any] = {}
        if num_labeled is not None:
            block["num_labeled"] = num_labeled
        if num_identified is not None:
            block["num_identified"] = num_identified
        if warning_seconds is not None:
            block["total_warning_time_in_seconds"] = warning_seconds
        doc["labeled_event_metrics"] = block
    if unknown_block:
        ublock: dict[str, Any] = {}
        if unknown is not None:
            ublock["num_identified"] = unknown
        if unknown_seconds is not None:
            ublock["total_duration_in_seconds"] = unknown_seconds
        doc["unknown_event_metrics"] = ublock
    doc.update(extra or {})
    return json.dumps(doc)


def unlabelled_metrics_json(*, unknown: int = 5, ranges: int = 3) -> str:
    """What an unlabelled model's metrics look like: no labelled ranges or label metrics."""
    predicted = [(f"2019-08-0{d}T00:00:00", f"2019-08-0{d}T01:00:00") for d in range(1, ranges + 1)]
    doc = json.loads(metrics_json(labeled_block=False, unknown=unknown, predicted=predicted))
    doc.pop("labeled_ranges")
    return json.dumps(doc)
