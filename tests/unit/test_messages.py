"""Alerts rendered as e-mail, Slack Block Kit and the SNS publish request (pure)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model_steward.cli.notify import sample_alert
from model_steward.domain import messages
from model_steward.domain.alerts import for_decision, for_system_error
from model_steward.domain.messages import render_email, render_slack, sns_message
from model_steward.domain.policy import decide
from model_steward.domain.samples import sample_links
from model_steward.models.alerts import Alert, AlertKind, AlertSeverity, Links, NumberRow
from model_steward.models.policy import Policy
from tests.unit.builders import NOW, model_facts, version_facts

ALL_KINDS = list(AlertKind)
LINKS = sample_links()


def promoted(name: str = "pump-01") -> Alert:
    made = decide(version_facts(model_name=name), model_facts(model_name=name), Policy(dry_run=False), NOW)
    return for_decision(made, links=LINKS, version=version_facts(model_name=name))


# ------------------------------------------------------------------ Slack limits, checked everywhere


def mrkdwn_texts(message: dict[str, Any]) -> list[str]:
    texts = [message["text"]]
    for block in message["blocks"]:
        for obj in [block.get("text"), *block.get("fields", []), *block.get("elements", [])]:
            if isinstance(obj, dict) and obj.get("type") == "mrkdwn":
                texts.append(obj["text"])
    return texts


def assert_within_slack_limits(message: dict[str, Any]) -> None:
    blocks = message["blocks"]
    assert 0 < len(blocks) <= 50
    assert len(message["text"]) <= 3000
    for block in blocks:
        if block["type"] == "header":
            assert block["text"]["type"] == "plain_text"
            assert 0 < len(block["text"]["text"]) <= 150
        if block["type"] == "section":
            if "text" in block:
                assert 0 < len(block["text"]["text"]) <= 3000
            fields = block.get("fields", [])
            assert len(fields) <= 10
            assert all(0 < len(f["text"]) <= 2000 for f in fields)
        if block["type"] == "actions":
            assert len(block["elements"]) <= 25
            for button in block["elements"]:
                assert 0 < len(button["text"]["text"]) <= 75
                assert len(button["url"]) <= 3000
                assert button["url"].startswith(("https://", "http://"))
        if block["type"] == "context":
            assert len(block["elements"]) <= 10
            assert all(len(e["text"]) <= 3000 for e in block["elements"])
    for text in mrkdwn_texts(message):
        assert text.strip()
        assert "<" not in text, text
        assert ">" not in text, text
        assert not re.search(r"&(?!amp;|lt;|gt;)", text), text


# ------------------------------------------------------------------ every kind


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_every_kind_renders_in_every_channel(kind: AlertKind) -> None:
    alert = sample_alert(kind)

    subject, body = render_email(alert)
    slack = render_slack(alert)
    request = sns_message(alert)

    assert alert.kind is kind
    assert subject.startswith("[Model Steward] ")
    assert len(subject) < 100
    assert body.startswith(alert.summary.split()[0])
    assert_within_slack_limits(slack)
    assert slack["blocks"][0]["type"] == "header"
    assert json.loads(json.loads(request["Message"])["lambda"])["kind"] == kind.value


# ------------------------------------------------------------------ e-mail


def test_the_subject_stays_under_100_characters_for_a_200_character_model_name() -> None:
    name = "pump-" + "x" * 190 + "-0001"

    subject, _ = render_email(promoted(name))

    assert len(subject) < 100
    assert subject.endswith(" v5 promoted")
    assert subject.isascii()


def test_the_email_body_says_the_decision_first_then_why_numbers_and_links() -> None:
    alert = promoted()

    _, body = render_email(alert)

    assert body.startswith("Promote pump-01 version 5 (active: version 4)")
    positions = [body.index(h) for h in ("\nWhy\n", "\nNumbers\n", "\nLinks\n")]
    assert positions == sorted(positions)
    assert (
        "https://eu-west-1.console.aws.amazon.com/lookoutequipment/home?region=eu-west-1#/models/pump-01"
        in body
    )
    assert "Ledger record: steward history pump-01" in body


def test_the_email_numbers_are_aligned_columns_of_new_and_prior() -> None:
    _, body = render_email(promoted())
    table = body.split("\nNumbers\n")[1].split("\n\n")[0].splitlines()

    header, recall = table[0], next(line for line in table if "Event recall" in line)
    assert "New version" in header
    assert "Prior model" in header
    assert recall.index("1 (8 of 8)") == header.index("New version")
    assert recall.index("1 (8 of 8)", recall.index("1 (8 of 8)") + 1) == header.index("Prior model")


def test_a_held_version_says_what_to_look_at() -> None:
    _, body = render_email(sample_alert(AlertKind.HELD))

    assert body.startswith("Hold pump-01 version 5 for a person to decide")
    assert "\nWhat to look at\n  - No labels score version 5" in body


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("pump\n01\tpromoted", "[Model Steward] pump 01 promoted"),
        ("pompe-01 révisée ✅", "[Model Steward] pompe-01 revisee"),
        ("", "[Model Steward]"),
    ],
)
def test_subjects_are_printable_ascii_on_one_line(title: str, expected: str) -> None:
    assert messages.ascii_subject("[Model Steward] " + title) == expected


# ------------------------------------------------------------------ Slack


def test_slack_shows_header_outcome_model_numbers_and_link_buttons() -> None:
    slack = render_slack(promoted())
    blocks = slack["blocks"]

    assert blocks[0]["text"]["text"] == ":large_blue_circle: pump-01 v5 promoted"  # NOTICE
    fields = [f["text"] for f in blocks[2]["fields"]]
    assert "*Model*\npump-01" in fields
    assert "*Version*\n5 (active: 4)" in fields
    numbers = next(b for b in blocks[4:] if b["type"] == "section" and "fields" in b)
    assert "*Event recall*\n1 (8 of 8)\nprior: 1 (8 of 8) (0)" in [f["text"] for f in numbers["fields"]]
    (actions,) = [b for b in blocks if b["type"] == "actions"]
    assert actions["elements"][0]["url"].startswith("https://eu-west-1.console.aws.amazon.com/")
    assert "steward history pump-01" in blocks[-1]["elements"][0]["text"]


def test_special_characters_are_escaped_in_mrkdwn() -> None:
    alert = for_system_error(
        "Queue <evaluate> & DLQ: 3 > 0", details=["<!channel> ping & <https://evil.example|click>"]
    )

    slack = render_slack(alert)

    assert_within_slack_limits(slack)
    texts = "\n".join(mrkdwn_texts(slack))
    assert "Queue &lt;evaluate&gt; &amp; DLQ: 3 &gt; 0" in texts
    assert "&lt;!channel&gt; ping &amp; &lt;https://evil.example|click&gt;" in texts


def test_shortening_never_leaves_half_an_entity() -> None:
    text = messages.mrkdwn("a" * 8 + "&&&&", 12)

    assert text == "aaaaaaaa…"
    assert messages.mrkdwn("a&b", 12) == "a&amp;b"


# ------------------------------------------------------------------ SNS


def test_the_sns_request_carries_per_protocol_bodies_and_filter_attributes() -> None:
    alert = promoted()

    request = sns_message(alert)

    assert request["MessageStructure"] == "json"
    assert request["Subject"] == "[Model Steward] pump-01 v5 promoted"
    bodies = json.loads(request["Message"])
    assert set(bodies) == {"default", "email", "lambda", "sqs", "https"}
    assert bodies["default"] == bodies["email"] == render_email(alert)[1]
    for protocol in ("lambda", "sqs", "https"):
        assert Alert.model_validate_json(bodies[protocol]) == alert
    assert request["MessageAttributes"] == {
        "kind": {"DataType": "String", "StringValue": "PROMOTED"},
        "outcome": {"DataType": "String", "StringValue": "PROMOTED"},
        "severity": {"DataType": "String", "StringValue": "NOTICE"},
        "severity_rank": {"DataType": "Number", "StringValue": "2"},
        "model": {"DataType": "String", "StringValue": "pump-01"},
        "version": {"DataType": "Number", "StringValue": "5"},
        "alert_id": {"DataType": "String", "StringValue": "pump-01#v5#PROMOTED"},
    }


def test_an_alert_too_big_for_sns_is_shortened_and_says_so() -> None:
    alert = promoted().model_copy(update={"reasons": [f"reason {i} " + "é" * 2_000 for i in range(500)]})

    request = sns_message(alert)

    assert messages.request_bytes(request) <= messages.SNS_MAX_BYTES
    sent = Alert.model_validate_json(json.loads(request["Message"])["sqs"])
    assert sent.truncated
    assert sent.reasons[-1].startswith("... and ")
    assert "Shortened to fit" in json.loads(request["Message"])["email"]


# ------------------------------------------------------------------ properties

texts = st.lists(
    st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(["&", "<", ">", "&amp;", "<!channel>", "*", "_", "`", "\n", "😀", "\\"]),
    ),
    max_size=200,
).map("".join)
long_texts = st.one_of(texts, st.builds(lambda t, n: t * n, texts, st.integers(1, 30)))
urls = st.one_of(
    st.none(),
    st.builds(lambda t: "https://example.com/" + t.replace(" ", ""), texts),
    long_texts,
)
rows = st.builds(
    NumberRow,
    label=long_texts,
    new=st.one_of(st.none(), long_texts),
    prior=st.one_of(st.none(), long_texts),
    change=st.one_of(st.none(), texts),
)
alerts_strategy = st.builds(
    Alert,
    alert_id=texts.filter(bool),
    kind=st.sampled_from(AlertKind),
    severity=st.sampled_from(AlertSeverity),
    model_name=st.one_of(st.none(), long_texts),
    version=st.one_of(st.none(), st.integers(1, 10**6)),
    title=long_texts,
    summary=long_texts,
    reasons=st.lists(long_texts, max_size=60),
    numbers=st.lists(rows, max_size=30),
    look_at=st.lists(long_texts, max_size=20),
    links=st.builds(Links, console_url=urls, ledger=urls, report_url=urls, summary_url=urls),
    created_at=st.just(datetime(2024, 5, 1, tzinfo=UTC)),
    included_alert_ids=st.lists(texts, max_size=50),
)


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(alert=alerts_strategy)
def test_no_slack_message_exceeds_slacks_limits(alert: Alert) -> None:
    assert_within_slack_limits(render_slack(alert))


@pytest.mark.slow
@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(alert=alerts_strategy)
def test_no_sns_message_exceeds_256_kb_and_the_subject_is_valid(alert: Alert) -> None:
    request = sns_message(alert)

    assert messages.request_bytes(request) <= messages.SNS_MAX_BYTES
    subject = request["Subject"]
    assert 0 < len(subject) < 100
    assert all(" " <= c <= "~" for c in subject)
    assert Alert.model_validate_json(json.loads(request["Message"])["lambda"]).kind is alert.kind
    assert all(v["StringValue"] for v in request["MessageAttributes"].values())


@pytest.mark.slow
@settings(max_examples=50, deadline=None)
@given(name=st.text(min_size=1, max_size=1000), reasons=st.lists(long_texts, max_size=10))
def test_the_email_subject_is_short_whatever_the_model_name(name: str, reasons: list[str]) -> None:
    alert = promoted().model_copy(
        update={"model_name": name, "title": f"{name} v5 promoted", "reasons": reasons}
    )

    subject, body = render_email(alert)

    assert len(subject) < 100
    assert body.startswith("Promote")


def test_a_steward_command_is_one_unwrapped_line_in_email_and_code_in_slack() -> None:
    held = for_decision(
        decide(version_facts(model_quality="CANNOT_DETERMINE_QUALITY"), model_facts(), Policy(), NOW),
        links=sample_links(),
        target="--stack a-rather-long-model-steward-stack-name-for-production --region ap-southeast-2",
    )
    command = held.look_at[-1]
    assert len(command) > 100

    _, body = render_email(held)
    slack = json.dumps(render_slack(held))

    assert f"    {command}\n" in body
    assert f"`{messages.escape_mrkdwn(command)}`" in json.loads(slack)["blocks"][-3]["text"]["text"]


@pytest.mark.parametrize("severity", list(AlertSeverity))
def test_slack_shows_the_severity_icon_every_channel_shares(severity: AlertSeverity) -> None:
    alert = promoted().model_copy(update={"severity": severity})

    header = render_slack(alert)["blocks"][0]["text"]["text"]

    assert header.startswith(messages.icon(alert) + " ")
    assert messages.chatbot_notification(alert)["content"]["title"].startswith(messages.icon(alert))
