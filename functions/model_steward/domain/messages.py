"""An alert rendered per channel: e-mail text, Slack Block Kit, the SNS publish request (pure).

Every renderer stays within its channel's limits whatever the alert holds (model names, reasons
and sensor names of any length or alphabet): text is shortened with an ellipsis, never rejected.

- E-mail / SNS subject: printable ASCII, no line break, fewer than 100 characters.
- Slack (https://api.slack.com/reference/block-kit): header plain_text <= 150 characters, section
  text <= 3,000, <= 10 fields a section each <= 2,000, <= 50 blocks, button text <= 75 and URL
  <= 3,000. Every piece of text that is not ours is escaped for mrkdwn (& < > as &amp; &lt; &gt;),
  and links are buttons, so no mrkdwn text contains a raw < or >.
- SNS: the whole request (message, subject, attributes) under 256 KB; reasons, then the carried
  decision / diagnostics objects are shortened when needed, and ``truncated`` says so.
"""

from __future__ import annotations

import json
import re
import textwrap
import unicodedata
from collections.abc import Callable
from typing import Any

from model_steward.domain.formatting import timestamp
from model_steward.models.alerts import Alert, AlertKind, AlertSeverity, NumberRow

SUBJECT_LIMIT = 99  # SNS: "must be less than 100 characters"
SUBJECT_PREFIX = "[Model Steward] "
SNS_MAX_BYTES = 262_144
SNS_BUDGET_BYTES = SNS_MAX_BYTES - 2_048  # room for the request's own envelope
SNS_ATTRIBUTE_LIMIT = 256

SLACK_HEADER_LIMIT = 150
SLACK_TEXT_LIMIT = 3_000
SLACK_FIELD_LIMIT = 2_000
SLACK_FIELDS_PER_SECTION = 10
SLACK_BLOCK_LIMIT = 50
SLACK_BUTTON_TEXT_LIMIT = 75
SLACK_URL_LIMIT = 3_000
SLACK_FALLBACK_LIMIT = 3_000
SLACK_MAX_NUMBER_ROWS = 20

ELLIPSIS = "…"

# One icon per severity, the same in every channel that shows one (Slack, Amazon Q Developer): the
# colour says how urgent, the text says what happened. The severity itself comes from the alert.
_EMOJI = {
    AlertSeverity.INFO: ":white_circle:",
    AlertSeverity.NOTICE: ":large_blue_circle:",
    AlertSeverity.WARNING: ":large_yellow_circle:",
    AlertSeverity.CRITICAL: ":red_circle:",
}


def icon(alert: Alert) -> str:
    """The alert's severity as an emoji code."""
    return _EMOJI[alert.severity]


_OUTCOME_TEXT = {
    AlertKind.PROMOTED: "Promoted",
    AlertKind.WOULD_PROMOTE: "Would promote (dry run)",
    AlertKind.HELD: "Held for a person",
    AlertKind.REJECTED: "Rejected",
    AlertKind.RETRAINING_FAILED: "Retraining failed",
    AlertKind.RETRAINING_CANCELED: "Retraining canceled",
    AlertKind.IMPORT_FAILED: "Import failed",
    AlertKind.DIAGNOSTICS_SUMMARY: "Diagnostics summary",
    AlertKind.CONFIGURATION_PROBLEM: "Configuration problem",
    AlertKind.SYSTEM_ERROR: "System error",
    AlertKind.MANUAL_ACTION: "Manual action",
    AlertKind.DIGEST: "Digest",
}


def is_command(text: str) -> bool:
    """A `steward` command line (shown on one line of its own, never wrapped)."""
    return text.startswith("steward ")


def outcome_text(kind: AlertKind) -> str:
    return _OUTCOME_TEXT[kind]


# ---------------------------------------------------------------------------------------------
# Text helpers.


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + ELLIPSIS if limit > 0 else ""


