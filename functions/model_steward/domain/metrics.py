"""ModelMetrics / PriorModelMetrics JSON -> derived numbers (pure: no I/O, never raises on input).

The documents are the ``ModelMetrics`` and ``PriorModelMetrics`` JSON strings of DescribeModelVersion
(https://docs.aws.amazon.com/lookout-for-equipment/latest/ug/API_DescribeModelVersion.html).
Derivations (ours):
- event recall = labeled_event_metrics.num_identified / num_labeled (not measurable when
  num_labeled is 0 or the block is missing);
- mean forewarning = total_warning_time_in_seconds / num_identified (not measurable when
  num_identified is 0);
- unknown events = unknown_event_metrics.num_identified and total_duration_in_seconds;
- predicted ranges = count of predicted_ranges and the sum of their (end - start).
Unknown keys are ignored. A missing block or key, or an explicit ``null``, is *not measurable*.
A value of the wrong type is a *finding*: the number it feeds is not measurable and the problem
is reported in ``DerivedMetrics.findings``.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

from model_steward.models.metrics import DerivedMetrics, MetricDelta, MetricsComparison

MAX_METRICS_CHARS = 50_000
"""The service's documented maximum length of ModelMetrics / PriorModelMetrics."""

_MAX_SANE_NUMBER = 1e15
"""Larger counts or durations (about 31 million years in seconds) are treated as corrupt."""

_MAX_FINDINGS_SHOWN = 20


