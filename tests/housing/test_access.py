"""Who may read and change a profile: the housing rows of the access matrix, and the scoping
that must never break (another organisation's profile is 404, a settlement officer never writes)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from housing import services
from housing.models import HousingLine, ProfileSection, ProfileVersion
from tests.conftest import CAST_NAMES
from tests.housing.access_rows import HOUSING_GET_ONLY_CHECKS, HOUSING_MATRIX, LOGIN
from tests.housing.conftest import facts, line


def _check(response, expected, url):
    if expected == LOGIN:
        assert response.status_code == 302, url
        assert response["Location"].startswith("/konto/login/"), response["Location"]
    else:
        assert response.status_code == expected, (url, response.status_code)


@pytest.mark.parametrize("who", CAST_NAMES)
@pytest.mark.parametrize("name", sorted(HOUSING_MATRIX))
def test_access(client, cast, name, who):
    method, build_kwargs, expected = HOUSING_MATRIX[name]
    url = reverse(name, kwargs=build_kwargs(cast) if build_kwargs else None)
    user = cast.member(who)
    if user is not None:
        client.force_login(user)
    _check(getattr(client, method)(url), expected[who], url)


@pytest.mark.parametrize("who", CAST_NAMES)
@pytest.mark.parametrize("name", sorted(HOUSING_GET_ONLY_CHECKS))
def test_state_changing_urls_refuse_get(client, cast, name, who):
    _method, build_kwargs, _expected = HOUSING_MATRIX[name]
    url = reverse(name, kwargs=build_kwargs(cast))
    user = cast.member(who)
    if user is not None:
        client.force_login(user)
    _check(client.get(url), HOUSING_GET_ONLY_CHECKS[name][who], url)


def test_every_housing_url_pattern_has_a_row():
    from django.urls import URLResolver, get_resolver

    from housing import urls

    def names_in(patterns):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from names_in(p.url_patterns)
            else:
                yield p.name

    names = set(names_in(urls.urlpatterns))
    assert {f"{urls.app_name}:{n}" for n in names} == set(HOUSING_MATRIX)
    included = get_resolver().namespace_dict.get(urls.app_name)
    assert included is not None, "housing.urls is not included in portal/urls.py"
    assert names <= {n for n in included[1].reverse_dict if isinstance(n, str)}


def test_editor_of_b_can_neither_read_nor_write_a(client, cast):
    a_line = line(cast.a, reference="A-1", rooms=4)
    facts(cast.a, "schools", upper_secondary=True)
    client.force_login(cast.editor_b)
    base = f"/kommune/{cast.a.number}/profil/"
    for url in (
        base,
        f"{base}historikk/",
        f"{base}per-dato/?dato=2025-01-01",
        f"{base}bolig/",
        f"{base}bolig/last-ned/",
        f"{base}bolig/{a_line.pk}/",
        f"{base}skole/endre/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"{base}skole/endre/", {"upper_secondary": "False"}).status_code == 404
    assert client.post(f"{base}skole/bekreft/").status_code == 404
    assert client.post(f"{base}bolig/{a_line.pk}/", {"tenure": "shared"}).status_code == 404
    assert client.post(f"{base}bolig/{a_line.pk}/slett/").status_code == 404
    assert client.post(f"{base}bolig/last-opp/").status_code == 404
    # Nothing of A changed.
    a_line.refresh_from_db()
    assert a_line.tenure == "municipal_rental"
    assert ProfileSection.objects.get(municipality=cast.a, key="schools").data["upper_secondary"]


def test_editor_of_b_cannot_reach_a_line_through_b(client, cast):
    """A line of A addressed under B's number is not found, not edited."""
    a_line = line(cast.a, rooms=4)
    client.force_login(cast.editor_b)
    url = f"/kommune/{cast.b.number}/profil/bolig/{a_line.pk}/"
    assert client.get(url).status_code == 404
    assert client.post(f"{url}slett/").status_code == 404
    assert HousingLine.objects.filter(pk=a_line.pk).exists()


def test_settlement_officer_reads_every_profile_and_writes_none(client, cast):
    a_line = line(cast.a, rooms=4)
    client.force_login(cast.officer)
    for m in (cast.a, cast.b):
        assert client.get(f"/kommune/{m.number}/profil/").status_code == 200
        assert client.get(f"/kommune/{m.number}/profil/historikk/").status_code == 200
    base = f"/kommune/{cast.a.number}/profil/"
    assert client.post(f"{base}skole/endre/", {"upper_secondary": "True"}).status_code == 403
    assert client.post(f"{base}skole/bekreft/").status_code == 403
    assert client.post(f"{base}bolig/{a_line.pk}/slett/").status_code == 403
    assert client.post(f"{base}bolig/ny/", {"tenure": "shared"}).status_code == 403
    assert not ProfileSection.objects.filter(municipality=cast.a, key="schools").exists()
    assert HousingLine.objects.filter(pk=a_line.pk).exists()


def test_the_services_refuse_those_who_may_not_edit(cast):
    for user in (cast.officer, cast.viewer_a, cast.editor_b, cast.adviser_a):
        with pytest.raises(PermissionDenied):
            services.section_confirm(actor=user, municipality=cast.a, key="schools")
        with pytest.raises(PermissionDenied):
            services.housing_line_save(
                actor=user, municipality=cast.a, tenure="shared", rooms=2, units=1
            )
        with pytest.raises(PermissionDenied):
            services.housing_lines_upload(
                actor=user, municipality=cast.a, content=b"tenure,rooms,units\n", filename="x.csv"
            )
    assert not ProfileVersion.objects.exists()


def test_a_municipality_sees_its_profile_as_officers_do(client, cast):
    """The same page: the municipality's editor sees the officer's page plus the edit buttons."""
    line(cast.a, rooms=4, area="Lund")
    facts(cast.a, "schools", upper_secondary=True, upper_secondary_programmes="Elektro")
    client.force_login(cast.officer)
    officer_page = client.get(f"/kommune/{cast.a.number}/profil/")
    client.force_login(cast.editor_a)
    editor_page = client.get(f"/kommune/{cast.a.number}/profil/")
    preview = client.get(f"/kommune/{cast.a.number}/profil/?visning=bosetter")
    assert officer_page.templates[0].name == editor_page.templates[0].name == "housing/profile.html"
    officer_html = officer_page.content.decode()
    assert "Elektro" in officer_html and "Lund" not in officer_html  # lines are on their page
    assert "/skole/endre/" not in officer_html and "/bekreft/" not in officer_html
    assert "/skole/endre/" in editor_page.content.decode()
    preview_html = preview.content.decode()
    assert "/skole/endre/" not in preview_html and "Elektro" in preview_html
