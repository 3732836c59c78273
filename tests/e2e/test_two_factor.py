"""A new member of the directorate sets up the authenticator app at the first log-in, gets the
recovery codes and later logs in with one of them instead of the phone, in the browser, with an
accessibility scan of the pages on the way (also at phone width)."""

import base64
import time
from pathlib import Path

import pytest
from django_otp.oath import TOTP

from tests.e2e.conftest import PASSWORD, assert_accessible, manage

pytestmark = pytest.mark.e2e

CREATE = """
from portal.accounts.models import User
user, _ = User.objects.get_or_create(
    username="{username}", defaults={{"email": "{username}@imdi.example", "directorate_role": "settlement"}}
)
user.set_password("{password}")
user.save()
"""


@pytest.mark.parametrize("width", [1280, 375])
def test_first_login_of_a_new_directorate_member(browser, portal_url, width):
    username = f"ny-bosetter-{width}"
    manage("shell", "-c", CREATE.format(username=username, password=PASSWORD))
    context = browser.new_context(
        base_url=portal_url,
        bypass_csp=True,
        locale="nb-NO",
        viewport={"width": width, "height": 900},
    )
    page = context.new_page()
    page.goto("/direktoratet/kommuner/")
    page.get_by_label("Brukernavn eller e-postadresse").fill(username)
    page.get_by_label("Passord").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Logg inn").click()
    assert "/konto/two-factor/setup/" in page.url, page.url
    assert page.get_by_role("img", name="QR-kode").is_visible()
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width + 1, f"{width}px: the page is {scroll}px wide"
    assert_accessible(page)

    key = page.locator("#totp-key").inner_text().replace(" ", "").replace("\n", "")
    totp = TOTP(base64.b32decode(key))
    totp.time = time.time()
    page.get_by_label("Kode fra autentiseringsappen").fill(f"{totp.token():06d}")
    with page.expect_navigation():
        page.get_by_role("button", name="Slå på tofaktorautentisering").click()
    # The recovery codes, shown once, then on to the page asked for.
    assert "/konto/two-factor/recovery-codes/" in page.url, page.url
    assert "Tofaktorautentisering er slått på" in page.locator(".messages").inner_text()
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    assert page.get_by_role("button", name="Skriv ut kodene").is_visible()
    assert page.get_by_role("button", name="Kopier kodene").is_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Lagre som tekstfil").click()
    assert Path(download.value.path()).read_text().split() == codes
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Fortsett").click()
    assert page.url.endswith("/direktoratet/kommuner/"), page.url

    # Without the phone: the password, then a recovery code instead of the app's code.
    context.clear_cookies()  # a new day, a new session
    page.goto("/direktoratet/kommuner/")
    page.get_by_label("Brukernavn eller e-postadresse").fill(username)
    page.get_by_label("Passord").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Logg inn").click()
    assert "/konto/two-factor/" in page.url, page.url
    with page.expect_navigation():
        page.get_by_role("link", name="Har du mistet telefonen? Bruk en reservekode").click()
    assert_accessible(page)
    page.get_by_label("Reservekode").fill(codes[0])
    with page.expect_navigation():
        page.get_by_role("button", name="Logg inn med reservekoden").click()
    assert page.url.endswith("/direktoratet/kommuner/"), page.url
    assert "9 koder er igjen" in page.locator(".messages").inner_text()

    # The two-factor page counts what is left.
    page.goto("/konto/two-factor/recovery-codes/")
    assert "9 ubrukte reservekoder" in page.locator("#recovery-count").inner_text()
    assert_accessible(page)
    context.close()
