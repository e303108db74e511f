"""The summariser: one pass over the records, in file order, into the contract summary.

Each batch is folded with a few calls that loop in C (timestamps parsed with ``map``, scores and
predictions gathered in list comprehensions, per-bucket sums and maxima over slices); only the
anomalous records, a few percent of a healthy file, are visited one by one, and only their
``diagnostics`` are decoded. A batch that fails a check is walked again record by record, so the
error names the first faulty record.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import reduce
from itertools import compress, pairwise
from operator import add, attrgetter
from typing import cast

import msgspec

from model_steward.domain.diagnostics.errors import DiagnosticsFormatError
from model_steward.domain.diagnostics.framing import (
    DECODE_ERRORS,
    Diagnostic,
    Locator,
    Record,
    record_time,
)
from model_steward.domain.diagnostics.quantiles import ScoreQuantiles
from model_steward.domain.diagnostics.series import ScoreSeries, SeriesBuilder
from model_steward.models.diagnostics import (
    EVENT_TOP_SENSORS,
    MAX_EVENTS,
    SAMPLING_PAIRS,
    TOP_SENSORS,
    AnomalyEvent,
    DiagnosticsSummary,
    SensorContribution,
)

MAX_SENSORS = 100_000
"""Distinct sensor names allowed in the diagnostics of anomalous records (bounds memory)."""
MAX_ABS_NUMBER = 1e100
"""Scores and diagnostic values beyond this magnitude are rejected (keeps every sum finite)."""

_DIAGNOSTICS = msgspec.json.Decoder(list[Diagnostic] | None)
_TZINFO = attrgetter("tzinfo")


@dataclass(frozen=True, slots=True)
class DiagnosticsResult:
    """What one pass over the file gives: the contract summary and the chart's downsampled series."""

    summary: DiagnosticsSummary
    series: ScoreSeries


@dataclass(slots=True)
class _OpenEvent:
    start: str
    start_time: datetime
    end: str = ""
    end_time: datetime = datetime.min
    rows: int = 0
    max_score: float | None = None


class Contributions:
    """Each sensor's sum of diagnostic values over the anomalous records, overall and in the open
    event, added in file order: bit for bit what adding one value at a time gives.

    Records of an event usually list the same sensors in the same order; their values are kept as
    rows of one block and added column by column in C (``functools.reduce``) when the block ends
    (other sensors, the end of the event, or :data:`BLOCK_ROWS` rows). A record that lists a sensor
    twice is added value by value.
    """

    BLOCK_ROWS = 1024

    def __init__(self) -> None:
        self.sums: dict[str, float] = {}
        self.event: dict[str, float] = {}
        self.names: list[str] = []
        self.rows: list[list[float]] = []

    def add(self, names: list[str], values: list[float]) -> bool:
        """Add one record's diagnostics; False if that makes more than MAX_SENSORS sensors."""
        if names != self.names or len(self.rows) == self.BLOCK_ROWS:
            self._flush()
            if len(set(names)) < len(names):  # a sensor listed twice: in the record's order
                self._add_one_by_one(names, values)
                return len(self.sums) <= MAX_SENSORS
            self.names = names
            if len(self.sums) + sum(name not in self.sums for name in names) > MAX_SENSORS:
                return False
        self.rows.append(values)
        return True

    def end_event(self) -> dict[str, float]:
        """The open event's sums; the next record starts another event."""
        self._flush()
        event, self.event = self.event, {}
        return event

    def _flush(self) -> None:
        if self.rows:
            sums, event = self.sums, self.event
            for name, column in zip(self.names, zip(*self.rows, strict=True), strict=True):
                sums[name] = reduce(add, column, sums.get(name, -0.0))  # -0.0 + x is x, bit for bit
                event[name] = reduce(add, column, event.get(name, 0.0))
        self.names, self.rows = [], []

    def _add_one_by_one(self, names: list[str], values: list[float]) -> None:
        sums, event = self.sums, self.event
        for name, value in zip(names, values, strict=True):
            sums[name] = sums.get(name, -0.0) + value
            event[name] = event.get(name, 0.0) + value


def _top(sums: dict[str, float], rows: int, limit: int) -> list[SensorContribution]:
    if rows == 0:
        return []
    means = sorted((-(total / rows), name) for name, total in sums.items())[:limit]
    return [SensorContribution(name=name, mean_contribution=-neg) for neg, name in means]


def _in_range(values: list[float]) -> bool:
    return not values or (max(values) <= MAX_ABS_NUMBER and min(values) >= -MAX_ABS_NUMBER)


