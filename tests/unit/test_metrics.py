"""Derived metrics from ModelMetrics / PriorModelMetrics, and their comparison."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model_steward.domain.metrics import (
    MAX_METRICS_CHARS,
    compare,
    delta,
    derive_metrics,
    labelled_events_differ,
)
from tests.unit.builders import metrics_json, unlabelled_metrics_json

SAMPLE = """{
  "labeled_ranges": [{"start": "2019-08-08T00:00:00.000000", "end": "2019-08-09T00:00:00.000000"}],
  "labeled_event_metrics": {"num_labeled": 8, "num_identified": 8, "total_warning_time_in_seconds": 668040.0},
  "predicted_ranges": [{"start": "2019-08-07T00:00:00.000000", "end": "2019-08-07T12:00:00.000000",
                        "diagnostics": [{"name": "centrifugal-pump\\\\Sensor0", "value": 0.0521}]},
                       {"start": "2019-08-10T00:00:00.000000", "end": "2019-08-10T00:30:00.000000"}],
  "unknown_event_metrics": {"num_identified": 8, "total_duration_in_seconds": 4200.0}
}"""


def test_sample_document_derives_every_number() -> None:
    # Given the shape from the AWS sample notebook
    # When it is read
    metrics = derive_metrics(SAMPLE)
    # Then every derived number is there and nothing was found wrong
    assert metrics.present
    assert metrics.findings == []
    assert metrics.labeled_range_count == 1
    assert metrics.event_recall == 1.0
    assert metrics.mean_forewarning_seconds == pytest.approx(668040.0 / 8)
    assert metrics.unknown_event_count == 8
    assert metrics.unknown_event_total_duration_seconds == 4200.0
    assert metrics.predicted_range_count == 2
    assert metrics.predicted_total_duration_seconds == 12 * 3600 + 1800


def test_recall_and_forewarning_follow_their_definitions() -> None:
    metrics = derive_metrics(metrics_json(num_labeled=8, num_identified=6, warning_seconds=600.0))
    assert metrics.event_recall == 0.75
    assert metrics.mean_forewarning_seconds == 100.0


@pytest.mark.parametrize("text", [None, "", "   "])
def test_absent_document_is_not_measurable_and_not_a_problem(text: str | None) -> None:
    metrics = derive_metrics(text)
    assert not metrics.present
    assert metrics.findings == []
    assert metrics.event_recall is None
    assert metrics.unknown_event_count is None


def test_missing_blocks_mean_not_measurable_never_zero() -> None:
    # Given an unlabelled model's metrics (no labeled_event_metrics)
    metrics = derive_metrics(unlabelled_metrics_json(unknown=5, ranges=3))
    # Then label numbers are None, the rest is measured, and nothing is reported wrong
    assert metrics.findings == []
    assert metrics.num_labeled is None
    assert metrics.event_recall is None
    assert metrics.mean_forewarning_seconds is None
    assert metrics.unknown_event_count == 5
    assert metrics.predicted_range_count == 3
    assert not metrics.labeled


def test_empty_object_has_nothing_measurable() -> None:
    metrics = derive_metrics("{}")
    assert metrics.present
    assert metrics.findings == []
    assert metrics.model_dump(exclude={"source", "present", "findings"}) == dict.fromkeys(
        metrics.model_dump(exclude={"source", "present", "findings"})
    )


def test_zero_labels_make_recall_not_measurable() -> None:
    metrics = derive_metrics(metrics_json(num_labeled=0, num_identified=0, warning_seconds=0.0))
    assert metrics.findings == []
    assert metrics.num_labeled == 0
    assert metrics.event_recall is None
    assert metrics.mean_forewarning_seconds is None


def test_zero_identified_makes_forewarning_not_measurable_but_recall_zero() -> None:
    metrics = derive_metrics(metrics_json(num_labeled=4, num_identified=0, warning_seconds=0.0))
    assert metrics.event_recall == 0.0
    assert metrics.mean_forewarning_seconds is None


def test_unknown_keys_are_ignored() -> None:
    text = metrics_json(extra={"new_block": {"x": 1}, "schema_version": "2"})
    doc = json.loads(text)
    doc["labeled_event_metrics"]["precision"] = 0.5
    metrics = derive_metrics(json.dumps(doc))
    assert metrics.findings == []
    assert metrics.event_recall == 1.0


def test_explicit_nulls_are_not_measurable() -> None:
    text = json.dumps({"labeled_event_metrics": None, "unknown_event_metrics": {"num_identified": None}})
    metrics = derive_metrics(text)
    assert metrics.findings == []
    assert metrics.event_recall is None
    assert metrics.unknown_event_count is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{not json", "ModelMetrics: document is not valid JSON at line 1 column 2"),
        ("[1, 2]", "ModelMetrics: document should be a JSON object, got a list"),
        (
            '{"labeled_event_metrics": {"num_labeled": "eight", "num_identified": 2}}',
            "labeled_event_metrics.num_labeled should be a number, got the string 'eight'",
        ),
        (
            '{"labeled_event_metrics": {"num_labeled": 8.5, "num_identified": 2}}',
            "labeled_event_metrics.num_labeled should be a whole number, got 8.5",
        ),
        (
            '{"labeled_event_metrics": {"num_labeled": 8, "num_identified": -1}}',
            "labeled_event_metrics.num_identified should not be negative, got -1",
        ),
        (
            '{"labeled_event_metrics": {"num_labeled": 8, "num_identified": 9}}',
            "labeled_event_metrics says 9 events were identified out of only 8 labelled",
        ),
        (
            '{"labeled_event_metrics": {"num_labeled": 8, "num_identified": 8, '
            '"total_warning_time_in_seconds": NaN}}',
            "total_warning_time_in_seconds should be a finite number, got nan",
        ),
        ('{"labeled_event_metrics": [1]}', "labeled_event_metrics should be a JSON object, got a list"),
        ('{"unknown_event_metrics": {"num_identified": true}}', "should be a number, got a boolean"),
        ('{"predicted_ranges": {"a": 1}}', "predicted_ranges should be a list, got an object"),
        (
            '{"predicted_ranges": [{"start": "yesterday", "end": "2019-08-07T00:00:00"}]}',
            "predicted_ranges[0].start is not an ISO 8601 timestamp: 'yesterday'",
        ),
        (
            '{"predicted_ranges": [{"start": "2019-08-08T00:00:00", "end": "2019-08-07T00:00:00"}]}',
            "predicted_ranges[0] ends before it starts",
        ),
        ('{"labeled_event_metrics": {"num_labeled": 1e300}}', "is implausibly large"),
    ],
)
def test_malformed_content_is_a_finding_not_an_exception(text: str, expected: str) -> None:
    # When a malformed document is read
    metrics = derive_metrics(text)
    # Then the problem is described, not raised
    assert metrics.present
    assert not metrics.readable
    assert any(expected in finding for finding in metrics.findings), metrics.findings


def test_wrong_value_only_spoils_the_numbers_it_feeds() -> None:
    doc = json.loads(metrics_json(unknown=3))
    doc["labeled_event_metrics"]["total_warning_time_in_seconds"] = "long"
    metrics = derive_metrics(json.dumps(doc))
    assert metrics.event_recall == 1.0
    assert metrics.mean_forewarning_seconds is None
    assert metrics.unknown_event_count == 3
    assert len(metrics.findings) == 1


def test_one_bad_predicted_range_makes_total_duration_unknown_but_keeps_count() -> None:
    text = json.dumps(
        {"predicted_ranges": [{"start": "2019-08-07T00:00:00", "end": "2019-08-07T01:00:00"}, 7]}
    )
    metrics = derive_metrics(text)
    assert metrics.predicted_range_count == 2
    assert metrics.predicted_total_duration_seconds is None


def test_timestamps_with_and_without_zone_are_compared_as_utc() -> None:
    text = json.dumps(
        {"predicted_ranges": [{"start": "2019-08-07T00:00:00", "end": "2019-08-07T02:00:00+01:00"}]}
    )
    assert derive_metrics(text).predicted_total_duration_seconds == 3600.0


def test_oversized_document_is_not_read() -> None:
    text = metrics_json(extra={"padding": "x" * MAX_METRICS_CHARS})
    metrics = derive_metrics(text, source="PriorModelMetrics")
    assert metrics.event_recall is None
    assert metrics.findings[0].startswith("PriorModelMetrics: document is ")
    assert "at most 50,000" in metrics.findings[0]


def test_deeply_nested_document_is_a_finding() -> None:
    metrics = derive_metrics("[" * 20_000 + "]" * 20_000)
    assert metrics.findings == ["ModelMetrics: document is not readable JSON: it is nested too deeply"]


def test_a_number_too_long_to_read_is_named_as_such_not_as_nesting() -> None:
    metrics = derive_metrics('{"labeled_event_metrics": {"num_labeled": ' + "9" * 5_000 + "}}")
    (finding,) = metrics.findings
    assert "nested" not in finding
    assert "5000 digits" in finding


LABEL = {"start": "2019-08-08T00:00:00.000000", "end": "2019-08-09T00:00:00.000000"}


def labelled(ranges: object, **counts: int) -> str:
    doc = json.loads(metrics_json(**counts))
    doc["labeled_ranges"] = ranges
    return json.dumps(doc)


@pytest.mark.parametrize(
    ("ranges", "expected"),
    [
        ([{"end": "2019-08-09T00:00:00"}], "labeled_ranges[0].start is missing"),
        ([{"start": "2019-08-09T00:00:00"}], "labeled_ranges[0].end is missing"),
        (
            [{"start": "2019-08-09T00:00:00", "end": "2019-08-08T00:00:00"}],
            "labeled_ranges[0] ends before it starts",
        ),
        ([{"start": 20190808, "end": "2019-08-09T00:00:00"}], "start should be an ISO 8601 timestamp string"),
        (["2019-08-08"], "labeled_ranges[0] should be a JSON object, got the string"),
        ({"start": "2019-08-08T00:00:00"}, "labeled_ranges should be a list, got an object"),
    ],
)
def test_a_malformed_labelled_range_makes_recall_and_forewarning_not_measurable(
    ranges: object, expected: str
) -> None:
    # When one labelled range is malformed
    metrics = derive_metrics(labelled(ranges))
    # Then the problem is named, and nothing label-based is measured
    assert any(expected in finding for finding in metrics.findings), metrics.findings
    assert metrics.event_recall is None
    assert metrics.mean_forewarning_seconds is None
    assert metrics.labeled_ranges_digest is None


@pytest.mark.parametrize(
    ("diagnostics", "expected"),
    [
        ("sensor0", "diagnostics should be a list, got the string"),
        ([7], "diagnostics[0] should be a JSON object, got the number 7"),
        ([{"value": 0.1}], "diagnostics[0].name should be a sensor name, got null"),
        ([{"name": "", "value": 0.1}], "diagnostics[0].name should be a sensor name"),
        ([{"name": "x" * 5_000, "value": 0.1}], "is 5,000 characters long, not a sensor name"),
        ([{"name": "pump\\Sensor0"}], "diagnostics[0].value is missing"),
        ([{"name": "pump\\Sensor0", "value": "high"}], "value should be a number, got the string 'high'"),
        ([{"name": "pump\\Sensor0", "value": -0.5}], "value should not be negative"),
    ],
)
def test_malformed_diagnostics_make_the_predicted_total_not_measurable(
    diagnostics: object, expected: str
) -> None:
    text = json.dumps(
        {
            "predicted_ranges": [
                {"start": "2019-08-07T00:00:00", "end": "2019-08-07T01:00:00", "diagnostics": diagnostics}
            ]
        }
    )
    metrics = derive_metrics(text)
    assert any(expected in finding for finding in metrics.findings), metrics.findings
    assert metrics.predicted_range_count == 1
    assert metrics.predicted_total_duration_seconds is None


def test_the_same_labels_in_another_order_or_notation_are_the_same_events() -> None:
    other = {"start": "2019-09-01T00:00:00", "end": "2019-09-01T06:00:00"}
    same_other = {"start": "2019-09-01T02:00:00+02:00", "end": "2019-09-01T06:00:00Z"}
    one = derive_metrics(labelled([LABEL, other]), source="ModelMetrics")
    two = derive_metrics(labelled([same_other, LABEL]), source="PriorModelMetrics")
    assert one.labeled_ranges_digest == two.labeled_ranges_digest is not None
    assert labelled_events_differ(one, two) is None


@pytest.mark.parametrize(
    ("candidate", "prior", "why"),
    [
        (
            labelled([LABEL], num_labeled=1, num_identified=1),
            labelled([LABEL], num_labeled=10, num_identified=9),
            "ModelMetrics counts 1 labelled event and PriorModelMetrics counts 10 labelled events",
        ),
        (
            labelled([LABEL]),
            labelled([LABEL, {"start": "2019-09-01T00:00:00", "end": "2019-09-02T00:00:00"}]),
            "ModelMetrics lists 1 labelled range and PriorModelMetrics lists 2 labelled ranges",
        ),
        (
            labelled([LABEL]),
            labelled([{"start": "2019-09-01T00:00:00", "end": "2019-09-02T00:00:00"}]),
            "both list 1 labelled range, but not the same ones",
        ),
        (
            labelled([LABEL]),
            labelled([{"end": "2019-09-02T00:00:00"}]),
            "the labelled ranges of PriorModelMetrics are malformed",
        ),
    ],
)
def test_documents_that_label_different_events_say_how(candidate: str, prior: str, why: str) -> None:
    assert (
        labelled_events_differ(
            derive_metrics(candidate, source="ModelMetrics"),
            derive_metrics(prior, source="PriorModelMetrics"),
        )
        == why
    )


def test_findings_are_capped() -> None:
    ranges = [{"start": "x", "end": "y"} for _ in range(100)]
    metrics = derive_metrics(json.dumps({"predicted_ranges": ranges}))
    assert len(metrics.findings) == 21
    assert metrics.findings[-1].endswith("further problems not listed")


# -- comparison ----------------------------------------------------------------------------------


def test_compare_gives_absolute_and_relative_deltas() -> None:
    # Given a candidate that found 6 of 8 events and a prior that found 8 of 8
    candidate = derive_metrics(metrics_json(num_identified=6, warning_seconds=600.0, unknown=12))
    prior = derive_metrics(metrics_json(num_identified=8, warning_seconds=1600.0, unknown=8))
    # When compared
    comparison = compare(candidate, prior)
    # Then
    assert comparison.event_recall.absolute == pytest.approx(-0.25)
    assert comparison.event_recall.relative == pytest.approx(-0.25)
    assert comparison.mean_forewarning_seconds.candidate == 100.0
    assert comparison.mean_forewarning_seconds.prior == 200.0
    assert comparison.mean_forewarning_seconds.relative == pytest.approx(-0.5)
    assert comparison.unknown_event_count.absolute == 4
    assert comparison.unknown_event_count.relative == pytest.approx(0.5)
    assert comparison.predicted_range_count.absolute == 0


def test_compare_is_none_when_either_side_is_not_measurable() -> None:
    comparison = compare(derive_metrics(metrics_json()), derive_metrics(None))
    assert comparison.event_recall.candidate == 1.0
    assert comparison.event_recall.prior is None
    assert comparison.event_recall.absolute is None
    assert comparison.event_recall.relative is None


@pytest.mark.parametrize(
    ("candidate", "prior", "relative"), [(0.0, 0.0, 0.0), (3.0, 0.0, None), (0.0, 4.0, -1.0)]
)
def test_relative_delta_from_zero(candidate: float, prior: float, relative: float | None) -> None:
    assert delta(candidate, prior).relative == relative


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_never_raises_on_any_text(text: str) -> None:
    metrics = derive_metrics(text)
    assert metrics.present == bool(text.strip())


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
metric_keys = st.sampled_from(
    [
        "labeled_ranges",
        "labeled_event_metrics",
        "predicted_ranges",
        "unknown_event_metrics",
        "num_labeled",
        "num_identified",
        "total_warning_time_in_seconds",
        "total_duration_in_seconds",
        "start",
        "end",
    ]
)
shaped = st.recursive(
    json_values,
    lambda children: st.dictionaries(metric_keys, children, max_size=5) | st.lists(children, max_size=3),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(shaped)
def test_never_raises_on_any_metrics_shaped_json(doc: object) -> None:
    metrics = derive_metrics(json.dumps(doc))
    if metrics.event_recall is not None:
        assert 0.0 <= metrics.event_recall <= 1.0
    for value in (metrics.mean_forewarning_seconds, metrics.predicted_total_duration_seconds):
        assert value is None or value >= 0
