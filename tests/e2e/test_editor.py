"""The questionnaire editor in a browser: an admin adds a question with options and a routing rule
to a draft edition, and sees it in words and in the preview; every editor page passes the scan."""

from pathlib import Path

import pytest

from tests.e2e.conftest import assert_accessible, login, manage

pytestmark = pytest.mark.e2e

DRAFT = """\
year: 2031
title: Utkast 2031
opens: 2031-11-03
deadline: 2032-01-16
sections:
  - key: services
    title: Tjenester
    questions:
      - key: unit
        type: single
        text: Hvilken enhet har ansvaret?
        options:
          - key: none
            label: Ingen
          - key: nav
            label: NAV
"""


@pytest.fixture(scope="module")
def draft_year(portal_url, tmp_path_factory):
    path = Path(tmp_path_factory.mktemp("editor")) / "draft-2031.yaml"
    path.write_text(DRAFT, encoding="utf-8")
    manage("import_survey", str(path))
    return 2031


@pytest.fixture(scope="module")
def admin_page(browser, portal_url, draft_year):
    """One logged-in admin for the module: each log-in needs a fresh authenticator code."""
    context = browser.new_context(base_url=portal_url, bypass_csp=True, locale="nb-NO")
    page = context.new_page()
    page.set_default_timeout(30_000)
    login(page, "imdi-admin")
    yield page
    context.close()


def test_add_a_question_with_options_and_a_rule(admin_page, draft_year):
    page = admin_page
    base = f"/direktoratet/undersokelser/{draft_year}/rediger/"
    page.goto(base)
    assert_accessible(page)
    page.get_by_role("link", name="Legg til et spørsmål – Tjenester").click()
    assert_accessible(page)
    page.get_by_label("Ett valg").check()
    page.get_by_role("button", name="Neste").click()
    page.locator("#id_key").fill("has_office")
    page.get_by_label("Spørsmålstekst, Bokmål").fill("Har kommunen eget boligkontor?")
    page.locator("#id_options-0-key").fill("yes_own")
    page.locator("#id_options-0-label_nb").fill("Ja, eget")
    page.locator("#id_options-1-key").fill("no_office")
    page.locator("#id_options-1-label_nb").fill("Nei")
    page.get_by_label("Tidligere spørsmål", exact=True).select_option("unit")
    page.get_by_label("Vilkår", exact=True).select_option("in")
    page.get_by_label("Svar", exact=True).select_option(["unit|nav"])
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Legg til spørsmålet").click()
    body = page.locator("main").inner_text()
    assert "Vises når «Hvilken enhet har ansvaret?» er NAV" in body
    assert_accessible(page)
    page.goto(f"/direktoratet/undersokelser/{draft_year}/forhandsvisning/4204/")
    assert "Har kommunen eget boligkontor?" in page.locator("main").inner_text()


@pytest.mark.parametrize(
    "path",
    [
        "oversettelser/",
        "historikk/",
        "deler/ny/",
        "deler/ny/?type=scale",
        "deler/services/",
        "deler/services/fjern/",
        "deler/services/nytt-sporsmal/",
        "deler/services/nytt-sporsmal/?type=integer",
        "sporsmal/unit/",
        "sporsmal/unit/fjern/",
    ],
)
def test_every_editor_page_is_accessible(admin_page, draft_year, path):
    response = admin_page.goto(f"/direktoratet/undersokelser/{draft_year}/rediger/{path}")
    assert response.status == 200, response.status
    assert admin_page.locator("h1").count() == 1
    assert_accessible(admin_page)