class Summariser:
    def __init__(self) -> None:
        self.rows = 0
        self.anomalous = 0
        self.first = ""
        self.first_time = datetime.min
        self.last = ""
        self.last_time: datetime | None = None
        self.gaps: list[float] = []
        self.contributions = Contributions()
        self.events: list[AnomalyEvent] = []
        self.event_count = 0
        self.longest: AnomalyEvent | None = None
        self.current: _OpenEvent | None = None
        self.scores = ScoreQuantiles()
        self.series = SeriesBuilder()

    def add(self, records: list[Record], where: Locator) -> None:
        """Fold a batch in; ``where(i, reason)`` builds the error for the batch's i-th record."""
        if not records:
            return
        timestamps = [r.timestamp for r in records]
        scores = [r.anomaly_score for r in records]
        some_unscored = None in scores
        scored = [s for s in scores if s is not None] if some_unscored else cast(list[float], scores)
        times = _times(timestamps)
        if times is None or not _in_range(scored):
            raise self._first_error(records, where)
        flags: list[int] = [r.prediction for r in records]
        if self.rows == 0:
            self.first, self.first_time = timestamps[0], times[0]
        if len(self.gaps) < SAMPLING_PAIRS:
            previous = ([] if self.last_time is None else [self.last_time]) + times[: SAMPLING_PAIRS + 1]
            self.gaps += [(b - a).total_seconds() for a, b in pairwise(previous)]
        self.series.add(timestamps, flags, scores, some_unscored)
        self.scores.extend(scored)
        self._events(records, flags, times, where)
        self.rows += len(records)
        self.last, self.last_time = timestamps[-1], times[-1]

    def _events(self, records: list[Record], flags: list[int], times: list[datetime], where: Locator) -> None:
        """Runs of anomalous records: only the anomalous ones are visited."""
        current = self.current
        expected = 0  # the index that continues the open event
        for i in compress(range(len(records)), flags):
            if current is not None and i != expected:
                self._close(current)
                current = None
            record = records[i]
            if current is None:
                current = _OpenEvent(record.timestamp, times[i])
            current.end, current.end_time = record.timestamp, times[i]
            current.rows += 1
            score = record.anomaly_score
            if score is not None and (current.max_score is None or score > current.max_score):
                current.max_score = score
            if record.diagnostics:
                self._add_diagnostics(record.diagnostics, i, where)
            self.anomalous += 1
            expected = i + 1
        if current is not None and expected != len(records):
            self._close(current)
            current = None
        self.current = current

    def _add_diagnostics(self, raw: msgspec.Raw, i: int, where: Locator) -> None:
        items = _decode_diagnostics(raw, i, where)
        if not items:
            return
        values = [item.value for item in items]
        if not _in_range(values):
            raise _value_error(items, i, where)
        if not self.contributions.add([item.name for item in items], values):
            raise where(i, f"more than {MAX_SENSORS} distinct sensor names")

    def _first_error(self, records: list[Record], where: Locator) -> DiagnosticsFormatError:
        """The error of the batch's first faulty record (timestamp, score, then diagnostics)."""
        for i, record in enumerate(records):
            try:
                record_time(record.timestamp)
            except (ValueError, OverflowError) as exc:
                return where(i, f"timestamp {record.timestamp!r} is not ISO 8601 ({exc})")
            score = record.anomaly_score
            if score is not None and not -MAX_ABS_NUMBER <= score <= MAX_ABS_NUMBER:
                return where(i, f"anomaly_score {score!r} is out of range")
            if record.prediction and record.diagnostics:
                items = _decode_diagnostics(record.diagnostics, i, where)
                if items and not _in_range([item.value for item in items]):
                    return _value_error(items, i, where)
        raise AssertionError("a batch failed a check that none of its records fails")

    def _close(self, event: _OpenEvent) -> None:
        event_sums = self.contributions.end_event()
        self.event_count += 1
        longest = self.longest
        keep = len(self.events) < MAX_EVENTS
        if not keep and longest is not None and event.rows <= longest.rows:
            return
        done = AnomalyEvent(
            start=event.start,
            end=event.end,
            rows=event.rows,
            duration_seconds=(event.end_time - event.start_time).total_seconds(),
            max_anomaly_score=event.max_score,
            top_sensors=_top(event_sums, event.rows, EVENT_TOP_SENSORS),
        )
        if keep:
            self.events.append(done)
        if longest is None or done.rows > longest.rows:
            self.longest = done

    def finish(self) -> DiagnosticsResult:
        if self.rows == 0 or self.last_time is None:
            raise DiagnosticsFormatError("no records: the file is empty (or holds an empty array)")
        if self.current is not None:
            self._close(self.current)
            self.current = None
        span = (self.last_time - self.first_time).total_seconds()
        statistics = self.scores.statistics()
        summary = DiagnosticsSummary(
            rows=self.rows,
            anomalous_rows=self.anomalous,
            anomalous_fraction=self.anomalous / self.rows,
            rows_without_score=self.rows - statistics.count,
            sampling_interval_seconds=_most_frequent_positive(self.gaps[:SAMPLING_PAIRS]),
            first_timestamp=self.first,
            last_timestamp=self.last,
            span_seconds=span,
            event_count=self.event_count,
            events_per_day=self.event_count / (span / 86400) if span > 0 else None,
            events_truncated=self.event_count > len(self.events),
            events=self.events,
            longest_event=self.longest,
            top_sensors=_top(self.contributions.sums, self.anomalous, TOP_SENSORS),
            sensors_seen=len(self.contributions.sums),
            anomaly_score=statistics,
        )
        return DiagnosticsResult(summary=summary, series=self.series.result())


def _times(timestamps: list[str]) -> list[datetime] | None:
    """The timestamps as naive UTC datetimes, or None if one is not ISO 8601 (or cannot be UTC)."""
    try:
        times = list(map(datetime.fromisoformat, timestamps))
        if set(map(_TZINFO, times)) != {None}:
            times = [t if t.tzinfo is None else t.astimezone(UTC).replace(tzinfo=None) for t in times]
    except (ValueError, OverflowError):
        return None
    return times


def _decode_diagnostics(raw: msgspec.Raw, i: int, where: Locator) -> list[Diagnostic] | None:
    try:
        return _DIAGNOSTICS.decode(raw)
    except DECODE_ERRORS as exc:
        raise where(i, f"diagnostics: {str(exc).replace('`$', '`$.diagnostics')}") from None


def _value_error(items: list[Diagnostic], i: int, where: Locator) -> DiagnosticsFormatError:
    item = next(item for item in items if not -MAX_ABS_NUMBER <= item.value <= MAX_ABS_NUMBER)
    return where(i, f"diagnostics value {item.value!r} of {item.name!r} is out of range")


def _most_frequent_positive(gaps: list[float]) -> float | None:
    counts = Counter(gap for gap in gaps if gap > 0)
    if not counts:
        return None
    return max(counts.items(), key=lambda item: (item[1], -item[0]))[0]
