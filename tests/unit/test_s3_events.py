"""Both delivery paths of a diagnostics file give the bucket and every reading of the key: S3
notifications URL-encode it (decoded first), EventBridge events have been seen with raw keys (as
sent first); a key that reads two ways keeps the other reading."""

from __future__ import annotations

import pytest

from model_steward.errors import InvalidInputError
from model_steward.models.s3_events import objects_in
from tests.helpers import load_event


def test_given_an_s3_notification_with_an_encoded_key_then_the_key_is_decoded_form_style() -> None:
    (ref,) = objects_in(load_event("s3-object-created-encoded-key.json"))

    assert ref.bucket == "acme-lookout-diagnostics"
    assert ref.key == "plant A/pump-01/model-version=3/model_diagnostics_results.json.gz"
    assert ref.other_keys == ("plant+A/pump-01/model-version%3D3/model_diagnostics_results.json.gz",)
    assert ref.size == 24512


def test_given_an_eventbridge_event_then_the_key_as_sent_comes_first_and_its_decoding_second() -> None:
    (ref,) = objects_in(load_event("eventbridge-object-created.json"))

    assert ref.readings() == (
        "plant+A/compressor-07/model_diagnostics_results.json.gz",
        "plant A/compressor-07/model_diagnostics_results.json.gz",
    )


def test_a_raw_key_that_reads_one_way_only_has_no_other_reading() -> None:
    event = load_event("eventbridge-object-created.json")
    event["detail"]["object"]["key"] = "lookout/pump-01/dt=2026-11-22T09:00/model_diagnostics_results.json.gz"

    (ref,) = objects_in(event)

    assert ref.readings() == ("lookout/pump-01/dt=2026-11-22T09:00/model_diagnostics_results.json.gz",)


@pytest.mark.parametrize(
    "name", ["scheduler-tick.json", "sqs-evaluate-request.json", "sns-alert-delivery.json"]
)
def test_given_any_other_event_then_the_error_says_what_was_expected(name: str) -> None:
    with pytest.raises(InvalidInputError, match="S3"):
        objects_in(load_event(name))
