"""Alerts from decisions, failed versions, diagnostics, problems and operators' actions (pure).

Severity per kind, chosen for the person on call (an e-mail subscription can ask for a minimum):

=========================  =========  =====================================================
kind                       severity   why
=========================  =========  =====================================================
WOULD_PROMOTE              INFO       dry run: nothing changed, nothing is asked
DIAGNOSTICS_SUMMARY        INFO       a report to read, not a request; WARNING when the file
                                      crosses a threshold of the diagnostics alert policy
PROMOTED                   NOTICE     production changed as the policy says; know it
REJECTED                   NOTICE     production unchanged, as designed; repeated rejections
                                      are worth a look, none needs action now
RETRAINING_CANCELED        NOTICE     usually deliberate; the active version is unchanged
MANUAL_ACTION              NOTICE     a person changed production; WARNING when forced past
                                      the policy
HELD                       WARNING    a person must decide; nothing happens until then
IMPORT_FAILED              WARNING    an approved version did not reach this account
RETRAINING_FAILED          WARNING    retraining is broken for this model (data, scheduler)
CONFIGURATION_PROBLEM      WARNING    for one model (e.g. a MANAGED scheduler conflict);
                           CRITICAL   for everyone (e.g. an invalid policy document)
SYSTEM_ERROR               CRITICAL   Model Steward itself is not doing its job
DIGEST                     (max)      the most severe alert it stands for
=========================  =========  =====================================================

``alert_id`` is deterministic so that the ledger can refuse to alert twice: a version's alert is
``MODEL#vN#KIND``; problems and errors carry a hash of their text and the UTC day, so a problem that
persists is reminded once a day, not once a tick.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import ValidationError

from model_steward.domain.formatting import (
    duration,
    durations,
    num,
    percent,
    percent_change,
    signed,
    timestamp,
)
from model_steward.domain.links import promote_command
from model_steward.models.alerts import (
    Alert,
    AlertKind,
    AlertSeverity,
    DiagnosticsAlertPolicy,
    Links,
    NumberRow,
)
from model_steward.models.decision import (
    Agreement,
    Decision,
    Outcome,
    RuleId,
    RuleOutcome,
    RuleResult,
    Severity,
    VersionFacts,
    VersionStatus,
)
from model_steward.models.diagnostics import DiagnosticsSummary
from model_steward.models.metrics import DerivedMetrics

SEVERITY: Mapping[AlertKind, AlertSeverity] = {
    AlertKind.WOULD_PROMOTE: AlertSeverity.INFO,
    AlertKind.DIAGNOSTICS_SUMMARY: AlertSeverity.INFO,
    AlertKind.PROMOTED: AlertSeverity.NOTICE,
    AlertKind.REJECTED: AlertSeverity.NOTICE,
    AlertKind.RETRAINING_CANCELED: AlertSeverity.NOTICE,
    AlertKind.MANUAL_ACTION: AlertSeverity.NOTICE,
    AlertKind.HELD: AlertSeverity.WARNING,
    AlertKind.RETRAINING_FAILED: AlertSeverity.WARNING,
    AlertKind.IMPORT_FAILED: AlertSeverity.WARNING,
    AlertKind.CONFIGURATION_PROBLEM: AlertSeverity.WARNING,
    AlertKind.SYSTEM_ERROR: AlertSeverity.CRITICAL,
}
"""Default severity per kind (CONFIGURATION_PROBLEM without a model, and a forced MANUAL_ACTION,
are raised one step; a DIGEST takes the highest of its alerts)."""

_KIND_OF_OUTCOME = {
    Outcome.PROMOTE: AlertKind.PROMOTED,
    Outcome.WOULD_PROMOTE: AlertKind.WOULD_PROMOTE,
    Outcome.HOLD: AlertKind.HELD,
    Outcome.REJECT: AlertKind.REJECTED,
    Outcome.CONFLICT: AlertKind.CONFIGURATION_PROBLEM,
}

MAX_NAME_IN_TITLE = 60
"""A model name longer than this is shortened in the middle in titles (never in the body)."""
MAX_DIAGNOSTIC_EVENTS = 10
"""Events of a diagnostics summary carried in the alert (the report has them all)."""
MAX_DIGEST_LOOK_AT = 10


# ---------------------------------------------------------------------------------------------
# Formatting helpers.


def short_name(name: str, limit: int = MAX_NAME_IN_TITLE) -> str:
    """``name`` shortened in the middle (start and end are what tell models apart)."""
    if len(name) <= limit:
        return name
    head = (limit - 1) // 2
    tail = limit - 1 - head
    return f"{name[:head]}…{name[-tail:]}"


def _digest(*parts: str, length: int = 12) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:length]


def _now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    return now if now.tzinfo is not None else now.replace(tzinfo=UTC)


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    if not text:
        return text
    return text if text[-1] in ".!?" else text + "."


def _who(model_name: str | None, version: int | None, label: str | None = None) -> str:
    """How a title names a model: its label (SiteWise: model / asset) when it has one."""
    shown = label or model_name
    name = short_name(shown) if shown else "Model Steward"
    return f"{name} v{version}" if version is not None else name


# ---------------------------------------------------------------------------------------------
# Decisions.

_RULE_LABEL = {
    RuleId.VERSION_STATUS: "Version status",
    RuleId.SCHEDULER_MODE: "Scheduler mode",
    RuleId.NEWER_THAN_ACTIVE: "Newer than active",
    RuleId.MODEL_QUALITY: "Model quality",
    RuleId.METRICS_READABLE: "Metrics readable",
    RuleId.COMPARABLE_WINDOWS: "Comparable windows",
    RuleId.EVENT_RECALL: "Event recall",
    RuleId.MEAN_FOREWARNING: "Mean forewarning",
    RuleId.UNKNOWN_EVENTS: "Unknown events",
    RuleId.RETRAINING_DATA_DAYS: "Retraining data",
    RuleId.COOLDOWN: "Cooldown",
}

_SEVERITY_ORDER = {Severity.CONFLICT: 0, Severity.REJECT: 1, Severity.HOLD: 2}


def rule_label(rule: RuleId) -> str:
    return _RULE_LABEL[rule]


def _reason(result: RuleResult) -> str:
    if result.outcome is RuleOutcome.FAIL:
        verdict = "failed"
    elif result.outcome is RuleOutcome.NOT_MEASURABLE:
        verdict = "not measurable"
    else:
        verdict = "passed"
    return f"{_RULE_LABEL[result.rule]} {verdict}: {result.message}"


def mattering_rules(decision: Decision) -> list[RuleResult]:
    """The rule results worth showing, most important first: failures (CONFLICT, REJECT, HOLD),
    then not-measurable results, then, for a promotion, the rules that passed. SKIPPED never."""
    failed = sorted(
        (r for r in decision.rule_results if r.outcome is RuleOutcome.FAIL),
        key=lambda r: _SEVERITY_ORDER[r.severity] if r.severity else 9,
    )
    unmeasured = [r for r in decision.rule_results if r.outcome is RuleOutcome.NOT_MEASURABLE]
    passed: list[RuleResult] = []
    if decision.outcome in (Outcome.PROMOTE, Outcome.WOULD_PROMOTE):
        passed = [r for r in decision.rule_results if r.outcome is RuleOutcome.PASS]
    return failed + unmeasured + passed


def _recall(m: DerivedMetrics) -> str | None:
    if m.event_recall is None:
        return None
    counts = f" ({m.num_identified} of {m.num_labeled})" if m.num_labeled is not None else ""
    return f"{num(m.event_recall)}{counts}"


def _count_row(label: str, new: int | None, prior: int | None) -> NumberRow:
    """Both sides of a count, and the difference."""
    shown_new, shown_prior = (None if v is None else str(v) for v in (new, prior))
    return NumberRow(label=label, new=shown_new, prior=shown_prior, change=_absolute(new, prior, 0))


def _absolute(new: float | None, prior: float | None, places: int = 3) -> str | None:
    if new is None or prior is None:
        return None
    return signed(new - prior, places)


def _relative(new: float | None, prior: float | None) -> str | None:
    if new is None or prior is None:
        return None
    if prior == 0:
        return "0%" if new == 0 else "new"
    return percent_change((new - prior) / prior)


def _duration_row(label: str, new: float | None, prior: float | None) -> NumberRow:
    """Both sides of a duration in one unit, and the relative change."""
    shown_new, shown_prior = durations(new, prior)
    return NumberRow(label=label, new=shown_new, prior=shown_prior, change=_relative(new, prior))


def decision_numbers(decision: Decision, version: VersionFacts | None = None) -> list[NumberRow]:
    """The new version and the prior model side by side (ModelMetrics vs PriorModelMetrics)."""
    new, prior = decision.candidate_metrics, decision.prior_metrics
    rows = [
        NumberRow(
            label="Event recall",
            new=_recall(new),
            prior=_recall(prior),
            change=_absolute(new.event_recall, prior.event_recall),
        ),
        _duration_row("Mean forewarning", new.mean_forewarning_seconds, prior.mean_forewarning_seconds),
        _count_row("Unknown events", new.unknown_event_count, prior.unknown_event_count),
        _duration_row(
            "Unknown event time",
            new.unknown_event_total_duration_seconds,
            prior.unknown_event_total_duration_seconds,
        ),
        _count_row("Predicted abnormal ranges", new.predicted_range_count, prior.predicted_range_count),
        _duration_row(
            "Predicted abnormal time",
            new.predicted_total_duration_seconds,
            prior.predicted_total_duration_seconds,
        ),
    ]
    if version is not None:
        rows.append(NumberRow(label="ModelQuality", new=version.model_quality or "not reported"))
        days = version.retraining_available_data_in_days
        rows.append(NumberRow(label="Data days", new=None if days is None else str(days)))
    return rows


def _decision_title(decision: Decision, kind: AlertKind) -> str:
    who = _who(decision.model_name, decision.version, decision.model_label)
    return {
        AlertKind.PROMOTED: f"{who} promoted",
        AlertKind.WOULD_PROMOTE: f"{who} would be promoted (dry run)",
        AlertKind.HELD: f"{who} held for review",
        AlertKind.REJECTED: f"{who} rejected",
        AlertKind.CONFIGURATION_PROBLEM: f"{who}: scheduler conflict",
    }[kind]


def not_applied(decision: Decision) -> str | None:
    """The rules that did not count, named: ``Not applied: Retraining data (off), Cooldown
    (ignored: not measurable).`` None when every rule counted."""
    why = {RuleOutcome.SKIPPED: "skipped", RuleOutcome.NOT_MEASURABLE: "ignored: not measurable"}
    names = [
        f"{_RULE_LABEL[r.rule]} ({why[r.outcome]})"
        for r in decision.rule_results
        if r.outcome is RuleOutcome.SKIPPED
        or (r.outcome is RuleOutcome.NOT_MEASURABLE and r.severity is None)
    ]
    return f"Not applied: {', '.join(names)}." if names else None


def next_steps(decision: Decision, kind: AlertKind, target: str | None) -> list[str]:
    """What a person can do next; each command on an item of its own, in full (``target``:
    ``links.cli_target``), so that it reads and copies as one line."""
    name, version, active = decision.model_name, decision.version, decision.active_version
    keep = f"version {active} stays active" if active is not None else "nothing changes"
    if kind is AlertKind.HELD:
        return [
            f"To activate version {version}, after looking (or do nothing: {keep}):",
            promote_command(name, version, target),
        ]
    if kind is AlertKind.REJECTED:
        return [
            f"Nothing to do now: {keep}. If versions keep being rejected, check the input data and labels. "
            f"To activate version {version} anyway (recorded as overriding the policy):",
            promote_command(name, version, target, force=True),
        ]
    if kind is AlertKind.CONFIGURATION_PROBLEM:
        return [
            f"After setting PromoteMode MANUAL, decide version {version} by hand:",
            promote_command(name, version, target),
        ]
    return []


def for_decision(
    decision: Decision, *, links: Links, version: VersionFacts | None = None, target: str | None = None
) -> Alert:
    """The alert for a promotion decision. ``version`` (optional) adds ModelQuality and the days of
    retraining data to the numbers; the decision alone does not carry them. ``target``: how the
    `steward` commands it names reach the deployment (``links.cli_target``)."""
    kind = _KIND_OF_OUTCOME[decision.outcome]
    shown = mattering_rules(decision)
    reasons = [_reason(r) for r in shown if r.outcome is not RuleOutcome.PASS]
    service = decision.service_auto_promotion
    if service.agreement is Agreement.DIFFERS:
        reasons.append(f"The service's own AutoPromotionResult differs: {service.message}")
    reasons += [_reason(r) for r in shown if r.outcome is RuleOutcome.PASS]
    skipped = not_applied(decision) if kind in (AlertKind.PROMOTED, AlertKind.WOULD_PROMOTE) else None
    if skipped:  # "every rule passed" says which did not count
        reasons.append(skipped)
    look_at = [*decision.look_at, *next_steps(decision, kind, target)]
    return Alert(
        alert_id=f"{decision.model_name}#v{decision.version}#{kind}",
        kind=kind,
        severity=SEVERITY[kind],
        model_name=decision.model_name,
        model_label=decision.model_label,
        version=decision.version,
        title=_decision_title(decision, kind),
        summary=decision.summary,
        reasons=reasons,
        numbers=decision_numbers(decision, version),
        look_at=look_at,
        links=links,
        created_at=_now(decision.decided_at),
        decision=decision,
    )


# ---------------------------------------------------------------------------------------------
# Failed and canceled versions.


def for_failed_version(version: VersionFacts, *, links: Links, now: datetime | None = None) -> Alert:
    """A retraining (or training) that ended FAILED or CANCELED."""
    if version.status is VersionStatus.FAILED:
        kind, ended = AlertKind.RETRAINING_FAILED, "failed"
    elif version.status is VersionStatus.CANCELED:
        kind, ended = AlertKind.RETRAINING_CANCELED, "was canceled"
    else:
        raise ValueError(f"version {version.version} is {version.status}, neither FAILED nor CANCELED")
    what = "Retraining" if version.source_type in (None, "RETRAINING") else "Training"
    because = f": {_sentence(version.failed_reason)}" if version.failed_reason else "."
    summary = (
        f"{what} of {version.label or version.model_name} version {version.version} {ended}{because} "
        "The active version is unchanged."
    )
    reasons = []
    if version.failed_reason:
        reasons.append(f"FailedReason: {version.failed_reason}")
    if version.auto_promotion_result is not None:
        detail = f" ({version.auto_promotion_result_reason})" if version.auto_promotion_result_reason else ""
        reasons.append(f"AutoPromotionResult: {version.auto_promotion_result}{detail}")
    if version.source_type is not None:
        reasons.append(f"SourceType: {version.source_type}")
    look_at = []
    if kind is AlertKind.RETRAINING_FAILED:
        if version.auto_promotion_result == "RETRAINING_INTERNAL_ERROR":
            look_at.append(
                "The service reports an internal error: the next scheduled retraining may succeed; "
                "if it fails again, open an AWS support case with the model version ARN."
            )
        else:
            look_at.append(
                "Read FailedReason: it usually means the input data changed (missing or renamed "
                "sensors, no new data in the ingestion location, labels) or the retraining "
                "scheduler's lookback window holds too little data."
            )
    else:
        look_at.append("Check who canceled the retraining (CloudTrail) if it was not planned.")
    # Only the status: the service's other figures of a failed retraining (e.g. the days of data
    # in its lookback window, before the off-condition filter) can read as contradicting the reason.
    numbers = [NumberRow(label="Status", new=version.status)]
    return Alert(
        alert_id=f"{version.model_name}#v{version.version}#{kind}",
        kind=kind,
        severity=SEVERITY[kind],
        model_name=version.model_name,
        model_label=version.label,
        version=version.version,
        title=f"{_who(version.model_name, version.version, version.label)} {what.lower()} {ended}",
        summary=summary,
        reasons=reasons,
        numbers=numbers,
        look_at=look_at,
        links=links,
        created_at=version.created_at or _now(now),
    )


# ---------------------------------------------------------------------------------------------
# Problems, errors, operators.


def for_configuration_problem(
    problem: str,
    *,
    model_name: str | None = None,
    details: Sequence[str] = (),
    links: Links | None = None,
    now: datetime | None = None,
) -> Alert:
    """A configuration Model Steward refuses to act on (an invalid policy document, a MANAGED
    scheduler). WARNING for one model, CRITICAL when it stops every model (no ``model_name``)."""
    created = _now(now)
    severity = AlertSeverity.WARNING if model_name else AlertSeverity.CRITICAL
    scope = f"for {model_name}" if model_name else "for every watched model"
    return Alert(
        alert_id=(
            f"{model_name or '*'}#{AlertKind.CONFIGURATION_PROBLEM}#{created:%Y-%m-%d}#{_digest(problem)}"
        ),
        kind=AlertKind.CONFIGURATION_PROBLEM,
        severity=severity,
        model_name=model_name,
        title=f"{_who(model_name, None)}: configuration problem",
        summary=_sentence(problem),
        reasons=[_sentence(d) for d in details],
        look_at=[f"Fix the configuration: Model Steward promotes nothing {scope} until then."],
        links=links or Links(),
        created_at=created,
    )


def for_system_error(
    error: str,
    *,
    model_name: str | None = None,
    details: Sequence[str] = (),
    now: datetime | None = None,
    links: Links | None = None,
) -> Alert:
    """Model Steward failed (an unexpected exception, a dependency down for too long)."""
    created = _now(now)
    return Alert(
        alert_id=f"{model_name or '*'}#{AlertKind.SYSTEM_ERROR}#{created:%Y-%m-%d}#{_digest(error)}",
        kind=AlertKind.SYSTEM_ERROR,
        severity=SEVERITY[AlertKind.SYSTEM_ERROR],
        model_name=model_name,
        title=f"{_who(model_name, None)}: system error",
        summary=_sentence(error),
        reasons=[_sentence(d) for d in details],
        look_at=[
            "Read the function's logs and its dead-letter queue; "
            "new model versions may go unnoticed until this is fixed."
        ],
        links=links or Links(),
        created_at=created,
    )


def for_manual_action(
    model_name: str,
    version: int,
    action: Literal["promote", "rollback"],
    *,
    actor: str,
    reason: str,
    forced: bool,
    previous_version: int | None,
    links: Links,
    now: datetime | None = None,
) -> Alert:
    """An operator activated a version by hand (``steward promote`` / ``steward rollback``)."""
    created = _now(now)
    verb = "promoted" if action == "promote" else "rolled back to"
    previously = f" (previously version {previous_version})" if previous_version is not None else ""
    forced_text = ", overriding the policy" if forced else ""
    title = (
        f"{_who(model_name, version)} promoted by hand"
        if action == "promote"
        else f"{short_name(model_name)} rolled back to v{version}"
    )
    reasons = [f"Reason given: {_sentence(reason)}" if reason.strip() else "No reason was given."]
    if forced:
        reasons.append("The promotion policy did not allow this; the operator forced it.")
    return Alert(
        alert_id=f"{model_name}#v{version}#{AlertKind.MANUAL_ACTION}#{action}#{created:%Y%m%dT%H%M%SZ}",
        kind=AlertKind.MANUAL_ACTION,
        severity=AlertSeverity.WARNING if forced else SEVERITY[AlertKind.MANUAL_ACTION],
        model_name=model_name,
        version=version,
        title=title,
        summary=f"{actor} {verb} {model_name} version {version} by hand{previously}{forced_text}.",
        reasons=reasons,
        numbers=[
            NumberRow(
                label="Active version",
                new=str(version),
                prior=None if previous_version is None else str(previous_version),
            )
        ],
        links=links,
        created_at=created,
    )


# ---------------------------------------------------------------------------------------------
# Diagnostics.


def _score(value: float | None) -> str | None:
    return None if value is None else num(value, 3)


def diagnostics_findings(summary: DiagnosticsSummary, policy: DiagnosticsAlertPolicy) -> list[str]:
    """What in a diagnostics summary crosses the policy's warning thresholds (empty: nothing)."""
    found = []
    limit = policy.warn_anomalous_fraction
    if limit is not None and summary.anomalous_fraction > limit:
        found.append(
            f"{percent(summary.anomalous_fraction, 2)} of the rows are anomalous, above the warning "
            f"threshold of {percent(limit, 2)}"
        )
    longest, hours_limit = summary.longest_event, policy.warn_longest_event_hours
    if longest is not None and hours_limit is not None and longest.duration_seconds > hours_limit * 3600:
        shown, threshold = durations(longest.duration_seconds, hours_limit * 3600)
        found.append(
            f"the longest anomalous event lasted {shown}, above the warning threshold of {threshold}"
        )
    return found


