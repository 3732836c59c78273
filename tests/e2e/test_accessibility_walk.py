"""Every section of every shipped survey edition, as a municipal editor sees it, passes an
accessibility scan (WCAG 2.1 A/AA, no serious or critical violation). The walk is generated from
the edition definitions, so a new edition is covered without new test code."""

from pathlib import Path

import pytest
import yaml

from surveys.demo import EDITIONS_DIR, SHIPPED
from tests.e2e.conftest import assert_accessible, login

pytestmark = pytest.mark.e2e


def _sections():
    for filename, _status in SHIPPED:
        definition = yaml.safe_load(Path(EDITIONS_DIR, filename).read_text(encoding="utf-8"))
        for section in definition["sections"]:
            yield definition["year"], section["key"]


@pytest.fixture(scope="module")
def editor_page(browser, portal_url):
    context = browser.new_context(base_url=portal_url, bypass_csp=True, locale="nb-NO")
    page = context.new_page()
    page.set_default_timeout(30_000)
    login(page, "kristiansand-editor")
    yield page
    context.close()


@pytest.mark.parametrize(("year", "section"), list(_sections()))
def test_every_section_is_accessible(editor_page, year, section):
    response = editor_page.goto(f"/kommune/4204/undersokelse/{year}/del/{section}/")
    assert response.status == 200, response.status
    assert editor_page.locator("h1").count() == 1
    assert_accessible(editor_page)


MUNICIPAL_PAGES = [
    "/kommune/4204/undersokelse/2026/",
    "/kommune/4204/profil/",
    "/kommune/4204/profil/bekreft-alt/",
    "/kommune/4204/endringslogg/",
    "/kommune/4204/endringslogg/?kind=survey",
    "/kommune/4204/endringslogg/?year=not-a-year",  # the filter's error message
]


@pytest.mark.parametrize("path", MUNICIPAL_PAGES)
def test_the_municipal_pages_are_accessible(editor_page, path):
    """The survey overview with its main action, the profile with "confirm everything", the
    list that confirms, and the organisation's change log."""
    response = editor_page.goto(path)
    assert response.status == 200, response.status
    assert editor_page.locator("h1").count() == 1
    assert_accessible(editor_page)


def test_the_overview_at_phone_width_and_200_percent_zoom(browser, portal_url):
    # 200 % zoom of a 1280 px window is a 640 px layout; a phone is 375 px.
    for width in (640, 375):
        context = browser.new_context(
            base_url=portal_url,
            bypass_csp=True,
            locale="nb-NO",
            viewport={"width": width, "height": 800},
        )
        page = context.new_page()
        login(page, "kristiansand-editor")
        page.goto("/kommune/4204/undersokelse/2026/")
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width + 1, f"{width}px: the page is {scroll}px wide"
        assert_accessible(page)
        context.close()


def _editor_pages():
    """The questionnaire editor's pages for each shipped edition (opened: texts only)."""
    for filename, _status in SHIPPED:
        definition = yaml.safe_load(Path(EDITIONS_DIR, filename).read_text(encoding="utf-8"))
        year, section = definition["year"], definition["sections"][0]
        yield year, ""
        yield year, "oversettelser/"
        yield year, "historikk/"
        yield year, f"deler/{section['key']}/"
        yield year, f"sporsmal/{section['questions'][0]['key']}/"


@pytest.fixture(scope="module")
def admin_page(browser, portal_url):
    context = browser.new_context(base_url=portal_url, bypass_csp=True, locale="nb-NO")
    page = context.new_page()
    page.set_default_timeout(30_000)
    login(page, "imdi-admin")
    yield page
    context.close()


@pytest.mark.parametrize(("year", "path"), list(_editor_pages()))
def test_every_editor_page_is_accessible(admin_page, year, path):
    response = admin_page.goto(f"/direktoratet/undersokelser/{year}/rediger/{path}")
    assert response.status == 200, response.status
    assert admin_page.locator("h1").count() == 1
    assert_accessible(admin_page)


def _paper_pages():
    """The blank questionnaire to print: the organisation's own for each shipped edition, and
    the directorate's for everyone and as one organisation gets it."""
    for filename, _status in SHIPPED:
        year = yaml.safe_load(Path(EDITIONS_DIR, filename).read_text(encoding="utf-8"))["year"]
        yield "editor", f"/kommune/4204/undersokelse/{year}/skjema/"
        yield "admin", f"/direktoratet/undersokelser/{year}/skjema/"
    yield "admin", "/direktoratet/undersokelser/2026/forhandsvisning/4204/skjema/"


@pytest.mark.parametrize(("who", "path"), list(_paper_pages()))
def test_every_print_page_is_accessible(editor_page, admin_page, who, path):
    page = editor_page if who == "editor" else admin_page
    response = page.goto(path)
    assert response.status == 200, response.status
    assert page.locator("h1").count() == 1
    assert_accessible(page)
    # On paper: the questionnaire without the portal's menus and buttons.
    page.emulate_media(media="print")
    try:
        assert page.locator("body > header").is_hidden()
        assert page.locator(".paper-tools").is_hidden()
        assert page.locator(".paper-form h1").is_visible()
    finally:
        page.emulate_media(media="screen")


# The log-in pages: the person's own, and the administrator's for requiring ID-porten. Here,
# with no national login configured, each says so...
LOGIN_PAGES = [
    ("editor", "/konto/national-login/"),
    ("admin", "/kommune/4204/"),  # the organisation's page, with its log-in section
    ("admin", "/direktoratet/innlogging/"),
]


@pytest.mark.parametrize(("who", "path"), LOGIN_PAGES)
def test_the_log_in_pages_are_accessible(editor_page, admin_page, who, path):
    page = editor_page if who == "editor" else admin_page
    response = page.goto(path)
    assert response.status == 200, response.status
    assert page.locator("h1").count() == 1
    assert_accessible(page)


def test_the_log_in_pages_with_id_porten_configured_are_accessible(browser, national_portal):
    """... and with ID-porten configured: the section that lists who has not connected it and
    asks to confirm, the page after requiring it, and what a member then reads."""
    contexts = [
        browser.new_context(base_url=national_portal, bypass_csp=True, locale="nb-NO")
        for _ in range(2)
    ]
    admin, editor = (context.new_page() for context in contexts)
    for page in (admin, editor):
        page.set_default_timeout(30_000)
    try:
        login(editor, "kristiansand-editor")  # before the password is refused
        editor.goto("/konto/national-login/")
        assert_accessible(editor)
        login(admin, "imdi-admin")
        admin.goto("/direktoratet/innlogging/")
        assert admin.locator("h1").count() == 1
        assert_accessible(admin)
        admin.goto("/kommune/4204/")
        section = admin.locator("section[aria-labelledby=login-heading]")
        assert "Ikke koblet til ennå" in section.inner_text()
        assert_accessible(admin)
        section.get_by_label("Jeg har lest at", exact=False).check()
        with admin.expect_navigation():
            section.get_by_role("button", name="Krev ID-porten for denne organisasjonen").click()
        assert "ID-porten er nå påkrevd for medlemmene i Kristiansand." in (
            admin.locator("main").inner_text()
        )
        assert_accessible(admin)
        editor.goto("/konto/national-login/")
        assert "Organisasjonen din krever ID-porten (Kristiansand)" in (
            editor.locator("main").inner_text()
        )
        assert_accessible(editor)
    finally:
        admin.goto("/kommune/4204/")
        button = admin.get_by_role("button", name="Ikke krev ID-porten lenger")
        if button.count():
            with admin.expect_navigation():
                button.click()
        for context in contexts:
            context.close()
