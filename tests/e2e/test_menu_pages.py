"""Every page of each role's main menu, and the main links of its home page, at a desktop width
(1280 px: the menu shows in full, on one line) and a phone width (375 px: the menu folds behind
its button, which opens it, and nothing is wider than the screen). Each page passes the
accessibility scan, and a full-page screenshot of it is kept in var/screenshots/ to look at."""

from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import ROOT, assert_accessible, login

pytestmark = pytest.mark.e2e

SHOTS = ROOT / "var" / "screenshots"
ROLES = [
    ("editor", "kristiansand-editor"),
    ("signatory", "kristiansand-leder"),
    ("viewer", "kristiansand-viewer"),
    ("adviser", "imdi-sor"),
    ("settlement", "bosetter"),
    ("admin", "imdi-admin"),
]
DESKTOP, PHONE = 1280, 375


def _name(path: str) -> str:
    return path.strip("/").replace("/", "_") or "home"


def _hrefs(page, selector: str) -> list[str]:
    links = page.locator(selector)
    return [links.nth(i).get_attribute("href") for i in range(links.count())]


def _targets(page) -> list[str]:
    """The main menu's pages, then the home page's own links (once each, without fragments;
    not the framework's administration site, which has a look of its own)."""
    page.goto("/")
    seen: list[str] = []
    for href in _hrefs(page, "#main-menu a.nav-link") + _hrefs(page, "main a[href^='/']"):
        path = urlsplit(href).path
        if path not in seen and not path.startswith("/admin/"):
            seen.append(path)
    return seen


def _shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _check_desktop(page) -> None:
    assert not page.get_by_role("button", name="Vis meny").is_visible()
    items = page.locator("#main-menu a.nav-link")
    tops = {round(items.nth(i).bounding_box()["y"]) for i in range(items.count())}
    assert len(tops) == 1, f"the menu wraps onto {len(tops)} lines at {DESKTOP} px"
    for i in range(items.count()):
        assert items.nth(i).is_visible()
    assert page.get_by_role("button", name="Logg ut").is_visible()
    assert page.locator("#language-select").is_visible()


def _check_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE + 1, f"{page.url}: the page is {width} px wide at {PHONE} px"
    button = page.get_by_role("button", name="Vis meny")
    first = page.locator("#main-menu a.nav-link").first
    assert button.is_visible() and not first.is_visible()
    button.click()
    page.locator("#main-menu.collapse.show").wait_for()
    assert first.is_visible()
    assert button.get_attribute("aria-expanded") == "true"
    page.get_by_role("button", name="Logg ut").wait_for(state="visible")


@pytest.mark.parametrize(("role", "username"), ROLES, ids=[r for r, _ in ROLES])
def test_every_menu_page_at_desktop_and_phone_width(browser, portal_url, role, username):
    context = browser.new_context(
        base_url=portal_url,
        bypass_csp=True,
        locale="nb-NO",
        viewport={"width": DESKTOP, "height": 900},
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    login(page, username)
    targets = _targets(page)
    assert len(targets) >= 3, targets
    for path in targets:
        for width in (DESKTOP, PHONE):
            page.set_viewport_size({"width": width, "height": 900})
            response = page.goto(path)
            assert response.status == 200, (path, response.status)
            assert page.locator("main h1").count() == 1, path
            assert (
                page.locator("footer").get_by_role("link", name="Tilgjengelighetserklæring").count()
                == 1
            )
            _shoot(page, f"{role}-{_name(path)}-{width}")
            assert_accessible(page)
            if width == DESKTOP:
                _check_desktop(page)
            else:
                _check_phone(page)
    context.close()


@pytest.mark.parametrize("path", ["/tilgjengelighet/", "/personvern/", "/konto/login/"])
def test_public_pages_at_desktop_and_phone_width(browser, portal_url, path):
    for width in (DESKTOP, PHONE):
        context = browser.new_context(
            base_url=portal_url,
            bypass_csp=True,
            locale="nb-NO",
            viewport={"width": width, "height": 900},
        )
        page = context.new_page()
        response = page.goto(path)
        assert response.status == 200
        assert page.locator("main h1").count() == 1
        _shoot(page, f"anonymous-{_name(path)}-{width}")
        assert_accessible(page)
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width + 1, f"{path}: {scroll} px wide at {width} px"
        context.close()
