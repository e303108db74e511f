"""The sample payloads in events/ are what the functions really receive, and they understand them."""

from __future__ import annotations

from aws_lambda_powertools.utilities.data_classes import SNSEvent

from model_steward.domain.alerts import read_topic_message
from model_steward.models.alerts import AlertKind
from model_steward.models.messages import EvaluateRequest, ScheduleInput
from tests.helpers import load_event


def test_the_sample_sns_delivery_carries_a_model_steward_alert_payload() -> None:
    (record,) = SNSEvent(load_event("sns-alert-delivery.json")).records

    alert, problem = read_topic_message(record.sns.subject, record.sns.message)

    assert problem is None
    assert alert.kind is AlertKind.PROMOTED
    assert alert.model_name == "pump-01"
    assert record.sns.message_attributes["severity"].value == alert.severity.value


def test_the_sample_sqs_delivery_is_an_evaluate_request() -> None:
    (record,) = load_event("sqs-evaluate-request.json")["Records"]

    request = EvaluateRequest.model_validate_json(record["body"])

    assert request.model_name == "pump-01"
    assert request.reasons == ("summary-changed",)


def test_the_sample_scheduler_tick_is_the_input_the_template_gives_the_schedule() -> None:
    assert ScheduleInput.model_validate(load_event("scheduler-tick.json")).kind == "tick"
