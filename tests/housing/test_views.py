"""The pages: GET and POST with good and bad input, as the people who use them."""

import datetime as dt

from django.core.management import call_command
from django.utils import timezone

from housing.models import (
    ContactPerson,
    HousingLine,
    ProfileSection,
    ProfileVersion,
    StaffedHousing,
)
from tests.housing.conftest import age, contact, facts, line, staffed


def base(cast):
    return f"/kommune/{cast.a.number}/profil/"


def test_profile_page_shows_every_section_with_its_freshness(client, cast):
    facts(cast.a, "transport", level="good")
    age(cast.a, "transport", 100)
    line(cast.a, rooms=4, units=3, vacant_now=2)
    contact(cast.a, name="Kari Kontakt", role="Koordinator")
    client.force_login(cast.officer)
    response = client.get(base(cast))
    assert response.status_code == 200
    profile = response.context["profile"]
    assert [s.key for s in profile.stale][:3] == ["staffed_housing", "schools", "introduction"]
    assert "transport" in [s.key for s in profile.stale]
    html = response.content.decode()
    assert "Kari Kontakt" in html
    assert 'id="transport"' in html and "badge-stale" in html
    assert profile.section("housing").housing_totals.vacant_now == 2


def test_section_form_good_and_bad(client, cast):
    client.force_login(cast.editor_a)
    url = f"{base(cast)}introduksjonsprogram/endre/"
    assert client.get(url).status_code == 200
    bad = client.post(url, {"run_by": "the mayor", "capacity": "-3", "result_target": "150"})
    assert bad.status_code == 200
    assert set(bad.context["form"].errors) == {"run_by", "capacity", "result_target"}
    assert not ProfileSection.objects.filter(key="introduction").exists()
    good = client.post(
        url,
        {
            "run_by": "nav",
            "capacity": "40",
            "result_target": "70",
            "norwegian_with_primary": "True",
            "norwegian_with_upper_secondary": "",
            "notes": "Tett samarbeid med NAV",
        },
    )
    assert good.status_code == 302 and good["Location"].endswith("/profil/#introduction")
    section = ProfileSection.objects.get(municipality=cast.a, key="introduction")
    assert section.data["run_by"] == "nav" and section.data["capacity"] == 40
    assert section.data["norwegian_with_primary"] is True
    assert section.data["norwegian_with_upper_secondary"] is None
    assert section.last_confirmed_by == cast.editor_a
    # The form shows what is saved.
    form = client.get(url).context["form"]
    assert form.initial["capacity"] == 40


def test_interpreter_languages_are_a_list(client, cast):
    client.force_login(cast.editor_a)
    client.post(
        f"{base(cast)}tolk/endre/", {"languages": "arabic; Tigrinya,dari, Arabic", "remote": "True"}
    )
    data = ProfileSection.objects.get(key="interpreters").data
    assert data["languages"] == ["Arabic", "Tigrinya", "Dari"]
    assert client.get(f"{base(cast)}tolk/endre/").context["form"].initial["languages"] == (
        "Arabic, Tigrinya, Dari"
    )


def test_unknown_section_is_404(client, cast):
    client.force_login(cast.editor_a)
    assert client.get(f"{base(cast)}hagearbeid/endre/").status_code == 404
    assert client.get(f"{base(cast)}bolig/endre/").status_code == 404  # rows have their own pages
    assert client.post(f"{base(cast)}hagearbeid/bekreft/").status_code == 404


def test_confirm_button(client, cast):
    facts(cast.a, "health", gp_vacancies=True)
    age(cast.a, "health", 120)
    client.force_login(cast.signatory_a)
    response = client.post(f"{base(cast)}helse/bekreft/")
    assert response.status_code == 302 and response["Location"].endswith("#health")
    section = ProfileSection.objects.get(key="health")
    assert not section.is_stale() and section.last_confirmed_by == cast.signatory_a


def test_housing_line_form_good_and_bad(client, cast):
    client.force_login(cast.editor_a)
    url = f"{base(cast)}bolig/ny/"
    assert client.get(url).status_code == 200
    bad = client.post(
        url,
        {
            "tenure": "shared",
            "rooms": "3",
            "bedrooms": "3",
            "units": "2",
            "vacant_now": "5",
            "vacant_later": "0",
        },
    )
    assert bad.status_code == 200
    assert set(bad.context["form"].errors) == {"bedrooms", "vacant_now"}
    assert not HousingLine.objects.exists()
    good = client.post(
        url,
        {
            "tenure": "shared",
            "rooms": "3",
            "bedrooms": "2",
            "units": "2",
            "vacant_now": "1",
            "vacant_later": "1",
            "vacant_from": "2026-08-01",
            "step_free": "on",
            "area": "Lund",
        },
    )
    assert good.status_code == 302
    created = HousingLine.objects.get()
    assert created.municipality == cast.a and created.step_free
    edit = f"{base(cast)}bolig/{created.pk}/"
    assert client.get(edit).context["form"].initial["area"] == "Lund"
    response = client.post(
        edit,
        {
            "tenure": "shared",
            "rooms": "3",
            "bedrooms": "2",
            "units": "2",
            "vacant_now": "0",
            "vacant_later": "0",
            "area": "Lund",
        },
    )
    assert response.status_code == 302
    created.refresh_from_db()
    assert (created.vacant_now, created.vacant_later, created.step_free) == (0, 0, False)
    assert client.post(f"{edit}slett/").status_code == 302
    assert not HousingLine.objects.exists()
    assert ProfileVersion.objects.filter(section="housing").count() == 3