def for_diagnostics(
    summary: DiagnosticsSummary,
    *,
    model_name: str | None,
    version: int | None,
    source_uri: str,
    links: Links,
    now: datetime | None = None,
    policy: DiagnosticsAlertPolicy | None = None,
    model_label: str | None = None,
) -> Alert:
    """A pointwise diagnostics file summarised: how much is anomalous, in how many events, and the
    sensors that drove it. WARNING when the file crosses a threshold of ``policy`` (named in the
    reasons), INFO otherwise. The alert carries at most MAX_DIAGNOSTIC_EVENTS events; the report
    has them all."""
    crossed = diagnostics_findings(summary, policy or DiagnosticsAlertPolicy())
    leading = summary.top_sensors[:3]
    sensors = ", ".join(f"{s.name} ({num(s.mean_contribution, 3)})" for s in leading)
    per_day = f" ({num(summary.events_per_day, 2)} a day)" if summary.events_per_day is not None else ""
    events = f"{summary.event_count} anomalous event{'s' if summary.event_count != 1 else ''}"
    text = (
        f"{percent(summary.anomalous_fraction, 2)} of {summary.rows} rows are anomalous, in {events}"
        f"{per_day}, from {timestamp(summary.first_timestamp)} to {timestamp(summary.last_timestamp)}"
    )
    text += f"; leading sensors: {sensors}." if sensors else "."
    reasons = [f"Needs a look: {item}." for item in crossed]
    if leading:
        reasons.append(
            "Leading sensors (mean contribution over anomalous rows): "
            + ", ".join(f"{s.name} {num(s.mean_contribution, 3)}" for s in leading)
            + "."
        )
    longest = summary.longest_event
    look_at = []
    if longest is not None:
        drivers = ", ".join(s.name for s in longest.top_sensors[:3])
        driven = f", driven by {drivers}" if drivers else ""
        look_at.append(
            f"The longest anomalous period: {timestamp(longest.start)} to {timestamp(longest.end)} "
            f"({longest.rows} rows, {duration(longest.duration_seconds)}){driven}."
        )
    if links.report_url:
        look_at.append("The report shows every event and the anomaly score over time.")
    numbers = [
        NumberRow(label="Rows", new=str(summary.rows)),
        NumberRow(
            label="Anomalous rows", new=f"{summary.anomalous_rows} ({percent(summary.anomalous_fraction, 2)})"
        ),
        NumberRow(label="Anomalous events", new=str(summary.event_count)),
        NumberRow(
            label="Events a day",
            new=None if summary.events_per_day is None else num(summary.events_per_day, 2),
        ),
    ]
    if longest is not None:
        numbers.append(NumberRow(label="Longest event", new=duration(longest.duration_seconds)))
    if summary.anomaly_score.count:
        score = summary.anomaly_score
        numbers.append(
            NumberRow(
                label="Anomaly score p50 / p90 / p99 / max",
                new=" / ".join(_score(v) or "n/a" for v in (score.p50, score.p90, score.p99, score.max)),
            )
        )
    numbers.extend(NumberRow(label=f"Sensor {s.name}", new=num(s.mean_contribution, 3)) for s in leading)
    truncated = []
    carried = summary
    if len(summary.events) > MAX_DIAGNOSTIC_EVENTS:
        carried = summary.model_copy(
            update={"events": summary.events[:MAX_DIAGNOSTIC_EVENTS], "events_truncated": True}
        )
        truncated.append(
            f"diagnostics.events: the first {MAX_DIAGNOSTIC_EVENTS} of {summary.event_count} events "
            "(the report lists them all)"
        )
    who = _who(model_name, version, model_label)
    return Alert(
        alert_id=(
            f"{model_name or '*'}#v{version if version is not None else '-'}#"
            f"{AlertKind.DIAGNOSTICS_SUMMARY}#{_digest(source_uri)}"
        ),
        kind=AlertKind.DIAGNOSTICS_SUMMARY,
        severity=AlertSeverity.WARNING if crossed else SEVERITY[AlertKind.DIAGNOSTICS_SUMMARY],
        model_name=model_name,
        model_label=model_label,
        version=version,
        title=f"{who} diagnostics: {events}" if model_name else f"Diagnostics: {events}",
        summary=text,
        reasons=[*reasons, f"Source: {source_uri}"],
        numbers=numbers,
        look_at=look_at,
        links=links,
        created_at=_now(now),
        diagnostics=carried,
        truncated=truncated,
    )


