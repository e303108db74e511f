"""Render a diagnostics summary as a self-contained HTML page, and as plain text.

The page has inline CSS and hand-written inline SVG only: no script, no font, no request to the
network; it reads the same offline, from an S3 presigned link or attached to a ticket. Two charts
share one time axis (UTC): the highest anomaly score and the share of anomalous records, each with
its own labelled scale and legend; stretches without a score (machine off) or without records are
gaps, shaded, never a dip. Hand-written SVG costs a few hundred lines here against a charting
library that would add megabytes to the Lambda package (matplotlib + numpy ~ 60 MB, plotly ~ 30 MB)
and seconds to its cold start.

Every string that comes from the file (sensor names such as ``component\\sensor``, timestamps) or
from the caller (title, source, links) is HTML-escaped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape

from model_steward.domain.diagnostics import ScoreSeries, SeriesBucket
from model_steward.domain.formatting import duration, num, timestamp
from model_steward.models.diagnostics import AnomalyEvent, DiagnosticsSummary

_CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328;
       margin: 0 auto; max-width: 1100px; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 4px; }
a { color: #0969da; }
.meta { color: #59636e; margin-bottom: 4px; } .source { color: #59636e; word-break: break-all; }
.model { margin: 6px 0 10px; } code { background: #f6f8fa; padding: 1px 4px; border-radius: 4px; }
.nowrap, td.time { white-space: nowrap; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 10px;
         margin-top: 14px; }
.card { border: 1px solid #d1d9e0; border-radius: 6px; padding: 8px 12px; }
.card .label { color: #59636e; font-size: 12px; } .card .value { font-size: 20px; font-weight: 600; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { border-bottom: 1px solid #d1d9e0; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.note { color: #59636e; font-size: 12px; margin: 4px 0; }
svg text { font: 11px system-ui, sans-serif; fill: #59636e; } svg text.title { fill: #1f2328; }
"""
_SCORE = "#0969da"
_ANOMALOUS = "#cf222e"
_GAP = "#eaeef2"
_WIDTH, _LEFT, _RIGHT = 1000, 76, 16


# --------------------------------------------------------------------------------------------------
# Scales


@dataclass(frozen=True, slots=True)
class _TimeAxis:
    start: datetime
    end: datetime
    left: float
    width: float

    def x(self, moment: datetime) -> float:
        span = (self.end - self.start).total_seconds()
        return self.left + self.width * (moment - self.start).total_seconds() / span

    def ticks(self) -> list[tuple[datetime, str]]:
        """At most ~8 round moments (minutes, hours or days), labelled as dates or as times of day."""
        span = (self.end - self.start).total_seconds()
        steps = [60 * m for m in (1, 5, 10, 15, 30)] + [3600 * h for h in (1, 2, 3, 6, 12)]
        steps += [86400 * d for d in (1, 2, 7, 14, 28, 91, 182, 365)]
        step = next((s for s in steps if span / s <= 8), steps[-1])
        epoch = datetime(1970, 1, 1)  # naive, as every time here: UTC
        first = epoch + timedelta(seconds=math.ceil((self.start - epoch).total_seconds() / step) * step)
        label = "%Y-%m-%d" if step >= 86400 else "%m-%d %H:%M"
        ticks = []
        moment = first
        while moment <= self.end:
            ticks.append((moment, moment.strftime(label)))
            moment += timedelta(seconds=step)
        return ticks


