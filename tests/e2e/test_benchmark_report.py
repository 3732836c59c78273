"""A municipality asks for its benchmark report in a real browser and downloads the PDF."""

import re
from pathlib import Path

import pytest

from tests.e2e.conftest import assert_accessible, login

pytestmark = pytest.mark.e2e


def test_municipality_requests_its_report_and_downloads_the_pdf(page):
    login(page, "kristiansand-viewer")
    page.goto("/kommune/4204/")
    page.get_by_role("link", name="Sammenligningsrapport").first.click()
    assert_accessible(page)
    page.get_by_label("Rapportår").select_option("2026")
    page.get_by_role("button", name=re.compile("rapporten", re.I)).click()
    # The request answers at once (made in a thread on the embedded default): first the page
    # that follows it, with its stages, then the report itself.
    page.wait_for_selector("#report-progress progress")
    assert page.locator("#report-stages li").count() == 4
    assert_accessible(page)
    page.wait_for_selector("text=Hovedfunn", timeout=120_000)
    assert page.locator("h1").first.inner_text().startswith("Sammenligningsrapport 2026")
    assert page.locator("svg[role=img]").count() >= 2
    assert_accessible(page)
    # Contents at the top, each part with a way back to it.
    contents = page.get_by_role("navigation", name="Innholdet i rapporten")
    contents.get_by_role("link", name="Bosetting", exact=True).click()
    assert page.url.endswith("#settlement")
    page.locator("#settlement").locator("xpath=..").get_by_role(
        "link", name="Tilbake til innholdet"
    ).click()
    assert page.url.endswith("#contents")
    # No text of any chart runs out of it, as the browser lays it out.
    outside = page.evaluate(
        """() => [...document.querySelectorAll("svg.chart")].flatMap(svg => {
            const width = svg.viewBox.baseVal.width;
            return [...svg.querySelectorAll("text")]
                .map(t => [t.textContent, t.getBBox()])
                .filter(([, b]) => b.x < -0.5 || b.x + b.width > width + 0.5)
                .map(([text]) => svg.id + ": " + text);
        })"""
    )
    assert outside == []
    # At 200 % zoom (640 px) and on a phone (375 px) the page itself does not scroll sideways.
    for width in (640, 375):
        page.set_viewport_size({"width": width, "height": 800})
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width + 1, f"{width}px: the report page is {scroll}px wide"
    page.set_viewport_size({"width": 1280, "height": 800})
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("PDF")).click()
    download = download_info.value
    assert download.suggested_filename.startswith("4204-2026-nb-")
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"%PDF-")
