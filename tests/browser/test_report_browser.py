"""The diagnostics report in a real browser: Debian's headless Chromium, driven by Playwright.

`make test` installs the browser (`make browser`: apt-get as root); these tests skip only where it
is missing and could not be installed. Playwright never downloads a browser here: it launches
/usr/bin/chromium.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from emulators.demo_diagnostics import diagnostics_file
from model_steward.domain.diagnostics import read_diagnostics
from model_steward.domain.report import render_report

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CONSOLE = "https://eu-west-1.console.aws.amazon.com/lookoutequipment/home?region=eu-west-1#/models/pump-01"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="no /usr/bin/chromium (make browser installs it with apt-get as root)"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        yield launched
        launched.close()


def demo_report(**links: Any) -> str:
    result = read_diagnostics(io.BytesIO(diagnostics_file()))
    summary = result.summary.linked_to("pump-01", 7)
    return render_report(
        summary, title="pump-01 v7 diagnostics", source_uri="s3://b/k.json.gz", series=result.series, **links
    )


def open_page(browser: Any, html: str, tmp_path: Path, width: int = 900) -> tuple[Any, list[str]]:
    """The report opened from a file, as a person opens it; the console's errors are collected."""
    path = tmp_path / "report.html"
    path.write_text(html, encoding="utf-8")
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("requestfailed", lambda request: errors.append(f"request failed: {request.url}"))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, errors


PARSE_SVGS = """() => [...document.querySelectorAll('svg')].map(svg => {
    const parsed = new DOMParser().parseFromString(svg.outerHTML, 'image/svg+xml');
    const error = parsed.querySelector('parsererror');
    const box = svg.getBoundingClientRect();
    return {error: error ? error.textContent : null, root: parsed.documentElement.nodeName,
            width: box.width, height: box.height};
})"""

LINES_OF = """(selector) => [...document.querySelectorAll(selector)].map(element => {
    const range = document.createRange();
    range.selectNodeContents(element);
    const tops = new Set([...range.getClientRects()].map(rect => Math.round(rect.top)));
    return [element.textContent, tops.size];
})"""


def test_renders_without_console_errors_and_every_chart_parses(browser: Any, tmp_path: Path) -> None:
    page, errors = open_page(
        browser, demo_report(console_url=CONSOLE, history_command="steward history pump-01"), tmp_path
    )
    svgs = page.evaluate(PARSE_SVGS)
    assert errors == []
    assert len(svgs) == 3  # anomaly score, anomalous share, top sensors
    for svg in svgs:
        assert svg["error"] is None
        assert svg["root"] == "svg"
        assert svg["width"] > 300
        assert svg["height"] > 100
    page.close()


def test_time_axis_labels_legends_and_gaps(browser: Any, tmp_path: Path) -> None:
    page, _ = open_page(browser, demo_report(), tmp_path)
    score, share = page.query_selector_all("svg")[:2]
    score_texts = [t.text_content() for t in score.query_selector_all("text")]
    share_texts = [t.text_content() for t in share.query_selector_all("text")]
    assert "anomaly score (max)" in score_texts
    assert "anomalous records (%)" in share_texts
    assert "time (UTC)" in score_texts
    assert "time (UTC)" in share_texts
    assert any(text.startswith("anomaly score (max of") for text in score_texts)  # legend
    assert "no score (machine off or no records)" in score_texts
    assert "share of records predicted anomalous" in share_texts
    assert "100%" in share_texts
    # The x axis follows time: tick labels are dates in increasing order, left to right.
    ticks = page.evaluate(
        """(svg) => [...svg.querySelectorAll('text')]
            .filter(t => /^\\d{4}-\\d{2}-\\d{2}$/.test(t.textContent))
            .map(t => [t.textContent, t.getBoundingClientRect().x])""",
        score,
    )
    assert len(ticks) >= 3
    assert [label for label, _ in ticks] == sorted(label for label, _ in ticks)
    assert [x for _, x in ticks] == sorted(x for _, x in ticks)
    # The machine-off stretch is a gap: the score line is broken in two there, and the gap is shaded.
    assert len(score.query_selector_all("polyline.score")) == 2
    assert len(score.query_selector_all("rect.gap")) == 1
    page.close()


def test_timestamps_never_wrap_even_in_a_narrow_window(browser: Any, tmp_path: Path) -> None:
    page, _ = open_page(browser, demo_report(), tmp_path, width=640)
    cells = page.evaluate(LINES_OF, "td.time, .nowrap")
    assert len(cells) >= 2 * 8 + 2
    assert [text for text, lines in cells if lines != 1] == []
    assert any(text == "2026-09-23 22:00 UTC" for text, _ in cells)
    page.close()


def test_model_version_console_link_and_history_command(browser: Any, tmp_path: Path) -> None:
    page, _ = open_page(
        browser, demo_report(console_url=CONSOLE, history_command="steward history pump-01"), tmp_path
    )
    model = page.inner_text(".model")
    assert "Model pump-01, version 7" in model
    assert "steward history pump-01" in model
    assert page.get_attribute(".model a", "href") == CONSOLE
    durations = page.evaluate(
        "() => [...document.querySelectorAll('tbody tr')].map(r => r.cells[3].innerText)"
    )
    assert "5 min (one record)" in durations
    assert "0 min" not in durations
    page.close()