def diagnostics_alert_id(bucket: str, key: str, etag: str) -> str:
    """One alert per diagnostics file version, whatever happens to it and however often announced."""
    return "diagnostics#" + hashlib.sha256(f"{bucket}/{key}#{etag}".encode()).hexdigest()[:16]


def for_summarised_file(
    summary: DiagnosticsSummary,
    *,
    source_uri: str,
    model_name: str | None,
    version: int | None,
    link_note: str | None,
    links: Links,
    alert_id: str,
    outputs: tuple[str, str],
    now: datetime | None = None,
    policy: DiagnosticsAlertPolicy | None = None,
    model_label: str | None = None,
) -> Alert:
    """:func:`for_diagnostics` for an announced file: its id, where the summary and report are, and
    why it is not linked to a version when it is not."""
    alert = for_diagnostics(
        summary,
        model_name=model_name,
        version=version,
        source_uri=source_uri,
        links=links,
        now=now,
        policy=policy,
        model_label=model_label,
    )
    reasons = [*alert.reasons, f"Summary: {outputs[0]}; report: {outputs[1]}."]
    if model_name is None:
        reasons.append(f"Not linked to a model version: {link_note}.")
    return alert.model_copy(update={"alert_id": alert_id, "reasons": reasons})


def for_unreadable_file(
    error: str,
    *,
    source_uri: str,
    model_name: str | None,
    version: int | None,
    link_note: str | None,
    links: Links,
    alert_id: str,
    now: datetime | None = None,
    model_label: str | None = None,
) -> Alert:
    """A diagnostics file the parser refuses. CONFIGURATION_PROBLEM, WARNING: a person must look at
    what wrote the file; nothing of Model Steward's own is broken (not a SYSTEM_ERROR) and no
    promotion depends on the file."""
    details = ["No summary or report was written for this file."]
    if model_name is None:
        details.append(f"Not linked to a model version: {link_note}")
    alert = for_configuration_problem(
        f"The diagnostics file {source_uri} cannot be read: {error}",
        model_name=model_name,
        details=details,
        links=links.model_copy(update={"report_url": None, "summary_url": None}),
        now=now,
    )
    title = (
        f"{_who(model_name, version, model_label)}: diagnostics file unreadable"
        if model_name
        else "Diagnostics file unreadable"
    )
    return alert.model_copy(
        update={
            "alert_id": alert_id,
            "model_label": model_label,
            "severity": AlertSeverity.WARNING,
            "version": version,
            "title": title,
            "look_at": [
                "The file where it broke (named above): whether it was written completely, and by "
                "the model registry; a changed file format would break every later file too."
            ],
        }
    )


