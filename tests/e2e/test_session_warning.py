"""The session's end, on a portal served with a short session: the warning comes, "Stay logged
in" starts the time again, the end is told with a way back, and an answer typed after the end
is neither lost nor silently dropped: the page says it was not saved, keeps it, and saves it
once the person has logged in again and is back on the page."""

import pytest

from tests.e2e.conftest import PASSWORD, SERVED_ENV, assert_accessible, serve

pytestmark = pytest.mark.e2e

SESSION_SECONDS = 45
WARNING_SECONDS = 35  # the warning comes 10 s after log-in
TYPED = "Skrevet etter at økten var slutt"


@pytest.fixture(scope="module")
def short_session_url(portal_url, tmp_path_factory):
    """A second server on the same database, whose sessions last 45 seconds."""
    env = {
        **SERVED_ENV,
        "SESSION_COOKIE_AGE": str(SESSION_SECONDS),
        "SESSION_WARNING_SECONDS": str(WARNING_SECONDS),
    }
    url, server = serve(env, tmp_path_factory.mktemp("short") / "gunicorn.log")
    yield url
    server.terminate()
    server.wait(timeout=20)


def _log_in_here(page, username):
    page.get_by_label("Brukernavn eller e-postadresse").fill(username)
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()


def test_warning_stay_logged_in_end_and_an_answer_kept(browser, short_session_url):
    context = browser.new_context(base_url=short_session_url, bypass_csp=True, locale="nb-NO")
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto("/konto/login/")
    _log_in_here(page, "gamle-oslo-editor")
    page.wait_for_url(lambda url: "/konto/login/" not in url)
    page.goto("/kommune/030101/undersokelse/2026/")
    links = page.locator("main a[href*='/del/']")
    sections = [links.nth(i).get_attribute("href") for i in range(links.count())]
    free_text = (
        "#survey-form textarea:not([name$='-explanation']):visible,"
        " #survey-form input[type=text]:not([name$='-other']):visible"
    )
    for section_path in sections:  # the first section with a field to type in
        page.goto(section_path)
        if page.locator(free_text).count():
            break
    else:
        pytest.fail(f"no section with a text field: {sections}")
    field = page.locator(free_text).first
    name = field.get_attribute("name")
    typed = "7" if field.get_attribute("inputmode") else TYPED

    # The warning: an alert dialog, with the focus on "Stay logged in".
    dialog = page.get_by_role("alertdialog", name="Du blir snart logget ut")
    dialog.wait_for(timeout=(SESSION_SECONDS - WARNING_SECONDS + 20) * 1000)
    assert page.evaluate("document.activeElement.textContent.trim()") == "Forbli innlogget"
    assert_accessible(page)
    with page.expect_response(lambda r: "/konto/keep-alive/" in r.url) as kept:
        dialog.get_by_role("button", name="Forbli innlogget").click()
    assert kept.value.status == 200
    assert kept.value.json()["expires_in"] == SESSION_SECONDS
    dialog.wait_for(state="hidden")
    assert "fortsatt logget inn" in page.locator("#session-status").inner_text()

    # The end: told, with a link back to this page through the login.
    ended = page.get_by_role("alertdialog", name="Du er logget ut")
    ended.wait_for(timeout=(SESSION_SECONDS + 20) * 1000)
    login_link = ended.get_by_role("link", name="Logg inn igjen")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Logg inn igjen"
    assert login_link.get_attribute("href").endswith("next=" + section_path)
    assert_accessible(page)
    ended.get_by_role("button", name="Lukk").click()
    ended.wait_for(state="hidden")

    # An answer typed now is refused (401) and kept on the page, with a message saying so.
    field.fill(typed)
    with page.expect_response(lambda r: "/lagre/" in r.url) as refused:
        field.press("Tab")
    assert refused.value.status == 401
    fieldset = page.locator("fieldset.question", has=page.locator(f"[name='{name}']"))
    message = fieldset.locator(".js-message")
    assert "ble ikke lagret" in message.inner_text()
    assert field.input_value() == typed

    # Logging in again from the message leads back to the page, where the answer is saved.
    message.get_by_role("link", name="Logg inn igjen").click()
    page.wait_for_url("**/konto/login/**")
    with page.expect_response(lambda r: "/lagre/" in r.url, timeout=30_000) as saved:
        _log_in_here(page, "gamle-oslo-editor")
        page.wait_for_url(lambda url: url.endswith(section_path))
    assert saved.value.status == 200 and saved.value.json()["status"] == "saved"
    page.reload()
    assert page.locator(f"[name='{name}']").input_value() == typed
    context.close()
