"""The diagnostics flow on in-memory fakes: one announced file -> summary, report, link, ledger
record, one alert (or, for a broken file, a record and an alert and nothing else)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from emulators.demo_diagnostics import Episode, diagnostics_file
from model_steward.domain.alerts import diagnostics_alert_id
from model_steward.errors import ConfigurationError, TransientError
from model_steward.models.diagnostics import DiagnosticsSummary
from model_steward.models.diagnostics_files import DiagnosticsOutcome, FileStatus, output_keys
from model_steward.models.ledger import VersionRecord, VersionState
from model_steward.models.s3_events import ObjectRef
from model_steward.service.alerting import Alerter
from model_steward.service.diagnostics import SEARCH_DESCRIBE_BUDGET, DiagnosticsService
from tests.fakes.channels import FakeObjectStore, FakePublisher
from tests.fakes.ledger import FakeLedger
from tests.fakes.registry import FakeRegistry
from tests.service.conftest import START

BUCKET = "acme-lookout-diagnostics"
SMALL_EPISODES = (
    Episode(start=40, length=12, drivers=("pump\\flow", "motor\\current")),
    Episode(start=150, length=5, drivers=("bearing_de\\vibration",)),
)
_FILES: dict[tuple[Any, ...], bytes] = {}


def small_file(**options: Any) -> bytes:
    key = tuple(sorted(options.items()))
    if key not in _FILES:
        _FILES[key] = diagnostics_file(records=300, episodes=SMALL_EPISODES, machine_off=(200, 10), **options)
    return _FILES[key]


@dataclass
class Diagnostics:
    registry: FakeRegistry = field(default_factory=FakeRegistry)
    ledger: FakeLedger = field(default_factory=FakeLedger)
    store: FakeObjectStore = field(default_factory=FakeObjectStore)
    topic: FakePublisher = field(default_factory=FakePublisher)
    chatbot: FakePublisher = field(default_factory=lambda: FakePublisher(name="chatbot"))

    def service(self, reports_prefix: str = "") -> DiagnosticsService:
        return DiagnosticsService(
            ledger=self.ledger,
            registry=self.registry,
            store=self.store,
            alerter=Alerter(self.ledger, self.topic, self.chatbot),
            region="eu-west-1",
            reports_prefix=reports_prefix,
        )

    def upload(self, key: str, body: bytes) -> ObjectRef:
        etag = self.store.put(BUCKET, key, body)
        return ObjectRef(bucket=BUCKET, key=key, size=len(body), etag=etag)

    def process(self, ref: ObjectRef, reports_prefix: str = "") -> DiagnosticsOutcome:
        return self.service(reports_prefix).process_object(ref, now=START)

    def model_with_version_writing(self, model_name: str, key: str, *, versions: int = 1) -> int:
        """A model whose diagnostics go to BUCKET; its newest version names ``key``."""
        self.registry.seed_model(model_name, diagnostics_bucket=BUCKET, diagnostics_prefix="lookout/")
        for _ in range(versions - 1):
            self.registry.add_version(model_name)
        return self.registry.add_version(model_name, diagnostics_key=key)


@pytest.fixture
def diag() -> Diagnostics:
    return Diagnostics()


def test_a_file_of_a_known_version_gets_summary_report_record_link_and_one_alert(diag: Diagnostics) -> None:
    key = "lookout/pump-01/model-version-2/model_diagnostics_results.json.gz"
    version = diag.model_with_version_writing("pump-01", key, versions=2)
    diag.ledger.record(
        VersionRecord(
            model_name="pump-01",
            version=version,
            state=VersionState.DECIDED,
            status="SUCCESS",
            first_seen_at=START,
            updated_at=START,
        ),
        replaces=[None],
    )
    ref = diag.upload(key, small_file())

    outcome = diag.process(ref)

    assert outcome.status is FileStatus.SUMMARISED
    assert (outcome.model_name, outcome.version, outcome.found_by) == ("pump-01", version, "key")
    summary_key, report_key = output_keys(key, "")
    text, content_type = diag.store.texts[(BUCKET, summary_key)]
    summary = DiagnosticsSummary.model_validate_json(text)
    assert (summary.rows, content_type) == (300, "application/json")
    report, report_type = diag.store.texts[(BUCKET, report_key)]
    assert "pump-01 v2 diagnostics" in report
    assert report_type == "text/html; charset=utf-8"
    recorded = diag.ledger.diagnostics_file("pump-01", BUCKET, key, ref.etag or "")
    assert recorded is not None
    assert (recorded.status, recorded.rows, recorded.version) == (FileStatus.SUMMARISED, 300, version)
    assert recorded.report_uri == f"s3://{BUCKET}/{report_key}"
    assert diag.ledger.record_links[("pump-01", version)]["diagnostics_report_uri"] == recorded.report_uri
    (alert,) = diag.topic.published
    assert (alert.kind, alert.alert_id) == (
        "DIAGNOSTICS_SUMMARY",
        diagnostics_alert_id(BUCKET, key, ref.etag or ""),
    )
    assert (alert.model_name, alert.version) == ("pump-01", version)
    assert alert.links.report_url is not None
    assert diag.chatbot.published == [alert]


def test_the_same_file_announced_twice_is_summarised_and_alerted_once(diag: Diagnostics) -> None:
    key = "lookout/pump-01/model-version-1/model_diagnostics_results.json.gz"
    diag.model_with_version_writing("pump-01", key)
    ref = diag.upload(key, small_file())

    first, second = diag.process(ref), diag.process(ref)

    assert (first.status, second.status) == (FileStatus.SUMMARISED, FileStatus.DUPLICATE)
    assert second.alert_id == first.alert_id
    assert len(diag.topic.published) == 1


def test_a_new_etag_under_the_same_key_is_a_new_file(diag: Diagnostics) -> None:
    key = "lookout/pump-01/model-version-1/model_diagnostics_results.json.gz"
    diag.model_with_version_writing("pump-01", key)
    first = diag.process(diag.upload(key, small_file(seed=1)))
    second = diag.process(diag.upload(key, small_file(seed=2)))

    assert (first.status, second.status) == (FileStatus.SUMMARISED, FileStatus.SUMMARISED)
    assert first.alert_id != second.alert_id
    assert len(diag.topic.published) == 2


def test_a_key_that_does_not_name_the_model_is_linked_by_the_search(diag: Diagnostics) -> None:
    key = "lookout/line 2/results-2026-11/model_diagnostics_results.json.gz"
    diag.registry.seed_model("compressor-07", diagnostics_bucket="another-bucket")
    diag.registry.add_version("compressor-07")
    version = diag.model_with_version_writing("pump-01", key, versions=3)

    outcome = diag.process(diag.upload(key, small_file()))

    assert (outcome.model_name, outcome.version, outcome.found_by) == ("pump-01", version, "search")
    described = {c.args[0] for c in diag.registry.calls if c.operation == "describe_version"}
    assert described == {"pump-01"}


def test_a_hint_the_version_does_not_confirm_is_described_once_and_the_search_links_the_file(
    diag: Diagnostics,
) -> None:
    key = "lookout/pump-01/model-version-1/rerun/model_diagnostics_results.json.gz"  # but v3 wrote it
    version = diag.model_with_version_writing("pump-01", key, versions=3)

    outcome = diag.process(diag.upload(key, small_file()))

    assert (outcome.model_name, outcome.version, outcome.found_by) == ("pump-01", version, "search")
    described = [c.args for c in diag.registry.calls if c.operation == "describe_version"]
    assert described.count(("pump-01", 1)) == 1
    assert sorted(described) == [("pump-01", 1), ("pump-01", 3)]  # the hint, then the newest


def test_the_search_keeps_to_its_describe_budget(diag: Diagnostics) -> None:
    for index in range(15):
        name = f"pump-{index:02d}"
        diag.registry.seed_model(name, diagnostics_bucket=BUCKET)
        for _ in range(6):
            diag.registry.add_version(name)

    outcome = diag.process(diag.upload("elsewhere/model_diagnostics_results.json.gz", small_file()))

    assert (outcome.status, outcome.linked) == (FileStatus.SUMMARISED, False)
    assert diag.registry.call_count("describe_version") == SEARCH_DESCRIBE_BUDGET


def test_a_file_no_version_names_is_summarised_unlinked(diag: Diagnostics) -> None:
    key = "plant A/unknown-model/model-version-1/model_diagnostics_results.json.gz"
    ref = diag.upload(key, small_file())

    outcome = diag.process(ref)

    assert (outcome.status, outcome.linked, outcome.model_name) == (FileStatus.SUMMARISED, False, None)
    assert outcome.link_note
    recorded = diag.ledger.diagnostics_file(None, BUCKET, key, ref.etag or "")
    assert recorded is not None
    assert recorded.ledger_key[0] == "DIAGNOSTICS"
    (alert,) = diag.topic.published
    assert alert.model_name is None
    assert any("Not linked to a model version" in reason for reason in alert.reasons)


def test_a_registry_that_refuses_access_leaves_the_file_unlinked_but_summarised(diag: Diagnostics) -> None:
    denied = ConfigurationError("ListModels: AccessDeniedException: not authorized")
    diag.registry.inject_fault("list_models", denied)

    outcome = diag.process(diag.upload("x/model_diagnostics_results.json.gz", small_file()))

    assert (outcome.status, outcome.linked) == (FileStatus.SUMMARISED, False)
    assert "AccessDeniedException" in (outcome.link_note or "")


def test_an_unavailable_registry_raises_for_lambda_to_retry(diag: Diagnostics) -> None:
    diag.registry.inject_fault("list_models", TransientError("ListModels: ThrottlingException"))

    with pytest.raises(TransientError):
        diag.process(diag.upload("a/model_diagnostics_results.json.gz", small_file()))

    assert diag.ledger.files == {}
    assert diag.topic.published == []


def test_a_reports_prefix_moves_the_outputs_under_it(diag: Diagnostics) -> None:
    key = "plant A/pump-01/model_diagnostics_results.json.gz"

    outcome = diag.process(diag.upload(key, small_file()), reports_prefix="reports/")

    assert outcome.summary_uri == f"s3://{BUCKET}/reports/plant A/pump-01/model_diagnostics_summary.json"
    assert diag.store.exists(BUCKET, "reports/plant A/pump-01/model_diagnostics_report.html")
    assert not diag.store.exists(BUCKET, "plant A/pump-01/model_diagnostics_summary.json")


def test_a_broken_file_gets_a_record_and_an_alert_naming_where_it_broke_and_nothing_else(
    diag: Diagnostics,
) -> None:
    key = "lookout/pump-01/model-version-1/model_diagnostics_results.json.gz"
    diag.model_with_version_writing("pump-01", key)
    lines = small_file(compress=False).splitlines(keepends=True)
    lines[5] = b'{"timestamp": "2026-09-01T00:25:00.000000", "prediction": 2}\n'
    ref = diag.upload(key, b"".join(lines))

    outcome = diag.process(ref)

    assert outcome.status is FileStatus.BROKEN
    assert "line 6" in (outcome.error or "")
    assert diag.store.texts == {}
    recorded = diag.ledger.diagnostics_file("pump-01", BUCKET, key, ref.etag or "")
    assert recorded is not None
    assert (recorded.status, recorded.error_line) == (FileStatus.BROKEN, 6)
    (alert,) = diag.topic.published
    assert (alert.kind, alert.severity) == ("CONFIGURATION_PROBLEM", "WARNING")
    assert ref.uri in alert.summary
    assert alert.links.report_url is None
    assert diag.process(ref).status is FileStatus.DUPLICATE
    assert len(diag.topic.published) == 1


def test_a_failure_in_the_middle_of_a_read_raises_and_records_nothing(diag: Diagnostics) -> None:
    ref = diag.upload("a/model_diagnostics_results.json.gz", small_file())
    diag.store.read_error = (100, TransientError("GetObject at byte 100: SlowDown"))

    with pytest.raises(TransientError):
        diag.process(ref)

    assert diag.ledger.files == {}
    assert diag.topic.published == []


def test_a_replaced_object_is_left_to_its_own_event(diag: Diagnostics) -> None:
    replaced = diag.upload("a/model_diagnostics_results.json.gz", small_file(seed=1))
    diag.upload(replaced.key, small_file(seed=2))

    assert diag.process(replaced).status is FileStatus.REPLACED
    assert diag.topic.published == []


@pytest.mark.parametrize("etag_in_event", [True, False])
def test_a_file_found_under_neither_reading_of_its_key_is_recorded_and_alerted_once(
    diag: Diagnostics, etag_in_event: bool
) -> None:
    # Given a file deleted before it was read, announced with a key that reads two ways
    deleted = diag.upload("plant a+b/model_diagnostics_results.json.gz", small_file())
    diag.store.delete(BUCKET, deleted.key)
    announced = deleted.model_copy(
        update={
            "other_keys": ("plant+a%2Bb/model_diagnostics_results.json.gz",),
            "etag": deleted.etag if etag_in_event else None,
        }
    )

    # When it is processed, then delivered again
    first = diag.process(announced)
    again = diag.process(announced)

    # Then it is recorded GONE, once, and one alert names both keys tried
    assert (first.status, again.status) == (FileStatus.GONE, FileStatus.DUPLICATE)
    (alert,) = diag.topic.published
    assert alert.title == "Diagnostics file not found"
    assert alert.severity == "WARNING"
    assert "s3://acme-lookout-diagnostics/plant a+b/model_diagnostics_results.json.gz or " in alert.summary
    assert "plant+a%2Bb/model_diagnostics_results.json.gz" in alert.summary
    (record,) = diag.ledger.files.values()
    assert (record.status, record.alert_id) == (FileStatus.GONE, alert.alert_id)


def test_a_file_not_found_under_the_likelier_reading_is_read_under_the_other(diag: Diagnostics) -> None:
    # Given an EventBridge event whose raw key was taken as it is, but the object's key is decoded
    stored = diag.upload("plant a/model_diagnostics_results.json.gz", small_file())
    announced = stored.model_copy(
        update={"key": "plant+a/model_diagnostics_results.json.gz", "other_keys": (stored.key,)}
    )

    outcome = diag.process(announced)

    assert outcome.status is FileStatus.SUMMARISED
    assert outcome.source_uri == f"s3://{BUCKET}/plant a/model_diagnostics_results.json.gz"
    assert [alert.kind for alert in diag.topic.published] == ["DIAGNOSTICS_SUMMARY"]


def test_an_event_without_an_etag_reads_it_from_the_store(diag: Diagnostics) -> None:
    ref = diag.upload("a/model_diagnostics_results.json.gz", small_file())

    outcome = diag.process(ref.model_copy(update={"etag": None}))

    assert (outcome.status, outcome.etag) == (FileStatus.SUMMARISED, ref.etag)


def test_an_s3_notification_is_answered_file_by_file(diag: Diagnostics) -> None:
    ref = diag.upload("a b/model_diagnostics_results.json.gz", small_file())
    event = {
        "Records": [
            {
                "eventSource": "aws:s3",
                "eventName": "ObjectCreated:Put",
                "s3": {
                    "bucket": {"name": BUCKET},
                    "object": {"key": "a+b/model_diagnostics_results.json.gz", "eTag": ref.etag},
                },
            }
        ]
    }

    answer = diag.service().process_event(event)

    (file,) = answer["files"]
    assert (file["status"], file["source_uri"]) == ("SUMMARISED", ref.uri)