def ascii_subject(text: str, limit: int = SUBJECT_LIMIT) -> str:
    """Printable ASCII on one line, at most ``limit`` characters (accents kept as base letters)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    printable = "".join(c if " " <= c <= "~" else " " for c in folded)
    line = " ".join(printable.split()) or "Model Steward alert"
    if len(line) > limit:
        line = line[: limit - 3].rstrip() + "..."
    return line


def subject(alert: Alert) -> str:
    return ascii_subject(SUBJECT_PREFIX + alert.title)


# ---------------------------------------------------------------------------------------------
# E-mail.

_WIDTH = 100
_CELL = 40


def _wrap(text: str, indent: str = "  ", bullet: str = "- ") -> list[str]:
    return textwrap.wrap(
        text,
        width=_WIDTH,
        initial_indent=indent + bullet,
        subsequent_indent=indent + " " * len(bullet),
        break_long_words=False,
        break_on_hyphens=False,
    ) or [indent + bullet.rstrip()]


def _cell(value: str | None) -> str:
    return shorten(value if value is not None else "n/a", _CELL)


def number_table(rows: list[NumberRow]) -> list[str]:
    """Aligned columns: Metric, New version, Prior model, Change (columns nobody uses are left out)."""
    if not rows:
        return []
    with_prior = any(r.prior is not None for r in rows)
    with_change = any(r.change is not None for r in rows)
    header = ["", "New version" if with_prior else "Value"]
    if with_prior:
        header.append("Prior model")
    if with_change:
        header.append("Change")
    table = [header]
    for row in rows:
        line = [shorten(row.label, _CELL), _cell(row.new)]
        if with_prior:
            line.append(_cell(row.prior))
        if with_change:
            line.append(row.change or "")
        table.append(line)
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    return [
        "  " + "   ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in table
    ]


def model_text(alert: Alert) -> str:
    """The model as a message names it: ``label (name)`` when it has a label, else its name."""
    name = alert.model_name or ""
    return f"{alert.model_label} ({name})" if alert.model_label else name


def render_email(alert: Alert) -> tuple[str, str]:
    """(subject, plain-text body): the decision first, then why, the numbers, what to look at, links."""
    lines = [*textwrap.wrap(alert.summary, width=_WIDTH, break_long_words=False, break_on_hyphens=False), ""]
    facts = [("Outcome", f"{outcome_text(alert.kind)} ({alert.severity})")]
    if alert.model_name:
        facts.append(("Model", model_text(alert)))
    if alert.version is not None:
        active = alert.decision.active_version if alert.decision else None
        facts.append(("Version", f"{alert.version}" + (f" (active: {active})" if active is not None else "")))
    facts.append(("When", timestamp(alert.created_at)))
    lines += [f"{label + ':':<9} {value}" for label, value in facts]
    if alert.reasons:
        lines += ["", "Why"]
        for reason in alert.reasons:
            lines += _wrap(reason)
    if alert.numbers:
        lines += ["", "Numbers", *number_table(alert.numbers)]
    if alert.look_at:
        lines += ["", "What to look at"]
        for item in alert.look_at:
            lines += [f"    {item}"] if is_command(item) else _wrap(item)
    links = alert.links.labelled()
    if links:
        lines += ["", "Links"]
        lines += [f"  {label}: {target}" for label, target in links]
    if alert.truncated:
        lines += ["", "Shortened to fit"]
        for item in alert.truncated:
            lines += _wrap(item)
    footer = f"Model Steward - alert {alert.alert_id}"
    if alert.decision is not None:
        footer += f" - policy {alert.decision.policy_fingerprint}"
    lines += ["", "-- ", footer]
    return subject(alert), "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# Slack.

_ENTITY_TAIL = re.compile(r"&[a-z]{0,3}$")


def escape_mrkdwn(text: str) -> str:
    """Slack's rule: & < > become &amp; &lt; &gt; (nothing else needs escaping)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_UNESCAPED_AMPERSAND = re.compile(r"&(?!(?:amp|lt|gt);)")
_NOT_MARKUP = frozenset({"url", "type", "action_id", "style", "emoji", "relatedResources"})
"""Keys whose values a chat client does not read as markup (URLs, identifiers, flags)."""


def escape_once(text: str) -> str:
    """``escape_mrkdwn`` that leaves what is escaped already as it is (``&amp;`` stays ``&amp;``)."""
    return _UNESCAPED_AMPERSAND.sub("&amp;", text).replace("<", "&lt;").replace(">", "&gt;")


def chat_safe(value: Any) -> Any:
    """A rendered chat message with every text a client reads as markup escaped (& < >), applied
    last by each chat renderer: whatever an alert's fields hold (a model name, a reason, a policy
    fingerprint, a forged alert's title), no ``<!channel>``, ``<https://...|link>`` or ``<@user>``
    gets through. Idempotent: text the renderer escaped already is left as it is. URLs and Slack
    ``plain_text`` objects (which Slack never parses) are left alone."""
    if isinstance(value, str):
        return escape_once(value)
    if isinstance(value, list):
        return [chat_safe(item) for item in value]
    if isinstance(value, dict):
        if value.get("type") == "plain_text":
            return value
        return {key: item if key in _NOT_MARKUP else chat_safe(item) for key, item in value.items()}
    return value


