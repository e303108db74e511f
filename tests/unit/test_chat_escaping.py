"""No text in an alert can become Slack markup (a mention, a link, a channel-wide ping) in the
Slack message or in the Amazon Q Developer copy: every field, the policy fingerprint included,
reaches the chat escaped, whatever produced it (our own wording or a forged message)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from model_steward.domain.messages import chat_safe, chatbot_notification, escape_once, render_slack
from model_steward.domain.samples import sample_alert
from model_steward.models.alerts import Alert, AlertKind, NumberRow

PAYLOAD = "<!channel> <https://evil.example/x|click here> <@U123> & &lt;ok&gt;"
RAW_MARKUP = re.compile(r"[<>]|&(?!(?:amp|lt|gt);)")


def poisoned(kind: AlertKind) -> Alert:
    """A real alert of ``kind`` whose every text field carries markup."""
    alert = sample_alert(kind)
    values: dict[str, Any] = {
        "alert_id": f"id {PAYLOAD}",
        "title": f"title {PAYLOAD}",
        "summary": f"summary {PAYLOAD}",
        "reasons": [f"reason {PAYLOAD}"] * 3,
        "look_at": [f"look {PAYLOAD}"] * 2,
        "numbers": [NumberRow(label=PAYLOAD, new=PAYLOAD, prior=PAYLOAD, change=PAYLOAD)],
        "truncated": [f"truncated {PAYLOAD}"],
        "links": alert.links.model_copy(update={"ledger": f"steward history {PAYLOAD}"}),
    }
    if alert.model_name is not None:
        values["model_name"] = f"pump {PAYLOAD}"
    if alert.decision is not None:
        values["decision"] = alert.decision.model_copy(update={"policy_fingerprint": f"fp {PAYLOAD}"})
    return alert.model_copy(update=values)


def markup_texts(message: Any, key: str = "") -> Iterator[tuple[str, str]]:
    """(where, text) for every string a chat client reads as markup."""
    if isinstance(message, str):
        yield key, message
    elif isinstance(message, list):
        for item in message:
            yield from markup_texts(item, key)
    elif isinstance(message, dict) and message.get("type") != "plain_text":
        for name, item in message.items():
            if name not in {"url", "type", "action_id", "relatedResources", "emoji"}:
                yield from markup_texts(item, f"{key}.{name}")


@pytest.mark.parametrize("kind", list(AlertKind))
def test_no_field_of_an_alert_reaches_slack_as_markup(kind: AlertKind) -> None:
    message = render_slack(poisoned(kind))

    texts = list(markup_texts(message))
    assert any("&lt;!channel&gt;" in text for _, text in texts)  # the payload is there, escaped
    for where, text in texts:
        assert not RAW_MARKUP.search(text), f"{where}: {text[:200]}"


@pytest.mark.parametrize("kind", list(AlertKind))
def test_no_field_of_an_alert_reaches_the_amazon_q_copy_as_markup(kind: AlertKind) -> None:
    notification = chatbot_notification(poisoned(kind))

    texts = [*markup_texts(notification["content"]), ("summary", notification["metadata"]["summary"])]
    assert any("&lt;!channel&gt;" in text for _, text in texts)
    for where, text in texts:
        assert not RAW_MARKUP.search(text), f"{where}: {text[:200]}"


def test_the_policy_fingerprint_is_escaped_in_slack_too() -> None:
    message = render_slack(poisoned(AlertKind.PROMOTED))
    context = message["blocks"][-1]["elements"][0]["text"]
    assert "policy fp &lt;!channel&gt;" in context


def test_escaping_is_idempotent_and_leaves_urls_and_plain_text_alone() -> None:
    once = escape_once(PAYLOAD)
    assert escape_once(once) == once
    assert once.startswith("&lt;!channel&gt; &lt;https://evil.example/x|click here&gt;")
    button = {"type": "button", "text": {"type": "plain_text", "text": "A & B"}, "url": "https://x/?a=1&b=2"}
    assert chat_safe(button) == button
