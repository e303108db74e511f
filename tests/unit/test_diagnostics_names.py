"""Where a diagnostics file's summary and report go, and the ids that make it processed once."""

from __future__ import annotations

from model_steward.domain.alerts import diagnostics_alert_id
from model_steward.models.diagnostics_files import output_keys
from model_steward.models.ledger import diagnostics_sk


def test_without_a_reports_prefix_the_outputs_sit_next_to_the_source() -> None:
    assert output_keys("plant A/pump-01/model-version-3/model_diagnostics_results.json.gz", "") == (
        "plant A/pump-01/model-version-3/model_diagnostics_summary.json",
        "plant A/pump-01/model-version-3/model_diagnostics_report.html",
    )
    assert output_keys("model_diagnostics_results.json.gz", "") == (
        "model_diagnostics_summary.json",
        "model_diagnostics_report.html",
    )


def test_a_reports_prefix_moves_the_source_folder_under_it() -> None:
    assert output_keys("plant A/pump-01/model_diagnostics_results.json.gz", "reports/") == (
        "reports/plant A/pump-01/model_diagnostics_summary.json",
        "reports/plant A/pump-01/model_diagnostics_report.html",
    )


def test_no_output_ends_in_the_trigger_suffix() -> None:
    for key in output_keys("a/b/model_diagnostics_results.json.gz", ""):
        assert not key.endswith("model_diagnostics_results.json.gz")


def test_the_alert_id_is_stable_and_bound_to_the_file_version() -> None:
    first = diagnostics_alert_id("bucket", "a b/x.json.gz", "abc")

    assert first == diagnostics_alert_id("bucket", "a b/x.json.gz", "abc")
    assert first != diagnostics_alert_id("bucket", "a b/x.json.gz", "abd")
    assert first.startswith("diagnostics#")
    assert len(first.split("#")[1]) == 16
    assert diagnostics_sk("bucket", "a b/x.json.gz", "abc") == "DIAGNOSTICS#bucket/a b/x.json.gz#abc"