def mrkdwn(text: str, limit: int) -> str:
    """Escape, then shorten to ``limit`` without cutting an entity in two."""
    return cut_escaped(escape_mrkdwn(text), limit)


def cut_escaped(escaped: str, limit: int) -> str:
    """Already-escaped mrkdwn shortened to ``limit``, never leaving half an entity (``&am…``)."""
    if len(escaped) <= limit:
        return escaped
    return _ENTITY_TAIL.sub("", escaped[: limit - 1]) + ELLIPSIS


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": shorten(" ".join(text.split()) or "-", limit), "emoji": True}


def _md(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text if text.strip() else "-"}  # Slack refuses empty text


def _bullets(title: str, items: list[str], limit: int = SLACK_TEXT_LIMIT) -> str:
    """``*title*`` and one bullet per item, escaped, within ``limit``: items that do not fit are
    counted in a final line."""
    head = f"*{title}*"
    text = head
    for index, item in enumerate(items):
        more = len(items) - index
        tail = f"\n_… and {more} more_"
        room = limit - len(text) - len(tail) - 3
        if room < 40:
            return text + tail
        shown = mrkdwn(item, min(room, 1_000) - 2)
        line = "\n• " + (f"`{shown}`" if is_command(item) else shown)  # a command reads as code
        if len(text) + len(line) + (len(tail) if more > 1 else 0) > limit:
            return text + tail
        text += line
    return text


def _number_field(row: NumberRow) -> dict[str, Any]:
    value = row.new if row.new is not None else "n/a"
    text = f"*{mrkdwn(row.label, 200)}*\n{mrkdwn(value, 600)}"
    if row.prior is not None:
        text += f"\nprior: {mrkdwn(row.prior, 600)}"
    if row.change is not None:
        text += f" ({mrkdwn(row.change, 100)})"
    return _md(text)  # at most ~1,550 characters: within SLACK_FIELD_LIMIT


def _is_url(target: str) -> bool:
    return target.startswith(("https://", "http://")) and len(target) <= SLACK_URL_LIMIT and " " not in target


def render_slack(alert: Alert) -> dict[str, Any]:
    """Block Kit message: header, outcome and model, why, numbers, what to look at, link buttons,
    context. ``text`` is the notification fallback."""
    emoji = icon(alert)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": _plain(f"{emoji} {alert.title}", SLACK_HEADER_LIMIT)},
        {"type": "section", "text": _md(mrkdwn(alert.summary, SLACK_TEXT_LIMIT))},
    ]
    fields = [_md(f"*Outcome*\n{outcome_text(alert.kind)}"), _md(f"*Severity*\n{emoji} {alert.severity}")]
    if alert.model_name:
        fields.append(_md(f"*Model*\n{mrkdwn(model_text(alert), 500)}"))
    if alert.version is not None:
        version = str(alert.version)
        if alert.decision is not None and alert.decision.active_version is not None:
            version += f" (active: {alert.decision.active_version})"
        fields.append(_md(f"*Version*\n{version}"))
    blocks.append({"type": "section", "fields": fields})
    if alert.reasons:
        blocks.append({"type": "section", "text": _md(_bullets("Why", alert.reasons))})
    rows = alert.numbers[:SLACK_MAX_NUMBER_ROWS]
    for start in range(0, len(rows), SLACK_FIELDS_PER_SECTION):
        chunk = rows[start : start + SLACK_FIELDS_PER_SECTION]
        blocks.append({"type": "section", "fields": [_number_field(r) for r in chunk]})
    if alert.look_at:
        blocks.append({"type": "section", "text": _md(_bullets("What to look at", alert.look_at))})
    buttons = [
        {
            "type": "button",
            "text": _plain(label, SLACK_BUTTON_TEXT_LIMIT),
            "url": target,
            "action_id": f"link-{index}",
        }
        for index, (label, target) in enumerate(alert.links.labelled())
        if _is_url(target)
    ]
    if buttons:
        blocks.append({"type": "actions", "elements": buttons})
    context = [f"Model Steward · {mrkdwn(alert.alert_id, 300)}", timestamp(alert.created_at)]
    context += [
        f"{label}: `{mrkdwn(target, 500)}`" for label, target in alert.links.labelled() if not _is_url(target)
    ]
    if alert.decision is not None:
        context.append(f"policy {mrkdwn(alert.decision.policy_fingerprint, 100)}")
    if alert.truncated:
        context.append("shortened to fit: " + mrkdwn("; ".join(alert.truncated), 500))
    blocks.append({"type": "context", "elements": [_md(cut_escaped(" · ".join(context), SLACK_TEXT_LIMIT))]})
    fallback = f"{emoji} {alert.title}: {alert.summary}"
    message: dict[str, Any] = chat_safe(
        {"text": mrkdwn(fallback, SLACK_FALLBACK_LIMIT), "blocks": blocks[:SLACK_BLOCK_LIMIT]}
    )
    return message


