"""The start of a new cycle in a real browser: what changed since the previous edition, the
preview picked by name, and next year's draft — each page passing the accessibility scan."""

import pytest

from tests.e2e.conftest import assert_accessible, login

pytestmark = pytest.mark.e2e


def test_diff_preview_and_next_years_draft(page):
    login(page, "imdi-admin")
    page.goto("/direktoratet/undersokelser/2026/")
    assert_accessible(page)

    page.get_by_role("link", name="Hva er endret siden 2017").click()
    page.wait_for_url("**/2026/endringer/")
    assert page.locator("#diff-summary").inner_text().startswith("10 nye spørsmål")
    assert page.locator("main ins").count() > 0
    assert_accessible(page)
    # Another edition from the list, without JavaScript's help: a plain GET form.
    page.get_by_label("Sammenlign med utgaven fra").select_option("2014")
    with page.expect_navigation():
        page.get_by_role("button", name="Sammenlign").click()
    assert "fra=2014" in page.url
    assert page.locator("h1").inner_text() == "Endringer fra 2014 til 2026"
    assert_accessible(page)

    # The preview, chosen by name in the list grouped by county.
    page.goto("/direktoratet/undersokelser/2026/")
    page.locator("#preview-organisation").select_option(label="Kristiansand (4204)")
    with page.expect_navigation():
        page.locator("form[action$='/forhandsvisning/'] [type=submit]").first.click()
    assert page.url.endswith("/forhandsvisning/4204/")
    assert "Bosettingskategori" in page.locator("#preview-attributes").inner_text()
    assert_accessible(page)

    # Next year's draft, from this edition.
    page.goto("/direktoratet/undersokelser/2026/")
    with page.expect_navigation():
        page.get_by_role("button", name="Lag neste års utgave (2027)").click()
    assert page.url.endswith("/direktoratet/undersokelser/2027/")
    assert page.locator("h1").inner_text() == "IMDis kommuneundersøkelse 2027"
    assert_accessible(page)