def test_housing_lines_page(client, cast):
    line(cast.a, reference="LUND-3", area="Lund")
    client.force_login(cast.viewer_a)
    html = client.get(f"{base(cast)}bolig/").content.decode()
    assert "LUND-3" in html and "/bolig/ny/" not in html
    client.force_login(cast.editor_a)
    html = client.get(f"{base(cast)}bolig/").content.decode()
    assert "/bolig/ny/" in html


def test_vacancies_page(client, cast):
    first = line(cast.a, units=3)
    second = line(cast.a, rooms=4, bedrooms=3, units=1)
    client.force_login(cast.editor_a)
    url = f"{base(cast)}bolig/ledighet/"
    assert len(client.get(url).context["forms"]) == 2
    bad = client.post(
        url,
        {
            f"line-{first.pk}-vacant_now": "4",
            f"line-{first.pk}-vacant_later": "0",
            f"line-{second.pk}-vacant_now": "1",
            f"line-{second.pk}-vacant_later": "0",
        },
    )
    assert bad.status_code == 200
    assert (
        "vacant_now" in bad.context["forms"][0].errors
        or "vacant_now" in bad.context["forms"][1].errors
    )
    assert HousingLine.objects.filter(vacant_now__gt=0).count() == 0
    good = client.post(
        url,
        {
            f"line-{first.pk}-vacant_now": "1",
            f"line-{first.pk}-vacant_later": "2",
            f"line-{first.pk}-vacant_from": "2026-09-01",
            f"line-{second.pk}-vacant_now": "1",
            f"line-{second.pk}-vacant_later": "0",
        },
    )
    assert good.status_code == 302
    first.refresh_from_db()
    assert (first.vacant_now, first.vacant_later, first.vacant_from) == (1, 2, dt.date(2026, 9, 1))


def test_staffed_housing_and_contact_forms(client, cast):
    client.force_login(cast.editor_a)
    bad = client.post(
        f"{base(cast)}bemannet-bolig/ny/",
        {"name": "Lund", "places": "4", "vacancies": "5", "age_from": "18", "age_to": "15"},
    )
    assert bad.status_code == 200
    assert set(bad.context["form"].errors) == {"vacancies", "age_to"}
    good = client.post(
        f"{base(cast)}bemannet-bolig/ny/",
        {"name": "Lund", "places": "4", "vacancies": "1", "age_from": "15", "age_to": "18"},
    )
    assert good.status_code == 302 and StaffedHousing.objects.get().name == "Lund"
    bad = client.post(
        f"{base(cast)}kontaktpersoner/ny/", {"area": "health", "name": "", "email": "nope"}
    )
    assert set(bad.context["form"].errors) == {"name", "email"}
    good = client.post(
        f"{base(cast)}kontaktpersoner/ny/",
        {
            "area": "health",
            "name": "Helga Helse",
            "email": "helga@kommune.example",
            "phone": "+47 400 00 000",
        },
    )
    assert good.status_code == 302
    person = ContactPerson.objects.get()
    assert client.post(f"{base(cast)}kontaktpersoner/{person.pk}/slett/").status_code == 302
    home = StaffedHousing.objects.get()
    assert client.post(f"{base(cast)}bemannet-bolig/{home.pk}/slett/").status_code == 302
    assert not ContactPerson.objects.exists() and not StaffedHousing.objects.exists()


def test_history_page(client, cast, django_assert_max_num_queries):
    facts(cast.a, "schools", upper_secondary=False)
    facts(cast.a, "schools", upper_secondary=True)
    for i in range(5):
        line(cast.a, reference=f"L{i}")
    staffed(cast.a)
    client.force_login(cast.adviser_a)
    with django_assert_max_num_queries(10):
        response = client.get(f"{base(cast)}historikk/")
    assert response.status_code == 200
    assert len(response.context["entries"]) == 8
    only = client.get(f"{base(cast)}historikk/?del=schools")
    assert len(only.context["entries"]) == 2
    assert client.get(f"{base(cast)}historikk/?del=nonsense").status_code == 200


def test_as_of_page(client, cast):
    facts(cast.a, "transport", level="poor")
    ProfileVersion.objects.update(changed_at=timezone.now() - dt.timedelta(days=30))
    facts(cast.a, "transport", level="good")
    client.force_login(cast.officer)
    day = (timezone.localdate() - dt.timedelta(days=10)).isoformat()
    response = client.get(f"{base(cast)}per-dato/?dato={day}")
    assert response.status_code == 200
    assert response.context["profile"].as_of.isoformat() == day
    assert [d.key for d in response.context["changes"]] == ["transport"]
    assert "/endre/" not in response.content.decode()  # a page of the past has no edit buttons
    future = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = client.get(f"{base(cast)}per-dato/?dato={future}")
    assert response.context["form"].errors and "profile" not in response.context
    assert client.get(f"{base(cast)}per-dato/?dato=yesterday").status_code == 200


def test_demo_profiles_are_idempotent(db, cast, settings):
    from portal.municipalities.models import Municipality
    from tests.factories import MunicipalityFactory

    MunicipalityFactory(number="030101", name="Gamle Oslo", kind=Municipality.Kind.DISTRICT)
    call_command("load_housing_demo")
    counts = (HousingLine.objects.count(), ProfileVersion.objects.count())
    assert counts[0] > 5
    call_command("load_housing_demo")
    assert (HousingLine.objects.count(), ProfileVersion.objects.count()) == counts
    assert HousingLine.objects.filter(municipality=cast.a, notes="(demo)").exists()
