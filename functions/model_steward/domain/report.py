"""Render a diagnostics summary as a self-contained HTML page, and as plain text.

The page has inline CSS and hand-written inline SVG only: no script, no font, no request to the
network; it reads the same offline, from an S3 presigned link or attached to a ticket. Hand-written
SVG (two charts of rectangles and one polyline) costs ~200 lines here against a charting library
that would add megabytes to the Lambda package (matplotlib + numpy ~ 60 MB, plotly ~ 30 MB) and
seconds to its cold start, for two simple charts.

Every string that comes from the file (sensor names such as ``component\\sensor``, timestamps) or
from the caller (title, source) is HTML-escaped.
"""

from __future__ import annotations

from html import escape

from model_steward.domain.diagnostics import ScoreSeries
from model_steward.models.diagnostics import AnomalyEvent, DiagnosticsSummary

_CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328;
       margin: 0 auto; max-width: 1100px; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
.source { color: #59636e; word-break: break-all; margin-bottom: 16px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(160px, 1fr)); gap: 10px; }
.card { border: 1px solid #d1d9e0; border-radius: 6px; padding: 8px 12px; }
.card .label { color: #59636e; font-size: 12px; } .card .value { font-size: 20px; font-weight: 600; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { border-bottom: 1px solid #d1d9e0; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.note { color: #59636e; font-size: 12px; }
svg text { font: 11px system-ui, sans-serif; fill: #59636e; }
"""


def _number(value: float | None, digits: int = 3) -> str:
    if value is None:
        return "-"
    return f"{value:.{digits}f}"


def _duration(seconds: float) -> str:
    if abs(seconds) < 3600:
        return f"{seconds / 60:.0f} min"
    if abs(seconds) < 86400 * 2:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def _timeline(series: ScoreSeries) -> str:
    """Anomalous share (red bars) and max anomaly score (line) per bucket, in file order."""
    buckets = series.buckets
    if not buckets:
        return '<p class="note">No records.</p>'
    width, height, left, right, top, bottom = 1000, 220, 40, 10, 10, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    scores = [b.max_score for b in buckets if b.max_score is not None]
    high = max([1.0, *scores])
    low = min([0.0, *scores])
    step = plot_w / len(buckets)
    parts = [
        f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" '
        'aria-label="Anomalous periods and anomaly score over the file">',
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fff" stroke="#d1d9e0"/>',
    ]
    for index, bucket in enumerate(buckets):
        if bucket.anomalous_rows:
            share = bucket.anomalous_rows / bucket.rows
            bar = plot_h * share
            parts.append(
                f'<rect x="{left + index * step:.2f}" y="{top + plot_h - bar:.2f}" '
                f'width="{max(step, 1):.2f}" '
                f'height="{bar:.2f}" fill="#cf222e" fill-opacity="0.35">'
                f"<title>{escape(bucket.start)} &#8211; {escape(bucket.end)}: "
                f"{bucket.anomalous_rows}/{bucket.rows} anomalous</title></rect>"
            )
    points = [
        f"{left + (index + 0.5) * step:.2f},{top + plot_h * (1 - (b.max_score - low) / (high - low)):.2f}"
        for index, b in enumerate(buckets)
        if b.max_score is not None
    ]
    if points:
        parts.append(
            f'<polyline points="{" ".join(points)}" fill="none" stroke="#0969da" stroke-width="1.2"/>'
        )
    for fraction in (0.0, 0.5, 1.0):
        y = top + plot_h * (1 - fraction)
        parts.append(
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">'
            f"{low + (high - low) * fraction:.2g}</text>"
        )
    for index in sorted({0, len(buckets) // 2, len(buckets) - 1}):
        anchor = "start" if index == 0 else "end" if index == len(buckets) - 1 else "middle"
        x = (
            left + index * step
            if index == 0
            else left + (index + 1) * step
            if anchor == "end"
            else left + index * step
        )
        parts.append(
            f'<text x="{x:.1f}" y="{height - bottom + 16}" text-anchor="{anchor}">'
            f"{escape(buckets[index].start)}</text>"
        )
    parts.append(
        f'<text x="{left}" y="{height - 6}">blue: max anomaly score per point · '
        "red: share of anomalous records · "
        f"{series.records_per_bucket} record(s) per point, file order</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


def _sensor_bars(summary: DiagnosticsSummary) -> str:
    sensors = summary.top_sensors
    if not sensors:
        return '<p class="note">No anomalous record carries diagnostics.</p>'
    width, row, label_w = 1000, 24, 360
    height = row * len(sensors) + 10
    high = max(1e-12, *(s.mean_contribution for s in sensors))
    parts = [f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="Top sensors">']
    for index, sensor in enumerate(sensors):
        y = 5 + index * row
        bar = max(0.0, sensor.mean_contribution) / high * (width - label_w - 80)
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end">{escape(sensor.name)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{bar:.2f}" height="{row - 8}" fill="#0969da"/>'
            f'<text x="{label_w + bar + 6:.2f}" y="{y + 15}">{sensor.mean_contribution:.4f}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _event_rows(events: list[AnomalyEvent]) -> str:
    rows = []
    for number, event in enumerate(events, 1):
        sensors = ", ".join(f"{escape(s.name)} ({s.mean_contribution:.3f})" for s in event.top_sensors)
        rows.append(
            f'<tr><td class="num">{number}</td><td>{escape(event.start)}</td><td>{escape(event.end)}</td>'
            f'<td class="num">{event.rows}</td>'
            f'<td class="num">{escape(_duration(event.duration_seconds))}</td>'
            f'<td class="num">{_number(event.max_anomaly_score)}</td><td>{sensors}</td></tr>'
        )
    return "".join(rows)


def render_report(summary: DiagnosticsSummary, *, title: str, source_uri: str, series: ScoreSeries) -> str:
    """A complete HTML document (UTF-8) for the summary and the series read with it."""
    score = summary.anomaly_score
    longest = summary.longest_event
    cards = [
        ("Records", f"{summary.rows:,}"),
        ("Anomalous records", f"{summary.anomalous_rows:,} ({summary.anomalous_fraction:.2%})"),
        ("Events", f"{summary.event_count:,}"),
        ("Events per day", _number(summary.events_per_day, 2)),
        ("Longest event", f"{longest.rows} records" if longest else "-"),
        ("Span", _duration(summary.span_seconds)),
        ("Score p50 / p90", f"{_number(score.p50, 2)} / {_number(score.p90, 2)}"),
        ("Score p99 / max", f"{_number(score.p99, 2)} / {_number(score.max, 2)}"),
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
            f"Longest event: {escape(longest.start)} &#8211; {escape(longest.end)} "
            f"({longest.rows} records, {escape(_duration(longest.duration_seconds))})."
        )
    note_html = "".join(f'<p class="note">{note}</p>' for note in notes)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{escape(title)}</h1>"
        f'<div class="source">{escape(source_uri)} · {escape(summary.first_timestamp)} → '
        f"{escape(summary.last_timestamp)} (file order) · schema v{summary.schema_version}</div>"
        f'<div class="cards">{card_html}</div>{note_html}'
        f"<h2>Anomalous periods and anomaly score</h2>{_timeline(series)}"
        f"<h2>Top sensors (mean contribution over anomalous records)</h2>{_sensor_bars(summary)}"
        f"<h2>Events</h2>"
        + (
            "<table><thead><tr><th>#</th><th>Start</th><th>End</th><th>Records</th><th>Duration</th>"
            "<th>Max score</th><th>Top sensors</th></tr></thead>"
            f"<tbody>{_event_rows(summary.events)}</tbody></table>"
            if summary.events
            else '<p class="note">No anomalous record.</p>'
        )
        + "</body></html>\n"
    )


def render_text(summary: DiagnosticsSummary) -> str:
    """A short plain-text summary (the CLI's default output; fit for an alert's body)."""
    score = summary.anomaly_score
    lines = [
        f"Records:            {summary.rows:,} ({summary.first_timestamp} .. {summary.last_timestamp})",
        f"Anomalous records:  {summary.anomalous_rows:,} ({summary.anomalous_fraction:.2%})",
        f"Events:             {summary.event_count:,}"
        + (f" ({summary.events_per_day:.2f} per day)" if summary.events_per_day is not None else ""),
    ]
    if summary.longest_event is not None:
        e = summary.longest_event
        lines.append(
            f"Longest event:      {e.start} .. {e.end} ({e.rows} records, {_duration(e.duration_seconds)})"
        )
    if score.count:
        approx = " (approximate)" if score.method == "sketch" else ""
        lines.append(
            f"Anomaly score:      p50 {_number(score.p50)}  p90 {_number(score.p90)}  "
            f"p99 {_number(score.p99)}  max {_number(score.max)}{approx}"
        )
    if summary.top_sensors:
        lines.append("Top sensors (mean contribution over anomalous records):")
        lines.extend(f"  {s.mean_contribution:8.4f}  {s.name}" for s in summary.top_sensors)
    if summary.events:
        shown = summary.events[:10]
        lines.append(f"First {len(shown)} event(s):" if len(summary.events) > len(shown) else "Events:")
        lines.extend(
            f"  {e.start} .. {e.end}  {e.rows:>6} records  max score {_number(e.max_anomaly_score)}"
            for e in shown
        )
    return "\n".join(lines)
