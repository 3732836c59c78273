"""The whole survey filled in with the keyboard alone, and form errors that are announced and
linked to their fields."""

import re

import pytest

from tests.e2e.conftest import assert_accessible, demo_code, login

pytestmark = pytest.mark.e2e

# What the browser reports about the element that has the focus.
FOCUSED = """() => {
  const el = document.activeElement;
  const box = el.getBoundingClientRect();
  const group = el.type === 'radio' || el.type === 'checkbox'
    ? [...document.querySelectorAll(`input[name="${CSS.escape(el.name)}"]`)] : [];
  return {
    tag: el.tagName.toLowerCase(), type: el.type || '', name: el.name || '', id: el.id || '',
    value: el.value || '', inputmode: el.getAttribute('inputmode') || '',
    go: el.name === 'go' ? el.value : '', inForm: !!el.closest('#survey-form'),
    visible: box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== 'hidden',
    groupChecked: group.some(i => i.checked),
  };
}"""


def _saved(page):
    """The autosave of the answer just given: which questions show next depends on its reply."""
    return page.expect_response(lambda r: "/lagre/" in r.url and r.request.method == "POST")


def _answer_focused(page, element: dict) -> bool:
    """Answer the question whose control has the focus, with keys only. Returns True when text
    was typed: it is saved as the focus leaves the field."""
    kind, name = element["type"], element["name"]
    if element["tag"] == "textarea" or (kind == "text" and not element["inputmode"]):
        if not element["value"]:
            page.keyboard.type("Svar skrevet med tastaturet")
            return True
    elif kind == "text":  # numbers and percentages
        if not element["value"]:
            page.keyboard.type("3")
            return True
    elif kind == "radio":
        if not element["groupChecked"]:
            with _saved(page):
                page.keyboard.press("Space")
        elif element["value"] == "":  # "No answer" is chosen: the arrow moves to an answer
            with _saved(page):
                page.keyboard.press("ArrowDown")
    elif kind == "checkbox":
        # A multiple-choice question gets its first option; "Don't know" and the like stay off.
        if not element["groupChecked"] and not re.search(r"-(dk|confirm)$", name):
            with _saved(page):
                page.keyboard.press("Space")
    elif element["tag"] == "select" and not element["value"]:
        with _saved(page):
            page.keyboard.press("ArrowDown")
    return False


def test_the_whole_survey_with_the_keyboard_alone(page):
    login(page, "bergen-editor")
    page.goto("/kommune/4601/undersokelse/2026/")
    # Into the first section by keyboard: the skip link, then Tab to the first section link.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    for _ in range(200):
        page.keyboard.press("Tab")
        href = page.evaluate("document.activeElement.getAttribute('href') || ''")
        if "/del/" in href:
            break
    else:
        pytest.fail("no section link reached with Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    sections = 0
    while "/del/" in page.url:
        sections += 1
        assert sections < 40, "the survey never ended"
        assert page.locator("[tabindex]:not([tabindex='-1']):not([tabindex='0'])").count() == 0
        if page.locator("#error-summary").count():
            pytest.fail(page.locator("#error-summary").inner_text())
        seen = set()
        typed = False
        for _ in range(1000):
            if typed:
                with _saved(page):
                    page.keyboard.press("Tab")
            else:
                page.keyboard.press("Tab")
            typed = False
            element = page.evaluate(FOCUSED)
            assert element["visible"], f"the focus went to something hidden: {element}"
            if element["go"] == "next":
                with page.expect_navigation():
                    page.keyboard.press("Enter")
                break
            if element["inForm"] and element["id"] not in seen:
                seen.add(element["id"])
                typed = _answer_focused(page, element)
        else:
            pytest.fail(f"no 'Save and continue' reached with Tab on {page.url}")

    assert "/gjennomgang/" in page.url, page.url
    summary = page.locator("main p", has_text="spørsmål er besvart").first.inner_text()
    answered, total = (int(n) for n in re.findall(r"\d+", summary)[:2])
    assert sections > 3 and total > 10
    unanswered = page.locator("dd:has(.badge) >> xpath=preceding-sibling::dt[1]").all_inner_texts()
    assert answered == total, f"{summary} Not answered: {unanswered}"
    assert_accessible(page)


def test_form_errors_are_announced_and_lead_to_the_field(page):
    page.goto("/konto/login/")
    page.get_by_label("Brukernavn eller e-postadresse").fill("imdi-sor")
    page.get_by_label("Passord").fill("not the password")
    with page.expect_navigation():
        page.get_by_role("button", name="Logg inn").click()
    summary = page.locator(".form-error-summary")
    assert summary.get_attribute("role") == "alert"
    assert page.evaluate("document.activeElement.classList.contains('form-error-summary')")
    assert_accessible(page)

    login(page, "imdi-sor")
    page.goto("/")
    page.context.clear_cookies()
    # The second step: a code of the wrong shape.
    page.goto("/konto/login/")
    page.get_by_label("Brukernavn eller e-postadresse").fill("imdi-sor")
    page.get_by_label("Passord").fill("demo")
    with page.expect_navigation():
        page.get_by_role("button", name="Logg inn").click()
    assert "/konto/two-factor/" in page.url
    assert_accessible(page)
    page.get_by_label("Kode fra autentiseringsappen").fill("12")
    with page.expect_navigation():
        page.get_by_role("button", name="Fortsett").click()
    field = page.locator("#id_code")
    assert field.get_attribute("aria-invalid") == "true"
    described = field.get_attribute("aria-describedby").split()
    error_text = " ".join(page.locator(f"#{i}").inner_text() for i in described)
    assert "seks sifrene" in error_text
    assert page.evaluate("document.activeElement.classList.contains('form-error-summary')")
    # The summary's link takes the keyboard to the field.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "id_code"
    assert_accessible(page)
    page.keyboard.press("Control+A")
    page.keyboard.type(demo_code("imdi-sor"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/konto/two-factor/" not in page.url
