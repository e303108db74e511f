"""The summary's numbers: a hand-computed file, caps, percentiles, and a naive reference implementation."""

from __future__ import annotations

import io
import json
import math
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model_steward.domain.diagnostics import DiagnosticsFormatError, read_diagnostics, summary
from model_steward.domain.diagnostics.framing import Record
from model_steward.domain.diagnostics.quantiles import ScoreQuantiles
from model_steward.domain.diagnostics.series import SeriesBuilder
from model_steward.models.diagnostics import DiagnosticsSummary


def ts(minute: int) -> str:
    return (datetime(2021, 3, 11) + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:%S.%f")


def summary_of(records: list[dict[str, Any]]) -> DiagnosticsSummary:
    data = "\n".join(json.dumps(r) for r in records).encode()
    return read_diagnostics(io.BytesIO(data)).summary


def d(**values: float) -> list[dict[str, Any]]:
    return [{"name": f"c\\{name}", "value": value} for name, value in values.items()]


# Minutes 0..9; anomalous at 1-3 (event A) and 6-7 (event B); scores in quarter steps (exact floats).
HAND = [
    {"timestamp": ts(0), "prediction": 0, "anomaly_score": 0.0, "diagnostics": d(a=9.0)},
    {"timestamp": ts(1), "prediction": 1, "anomaly_score": 0.5, "diagnostics": d(a=0.5, b=0.25)},
    {"timestamp": ts(2), "prediction": 1, "anomaly_score": 0.75, "diagnostics": d(b=0.5, c=0.25)},
    {"timestamp": ts(3), "prediction": 1, "diagnostics": d(a=0.25)},
    {"timestamp": ts(4), "prediction": 0, "anomaly_score": 0.25},
    {"timestamp": ts(5), "prediction": 0, "anomaly_score": 0.25},
    {"timestamp": ts(6), "prediction": 1, "anomaly_score": 1.0, "diagnostics": d(c=1.0, d=0.5)},
    {"timestamp": ts(7), "prediction": 1, "anomaly_score": 0.5, "diagnostics": d(d=0.5, b=0.25)},
    {"timestamp": ts(8), "prediction": 0, "anomaly_score": 0.0},
    {"timestamp": ts(9), "prediction": 0, "anomaly_score": 0.0},
]


def test_hand_computed_summary() -> None:
    s = summary_of(HAND)
    assert s.schema_version == 2
    assert (s.model_name, s.model_version) == (None, None)
    assert (s.rows, s.anomalous_rows, s.anomalous_fraction) == (10, 5, 0.5)
    assert s.rows_without_score == 1
    assert s.sampling_interval_seconds == 60
    assert (s.first_timestamp, s.last_timestamp) == (
        "2021-03-11T00:00:00.000000",
        "2021-03-11T00:09:00.000000",
    )
    assert s.span_seconds == 540
    assert s.event_count == 2
    assert s.events_per_day == 2 / (540 / 86400)
    assert not s.events_truncated
    a, b = s.events
    assert (a.start, a.end, a.rows, a.duration_seconds, a.max_anomaly_score) == (ts(1), ts(3), 3, 120, 0.75)
    # Event A sums: a 0.75, b 0.75, c 0.25 over 3 rows; a/b tie broken by name.
    assert [(x.name, x.mean_contribution) for x in a.top_sensors] == [
        ("c\\a", 0.25),
        ("c\\b", 0.25),
        ("c\\c", 0.25 / 3),
    ]
    assert (b.start, b.end, b.rows, b.max_anomaly_score) == (ts(6), ts(7), 2, 1.0)
    assert [(x.name, x.mean_contribution) for x in b.top_sensors] == [
        ("c\\c", 0.5),
        ("c\\d", 0.5),
        ("c\\b", 0.125),
    ]
    # Overall sums over 5 anomalous rows: a 0.75, b 1.0, c 1.25, d 1.0 (record 0's a=9 is not anomalous).
    assert [(x.name, x.mean_contribution) for x in s.top_sensors] == [
        ("c\\c", 0.25),
        ("c\\b", 0.2),
        ("c\\d", 0.2),
        ("c\\a", 0.15),
    ]
    assert s.sensors_seen == 4
    assert s.longest_event == a
    # Scores present in 9 records: 0,0.5,0.75,0.25,0.25,1,0.5,0,0 -> sorted 0,0,0,.25,.25,.5,.5,.75,1
    st_ = s.anomaly_score
    assert (st_.count, st_.method, st_.relative_error) == (9, "exact", 0)
    assert (st_.p50, st_.p90, st_.p99, st_.max) == (0.25, 1.0, 1.0, 1.0)  # rank ceil(0.9 * 9) = 9


def test_contract_json_round_trip() -> None:
    s = summary_of(HAND)
    text = s.model_dump_json()
    assert DiagnosticsSummary.model_validate_json(text) == s
    assert json.loads(text)["top_sensors"][0] == {"name": "c\\c", "mean_contribution": 0.25}


def test_first_and_last_follow_file_order_not_time() -> None:
    records = [
        {"timestamp": ts(50), "prediction": 1},
        {"timestamp": ts(10), "prediction": 1},
        {"timestamp": ts(30), "prediction": 0},
        {"timestamp": ts(20), "prediction": 1},
        {"timestamp": ts(40), "prediction": 0},
    ]
    s = summary_of(records)
    assert (s.first_timestamp, s.last_timestamp) == (ts(50), ts(40))
    assert s.span_seconds == -600
    assert s.events_per_day is None
    assert [(e.start, e.end) for e in s.events] == [(ts(50), ts(10)), (ts(20), ts(20))]
    assert s.events[0].duration_seconds == -2400


def test_offsets_are_normalised_to_utc() -> None:
    s = summary_of(
        [
            {"timestamp": "2021-03-11T00:00:00+01:00", "prediction": 0},
            {"timestamp": "2021-03-11T00:00:00Z", "prediction": 0},
        ]
    )
    assert s.span_seconds == 3600
    assert s.first_timestamp == "2021-03-11T00:00:00+01:00"


def test_events_are_capped_but_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(summary, "MAX_EVENTS", 5)
    records = [{"timestamp": ts(i), "prediction": i % 2} for i in range(40)]
    records += [{"timestamp": ts(40 + i), "prediction": 1} for i in range(3)]
    s = summary_of(records)
    assert s.event_count == 20
    assert len(s.events) == 5
    assert s.events_truncated
    assert s.longest_event is not None
    assert (s.longest_event.start, s.longest_event.rows) == (ts(39), 4)


@pytest.mark.parametrize(
    "records",
    [
        [{"timestamp": ts(0), "prediction": 1, "diagnostics": d(a=1, b=1, c=1, e=1)}],
        [
            {"timestamp": ts(0), "prediction": 1, "diagnostics": d(a=1, b=1)},
            {"timestamp": ts(1), "prediction": 1, "diagnostics": d(a=1, b=1)},
            {"timestamp": ts(2), "prediction": 1, "diagnostics": d(c=1, e=1)},
        ],
        [
            {"timestamp": ts(0), "prediction": 1, "diagnostics": d(a=1, b=1, c=1)},
            {"timestamp": ts(1), "prediction": 1, "diagnostics": [*d(a=1, e=1), *d(a=2)]},
        ],
    ],
    ids=["one-record", "later-record", "sensor-listed-twice"],
)
def test_sensor_cap(monkeypatch: pytest.MonkeyPatch, records: list[dict[str, Any]]) -> None:
    monkeypatch.setattr(summary, "MAX_SENSORS", 3)
    with pytest.raises(DiagnosticsFormatError, match="more than 3 distinct sensor names") as caught:
        summary_of(records)
    assert caught.value.record == len(records)


def test_a_sensor_listed_twice_counts_twice_in_file_order() -> None:
    records = [
        {"timestamp": ts(0), "prediction": 1, "diagnostics": [*d(a=0.1, b=1.0), *d(a=0.2)]},
        {"timestamp": ts(1), "prediction": 1, "diagnostics": d(a=0.3, b=1.0)},
        {"timestamp": ts(2), "prediction": 1, "diagnostics": d(a=0.3, b=1.0)},
    ]
    s = summary_of(records)
    assert [(x.name, x.mean_contribution) for x in s.top_sensors] == [
        ("c\\b", 1.0),
        ("c\\a", (((0.1 + 0.2) + 0.3) + 0.3) / 3),
    ]


def test_rows_without_score_and_sampling_interval() -> None:
    records = [{"timestamp": ts(5 * i), "prediction": 0, "anomaly_score": 0.1} for i in range(6)]
    records[2:4] = [{"timestamp": ts(10), "prediction": 0}, {"timestamp": ts(15), "prediction": 0}]
    records.append({"timestamp": ts(60), "prediction": 1})  # a gap of 35 min: not the interval
    s = summary_of(records)
    assert (s.rows, s.rows_without_score, s.anomaly_score.count) == (7, 3, 4)
    assert s.sampling_interval_seconds == 300
    assert s.events[0].duration_seconds == 0


def test_no_sampling_interval_without_two_records_in_time_order() -> None:
    assert summary_of([{"timestamp": ts(0), "prediction": 1}]).sampling_interval_seconds is None
    backwards = [{"timestamp": ts(10 - i), "prediction": 0} for i in range(3)]
    assert summary_of(backwards).sampling_interval_seconds is None


def test_linked_to_names_the_model_version() -> None:
    s = summary_of(HAND).linked_to("pump-01", 7)
    dumped = json.loads(s.model_dump_json())
    assert (dumped["schema_version"], dumped["model_name"], dumped["model_version"]) == (2, "pump-01", 7)
    assert "version" not in dumped


def test_sketch_percentiles_within_relative_error() -> None:
    quantiles = ScoreQuantiles(limit=100)
    values = [((i * 7919) % 1000) / 997 + (0.0 if i % 5 else -0.3) for i in range(5000)]
    for start in range(0, len(values), 333):
        quantiles.extend(values[start : start + 333])
    stats = quantiles.statistics()
    assert stats.method == "sketch"
    assert stats.relative_error == 0.01
    assert stats.count == 5000
    assert stats.max == max(values)
    ordered = sorted(values)
    for p, got in ((50, stats.p50), (90, stats.p90), (99, stats.p99)):
        exact = ordered[math.ceil(p / 100 * len(values)) - 1]
        assert got is not None
        assert abs(got - exact) <= 0.01 * abs(exact) + 1e-12


@pytest.mark.parametrize("batch", [1, 7, 100])
def test_series_is_bounded_and_covers_every_record(batch: int) -> None:
    builder = SeriesBuilder(capacity=8)
    summariser = summary.Summariser()
    summariser.series = builder
    records = [
        Record(timestamp=ts(i), prediction=int(i % 3 == 0), anomaly_score=None if i % 10 == 4 else float(i))
        for i in range(100)
    ]
    for start in range(0, 100, batch):
        summariser.add(records[start : start + batch], lambda i, reason: DiagnosticsFormatError(reason))
    series = builder.result()
    assert series.records_per_bucket == 16
    assert [b.rows for b in series.buckets] == [16] * 6 + [4]
    assert sum(b.anomalous_rows for b in series.buckets) == 34
    assert sum(b.scored_rows for b in series.buckets) == 90
    assert series.buckets[0].start == ts(0)
    assert series.buckets[0].start_time == datetime(2021, 3, 11)
    assert series.buckets[-1].end == ts(99)
    assert max(b.max_score or 0 for b in series.buckets) == 99.0
    assert [b.max_score for b in series.buckets] == [15.0, 31.0, 47.0, 63.0, 79.0, 95.0, 99.0]


# ---------------------------------------------------------------------------------------------------
# Generated record lists: the streaming summary equals a naive whole-list computation.


def reference(records: list[dict[str, Any]]) -> dict[str, Any]:
    anomalous = [r for r in records if r["prediction"] == 1]

    def top(rows: list[dict[str, Any]], limit: int) -> list[tuple[str, float]]:
        sums: dict[str, float] = {}
        for r in rows:
            for item in r.get("diagnostics") or []:
                sums[item["name"]] = sums.get(item["name"], 0.0) + item["value"]
        return sorted(((n, v / len(rows)) for n, v in sums.items()), key=lambda x: (-x[1], x[0]))[:limit]

    runs: list[list[dict[str, Any]]] = []
    previous = 0
    for r in records:
        if r["prediction"] == 1:
            if previous == 1:
                runs[-1].append(r)
            else:
                runs.append([r])
        previous = r["prediction"]
    scores = sorted(r["anomaly_score"] for r in records if r.get("anomaly_score") is not None)

    def pct(p: int) -> float | None:
        return scores[max(1, math.ceil(p / 100 * len(scores))) - 1] if scores else None

    def event(run: list[dict[str, Any]]) -> tuple[Any, ...]:
        run_scores = [r["anomaly_score"] for r in run if r.get("anomaly_score") is not None]
        return (
            run[0]["timestamp"],
            run[-1]["timestamp"],
            len(run),
            max(run_scores, default=None),
            top(run, 5),
        )

    return {
        "rows": len(records),
        "anomalous_rows": len(anomalous),
        "first": records[0]["timestamp"],
        "last": records[-1]["timestamp"],
        "events": [event(run) for run in runs],
        "longest": event(max(runs, key=len)) if runs else None,
        "top": top(anomalous, 10) if anomalous else [],
        "scores": (pct(50), pct(90), pct(99), scores[-1] if scores else None),
    }


values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).map(lambda x: round(x, 6))
names = st.sampled_from(["a\\x", "a\\y", "b\\x", "b\\<z>&", "c\\é"])
records_strategy = st.lists(
    st.fixed_dictionaries(
        {"timestamp": st.integers(0, 10_000).map(ts), "prediction": st.integers(0, 1)},
        optional={
            "anomaly_score": values,
            "diagnostics": st.lists(st.fixed_dictionaries({"name": names, "value": values}), max_size=4),
        },
    ),
    min_size=1,
    max_size=60,
)


def as_tuple(s: DiagnosticsSummary) -> dict[str, Any]:
    def ev(e: Any) -> tuple[Any, ...]:
        return (
            e.start,
            e.end,
            e.rows,
            e.max_anomaly_score,
            [(x.name, x.mean_contribution) for x in e.top_sensors],
        )

    a = s.anomaly_score
    return {
        "rows": s.rows,
        "anomalous_rows": s.anomalous_rows,
        "first": s.first_timestamp,
        "last": s.last_timestamp,
        "events": [ev(e) for e in s.events],
        "longest": ev(s.longest_event) if s.longest_event else None,
        "top": [(x.name, x.mean_contribution) for x in s.top_sensors],
        "scores": (a.p50, a.p90, a.p99, a.max),
    }


@settings(max_examples=150, deadline=None)
@given(records_strategy, st.booleans())
def test_streaming_summary_equals_reference(records: list[dict[str, Any]], as_array: bool) -> None:
    data = json.dumps(records).encode() if as_array else "\n".join(json.dumps(r) for r in records).encode()
    s = read_diagnostics(io.BytesIO(data)).summary
    assert as_tuple(s) == reference(records)
    assert s.event_count == len(s.events)