def _nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About ``count`` round values (1, 2, 2.5 or 5 times a power of ten) covering [low, high]."""
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value < high + step / 2:
        ticks.append(round(value, 12))
        value += step
    return ticks


# --------------------------------------------------------------------------------------------------
# Charts


def _frame(title: str, y_label: str, axis: _TimeAxis, height: int, top: int) -> list[str]:
    plot_h = height - top - 46
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_WIDTH} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}">',
        f'<rect x="{axis.left}" y="{top}" width="{axis.width}" height="{plot_h}" fill="#fff" '
        'stroke="#d1d9e0"/>',
        f'<text x="14" y="{top + plot_h / 2:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 14 {top + plot_h / 2:.1f})">{escape(y_label)}</text>',
        f'<text x="{axis.left + axis.width / 2:.1f}" y="{height - 4}" text-anchor="middle">time (UTC)</text>',
    ]


def _time_ticks(axis: _TimeAxis, top: int, plot_h: float) -> list[str]:
    parts = []
    for moment, label in axis.ticks():
        x = axis.x(moment)
        parts.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + plot_h:.1f}" stroke="#eaeef2"/>'
            f'<text x="{x:.1f}" y="{top + plot_h + 15:.1f}" text-anchor="middle">{escape(label)}</text>'
        )
    return parts


def _legend(items: list[tuple[str, str]], axis: _TimeAxis, y: float) -> str:
    """Swatch (an SVG fragment drawn at 0,0) and label per item, right-aligned above the plot."""
    parts = []
    x = axis.left + axis.width
    for swatch, label in reversed(items):
        x -= 16 + 6.2 * len(label)
        parts.append(
            f'<g transform="translate({x:.1f},{y - 9:.1f})">{swatch}'
            f'<text x="22" y="9">{escape(label)}</text></g>'
        )
        x -= 14
    return "".join(parts)


def _gaps(buckets: list[SeriesBucket], interval: timedelta | None) -> list[tuple[datetime, datetime]]:
    """Stretches without a score: buckets without one, and time between buckets with no record."""
    gaps: list[tuple[datetime, datetime]] = []
    step = interval or timedelta(0)
    previous: SeriesBucket | None = None
    for bucket in buckets:
        if previous is not None and interval and bucket.start_time - previous.end_time > 2 * interval:
            gaps.append((previous.end_time + step, bucket.start_time))
        if bucket.scored_rows == 0:
            gaps.append((bucket.start_time, bucket.end_time + step))
        previous = bucket
    merged: list[tuple[datetime, datetime]] = []
    for start, end in gaps:
        if merged and start <= merged[-1][1] + step:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _score_chart(series: ScoreSeries, axis: _TimeAxis, interval: timedelta | None) -> str:
    buckets = sorted(series.buckets, key=lambda b: b.start_time)
    height, top = 250, 28
    plot_h = height - top - 46
    scores = [b.max_score for b in buckets if b.max_score is not None]
    ticks = _nice_ticks(min([0.0, *scores]), max([1.0, *scores]))
    low, high = ticks[0], ticks[-1]

    def y(value: float) -> float:
        return top + plot_h * (1 - (value - low) / (high - low))

    parts = _frame("Highest anomaly score over time", "anomaly score (max)", axis, height, top)
    parts += _time_ticks(axis, top, plot_h)
    for value in ticks:
        parts.append(
            f'<text x="{axis.left - 6}" y="{y(value) + 4:.1f}" text-anchor="end">{_score(value)}</text>'
        )
    gaps = _gaps(buckets, interval)
    for start, end in gaps:
        x0, x1 = axis.x(start), axis.x(end)
        parts.append(
            f'<rect class="gap" x="{x0:.2f}" y="{top}" width="{max(x1 - x0, 1.5):.2f}" height="{plot_h}" '
            f'fill="{_GAP}">'
            f"<title>no anomaly score: {escape(timestamp(start))} to {escape(timestamp(end))}</title></rect>"
        )
    runs: list[list[str]] = []
    previous: SeriesBucket | None = None
    for bucket in buckets:
        if bucket.max_score is None:
            previous = None
            continue
        broken = previous is None or (
            interval is not None and bucket.start_time - previous.end_time > 2 * interval
        )
        if broken:
            runs.append([])
        middle = bucket.start_time + (bucket.end_time - bucket.start_time) / 2
        runs[-1].append(f"{axis.x(middle):.2f},{y(bucket.max_score):.2f}")
        previous = bucket
    for run in runs:
        if len(run) == 1:
            cx, cy = run[0].split(",")
            parts.append(f'<circle cx="{cx}" cy="{cy}" r="2" fill="{_SCORE}"/>')
        else:
            parts.append(
                f'<polyline class="score" points="{" ".join(run)}" fill="none" stroke="{_SCORE}" '
                'stroke-width="1.3"/>'
            )
    per = f"max of {series.records_per_bucket} records" if series.records_per_bucket > 1 else "per record"
    parts.append(
        _legend(
            [
                (
                    f'<line x1="0" y1="5" x2="16" y2="5" stroke="{_SCORE}" stroke-width="2"/>',
                    f"anomaly score ({per})",
                ),
                (f'<rect width="16" height="10" fill="{_GAP}"/>', "no score (machine off or no records)"),
            ],
            axis,
            top - 8,
        )
    )
    parts.append("</svg>")
    return "".join(parts)


def _share_chart(series: ScoreSeries, axis: _TimeAxis, interval: timedelta | None) -> str:
    height, top = 200, 28
    plot_h = height - top - 46
    step = interval or timedelta(0)
    parts = _frame("Share of anomalous records over time", "anomalous records (%)", axis, height, top)
    parts += _time_ticks(axis, top, plot_h)
    for percent in (0, 25, 50, 75, 100):
        y = top + plot_h * (1 - percent / 100)
        parts.append(f'<text x="{axis.left - 6}" y="{y + 4:.1f}" text-anchor="end">{percent}%</text>')
    for bucket in series.buckets:
        if not bucket.anomalous_rows:
            continue
        share = bucket.anomalous_rows / bucket.rows
        x0, x1 = axis.x(bucket.start_time), axis.x(bucket.end_time + step)
        bar = plot_h * share
        parts.append(
            f'<rect x="{min(x0, x1):.2f}" y="{top + plot_h - bar:.2f}" width="{max(abs(x1 - x0), 1.5):.2f}" '
            f'height="{bar:.2f}" fill="{_ANOMALOUS}" fill-opacity="0.55">'
            f"<title>{escape(timestamp(bucket.start_time))} to {escape(timestamp(bucket.end_time))}: "
            f"{bucket.anomalous_rows} of {bucket.rows} records anomalous</title></rect>"
        )
    parts.append(
        _legend(
            [
                (
                    f'<rect width="16" height="10" fill="{_ANOMALOUS}" fill-opacity="0.55"/>',
                    "share of records predicted anomalous",
                )
            ],
            axis,
            top - 8,
        )
    )
    parts.append("</svg>")
    return "".join(parts)


def _time_axis(series: ScoreSeries, interval: timedelta | None) -> _TimeAxis:
    start = min(b.start_time for b in series.buckets)
    end = max(b.end_time for b in series.buckets) + (interval or timedelta(0))
    if end <= start:
        start, end = start - timedelta(minutes=30), start + timedelta(minutes=30)
    return _TimeAxis(start, end, _LEFT, _WIDTH - _LEFT - _RIGHT)


def _sensor_bars(summary: DiagnosticsSummary) -> str:
    sensors = summary.top_sensors
    if not sensors:
        return '<p class="note">No anomalous record carries diagnostics.</p>'
    width, row, label_w = 1000, 24, 360
    height = row * len(sensors) + 10
    high = max(1e-12, *(s.mean_contribution for s in sensors))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
        'aria-label="Top sensors by mean contribution">'
    ]
    for index, sensor in enumerate(sensors):
        y = 5 + index * row
        bar = max(0.0, sensor.mean_contribution) / high * (width - label_w - 80)
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end">{escape(sensor.name)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{bar:.2f}" height="{row - 8}" fill="{_SCORE}"/>'
            f'<text x="{label_w + bar + 6:.2f}" y="{y + 15}">{num(sensor.mean_contribution, 4)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


# --------------------------------------------------------------------------------------------------
# Text


def event_duration(event: AnomalyEvent, interval: float | None) -> str:
    """How long an event lasted; a one-record event lasts one sampling interval."""
    if event.rows == 1:
        return f"{duration(interval)} (one record)" if interval else "one record"
    return duration(event.duration_seconds)


def _records(count: int) -> str:
    return f"{count:,} record{'s' if count != 1 else ''}"


def _score(value: float | None) -> str:
    """A score in at most about seven characters: 0.875, 12.5, 3.2e+09."""
    if value is None:
        return "-"
    if value and not 1e-3 <= abs(value) < 1e4:
        return f"{value:.2g}"
    return num(value, 3)


def _when(moment: str) -> str:
    return f'<span class="nowrap">{escape(timestamp(moment))}</span>'


def _event_rows(summary: DiagnosticsSummary) -> str:
    rows = []
    for number, event in enumerate(summary.events, 1):
        sensors = ", ".join(f"{escape(s.name)} ({num(s.mean_contribution, 3)})" for s in event.top_sensors)
        rows.append(
            f'<tr><td class="num">{number}</td><td class="time">{escape(timestamp(event.start))}</td>'
            f'<td class="time">{escape(timestamp(event.end))}</td>'
            f'<td class="num nowrap">{escape(event_duration(event, summary.sampling_interval_seconds))}</td>'
            f'<td class="num">{event.rows:,}</td>'
            f'<td class="num">{_score(event.max_anomaly_score)}</td><td>{sensors}</td></tr>'
        )
    return "".join(rows)


def _model_line(
    model_name: str | None, model_version: int | None, console_url: str | None, history_command: str | None
) -> str:
    if model_name is None:
        return '<div class="model">Not linked to a model version.</div>'
    parts = [f"Model <strong>{escape(model_name)}</strong>"]
    if model_version is not None:
        parts[0] += f", version <strong>{model_version}</strong>"
    if console_url:
        parts.append(f'<a href="{escape(console_url)}">open in the AWS console</a>')
    if history_command:
        parts.append(f"ledger history: <code>{escape(history_command)}</code>")
    return f'<div class="model">{" · ".join(parts)}</div>'


def render_report(
    summary: DiagnosticsSummary,
    *,
    title: str,
    source_uri: str,
    series: ScoreSeries,
    model_name: str | None = None,
    model_version: int | None = None,
    console_url: str | None = None,
    history_command: str | None = None,
) -> str:
    """A complete HTML document (UTF-8) for the summary and the series read with it.

    The model name and version default to the summary's (set when the file is linked);
    ``console_url`` (the model's console page) and ``history_command`` (``steward history …``
    with what reaches the deployment) are shown when given.
    """
    model_name = model_name or summary.model_name
    model_version = model_version if model_version is not None else summary.model_version
    score = summary.anomaly_score
    longest = summary.longest_event
    interval = summary.sampling_interval_seconds
    cards = [
        ("Records", f"{summary.rows:,}"),
        ("Anomalous records", f"{summary.anomalous_rows:,} ({summary.anomalous_fraction:.2%})"),
        ("Records without a score", f"{summary.rows_without_score:,}"),
        ("Events", f"{summary.event_count:,}"),
        ("Events per day", "-" if summary.events_per_day is None else num(summary.events_per_day, 2)),
        ("Longest event", event_duration(longest, interval) if longest else "-"),
        ("Span", duration(summary.span_seconds)),
        ("Sampling interval", duration(interval) if interval else "-"),
        ("Score p50 / p90", f"{_score(score.p50)} / {_score(score.p90)}"),
        ("Score p99 / max", f"{_score(score.p99)} / {_score(score.max)}"),
    ]
    card_html = "".join(
        f'<div class="card"><div class="label">{escape(label)}</div>'
        f'<div class="value">{escape(value)}</div></div>'
        for label, value in cards
    )
    notes = []
    if summary.events_truncated:
        notes.append(f"Only the first {len(summary.events):,} of {summary.event_count:,} events are listed.")
    if score.method == "sketch":
        notes.append(f"Score percentiles are approximate (within {score.relative_error:.0%}).")
    if longest is not None:
        notes.append(
            f"Longest event: {_when(longest.start)} to {_when(longest.end)} "
            f"({_records(longest.rows)}, {escape(event_duration(longest, interval))})."
        )
    if summary.span_seconds < 0:
        notes.append("The file is not in time order: its last record is older than its first.")
    note_html = "".join(f'<p class="note">{note}</p>' for note in notes)
    step = timedelta(seconds=interval) if interval else None
    if series.buckets:
        axis = _time_axis(series, step)
        charts = (
            _score_chart(series, axis, step) + "<h2>Anomalous records</h2>" + _share_chart(series, axis, step)
        )
    else:
        charts = '<p class="note">No records.</p>'
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{escape(title)}</h1>"
        + _model_line(model_name, model_version, console_url, history_command)
        + f'<div class="meta">{_when(summary.first_timestamp)} to {_when(summary.last_timestamp)}'
        f" · summary schema v{summary.schema_version}</div>"
        f'<div class="source">{escape(source_uri)}</div>'
        f'<div class="cards">{card_html}</div>{note_html}'
        f"<h2>Anomaly score</h2>{charts}"
        f"<h2>Top sensors (mean contribution over anomalous records)</h2>{_sensor_bars(summary)}"
        f"<h2>Events</h2>"
        + (
            "<table><thead><tr><th>#</th><th>Start</th><th>End</th><th>Duration</th><th>Records</th>"
            "<th>Max score</th><th>Top sensors</th></tr></thead>"
            f"<tbody>{_event_rows(summary)}</tbody></table>"
            if summary.events
            else '<p class="note">No anomalous record.</p>'
        )
        + "</body></html>\n"
    )


def render_text(summary: DiagnosticsSummary) -> str:
    """A short plain-text summary (the CLI's default output; fit for an alert's body)."""
    score = summary.anomaly_score
    interval = summary.sampling_interval_seconds
    lines = []
    if summary.model_name:
        version = f" version {summary.model_version}" if summary.model_version is not None else ""
        lines.append(f"Model:              {summary.model_name}{version}")
    lines += [
        f"Records:            {summary.rows:,} ({timestamp(summary.first_timestamp)} to "
        f"{timestamp(summary.last_timestamp)})",
        f"Anomalous records:  {summary.anomalous_rows:,} ({summary.anomalous_fraction:.2%})",
        f"Without a score:    {summary.rows_without_score:,}",
        f"Events:             {summary.event_count:,}"
        + (f" ({num(summary.events_per_day, 2)} per day)" if summary.events_per_day is not None else ""),
    ]
    if summary.longest_event is not None:
        e = summary.longest_event
        lines.append(
            f"Longest event:      {timestamp(e.start)} to {timestamp(e.end)} "
            f"({_records(e.rows)}, {event_duration(e, interval)})"
        )
    if score.count:
        approx = " (approximate)" if score.method == "sketch" else ""
        lines.append(
            f"Anomaly score:      p50 {_score(score.p50)}  p90 {_score(score.p90)}  "
            f"p99 {_score(score.p99)}  max {_score(score.max)}{approx}"
        )
    if summary.top_sensors:
        lines.append("Top sensors (mean contribution over anomalous records):")
        lines.extend(f"  {s.mean_contribution:8.4f}  {s.name}" for s in summary.top_sensors)
    if summary.events:
        shown = summary.events[:10]
        lines.append(f"First {len(shown)} events:" if len(summary.events) > len(shown) else "Events:")
        lines.extend(
            f"  {timestamp(e.start)} to {timestamp(e.end)}  {_records(e.rows):>14}  "
            f"{event_duration(e, interval):>16}  max score {_score(e.max_anomaly_score)}"
            for e in shown
        )
    return "\n".join(lines)