class _Reader:
    """Collects findings while extracting typed values from a decoded document."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.findings: list[str] = []

    def problem(self, path: str, text: str) -> None:
        if len(self.findings) < _MAX_FINDINGS_SHOWN:
            self.findings.append(f"{self.source}: {path} {text}")
        elif len(self.findings) == _MAX_FINDINGS_SHOWN:
            self.findings.append(f"{self.source}: further problems not listed")

    def block(self, doc: dict[str, Any], key: str) -> dict[str, Any] | None:
        value = doc.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.problem(key, f"should be a JSON object, got {_kind(value)}")
            return None
        return value

    def count(self, block: dict[str, Any], path: str, key: str) -> int | None:
        value = block.get(key)
        if value is None:
            return None
        number = self._number(value, f"{path}.{key}")
        if number is None:
            return None
        if not float(number).is_integer():
            self.problem(f"{path}.{key}", f"should be a whole number, got {_short(value)}")
            return None
        return int(number)

    def seconds(self, block: dict[str, Any], path: str, key: str) -> float | None:
        value = block.get(key)
        if value is None:
            return None
        number = self._number(value, f"{path}.{key}")
        return None if number is None else float(number)

    def _number(self, value: object, path: str) -> int | float | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.problem(path, f"should be a number, got {_kind(value)}")
            return None
        if isinstance(value, float) and not math.isfinite(value):
            self.problem(path, f"should be a finite number, got {_short(value)}")
            return None
        if value < 0:
            self.problem(path, f"should not be negative, got {_short(value)}")
            return None
        if value > _MAX_SANE_NUMBER:
            self.problem(path, f"is implausibly large ({_short(value)})")
            return None
        return value

    def timestamp(self, value: object, path: str) -> datetime | None:
        if not isinstance(value, str):
            self.problem(path, f"should be an ISO 8601 timestamp string, got {_kind(value)}")
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            self.problem(path, f"is not an ISO 8601 timestamp: {value[:40]!r}")
            return None
        # The service writes naive UTC timestamps; make everything aware so they subtract.
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:37]}..."


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"the number {_short(value)}"
    if isinstance(value, str):
        return f"the string {value[:40]!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__  # pragma: no cover - json.loads yields nothing else


def derive_metrics(text: str | None, *, source: str = "ModelMetrics") -> DerivedMetrics:
    """Read one ModelMetrics / PriorModelMetrics string. Never raises on any input string."""
    if text is None or not text.strip():
        return DerivedMetrics(source=source, present=False)
    reader = _Reader(source)
    if len(text) > MAX_METRICS_CHARS:
        reader.problem(
            "document",
            f"is {len(text):,} characters long; the service sends at most {MAX_METRICS_CHARS:,}, "
            "so it was not read",
        )
        return DerivedMetrics(source=source, present=True, findings=reader.findings)
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as exc:
        where = f" at line {exc.lineno} column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "it is nested too deeply"
        reader.problem("document", f"is not valid JSON{where}: {reason}")
        return DerivedMetrics(source=source, present=True, findings=reader.findings)
    if not isinstance(doc, dict):
        reader.problem("document", f"should be a JSON object, got {_kind(doc)}")
        return DerivedMetrics(source=source, present=True, findings=reader.findings)

    values: dict[str, Any] = {}
    values.update(_labeled(reader, doc))
    values.update(_unknown(reader, doc))
    values.update(_predicted(reader, doc))
    return DerivedMetrics(source=source, present=True, findings=reader.findings, **values)


def _labeled(reader: _Reader, doc: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    ranges = doc.get("labeled_ranges")
    if isinstance(ranges, list):
        out["labeled_range_count"] = len(ranges)
    elif ranges is not None:
        reader.problem("labeled_ranges", f"should be a list, got {_kind(ranges)}")

    path = "labeled_event_metrics"
    block = reader.block(doc, path)
    if block is None:
        return out
    num_labeled = reader.count(block, path, "num_labeled")
    num_identified = reader.count(block, path, "num_identified")
    warning = reader.seconds(block, path, "total_warning_time_in_seconds")
    if num_labeled is not None and num_identified is not None and num_identified > num_labeled:
        reader.problem(
            path, f"says {num_identified} events were identified out of only {num_labeled} labelled"
        )
        num_identified = None
        warning = None
    out.update(num_labeled=num_labeled, num_identified=num_identified, total_warning_time_seconds=warning)
    if num_labeled and num_identified is not None:
        out["event_recall"] = num_identified / num_labeled
    if num_identified and warning is not None:
        out["mean_forewarning_seconds"] = warning / num_identified
    return out


def _unknown(reader: _Reader, doc: dict[str, Any]) -> dict[str, Any]:
    path = "unknown_event_metrics"
    block = reader.block(doc, path)
    if block is None:
        return {}
    return {
        "unknown_event_count": reader.count(block, path, "num_identified"),
        "unknown_event_total_duration_seconds": reader.seconds(block, path, "total_duration_in_seconds"),
    }


def _predicted(reader: _Reader, doc: dict[str, Any]) -> dict[str, Any]:
    ranges = doc.get("predicted_ranges")
    if ranges is None:
        return {}
    if not isinstance(ranges, list):
        reader.problem("predicted_ranges", f"should be a list, got {_kind(ranges)}")
        return {}
    total: float | None = 0.0
    for index, item in enumerate(ranges):
        path = f"predicted_ranges[{index}]"
        duration = _range_duration(reader, item, path)
        if duration is None:
            total = None  # one unreadable range makes the total unknowable
        elif total is not None:
            total += duration
    if total is not None and not math.isfinite(total):
        total = None  # pragma: no cover - bounded by the timestamp range
    return {"predicted_range_count": len(ranges), "predicted_total_duration_seconds": total}


def _range_duration(reader: _Reader, item: object, path: str) -> float | None:
    if not isinstance(item, dict):
        reader.problem(path, f"should be a JSON object, got {_kind(item)}")
        return None
    start = reader.timestamp(item.get("start"), f"{path}.start")
    end = reader.timestamp(item.get("end"), f"{path}.end")
    if start is None or end is None:
        return None
    try:
        seconds = (end - start).total_seconds()
    except OverflowError:  # pragma: no cover - defensive: extreme offsets near year 1 / 9999
        reader.problem(path, "has timestamps too far apart to subtract")
        return None
    if seconds < 0:
        reader.problem(path, f"ends before it starts ({item.get('start')} -> {item.get('end')})")
        return None
    return seconds


def delta(candidate: float | None, prior: float | None) -> MetricDelta:
    """Absolute and relative change from prior to candidate; None where not measurable."""
    if candidate is None or prior is None:
        return MetricDelta(candidate=candidate, prior=prior)
    absolute = candidate - prior
    relative: float | None = absolute / prior if prior != 0 else None
    if prior == 0 and candidate == 0:
        relative = 0.0
    return MetricDelta(candidate=candidate, prior=prior, absolute=absolute, relative=relative)


def _as_float(value: int | None) -> float | None:
    return None if value is None else float(value)


def compare(candidate: DerivedMetrics, prior: DerivedMetrics) -> MetricsComparison:
    """Candidate (ModelMetrics) against prior (PriorModelMetrics, same evaluation window)."""
    return MetricsComparison(
        event_recall=delta(candidate.event_recall, prior.event_recall),
        mean_forewarning_seconds=delta(candidate.mean_forewarning_seconds, prior.mean_forewarning_seconds),
        unknown_event_count=delta(
            _as_float(candidate.unknown_event_count), _as_float(prior.unknown_event_count)
        ),
        unknown_event_total_duration_seconds=delta(
            candidate.unknown_event_total_duration_seconds, prior.unknown_event_total_duration_seconds
        ),
        predicted_range_count=delta(
            _as_float(candidate.predicted_range_count), _as_float(prior.predicted_range_count)
        ),
        predicted_total_duration_seconds=delta(
            candidate.predicted_total_duration_seconds, prior.predicted_total_duration_seconds
        ),
    )