# ---------------------------------------------------------------------------------------------
# SNS.


def _attribute_text(value: str) -> str | None:
    cleaned = "".join(c for c in value if unicodedata.category(c)[0] != "C" or c in "\t")
    cleaned = cleaned.strip()
    return shorten(cleaned, SNS_ATTRIBUTE_LIMIT) if cleaned else None


def message_attributes(alert: Alert) -> dict[str, dict[str, str]]:
    """For subscription filter policies: kind (and its alias outcome), severity, severity_rank,
    model, version, alert_id."""
    attributes: dict[str, dict[str, str]] = {
        "kind": {"DataType": "String", "StringValue": alert.kind.value},
        "outcome": {"DataType": "String", "StringValue": alert.kind.value},
        "severity": {"DataType": "String", "StringValue": alert.severity.value},
        "severity_rank": {"DataType": "Number", "StringValue": str(alert.severity.rank)},
    }
    model = _attribute_text(alert.model_name) if alert.model_name else None
    if model:
        attributes["model"] = {"DataType": "String", "StringValue": model}
    if alert.version is not None:
        attributes["version"] = {"DataType": "Number", "StringValue": str(alert.version)}
    alert_id = _attribute_text(alert.alert_id)
    if alert_id:
        attributes["alert_id"] = {"DataType": "String", "StringValue": alert_id}
    return attributes


def payload(alert: Alert) -> dict[str, Any]:
    """The structured JSON body for Lambda, SQS and HTTPS subscribers."""
    return alert.model_dump(mode="json")


def _request(alert: Alert) -> dict[str, Any]:
    structured = json.dumps(payload(alert), separators=(",", ":"))
    text = render_email(alert)[1]
    message = json.dumps(
        {"default": text, "email": text, "lambda": structured, "sqs": structured, "https": structured}
    )
    return {
        "Subject": subject(alert),
        "MessageStructure": "json",
        "Message": message,
        "MessageAttributes": message_attributes(alert),
    }


def request_bytes(request: dict[str, Any]) -> int:
    """What SNS counts against its 256 KB limit: the message, the subject and the attributes."""
    size = len(request["Message"].encode()) + len(request.get("Subject", "").encode())
    for name, value in request.get("MessageAttributes", {}).items():
        size += len(name.encode()) + len(value["DataType"].encode()) + len(value["StringValue"].encode())
    return size


def _shorten_texts(alert: Alert, items: int, chars: int) -> Alert:
    def cut(values: list[str]) -> list[str]:
        kept = [shorten(v, chars) for v in values[:items]]
        if len(values) > items:
            kept.append(f"... and {len(values) - items} more.")
        return kept

    numbers = [
        row.model_copy(
            update={
                "label": shorten(row.label, chars),
                "new": None if row.new is None else shorten(row.new, chars),
                "prior": None if row.prior is None else shorten(row.prior, chars),
                "change": None if row.change is None else shorten(row.change, chars),
            }
        )
        for row in alert.numbers[:items]
    ]
    return alert.model_copy(
        update={
            "title": shorten(alert.title, 500),
            "summary": shorten(alert.summary, max(chars, 1_000)),
            "reasons": cut(alert.reasons),
            "look_at": cut(alert.look_at),
            "numbers": numbers,
            "included_alert_ids": alert.included_alert_ids[: items * 10],
            "truncated": [
                *alert.truncated[:5],
                f"reasons, what to look at and numbers: at most {items} items of {chars} characters",
            ],
        }
    )


