"""The accessibility and privacy statements: open to everyone, in all three languages, with the
contact details from the settings, and linked from every page's footer."""

import pytest


@pytest.mark.parametrize(
    ("language", "accessibility", "privacy"),
    [
        (
            "nb",
            "Tilgjengelighetserklæring for Kommuneportalen",
            "Personvernerklæring for Kommuneportalen",
        ),
        ("nn", "Tilgjengeerklæring for Kommuneportalen", "Personvernerklæring for Kommuneportalen"),
        (
            "en",
            "Accessibility statement for Kommuneportalen",
            "Privacy statement for Kommuneportalen",
        ),
    ],
)
def test_statements_are_public_in_every_language(client, db, language, accessibility, privacy):
    client.cookies["django_language"] = language
    for url, heading in (("/tilgjengelighet/", accessibility), ("/personvern/", privacy)):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert f"<h1>{heading}</h1>" in html
        assert f'<html lang="{language}">' in html


def test_accessibility_statement_names_the_standard_the_gaps_and_where_to_complain(client, db):
    html = client.get("/tilgjengelighet/").content.decode()
    assert "WCAG" in html and "2.1" in html and "nivå A og AA" in html
    assert "oppfyller kravene delvis" in html
    assert "PDF/UA" in html
    assert 'href="https://www.uutilsynet.no/"' in html
    assert 'href="mailto:post@imdi.no"' in html
    assert "sist oppdatert 7. desember 2026" in html
    assert "8 timer etter at du logget inn" in html


def test_privacy_statement_follows_the_settings(client, db, settings):
    settings.SESSION_COOKIE_AGE = 4 * 60 * 60
    settings.LOGIN_LOCKOUT_SECONDS = 30 * 60
    html = client.get("/personvern/").content.decode()
    assert "behandlingsansvarlig" in html
    assert "artikkel 6 nr. 1 bokstav e" in html
    assert "Økten slutter 4 timer etter" in html
    assert "i 30 minutter" in html
    assert "i 14 dager" in html  # the invitation link
    assert 'href="https://www.datatilsynet.no/"' in html


def test_contact_details_come_from_the_settings(client, db, settings):
    settings.PORTAL_CONTACT_EMAIL = "brukerstotte@example.no"
    settings.PORTAL_CONTACT_PHONE = "+47 12 34 56 78"
    settings.PORTAL_CONTACT_ADDRESS = "Postboks 1, 0101 Oslo"
    for url in ("/konto/login/", "/tilgjengelighet/"):
        html = client.get(url).content.decode()
        assert 'href="mailto:brukerstotte@example.no"' in html, url
        assert 'href="tel:+4712345678">+47 12 34 56 78</a>' in html, url
        assert "Postboks 1, 0101 Oslo" in html, url
        assert 'href="https://www.imdi.no">imdi.no</a>' in html, url


def test_no_phone_or_address_is_shown_unless_set(client, db):
    html = client.get("/konto/login/").content.decode()
    assert "tel:" not in html and "Postadresse" not in html


def test_every_page_links_to_both_statements(client, cast):
    client.force_login(cast.editor_a)
    for url in ("/", "/kommune/4204/", "/konto/login/"):
        html = client.get(url, follow=True).content.decode()
        assert 'href="/personvern/"' in html and 'href="/tilgjengelighet/"' in html, url
        assert "Integrerings- og mangfoldsdirektoratet" in html, url
