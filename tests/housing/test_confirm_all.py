"""Confirm everything that is still correct: the list first, then one confirmation of exactly
the parts listed, each versioned and audited as a single confirmation is."""

import re

import pytest
from django.core.exceptions import PermissionDenied

from housing import selectors, services
from housing.models import ContactPerson, ProfileSection, ProfileVersion
from portal.core.audit.models import AuditEntry
from tests.housing.conftest import age, contact, facts, line


@pytest.fixture
def profile(cast):
    """Contacts, housing and two service parts filled in, all long unconfirmed; the rest empty."""
    contact(cast.a)
    line(cast.a, rooms=3, units=2)
    facts(cast.a, "transport", level="good")
    facts(cast.a, "health", gp_vacancies=True)
    for key in ("contacts", "housing", "transport", "health"):
        age(cast.a, key, 120)
    return cast.a


def seen(municipality, *keys):
    statuses = selectors.section_statuses(municipality)
    return {key: statuses[key].token for key in keys}


def url(cast):
    return f"/kommune/{cast.a.number}/profil/bekreft-alt/"


def confirm_entries():
    return AuditEntry.objects.filter(action="profile_section.confirm")


# --- the service ------------------------------------------------------------------------


def test_confirms_exactly_the_sections_sent(cast, profile):
    result = services.sections_confirm_all(
        actor=cast.editor_a, municipality=cast.a, seen=seen(cast.a, "transport", "housing")
    )
    assert result.confirmed == ["housing", "transport"]  # in the order of the profile
    assert not (result.changed or result.already or result.emptied)
    stale = {s.key for s in selectors.stale_sections(cast.a)}
    assert {"housing", "transport"}.isdisjoint(stale) and {"contacts", "health"} <= stale
    entries = confirm_entries()
    assert entries.count() == 2
    assert {e.source for e in entries} == {services.CONFIRM_ALL_SOURCE}
    assert {e.municipality_id for e in entries} == {cast.a.pk}
    confirms = ProfileVersion.objects.filter(kind="confirm", changed_by=cast.editor_a)
    assert sorted(confirms.values_list("section", flat=True)) == ["housing", "transport"]
    section = ProfileSection.objects.get(municipality=cast.a, key="transport")
    assert section.last_confirmed_by == cast.editor_a
    assert section.updated_at < section.last_confirmed_at  # confirmed, not changed


def test_sending_the_same_list_twice_confirms_once(cast, profile):
    shown = seen(cast.a, "contacts", "health")
    first = services.sections_confirm_all(actor=cast.editor_a, municipality=cast.a, seen=shown)
    again = services.sections_confirm_all(actor=cast.editor_a, municipality=cast.a, seen=shown)
    assert first.confirmed == ["contacts", "health"]
    assert again.confirmed == [] and again.already == ["contacts", "health"]
    assert confirm_entries().count() == 2
    assert ProfileVersion.objects.filter(kind="confirm").count() == 2


def test_a_section_changed_or_emptied_since_the_list_is_not_confirmed(cast, profile):
    shown = seen(cast.a, "contacts", "transport", "health")
    facts(cast.a, "transport", level="poor")  # a colleague changes it meanwhile
    ContactPerson.objects.filter(municipality=cast.a).delete()  # and empties the contacts
    result = services.sections_confirm_all(actor=cast.editor_a, municipality=cast.a, seen=shown)
    assert result.confirmed == ["health"]
    assert result.changed == ["transport"] and result.emptied == ["contacts"]
    assert confirm_entries().count() == 1


@pytest.mark.parametrize("who", ["viewer_a", "editor_b", "adviser_a", "officer"])
def test_those_who_may_not_edit_the_profile_are_refused(cast, profile, who):
    with pytest.raises(PermissionDenied):
        services.sections_confirm_all(
            actor=getattr(cast, who), municipality=cast.a, seen=seen(cast.a, "transport")
        )
    assert not confirm_entries().exists()


def test_an_unknown_section_is_refused(cast, profile):
    with pytest.raises(ValueError):
        services.sections_confirm_all(actor=cast.editor_a, municipality=cast.a, seen={"x": "/"})


# --- the pages --------------------------------------------------------------------------


def test_the_profile_offers_it_at_the_top_and_quiets_the_single_buttons(client, cast, profile):
    client.force_login(cast.editor_a)
    html = client.get(f"/kommune/{cast.a.number}/profil/").content.decode()
    assert f'href="{url(cast)}"' in html
    assert "4 deler har noe fylt ut" in html
    assert html.index(url(cast)) < html.index('id="contacts"')
    assert "btn-success" not in html
    assert html.count('class="btn btn-sm btn-outline-secondary">Stemmer fortsatt') == 10
    for who in ("viewer_a", "officer"):
        client.force_login(getattr(cast, who))
        assert url(cast) not in client.get(f"/kommune/{cast.a.number}/profil/").content.decode()


