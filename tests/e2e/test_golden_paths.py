"""Golden paths in a real browser, with an accessibility scan of every page visited."""

import pytest

from tests.e2e.conftest import assert_accessible, login, logout

pytestmark = pytest.mark.e2e


def test_editor_fills_part_of_the_survey_leaves_and_finds_every_answer(page):
    login(page, "kristiansand-editor")
    page.goto("/kommune/4204/undersokelse/2026/")
    assert_accessible(page)
    page.locator("main a[href*='/del/']").first.click()
    section_url = page.url
    assert_accessible(page)
    field = page.locator("fieldset.question:visible input[inputmode=numeric]").first
    field.fill("12")
    field.blur()
    page.wait_for_function("document.getElementById('save-status').textContent.includes('Lagret')")
    field_id = field.get_attribute("id")
    # Leave (log out and in again), come back: the answer is there.
    page.goto("/")
    logout(page)
    login(page, "kristiansand-editor")
    page.goto(section_url)
    assert page.locator(f"#{field_id}").input_value() == "12"


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
