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
is reported in ``DerivedMetrics.findings``. Every range needs a ``start`` and an ``end`` timestamp,
``end`` not before ``start``; a labelled range that is malformed makes recall and forewarning not
measurable, a predicted range (or its ``diagnostics``: a list of ``{"name": str, "value": number}``)
the predicted totals.

Recall and forewarning compare like with like only when both documents describe the same labelled
events: the same ``num_labeled`` and the same labelled ranges (:func:`labelled_events_differ`).
"""

from __future__ import annotations

import hashlib
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
_MAX_NAME_CHARS = 1_000
"""A diagnostics name (``component\\sensor``) longer than this is not a sensor name."""


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
        reader.problem("document", parse_error(exc))
        return DerivedMetrics(source=source, present=True, findings=reader.findings)
    if not isinstance(doc, dict):
        reader.problem("document", f"should be a JSON object, got {_kind(doc)}")
        return DerivedMetrics(source=source, present=True, findings=reader.findings)

    values: dict[str, Any] = {}
    values.update(_labeled(reader, doc))
    values.update(_unknown(reader, doc))
    values.update(_predicted(reader, doc))
    return DerivedMetrics(source=source, present=True, findings=reader.findings, **values)


def parse_error(exc: ValueError | RecursionError) -> str:
    """What is wrong with a document ``json.loads`` refused, in words."""
    if isinstance(exc, json.JSONDecodeError):
        return f"is not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
    if isinstance(exc, RecursionError):
        return "is not readable JSON: it is nested too deeply"
    first = str(exc).split(";")[0].strip() or type(exc).__name__
    return f"is not readable JSON: {first[:200]}"


def _labeled(reader: _Reader, doc: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    labels_readable = True
    ranges = doc.get("labeled_ranges")
    if ranges is not None:
        spans = _spans(reader, ranges, "labeled_ranges")
        if spans is None:
            labels_readable = False  # the events cannot be told apart: nothing label-based compares
        else:
            out["labeled_range_count"] = len(spans)
            out["labeled_ranges_digest"] = _digest(spans) if spans else None

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
    if not labels_readable:
        return out
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
    spans = _spans(reader, ranges, "predicted_ranges", diagnostics=True)
    if spans is None:  # one unreadable range makes the total unknowable
        return {"predicted_range_count": len(ranges)}
    total = sum((end - start).total_seconds() for start, end in spans)
    if not math.isfinite(total):
        return {"predicted_range_count": len(spans)}  # pragma: no cover - bounded by the timestamps
    return {"predicted_range_count": len(spans), "predicted_total_duration_seconds": total}


Span = tuple[datetime, datetime]


def _spans(reader: _Reader, ranges: object, path: str, *, diagnostics: bool = False) -> list[Span] | None:
    """Every range of a ``labeled_ranges`` / ``predicted_ranges`` list, or None (with findings) when
    the list or any range in it is malformed."""
    if not isinstance(ranges, list):
        reader.problem(path, f"should be a list, got {_kind(ranges)}")
        return None
    spans: list[Span] = []
    readable = True
    for index, item in enumerate(ranges):
        span = _span(reader, item, f"{path}[{index}]")
        if span is None:
            readable = False
        else:
            spans.append(span)
        if diagnostics and isinstance(item, dict) and not _diagnostics(reader, item, f"{path}[{index}]"):
            readable = False
    return spans if readable else None


def _span(reader: _Reader, item: object, path: str) -> Span | None:
    if not isinstance(item, dict):
        reader.problem(path, f"should be a JSON object, got {_kind(item)}")
        return None
    ends: list[datetime | None] = []
    for key in ("start", "end"):
        if item.get(key) is None:
            reader.problem(f"{path}.{key}", "is missing")
            ends.append(None)
        else:
            ends.append(reader.timestamp(item[key], f"{path}.{key}"))
    start, end = ends
    if start is None or end is None:
        return None
    try:
        seconds = (end - start).total_seconds()
    except OverflowError:  # pragma: no cover - defensive: extreme offsets near year 1 / 9999
        reader.problem(path, "has timestamps too far apart to subtract")
        return None
    if seconds < 0:
        reader.problem(path, f"ends before it starts ({_short(item['start'])} -> {_short(item['end'])})")
        return None
    return start, end


def _diagnostics(reader: _Reader, item: dict[str, Any], path: str) -> bool:
    """A predicted range's ``diagnostics``: absent, or a list of {name: text, value: number}."""
    values = item.get("diagnostics")
    if values is None:
        return True
    if not isinstance(values, list):
        reader.problem(f"{path}.diagnostics", f"should be a list, got {_kind(values)}")
        return False
    readable = True
    for index, entry in enumerate(values):
        where = f"{path}.diagnostics[{index}]"
        if not isinstance(entry, dict):
            reader.problem(where, f"should be a JSON object, got {_kind(entry)}")
            readable = False
            continue
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            reader.problem(f"{where}.name", f"should be a sensor name, got {_kind(name)}")
            readable = False
        elif len(name) > _MAX_NAME_CHARS:
            reader.problem(f"{where}.name", f"is {len(name):,} characters long, not a sensor name")
            readable = False
        if entry.get("value") is None:
            reader.problem(f"{where}.value", "is missing")
            readable = False
        elif reader.seconds(entry, where, "value") is None:
            readable = False
    return readable


def _digest(spans: list[Span]) -> str:
    """The same ranges give the same digest, in any order and any UTC offset notation."""
    canonical = sorted(
        f"{start.astimezone(UTC).isoformat()}/{end.astimezone(UTC).isoformat()}" for start, end in spans
    )
    return hashlib.sha256("\n".join(canonical).encode()).hexdigest()[:16]


def _labels(metrics: DerivedMetrics) -> str:
    events = "event" if metrics.num_labeled == 1 else "events"
    return f"{metrics.source} counts {metrics.num_labeled} labelled {events}"


def _ranges(metrics: DerivedMetrics) -> str:
    if metrics.labeled_range_count is None:
        return f"{metrics.source} lists no labelled ranges"
    ranges = "range" if metrics.labeled_range_count == 1 else "ranges"
    return f"{metrics.source} lists {metrics.labeled_range_count} labelled {ranges}"


def _ranges_malformed(metrics: DerivedMetrics) -> bool:
    return any(": labeled_ranges" in finding for finding in metrics.findings)


def labelled_events_differ(candidate: DerivedMetrics, prior: DerivedMetrics) -> str | None:
    """Why the two documents do not describe the same labelled events (so recall and forewarning do
    not compare like with like), or None when they do, or when a document does not count its
    labelled events (then recall and forewarning are simply not measurable)."""
    if candidate.num_labeled is None or prior.num_labeled is None:
        return None
    if candidate.num_labeled != prior.num_labeled:
        return f"{_labels(candidate)} and {_labels(prior)}"
    malformed = [m.source for m in (candidate, prior) if _ranges_malformed(m)]
    if malformed:
        return f"the labelled ranges of {' and '.join(malformed)} are malformed"
    if candidate.labeled_ranges_digest != prior.labeled_ranges_digest:
        if candidate.labeled_range_count == prior.labeled_range_count is not None:
            count = candidate.labeled_range_count
            return f"both list {count} labelled range{'s' if count != 1 else ''}, but not the same ones"
        return f"{_ranges(candidate)} and {_ranges(prior)}"
    return None


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