# ---------------------------------------------------------------------------------------------
# Digest.


def digest(alerts: Sequence[Alert], *, limit_titles: int = 20, now: datetime | None = None) -> Alert:
    """One message standing for many (a tick that produced more than the digest threshold).
    Severity is the highest; titles are listed most severe first."""
    if not alerts:
        raise ValueError("a digest needs at least one alert")
    ordered = sorted(alerts, key=lambda a: (-a.severity.rank, a.created_at, a.alert_id))
    counts = Counter(a.kind for a in alerts)
    by_count = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    counted = ", ".join(f"{n} {kind.lower().replace('_', ' ')}" for kind, n in by_count)
    severities = Counter(a.severity for a in alerts)
    by_severity = ", ".join(f"{severities[s]} {s.lower()}" for s in reversed(AlertSeverity) if severities[s])
    reasons = [f"{a.severity}: {a.title}" for a in ordered[:limit_titles]]
    if len(ordered) > limit_titles:
        reasons.append(f"... and {len(ordered) - limit_titles} more (see the ledger).")
    look_at: list[str] = []
    for alert in ordered:
        if alert.severity.rank < AlertSeverity.WARNING.rank:
            continue
        for item in alert.look_at:
            line = f"{short_name(alert.model_name)}: {item}" if alert.model_name else item
            if line not in look_at and len(look_at) < MAX_DIGEST_LOOK_AT:
                look_at.append(line)
    models = {a.model_name for a in alerts}
    model_name = models.pop() if len(models) == 1 else None
    ids = sorted(a.alert_id for a in alerts)
    return Alert(
        alert_id=f"digest#{_digest(*ids, length=16)}",
        kind=AlertKind.DIGEST,
        severity=AlertSeverity.highest([a.severity for a in alerts]),
        model_name=model_name,
        title=f"{len(alerts)} alerts: {by_severity}",
        summary=f"{len(alerts)} alerts in one message ({counted}); the most severe is listed first.",
        reasons=reasons,
        numbers=[NumberRow(label=kind.replace("_", " ").capitalize(), new=str(n)) for kind, n in by_count],
        look_at=look_at,
        created_at=max((a.created_at for a in alerts), default=_now(now)),
        included_alert_ids=ids,
    )