def _minimal(alert: Alert) -> Alert:
    """The last resort: what happened, to what, and where to read more."""
    links = alert.links.model_copy(
        update={
            name: None
            for name in ("console_url", "ledger", "report_url", "summary_url")
            if len(getattr(alert.links, name) or "") > 2_000
        }
    )
    return Alert(
        alert_id=shorten(alert.alert_id, 200),
        kind=alert.kind,
        severity=alert.severity,
        model_name=None if alert.model_name is None else shorten(alert.model_name, 200),
        version=alert.version,
        title=shorten(alert.title, 200),
        summary=shorten(alert.summary, 500),
        links=links,
        created_at=alert.created_at,
        truncated=["everything but the title, summary and links: left out to fit SNS's 256 KB"],
    )


_Shrink = Callable[[Alert], Alert]

_SHRINK_STEPS: tuple[_Shrink, ...] = (
    lambda a: _shorten_texts(a, 50, 2_000),
    lambda a: (
        a.model_copy(
            update={
                "diagnostics": None,
                "truncated": [*a.truncated, "diagnostics: left out (see the summary file)"],
            }
        )
        if a.diagnostics is not None
        else a
    ),
    lambda a: _shorten_texts(a, 20, 500),
    lambda a: (
        a.model_copy(
            update={"decision": None, "truncated": [*a.truncated, "decision: left out (see the ledger)"]}
        )
        if a.decision is not None
        else a
    ),
    lambda a: _shorten_texts(a, 10, 200),
    _minimal,
)


def fit_for_sns(alert: Alert) -> Alert:
    """``alert``, shortened step by step until its SNS request fits in 256 KB."""
    for step in _SHRINK_STEPS:
        if request_bytes(_request(alert)) <= SNS_BUDGET_BYTES:
            return alert
        alert = step(alert)
    return alert


def sns_message(alert: Alert) -> dict[str, Any]:
    """The keyword arguments of ``sns.publish`` (without TopicArn): per-protocol bodies (e-mail text;
    the alert's JSON for lambda, sqs and https), an ASCII subject and filterable attributes."""
    return _request(fit_for_sns(alert))


__all__ = [
    "SNS_MAX_BYTES",
    "ascii_subject",
    "escape_mrkdwn",
    "fit_for_sns",
    "message_attributes",
    "mrkdwn",
    "number_table",
    "outcome_text",
    "payload",
    "render_email",
    "render_slack",
    "request_bytes",
    "shorten",
    "sns_message",
    "subject",
]


# Amazon Q Developer in chat applications (formerly AWS Chatbot): custom notification schema.
CHATBOT_TITLE_LIMIT = 250  # the service documents no exact limits; these keep well inside Slack's
CHATBOT_DESCRIPTION_LIMIT = 2_900
CHATBOT_NEXT_STEPS = 5
CHATBOT_KEYWORDS = 5


def chatbot_notification(alert: Alert) -> dict[str, Any]:
    """The alert as an Amazon Q Developer custom notification (version 1.0, source custom)."""
    lines = [alert.summary, *(f"• {reason}" for reason in alert.reasons[:6])]
    if alert.numbers:
        lines.append("")
        lines.extend(
            f"*{row.label}*: {row.new or 'n/a'} (prior {row.prior or 'n/a'})" for row in alert.numbers[:8]
        )
    links = [target for _, target in alert.links.labelled() if _is_url(target)]
    keywords = [alert.kind.value, alert.severity.value, *([alert.model_name] if alert.model_name else [])]
    return {
        "version": "1.0",
        "source": "custom",
        "id": alert.alert_id,
        "content": chat_safe(
            {
                "textType": "client-markdown",
                "title": cut_escaped(
                    escape_once(f"{icon(alert)} {alert.title}".strip()), CHATBOT_TITLE_LIMIT
                ),
                "description": cut_escaped(escape_once("\n".join(lines)), CHATBOT_DESCRIPTION_LIMIT),
                "nextSteps": [shorten(step, 500) for step in [*alert.look_at, *links][:CHATBOT_NEXT_STEPS]],
                "keywords": [shorten(word, 50) for word in keywords[:CHATBOT_KEYWORDS]],
            }
        ),
        "metadata": {
            "threadId": alert.model_name or "model-steward",
            "summary": cut_escaped(escape_once(alert.title), CHATBOT_TITLE_LIMIT),
            "eventType": alert.kind.value,
            "relatedResources": [r for r in (alert.links.console_url,) if r],
            "additionalContext": {"alert_id": alert.alert_id, "severity": alert.severity.value},
        },
    }
