"""The downsampled series behind the report's charts: at most a few hundred buckets, whatever the size."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from model_steward.domain.diagnostics.framing import record_time

SERIES_BUCKETS = 480
"""Most buckets kept."""


@dataclass(frozen=True, slots=True)
class SeriesBucket:
    """Consecutive records (file order) merged into one point of the chart.

    ``start_time``/``end_time`` are the first and last records' timestamps as UTC (naive);
    ``scored_rows`` counts the records that carry an anomaly score, ``max_score`` is their maximum.
    """

    start: str
    end: str
    start_time: datetime
    end_time: datetime
    rows: int
    anomalous_rows: int
    scored_rows: int
    max_score: float | None


@dataclass(frozen=True, slots=True)
class ScoreSeries:
    """At most :data:`SERIES_BUCKETS` buckets of ``records_per_bucket`` records (the last may be short)."""

    records_per_bucket: int
    buckets: tuple[SeriesBucket, ...]


class SeriesBuilder:
    """Bucket k holds records [k * width, (k + 1) * width); when the buckets are all used, adjacent
    pairs merge and the width doubles, so a bucket's records depend on the file, never on batching."""

    def __init__(self, capacity: int = SERIES_BUCKETS) -> None:
        self.capacity = max(2, capacity - capacity % 2)
        self.width = 1
        self.done: list[SeriesBucket] = []
        self.start = ""
        self.end = ""
        self.rows = 0
        self.anomalous = 0
        self.scored = 0
        self.max_score: float | None = None

    def add(
        self, timestamps: list[str], flags: list[int], scores: list[float | None], some_unscored: bool
    ) -> None:
        """Fold a batch in: the records' timestamps, predictions and scores (None: no score)."""
        at, size = 0, len(timestamps)
        while at < size:
            stop = min(size, at + self.width - self.rows)
            if self.rows == 0:
                self.start = timestamps[at]
            self.end = timestamps[stop - 1]
            self.rows += stop - at
            self.anomalous += sum(flags[at:stop])
            part = scores[at:stop]
            scored = [s for s in part if s is not None] if some_unscored else cast(list[float], part)
            if scored:
                self.scored += len(scored)
                top = max(scored)
                if self.max_score is None or top > self.max_score:
                    self.max_score = top
            if self.rows == self.width:
                self._close()
            at = stop

    def _bucket(self) -> SeriesBucket:
        return SeriesBucket(
            self.start,
            self.end,
            record_time(self.start),
            record_time(self.end),
            self.rows,
            self.anomalous,
            self.scored,
            self.max_score,
        )

    def _close(self) -> None:
        self.done.append(self._bucket())
        self.rows = self.anomalous = self.scored = 0
        self.max_score = None
        if len(self.done) == self.capacity:
            self.done = [_merge(a, b) for a, b in zip(self.done[::2], self.done[1::2], strict=True)]
            self.width *= 2

    def result(self) -> ScoreSeries:
        buckets = list(self.done)
        if self.rows:
            buckets.append(self._bucket())
        return ScoreSeries(self.width, tuple(buckets))


def _merge(a: SeriesBucket, b: SeriesBucket) -> SeriesBucket:
    scores = [s for s in (a.max_score, b.max_score) if s is not None]
    return SeriesBucket(
        a.start,
        b.end,
        a.start_time,
        b.end_time,
        a.rows + b.rows,
        a.anomalous_rows + b.anomalous_rows,
        a.scored_rows + b.scored_rows,
        max(scores) if scores else None,
    )
