"""Fault runs through the local stack: the deployed wiring under an SNS outage, a Lookout for
Equipment throttling storm and malformed metrics documents.

Time is the stack's clock: botocore's retry waits (at their longest) and each hung attempt's
timeouts are spent on it without sleeping, every Lambda context has the deployed timeout, and an
invocation that ends past it fails the test (``InvocationTimedOut``). Not timed tests: the figures
are simulated seconds, whatever the machine.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator

import pytest

from emulators.stack import LocalStack
from model_steward.domain.samples import metrics_json
from model_steward.errors import TransientError
from model_steward.models.ledger import VersionState
from tests.integration.retraining import (
    GOOD,
    PRIOR,
    TICK,
    Inbox,
    ledger,
    record,
    retrain,
    seed_active_model,
    subscribe_inbox,
    tick,
    updates_of,
)

LOOKOUT_OPERATIONS = (
    "ListModels",
    "DescribeModel",
    "DescribeRetrainingScheduler",
    "ListModelVersions",
    "DescribeModelVersion",
    "UpdateActiveModelVersion",
)


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack(
        {
            "DryRun": "false",
            "PolicyCooldownHours": "0",
            "WatchAllModels": "true",
            # The malformed run evaluates 34 models in one tick: each alert on its own, not a digest.
            "AlertDigestThreshold": "100",
        }
    ) as deployed:
        yield deployed


@pytest.fixture(scope="module")
def inbox(stack: LocalStack) -> Inbox:
    return subscribe_inbox(stack)


def longest(stack: LocalStack, function: str, since: int) -> float:
    return max((i.seconds for i in stack.invocations[since:] if i.logical_id == function), default=0.0)


def test_with_sns_down_for_10_pending_alerts_a_tick_still_queues_every_model_and_no_alert_is_lost(
    stack: LocalStack, inbox: Inbox
) -> None:
    pending = [f"sns-pump-{i:02d}" for i in range(10)]
    news = [f"sns-comp-{i}" for i in range(5)]
    for name in pending + news:
        seed_active_model(stack, name)
    tick(stack)
    inbox.read()
    since = len(stack.invocations)

    with stack.simulated_waits(), stack.timing_out("sns", "Publish") as attempts:
        # Ten promotions whose alerts SNS never takes: each publish hangs through its 3 attempts.
        for name in pending:
            retrain(stack, name, model_metrics=GOOD, prior_model_metrics=PRIOR)
        tick(stack)
        assert sorted(a.alert_id.split("#")[0] for a in ledger(stack).pending_alerts()) == pending
        # Five more models get news while SNS is still down.
        for name in news:
            retrain(stack, name, model_metrics=GOOD, prior_model_metrics=PRIOR)
        report = stack.invoke("WatchFunction", TICK)

    # The tick queued every model with news (and the ten whose promotion moved their summary),
    # then tried what its remaining time allowed.
    assert set(news) <= set(report["queued"])
    assert report["alerts_retried"] == 0
    assert report["alerts_still_pending"] + report["alerts_deferred"] == 10
    assert report["alerts_deferred"] > 0
    assert attempts  # SNS really was tried, and timed out
    assert longest(stack, "WatchFunction", since) <= 120 - 5
    assert longest(stack, "EvaluateFunction", since) <= 120 - 5

    # SNS is back: the queued evaluations run, and every alert is delivered exactly once.
    tick(stack)
    tick(stack)
    received = [a["alert"] for a in inbox.read() if a["alert"].get("model_name") in pending + news]
    assert Counter(a["alert_id"] for a in received).most_common(1)[0][1] == 1
    assert sorted((a["model_name"], a["kind"]) for a in received) == sorted(
        (name, "PROMOTED") for name in pending + news
    )
    assert ledger(stack).pending_alerts() == []


def test_with_30_throttles_on_every_lookout_operation_each_better_version_is_promoted_once_in_time(
    stack: LocalStack, inbox: Inbox
) -> None:
    names = [f"storm-{i:02d}" for i in range(6)]
    for name in names:
        seed_active_model(stack, name)
    tick(stack)
    versions = {name: retrain(stack, name, model_metrics=GOOD, prior_model_metrics=PRIOR) for name in names}
    inbox.read()
    since = len(stack.invocations)
    for operation in LOOKOUT_OPERATIONS:
        stack.lookout.inject_fault(operation, "ThrottlingException", count=30)

    failed_ticks = 0
    try:
        with stack.simulated_waits():
            for _ in range(30):  # ticks keep coming while the storm blows; a failed tick is not retried
                try:
                    stack.invoke("WatchFunction", TICK)
                except TransientError:
                    failed_ticks += 1
                stack.drain("EvaluateFunction", retry_failed_now=True)
                states = [ledger(stack).version(n, v) for n, v in versions.items()]
                if all(r is not None and r.state is VersionState.PROMOTED for r in states):
                    break
    finally:
        stack.lookout.clear_faults()

    assert failed_ticks >= 1  # the storm was real
    throttled = Counter(c.operation for c in stack.lookout.calls if c.error_code == "ThrottlingException")
    assert set(throttled) >= {"ListModels", "DescribeModel"}
    for name, version in versions.items():
        assert record(stack, name, version).state is VersionState.PROMOTED, name
        assert updates_of(stack, name) == [version], name
    storm = [a["alert"] for a in inbox.read() if a["alert"].get("model_name") in names]
    assert sorted((a["model_name"], a["kind"]) for a in storm) == sorted((n, "PROMOTED") for n in names)
    # Every invocation ended before its timeout (the stack fails the run otherwise), within its margin.
    assert longest(stack, "EvaluateFunction", since) <= 120 - 5
    assert longest(stack, "WatchFunction", since) <= 120 - 5


def _doc(**changes: object) -> str:
    doc = json.loads(GOOD)
    doc.update(changes)
    return json.dumps(doc)


def _labels(**block: object) -> str:
    doc = json.loads(GOOD)
    doc["labeled_event_metrics"] = {**doc["labeled_event_metrics"], **block}
    return json.dumps(doc)


def _predicted(**range_: object) -> str:
    doc = json.loads(GOOD)
    doc["predicted_ranges"] = [{**doc["predicted_ranges"][0], **range_}]
    return json.dumps(doc)


LABEL = {"start": "2019-08-08T00:00:00.000000", "end": "2019-08-09T00:00:00.000000"}
SENSOR = [{"name": "pump\\Sensor0", "value": 0.05}]

# (ModelMetrics, PriorModelMetrics, what the alert must name)
MALFORMED: list[tuple[str, str | None, str]] = [
    (_labels(num_labeled="eight"), PRIOR, "num_labeled should be a number, got the string 'eight'"),
    (_labels(num_labeled=8.5), PRIOR, "num_labeled should be a whole number, got 8.5"),
    (_labels(num_identified=-1), PRIOR, "num_identified should not be negative"),
    (_labels(num_identified=9), PRIOR, "9 events were identified out of only 8 labelled"),
    (_labels(total_warning_time_in_seconds=float("nan")), PRIOR, "should be a finite number, got nan"),
    (_labels(total_warning_time_in_seconds=float("inf")), PRIOR, "should be a finite number, got inf"),
    (_labels(num_labeled=1e300), PRIOR, "num_labeled is implausibly large"),
    (_labels(num_labeled=10**30), PRIOR, "num_labeled is implausibly large"),
    (_doc(labeled_event_metrics=[1, 2]), PRIOR, "labeled_event_metrics should be a JSON object, got a list"),
    (_doc(unknown_event_metrics={"num_identified": True}), PRIOR, "should be a number, got a boolean"),
    (
        _doc(unknown_event_metrics={"num_identified": 3, "total_duration_in_seconds": "long"}),
        PRIOR,
        "total_duration_in_seconds should be a number, got the string 'long'",
    ),
    (_doc(predicted_ranges={"a": 1}), PRIOR, "predicted_ranges should be a list, got an object"),
    (_predicted(start="yesterday"), PRIOR, "predicted_ranges[0].start is not an ISO 8601 timestamp"),
    (_predicted(start="2019-08-08T00:00:00", end="2019-08-07T00:00:00"), PRIOR, "ends before it starts"),
    (_predicted(start=None), PRIOR, "predicted_ranges[0].start is missing"),
    (_predicted(end=None), PRIOR, "predicted_ranges[0].end is missing"),
    (_doc(labeled_ranges=[{"end": LABEL["end"]}]), PRIOR, "labeled_ranges[0].start is missing"),
    (_doc(labeled_ranges=[{"start": LABEL["start"]}]), PRIOR, "labeled_ranges[0].end is missing"),
    (
        _doc(labeled_ranges=[{"start": LABEL["end"], "end": LABEL["start"]}]),
        PRIOR,
        "labeled_ranges[0] ends before it starts",
    ),
    (
        _doc(labeled_ranges=[{"start": 20190808, "end": LABEL["end"]}]),
        PRIOR,
        "labeled_ranges[0].start should be an ISO 8601 timestamp string",
    ),
    (_doc(labeled_ranges="2019-08-08"), PRIOR, "labeled_ranges should be a list, got the string"),
    (_predicted(diagnostics="pump\\Sensor0"), PRIOR, "diagnostics should be a list"),
    (_predicted(diagnostics=[{"name": "pump\\Sensor0", "value": "high"}]), PRIOR, "value should be a number"),
    (_predicted(diagnostics=[{"value": 0.5}]), PRIOR, "diagnostics[0].name should be a sensor name"),
    (
        _predicted(diagnostics=[{"name": "x" * 5_000, "value": 0.5}]),
        PRIOR,
        "is 5,000 characters long, not a sensor name",
    ),
    ("[" * 20_000 + "]" * 20_000, PRIOR, "nested too deeply"),
    (
        _doc(labeled_ranges=[{"start": "2019-" + "9" * 40_000, "end": LABEL["end"]}]),
        PRIOR,
        "labeled_ranges[0].start is not an ISO 8601 timestamp: '2019-999",
    ),
    ('{"labeled_event_metrics": {"num_labeled": 8, ', PRIOR, "is not valid JSON at line 1"),
    ('{"labeled_event_metrics": {"num_labeled": ' + "9" * 5_000 + "}}", PRIOR, "5000 digits"),
    ("[1, 2]", PRIOR, "ModelMetrics: document should be a JSON object, got a list"),
    ("NaN", PRIOR, "document should be a JSON object, got the number nan"),
    (GOOD, None, "PriorModelMetrics (absent)"),
    (
        metrics_json(num_labeled=1, num_identified=1),
        metrics_json(num_labeled=10, num_identified=9),
        "ModelMetrics counts 1 labelled event and PriorModelMetrics counts 10 labelled events",
    ),
    (GOOD, "{not json", "PriorModelMetrics: document is not valid JSON"),
]


def test_malformed_metrics_documents_give_no_promotion_no_crash_and_an_alert_that_names_the_problem(
    stack: LocalStack, inbox: Inbox
) -> None:
    assert len(MALFORMED) >= 30
    names = [f"garbled-{i:02d}" for i in range(len(MALFORMED))]
    for name in names:
        seed_active_model(stack, name)
    tick(stack)
    inbox.read()
    versions = {}
    for name, (candidate, prior, _) in zip(names, MALFORMED, strict=True):
        versions[name] = retrain(
            stack,
            name,
            model_quality="QUALITY_THRESHOLD_MET",
            model_metrics=candidate,
            prior_model_metrics=prior,
        )

    drained = tick(stack)

    assert drained.failed == 0  # no crash: every evaluation ended normally
    alerts = {
        a["alert"]["model_name"]: a["alert"] for a in inbox.read() if a["alert"].get("model_name") in names
    }
    for name, (_, _, expected) in zip(names, MALFORMED, strict=True):
        held = record(stack, name, versions[name])
        assert (held.state, held.outcome) == (VersionState.DECIDED, "HOLD"), (name, expected)
        assert updates_of(stack, name) == [], name
        assert stack.lookout.active_version(name) == 1
        alert = alerts[name]
        assert alert["kind"] == "HELD"
        said = " ".join([alert["summary"], *alert["reasons"], *alert["look_at"]])
        assert expected in said, (name, expected, said[:600])