# ---------------------------------------------------------------------------------------------
# Other messages on the alert topic (the Slack notifier receives everything the topic carries).


def for_cloudwatch_alarm(alarm: Mapping[str, Any], *, now: datetime | None = None) -> Alert:
    """A CloudWatch alarm notification (the template's alarms publish to the alert topic)."""
    name = str(alarm.get("AlarmName") or "unnamed alarm")
    state = str(alarm.get("NewStateValue") or "UNKNOWN")
    reason = str(alarm.get("NewStateReason") or "")
    description = str(alarm.get("AlarmDescription") or "")
    changed = str(alarm.get("StateChangeTime") or "")
    severity = {"ALARM": AlertSeverity.CRITICAL, "OK": AlertSeverity.NOTICE}.get(state, AlertSeverity.INFO)
    title = f"Alarm {short_name(name)} is {state}" if state != "OK" else f"Resolved: {short_name(name)}"
    summary = description or f"The CloudWatch alarm {name} changed to {state}."
    return Alert(
        alert_id=f"alarm#{name}#{state}#{changed or _digest(reason)}",
        kind=AlertKind.SYSTEM_ERROR,
        severity=severity,
        title=title,
        summary=_sentence(summary),
        reasons=[_sentence(reason)] if reason else [],
        numbers=[NumberRow(label="State", new=state, prior=str(alarm.get("OldStateValue") or "") or None)],
        look_at=["Read the alarm's dead-letter queue or the function's logs."] if state == "ALARM" else [],
        created_at=_now(now),
    )


