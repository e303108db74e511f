"""The HTML report and the plain-text summary (the browser test renders the report for real)."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from typing import Any

from model_steward.domain.diagnostics import DiagnosticsResult, read_diagnostics
from model_steward.domain.formatting import timestamp
from model_steward.domain.report import render_report, render_text

EVIL = '<script>alert("x")</script>&\\s1'
SVG = "{http://www.w3.org/2000/svg}"


def result(records: list[dict[str, Any]]) -> DiagnosticsResult:
    return read_diagnostics(io.BytesIO("\n".join(json.dumps(r) for r in records).encode()))


RECORDS = [
    {
        "timestamp": f"2021-03-11T{h:02d}:00:00.000000",
        "prediction": int(3 <= h <= 5 or h == 9),
        "anomaly_score": h / 24,
        "diagnostics": [{"name": EVIL, "value": 0.5}, {"name": "pump\\bearing", "value": 0.25}],
    }
    for h in range(24)
]


def svgs(html: str) -> list[ET.Element]:
    return [ET.fromstring(match) for match in re.findall(r"<svg .*?</svg>", html, re.DOTALL)]


def texts(svg: ET.Element) -> list[str]:
    return [t.text or "" for t in svg.iter(f"{SVG}text")]


def test_report_is_self_contained_html_with_charts_and_table() -> None:
    r = result(RECORDS)
    html = render_report(r.summary, title="Model <x>", source_uri="s3://b/k?a=1&b=2", series=r.series)
    assert html.startswith("<!DOCTYPE html>")
    assert len(svgs(html)) == 3  # every chart is well-formed XML
    assert "<table>" in html
    assert html.count("<tr>") == 1 + r.summary.event_count
    assert "<script" not in html
    assert not re.search(r"""src=["']?https?:|<link""", html)
    assert "Model &lt;x&gt;" in html
    assert "s3://b/k?a=1&amp;b=2" in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;\\s1" in html
    assert "pump\\bearing" in html
    assert "Not linked to a model version." in html


def test_two_scales_with_axis_labels_and_legends() -> None:
    r = result(RECORDS)
    score, share, _ = svgs(render_report(r.summary, title="t", source_uri="f", series=r.series))
    assert {"anomaly score (max)", "time (UTC)", "anomaly score (per record)"} <= set(texts(score))
    assert {"anomalous records (%)", "time (UTC)", "share of records predicted anomalous"} <= set(
        texts(share)
    )
    assert {"0%", "50%", "100%"} <= set(texts(share))


def test_the_x_axis_follows_time_not_file_order() -> None:
    shuffled = [RECORDS[i] for i in (0, 12, 1, 13, 2, 14)]  # file order jumps back and forth in time
    r = result(shuffled)
    score = svgs(render_report(r.summary, title="t", source_uri="f", series=r.series))[0]
    (line,) = score.iter(f"{SVG}polyline")
    xs = [float(point.split(",")[0]) for point in line.get("points", "").split()]
    assert xs == sorted(xs)
    assert len(xs) == 6


def test_no_scores_or_no_records_make_gaps_not_dips() -> None:
    records: list[dict[str, Any]] = [
        {"timestamp": f"2021-03-11T{h:02d}:00:00", "prediction": 0, "anomaly_score": 0.5} for h in range(24)
    ]
    for h in range(6, 9):
        records[h] = {"timestamp": records[h]["timestamp"], "prediction": 0}  # machine off
    del records[15:20]  # no records at all
    r = result(records)
    score = svgs(render_report(r.summary, title="t", source_uri="f", series=r.series))[0]
    lines = list(score.iter(f"{SVG}polyline"))
    assert len(lines) == 3
    assert all(
        float(p.split(",")[1]) == float(lines[0].get("points", "").split()[0].split(",")[1])
        for line in lines
        for p in line.get("points", "").split()
    )  # flat at 0.5: nothing dips
    gaps = [rect for rect in score.iter(f"{SVG}rect") if rect.get("class") == "gap"]
    assert len(gaps) == 2


def test_readable_timestamps_and_one_record_events() -> None:
    r = result(RECORDS)
    html = render_report(r.summary, title="t", source_uri="f", series=r.series)
    assert '<td class="time">2021-03-11 09:00 UTC</td>' in html
    assert "2021-03-11T" not in html.split("<h2>")[0].split('<div class="source">')[0]
    assert "60 min (one record)" in html
    assert not re.search(r"(?<![\d.])0 (min|s)\b", html)
    assert timestamp("2021-03-11T09:00:00.000000") == "2021-03-11 09:00 UTC"


def test_model_version_link_and_history_command() -> None:
    r = result(RECORDS)
    linked = r.summary.linked_to("pump-01", 7)
    html = render_report(
        linked,
        title="t",
        source_uri="f",
        series=r.series,
        console_url="https://console.example/models/pump-01?a=1&b=2",
        history_command="steward history pump-01 --stack prod",
    )
    assert "Model <strong>pump-01</strong>, version <strong>7</strong>" in html
    assert '<a href="https://console.example/models/pump-01?a=1&amp;b=2">' in html
    assert "<code>steward history pump-01 --stack prod</code>" in html
    assert "summary schema v2" in html


def test_report_without_anomalies_or_scores() -> None:
    r = result([{"timestamp": "2021-03-11T00:00:00", "prediction": 0}])
    html = render_report(r.summary, title="t", source_uri="f", series=r.series)
    assert "No anomalous record" in html
    assert len(svgs(html)) == 2  # the two time charts; no sensor chart without diagnostics
    assert "Records without a score" in html


def test_text_summary() -> None:
    text = render_text(result(RECORDS).summary.linked_to("pump-01", 7))
    assert "Model:              pump-01 version 7" in text
    assert "Records:            24 (2021-03-11 00:00 UTC to 2021-03-11 23:00 UTC)" in text
    assert "Anomalous records:  4 (16.67%)" in text
    assert "Without a score:    0" in text
    assert "Events:             2" in text
    assert "1 record " in text
    assert "60 min (one record)" in text
    assert "pump\\bearing" in text
