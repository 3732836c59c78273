"""Logging in and out with ID-porten in Chromium: the portal served by gunicorn, configured
with a real OpenID provider (oidc-provider-mock) running on this machine."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import NATIONAL_PID as PID
from tests.e2e.conftest import assert_accessible, logout

pytestmark = pytest.mark.e2e


def _at_provider(page, sub: str) -> None:
    page.locator("input[name=sub]").fill(sub)
    page.get_by_role("button", name="Authorize").click()


def test_log_in_with_id_porten_and_out_of_both(browser, national_portal, provider_url):
    import requests

    requests.put(
        f"{provider_url}/users/kari-e2e",
        json={"pid": PID, "acr": "idporten-loa-substantial", "sid": "e2e-sid"},
        timeout=10,
    ).raise_for_status()
    context = browser.new_context(base_url=national_portal, bypass_csp=True, locale="nb-NO")
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto("/konto/login/")
        assert_accessible(page)
        page.get_by_role("link", name="Logg inn med ID-porten").click()
        page.wait_for_url(f"{provider_url}/oauth2/authorize*")
        _at_provider(page, "kari-e2e")
        page.wait_for_url(f"{national_portal}/")
        assert "Kristiansand" in page.locator("main").inner_text()
        assert_accessible(page)
        # Out of the portal and, through its end_session_endpoint, out of the provider.
        logout(page)
        page.wait_for_url(f"{provider_url}/oauth2/end_session*")
        assert "id_token_hint=" in page.url and "post_logout_redirect_uri=" in page.url
        page.get_by_role("button", name="End session").click()
        page.wait_for_url(f"{national_portal}/konto/login/*")
        page.goto("/")
        assert "/konto/login/" in page.url  # the portal session is gone
        # The next login asks at the provider again.
        page.goto("/konto/login/")
        page.get_by_role("link", name="Logg inn med ID-porten").click()
        page.wait_for_url(f"{provider_url}/oauth2/authorize*")
        assert page.locator("input[name=sub]").is_visible()
    finally:
        context.close()