def for_unrecognised_message(subject: str | None, message: str, *, now: datetime | None = None) -> Alert:
    """A message on the alert topic that Model Steward did not write (shown, never dropped)."""
    text = message if len(message) <= 2000 else message[:2000] + "…"
    return Alert(
        alert_id=f"message#{_digest(subject or '', message)}",
        kind=AlertKind.SYSTEM_ERROR,
        severity=AlertSeverity.NOTICE,
        title=subject or "Message on the alert topic",
        summary="A message that Model Steward did not write arrived on the alert topic.",
        reasons=[text] if text.strip() else [],
        created_at=_now(now),
    )


def read_topic_message(subject: str | None, message: str) -> tuple[Alert, str | None]:
    """The Alert a message on the alert topic stands for, and a problem worth logging (or None).

    Model Steward's own JSON payload is read back as it was published; a CloudWatch alarm (the
    template's alarms publish to the same topic) becomes a SYSTEM_ERROR alert; anything else, and a
    payload that claims to be an alert but does not match the schema, is shown as it is."""
    try:
        document: Any = json.loads(message)
    except json.JSONDecodeError:
        return for_unrecognised_message(subject, message), None
    problem = None
    if isinstance(document, dict) and "schema_version" in document and "kind" in document:
        try:
            return Alert.model_validate(document), None
        except ValidationError as exc:
            problem = f"alert payload does not match the schema ({exc.error_count()} errors)"
    if isinstance(document, dict) and "AlarmName" in document and "NewStateValue" in document:
        return for_cloudwatch_alarm(document), problem
    return for_unrecognised_message(subject, message), problem