def test_the_list_shows_what_would_be_confirmed(client, cast, profile):
    client.force_login(cast.editor_a)
    page = client.get(url(cast))
    assert page.status_code == 200
    assert [s.key for s in page.context["filled"]] == ["contacts", "housing", "health", "transport"]
    assert "staffed_housing" in [s.key for s in page.context["empty"]]
    html = page.content.decode()
    for section in page.context["filled"]:
        assert f'name="parts" value="{section.key}" id="part-{section.key}" checked' in html
        assert f'name="seen-{section.key}" value="{section.status.token}"' in html
    assert "Sist bekreftet" in html
    assert ProfileVersion.objects.filter(kind="confirm").count() == 0  # nothing done yet


def _posted(page, untick=()):
    html = page.content.decode()
    data = {"parts": [], "csrfmiddlewaretoken": "x"}
    for key, token in re.findall(r'name="seen-([a-z_]+)" value="([^"]*)"', html):
        data[f"seen-{key}"] = token
        if key not in untick:
            data["parts"].append(key)
    return data


def test_confirming_the_list(client, cast, profile):
    client.force_login(cast.editor_a)
    data = _posted(client.get(url(cast)), untick=("health",))
    reply = client.post(url(cast), data, follow=True)
    assert reply.redirect_chain == [(f"/kommune/{cast.a.number}/profil/", 302)]
    [message] = [str(m) for m in reply.context["messages"]]
    assert message.startswith("3 deler er bekreftet som fortsatt riktige:")
    assert "Kollektivtransport" in message
    assert sorted(confirm_entries().values_list("object_id", flat=True)) == sorted(
        str(pk)
        for pk in ProfileSection.objects.filter(
            key__in=["contacts", "housing", "transport"]
        ).values_list("pk", flat=True)
    )
    # The form sent again (a second click) confirms nothing more, and says so.
    again = client.post(url(cast), data, follow=True)
    assert [m.level_tag for m in again.context["messages"]] == ["info"]
    assert confirm_entries().count() == 3


def test_a_part_changed_after_the_list_was_shown(client, cast, profile):
    client.force_login(cast.editor_a)
    data = _posted(client.get(url(cast)))
    facts(cast.a, "health", gp_vacancies=False)
    reply = client.post(url(cast), data, follow=True)
    messages = {m.level_tag: str(m) for m in reply.context["messages"]}
    assert messages["success"].startswith("3 deler er bekreftet")
    assert (
        "Helse" in messages["warning"] and "endret etter at listen ble vist" in messages["warning"]
    )
    assert not confirm_entries().filter(object_id=str(ProfileSection.objects.get(key="health").pk))


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda d: d.update(parts=[]), "Kryss av minst én del"),
        (lambda d: d.update(parts=["kitchen"]), "er ikke en del av profilen"),
        (lambda d: d.pop("seen-transport"), "Listen er utdatert"),
        (lambda d: d.update({"seen-transport": "garbage"}), "Listen er utdatert"),
    ],
)
def test_bad_input_confirms_nothing_and_says_why(client, cast, profile, change, error):
    client.force_login(cast.editor_a)
    data = _posted(client.get(url(cast)))
    change(data)
    reply = client.post(url(cast), data)
    assert reply.status_code == 200
    assert error in reply.content.decode()
    assert not confirm_entries().exists()


def test_readers_may_not_and_another_organisation_is_not_found(client, cast, profile):
    client.force_login(cast.editor_a)
    data = _posted(client.get(url(cast)))
    client.force_login(cast.viewer_a)
    assert client.get(url(cast)).status_code == 403
    assert client.post(url(cast), data).status_code == 403
    client.force_login(cast.editor_b)
    assert client.post(url(cast), data).status_code == 404
    assert not confirm_entries().exists()


def test_nothing_filled_in_has_nothing_to_confirm(client, cast):
    client.force_login(cast.editor_a)
    page = client.get(url(cast))
    assert page.status_code == 200 and page.context["filled"] == []
    assert 'name="parts"' not in page.content.decode()
    assert url(cast) not in client.get(f"/kommune/{cast.a.number}/profil/").content.decode()


def test_the_list_costs_the_same_queries_however_many_lines(client, cast, profile):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(cast.editor_a)
    counts = []
    for n in (1, 30):
        for i in range(n):
            line(cast.a, reference=f"R{n}-{i}", rooms=1 + i % 4, bedrooms=None)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(cast)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
