"""The HTML report and the plain-text summary."""

from __future__ import annotations

import io
import json
import re
from typing import Any

from model_steward.domain.diagnostics import DiagnosticsResult, read_diagnostics
from model_steward.domain.report import render_report, render_text

EVIL = '<script>alert("x")</script>&\\s1'


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


def test_report_is_self_contained_html_with_charts_and_table() -> None:
    r = result(RECORDS)
    html = render_report(r.summary, title="Model <x>", source_uri="s3://b/k?a=1&b=2", series=r.series)
    assert html.startswith("<!DOCTYPE html>")
    assert html.count("<svg") == 2
    assert "<polyline" in html
    assert "<table>" in html
    assert html.count("<tr>") == 1 + r.summary.event_count
    assert "<script" not in html
    assert not re.search(r"""(src|href)=["']?https?:""", html)
    assert "Model &lt;x&gt;" in html
    assert "s3://b/k?a=1&amp;b=2" in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;\\s1" in html
    assert "pump\\bearing" in html


def test_report_without_anomalies_or_scores() -> None:
    r = result([{"timestamp": "2021-03-11T00:00:00", "prediction": 0}])
    html = render_report(r.summary, title="t", source_uri="f", series=r.series)
    assert "No anomalous record" in html
    assert "<svg" in html


def test_text_summary() -> None:
    text = render_text(result(RECORDS).summary)
    assert "Anomalous records:  4 (16.67%)" in text
    assert "Events:             2" in text
    assert "pump\\bearing" in text