__all__ = [
    "SEVERITY",
    "diagnostics_alert_id",
    "diagnostics_findings",
    "digest",
    "for_cloudwatch_alarm",
    "for_configuration_problem",
    "for_decision",
    "for_diagnostics",
    "for_failed_version",
    "for_manual_action",
    "for_summarised_file",
    "for_system_error",
    "for_unreadable_file",
    "for_unrecognised_message",
    "mattering_rules",
    "next_steps",
    "not_applied",
    "read_topic_message",
    "rule_label",
    "short_name",
]


# ---------------------------------------------------------------------------------------------
# A changed policy overrides document.

MAX_DOCUMENT_CHANGES = 40
"""Changed keys listed in the alert (the ledger keeps both documents)."""


def for_policy_document_change(
    parameter_name: str,
    changes: Sequence[str],
    *,
    loosened: Sequence[str] = (),
    old_fingerprint: str,
    new_fingerprint: str,
    now: datetime | None = None,
) -> Alert:
    """The per-model policy overrides document changed: which keys, from what to what. Once per
    change (the id names both fingerprints); WARNING, as it governs every promotion."""
    created = _now(now)
    count = len(changes)
    which = "no key" if not count else f"{count} key{'s' if count != 1 else ''}"
    summary = f"The policy overrides document {parameter_name} changed ({which})."
    if loosened:
        summary += f" It loosens the policy: {'; '.join(loosened[:3])}."
    reasons = [_sentence(change) for change in changes[:MAX_DOCUMENT_CHANGES]]
    if count > MAX_DOCUMENT_CHANGES:
        reasons.append(f"... and {count - MAX_DOCUMENT_CHANGES} more changed keys.")
    reasons.append(f"Document fingerprint {old_fingerprint} -> {new_fingerprint}.")
    return Alert(
        alert_id=f"*#POLICY_DOCUMENT#{parameter_name}#{old_fingerprint}#{new_fingerprint}",
        kind=AlertKind.CONFIGURATION_PROBLEM,
        severity=AlertSeverity.WARNING,
        title=f"Policy overrides document changed: {which}",
        summary=summary,
        reasons=reasons,
        look_at=[
            "If nobody meant to change it, restore the previous document (the ledger keeps it) and "
            "find out who may write the parameter; the new document is in force now."
        ],
        created_at=created,
    )
