"""Golden paths in a real browser, with an accessibility scan of every page visited."""

from pathlib import Path

import pytest

from tests.e2e.conftest import assert_accessible, login, logout

pytestmark = pytest.mark.e2e


def _wait_saved(page):
    page.wait_for_function("document.getElementById('save-status').textContent.includes('Lagret')")


def test_fill_leave_return_submit_review_and_return(page):
    """An editor fills part of the survey, leaves, comes back and finds the answer; the
    signatory reviews and submits and gets the receipt; the regional adviser returns it with a
    comment; the editor sees the comment."""
    login(page, "kristiansand-editor")
    page.goto("/kommune/4204/undersokelse/2026/")
    assert_accessible(page)
    page.locator("main a[href*='/del/']").first.click()
    section_url = page.url
    assert_accessible(page)
    field = page.locator("fieldset.question:visible input[inputmode=numeric]").first
    field.fill("12")
    field.blur()
    _wait_saved(page)
    field_id = field.get_attribute("id")
    # Leave (log out), come back: the answer is there.
    page.goto("/")
    logout(page)
    login(page, "kristiansand-editor")
    page.goto(section_url)
    assert page.locator(f"#{field_id}").input_value() == "12"
    logout(page)

    # The signatory reviews and submits on behalf of the head of administration.
    login(page, "kristiansand-leder")
    page.goto("/kommune/4204/undersokelse/2026/gjennomgang/")
    assert_accessible(page)
    assert "12" in page.locator("main").inner_text()
    page.get_by_label("Navnet på kommunedirektøren eller bydelsdirektøren").fill(
        "Kari Kommunedirektør"
    )
    page.locator("#confirm").check()
    page.locator("main form[action$='/send-inn/'] [type=submit]").click()
    page.wait_for_url("**/undersokelse/2026/")
    receipt = page.locator(".messages").inner_text()
    assert "kvittering" in receipt.lower(), receipt
    assert_accessible(page)
    logout(page)

    # The regional adviser of Sør returns it with a message.
    login(page, "imdi-sor")
    page.goto("/direktoratet/undersokelser/2026/oppfolging/4204/")
    assert_accessible(page)
    page.locator("#return-text").fill("Sjekk tallet for forventet bosetting.")
    with page.expect_navigation():
        page.get_by_role("button", name="Send tilbake for retting").click()
    told = page.locator(".messages").inner_text()
    assert "sendt tilbake" in told.lower(), told
    logout(page)

    # The editor sees the comment.
    login(page, "kristiansand-editor")
    page.goto("/kommune/4204/undersokelse/2026/")
    shown = page.locator("main").inner_text()
    assert "sendt svarene tilbake for retting" in shown, shown[:500]
    assert "Sjekk tallet for forventet bosetting." in shown, shown[:500]
    assert_accessible(page)


def test_settlement_officer_searches_and_opens_a_profile(page):
    login(page, "bosetter")
    page.locator("main").get_by_role("link", name="Søk etter kommune for bosetting").click()
    assert_accessible(page)
    page.locator("main form [type=submit]").first.click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.locator("main h3 a[href^='/kommune/']").first.click()
    page.wait_for_load_state()
    assert page.locator("h1").count() == 1
    assert_accessible(page)


def test_the_administrator_walks_every_page_of_the_menu(page):
    """IMDi's administrator logs in (password and code) and opens every page of the main menu
    and the admin site: each answers, has one heading and passes the accessibility scan."""
    login(page, "imdi-admin")
    links = page.locator("#main-menu a.nav-link")
    targets = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert len(targets) >= 6, targets
    for href in targets:
        response = page.goto(href)
        assert response.status == 200, (href, response.status)
        assert page.locator("main h1").count() == 1, href
        assert_accessible(page)
    response = page.goto("/admin/")
    assert response.status == 200 and "/admin/login/" not in page.url


def test_the_administrator_previews_and_confirms_a_key_figure_table(page):
    """IMDi's administrator uploads SSB's population table on the 2024 structure, reads the
    preview (new rows, mapped rows, missing values), and confirms it; nothing is written before."""
    sample = Path(__file__).resolve().parent.parent / "municipalities" / "data"
    login(page, "imdi-admin")
    page.goto("/direktoratet/nokkeltall/import/")
    assert_accessible(page)
    page.set_input_files("input[type=file]", str(sample / "ssb_07459_structure_2024.json"))
    page.fill("input[name=structure]", "2024")
    page.get_by_role("button", name="Last opp og forhåndsvis").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Forhåndsvisning av nøkkeltallsimporten"
    body = page.locator("main").inner_text()
    assert "beholdt på 2024-strukturen (slått sammen av 1001, 1017, 1018)" in body
    assert "omnummerert 1201 → 4601" in body
    assert_accessible(page)
    page.get_by_role("button", name="Bekreft import").click()
    page.wait_for_load_state()
    assert "Nøkkeltallene er importert" in page.locator("main").inner_text()
    page.goto("/kommune/4204/")
    assert "SSB 07459 (ssb_07459_structure_2024.json" in page.locator("main").inner_text()
