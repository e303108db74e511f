"""Percentiles of the anomaly score in bounded memory."""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence
from typing import Literal

from model_steward.models.diagnostics import EXACT_SCORE_LIMIT, SKETCH_RELATIVE_ERROR, ScoreStatistics


class ScoreQuantiles:
    """Exact while at most ``limit`` values, then a logarithmic histogram with bounded relative error.

    The histogram (as in DDSketch) puts x > 0 in bucket ceil(log_gamma(x)), gamma = (1+a)/(1-a), and
    answers with 2 gamma^i / (gamma + 1), within a relative error a of every value in the bucket;
    negative values mirror it, zeros are counted apart. Buckets are bounded by the numbers' dynamic
    range (|x| <= 1e100 gives at most ~23,000 per sign), not by their count. Percentiles use the
    nearest-rank definition; ``max`` is always exact.
    """

    def __init__(self, limit: int = EXACT_SCORE_LIMIT, relative_error: float = SKETCH_RELATIVE_ERROR) -> None:
        self.limit = limit
        self.alpha = relative_error
        self.gamma = (1 + relative_error) / (1 - relative_error)
        self.log_gamma = math.log(self.gamma)
        self.values: array[float] | None = array("d")
        self.positive: dict[int, int] = {}
        self.negative: dict[int, int] = {}
        self.zeros = 0
        self.count = 0
        self.max: float | None = None

    def extend(self, scores: Sequence[float]) -> None:
        if not scores:
            return
        self.count += len(scores)
        top = max(scores)
        if self.max is None or top > self.max:
            self.max = top
        if self.values is not None:
            self.values.extend(scores)
            if len(self.values) <= self.limit:
                return
            scores, self.values = self.values, None
        self._sketch(scores)

    def _sketch(self, scores: Sequence[float]) -> None:
        log, log_gamma, positive, negative = math.log, self.log_gamma, self.positive, self.negative
        for x in scores:
            if x > 0:
                i = math.ceil(log(x) / log_gamma)
                positive[i] = positive.get(i, 0) + 1
            elif x < 0:
                i = math.ceil(log(-x) / log_gamma)
                negative[i] = negative.get(i, 0) + 1
            else:
                self.zeros += 1

    def _bucket_value(self, i: int) -> float:
        return 2 * self.gamma**i / (self.gamma + 1)

    def statistics(self) -> ScoreStatistics:
        if self.count == 0:
            method: Literal["exact", "sketch"] = "exact" if self.values is not None else "sketch"
            return ScoreStatistics(
                count=0, p50=None, p90=None, p99=None, max=None, method=method, relative_error=0
            )
        ranks = {p: max(1, math.ceil(p / 100 * self.count)) for p in (50, 90, 99)}
        if self.values is not None:
            ordered = sorted(self.values)
            pick = {p: ordered[rank - 1] for p, rank in ranks.items()}
            return ScoreStatistics(
                count=self.count, **_named(pick), max=self.max, method="exact", relative_error=0
            )
        # Walk the histogram in increasing order: negatives (largest magnitude first), zeros, positives.
        order: list[tuple[float, int]] = [
            (-self._bucket_value(i), n) for i, n in sorted(self.negative.items(), reverse=True)
        ]
        if self.zeros:
            order.append((0.0, self.zeros))
        order += [(self._bucket_value(i), n) for i, n in sorted(self.positive.items())]
        pick = {}
        for p, rank in ranks.items():
            seen = 0
            for value, n in order:
                seen += n
                if seen >= rank:
                    pick[p] = value
                    break
        assert self.max is not None
        pick = {p: min(v, self.max) for p, v in pick.items()}
        return ScoreStatistics(
            count=self.count, **_named(pick), max=self.max, method="sketch", relative_error=self.alpha
        )


def _named(pick: dict[int, float]) -> dict[str, float]:
    return {f"p{p}": v for p, v in pick.items()}
