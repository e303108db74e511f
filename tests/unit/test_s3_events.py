"""Both delivery paths of a diagnostics file give the decoded bucket and key."""

from __future__ import annotations

import pytest

from model_steward.errors import InvalidInputError
from model_steward.models.s3_events import objects_in
from tests.helpers import load_event


def test_given_an_s3_notification_with_an_encoded_key_then_the_key_is_decoded_form_style() -> None:
    (ref,) = objects_in(load_event("s3-object-created-encoded-key.json"))

    assert ref.bucket == "acme-lookout-diagnostics"
    assert ref.key == "plant A/pump-01/model-version=3/model_diagnostics_results.json.gz"
    assert ref.size == 24512


def test_given_an_eventbridge_object_created_event_then_the_key_is_decoded_too() -> None:
    (ref,) = objects_in(load_event("eventbridge-object-created.json"))

    assert ref.uri == "s3://acme-lookout-diagnostics/plant A/compressor-07/model_diagnostics_results.json.gz"


@pytest.mark.parametrize(
    "name", ["scheduler-tick.json", "sqs-evaluate-request.json", "sns-alert-delivery.json"]
)
def test_given_any_other_event_then_the_error_says_what_was_expected(name: str) -> None:
    with pytest.raises(InvalidInputError, match="S3"):
        objects_in(load_event(name))
