"""A new annual cycle: next year's edition copied from this one, the diff page between two
editions, and the preview as any organisation."""

import copy
import datetime as dt
import re
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied

from portal.core.audit.models import AuditEntry
from surveys.editions.cycle import next_year_definition, one_year_later, title_one_year_later
from surveys.editions.services import EditionExists, edition_import, edition_next_year
from surveys.models import Question, SurveyEdition
from tests.factories import MunicipalityFactory
from tests.surveys.conftest import PREVIOUS, definition

EDITIONS = Path(__file__).resolve().parents[2] / "surveys" / "editions"
BASE = "/direktoratet/undersokelser"

MAPPINGS = [
    # from the previous edition (stored: its options are checked)
    {
        "question": "unit",
        "from_year": 2025,
        "map": {"ingen": "none", "flyktningkontor": "refugee_office"},
    },
    # from an older year than the copy's previous_year: stays valid, keyed by its year
    {"question": "unit", "from_year": 2019, "map": {"kontor": "refugee_office"}},
]


@pytest.fixture
def this_year(db):
    edition_import(actor=None, content=copy.deepcopy(PREVIOUS))
    return edition_import(actor=None, content=definition(option_mappings=MAPPINGS))


def without_previous_year(year):
    doc = definition(year=year)
    del doc["previous_year"]
    return doc


def structure(edition):
    return [
        (q.key, q.section.key, q.position, q.type, q.text, q.help, q.required, q.config, q.show_if)
        for q in Question.objects.filter(edition=edition).select_related("section")
    ]


# --- the copy ----------------------------------------------------------------------------------


def test_one_year_later():
    assert one_year_later("2026-11-02") == "2027-11-02"
    assert one_year_later("2028-02-29") == "2029-02-28"
    assert one_year_later("2027-02-28") == "2028-02-28"  # into a leap year: stays the 28th
    assert one_year_later("2027-03-01") == "2028-03-01"


def test_title_year_moves_on_where_the_title_has_it():
    assert title_one_year_later("Kommuneundersøkelsen 2026", 2026) == "Kommuneundersøkelsen 2027"
    assert title_one_year_later("Undersøkelsen 2025–2026", 2025) == "Undersøkelsen 2026–2027"
    assert title_one_year_later("IMDis kommuneundersøkelse", 2026) == "IMDis kommuneundersøkelse"
    assert title_one_year_later("Plan 2030 (2026)", 2026) == "Plan 2030 (2027)"
    assert title_one_year_later("Kode 120265", 2026) == "Kode 120265"


def test_the_copy_is_identical_apart_from_year_dates_previous_year_and_title(this_year, cast):
    copy_ = edition_next_year(actor=cast.admin, edition=this_year)
    assert copy_.year == 2027 and copy_.status == SurveyEdition.Status.DRAFT
    assert copy_.previous_year == 2026
    assert (copy_.opens, copy_.deadline) == (dt.date(2027, 11, 2), dt.date(2028, 1, 15))
    assert copy_.title == {
        "nb": "Kommuneundersøkelsen 2027",
        "nn": "Kommuneundersøkinga 2027",
        "en": "Municipal survey 2027",
    }
    assert copy_.option_mappings == this_year.option_mappings == MAPPINGS
    expected = copy.deepcopy(this_year.definition)
    expected.update(
        year=2027,
        previous_year=2026,
        opens="2027-11-02",
        deadline="2028-01-15",
        title=copy_.title,
    )
    assert copy_.definition == expected
    assert structure(copy_) == structure(this_year)
    assert list(copy_.sections.values_list("key", "position", "title", "intro", "show_if")) == list(
        this_year.sections.values_list("key", "position", "title", "intro", "show_if")
    )


def test_the_copy_is_audited_as_copied(this_year, cast):
    edition_next_year(actor=cast.admin, edition=this_year)
    entry = AuditEntry.objects.get(action="survey.import", object_label="2027")
    assert entry.actor == cast.admin
    assert entry.source == "copied from 2026"


def test_29_february_becomes_28_february(db, cast):
    leap = edition_import(
        actor=None,
        content=definition(year=2027, opens="2027-11-01", deadline="2028-02-29", title="Test 2027"),
    )
    copy_ = edition_next_year(actor=cast.admin, edition=leap)
    assert copy_.deadline == dt.date(2029, 2, 28)
    assert copy_.opens == dt.date(2028, 11, 1)


def test_the_copy_of_a_copy_keeps_the_chain(this_year, cast):
    second = edition_next_year(
        actor=cast.admin, edition=edition_next_year(actor=cast.admin, edition=this_year)
    )
    assert (second.year, second.previous_year, second.title["nb"]) == (
        2028,
        2027,
        "Kommuneundersøkelsen 2028",
    )
    assert second.option_mappings == MAPPINGS


def test_an_existing_next_year_is_refused_and_left_alone(this_year, cast):
    existing = edition_import(actor=None, content=definition(year=2027, previous_year=2026))
    before = (existing.definition, structure(existing))
    entries = AuditEntry.objects.count()
    with pytest.raises(EditionExists) as refused:
        edition_next_year(actor=cast.admin, edition=this_year)
    assert refused.value.year == 2027
    existing.refresh_from_db()
    assert (existing.definition, structure(existing)) == before
    assert AuditEntry.objects.count() == entries


@pytest.mark.parametrize("who", ["adviser_a", "officer", "editor_a"])
def test_only_an_admin_may_copy(this_year, cast, who):
    with pytest.raises(PermissionDenied):
        edition_next_year(actor=getattr(cast, who), edition=this_year)
    assert not SurveyEdition.objects.filter(year=2027).exists()


def test_next_year_definition_does_not_change_its_input(this_year):
    stored = copy.deepcopy(this_year.definition)
    next_year_definition(this_year.definition)
    assert this_year.definition == stored


def test_the_button_makes_the_draft_and_its_preview_renders(client, cast, this_year):
    client.force_login(cast.admin)
    page = client.get(f"{BASE}/2026/").content.decode()
    assert f'action="{BASE}/2026/neste-ar/"' in page
    made = client.post(f"{BASE}/2026/neste-ar/")
    assert made.status_code == 302 and made["Location"] == f"{BASE}/2027/"
    page = client.get(made["Location"])
    assert page.status_code == 200
    assert "Kommuneundersøkelsen 2027" in page.content.decode()
    preview = client.get(f"{BASE}/2027/forhandsvisning/{cast.a.number}/")
    assert preview.status_code == 200
    assert "Hvilken enhet har ansvaret?" in preview.content.decode()


def test_the_button_refuses_an_existing_year_in_words_with_a_link(client, cast, this_year):
    edition_import(actor=None, content=definition(year=2027, previous_year=2026))
    client.force_login(cast.admin)
    page = client.get(f"{BASE}/2026/").content.decode()
    assert f'action="{BASE}/2026/neste-ar/"' not in page  # no button, a link instead
    assert f'href="{BASE}/2027/"' in page
    refused = client.post(f"{BASE}/2026/neste-ar/", follow=True)
    assert refused.redirect_chain == [(f"{BASE}/2026/", 302)]
    text = refused.content.decode()
    assert "2027-utgaven finnes allerede" in text
    assert f'<a href="{BASE}/2027/">' in text


def test_the_button_reports_a_definition_that_no_longer_passes(client, cast, this_year):
    broken = copy.deepcopy(this_year.definition)
    broken["sections"][0]["questions"][0]["type"] = "no_such_type"
    SurveyEdition.objects.filter(pk=this_year.pk).update(definition=broken)
    client.force_login(cast.admin)
    refused = client.post(f"{BASE}/2026/neste-ar/", follow=True)
    assert refused.redirect_chain == [(f"{BASE}/2026/", 302)]
    assert "no_such_type" in refused.content.decode()
    assert not SurveyEdition.objects.filter(year=2027).exists()


def test_an_adviser_cannot_copy_through_the_page(client, cast, this_year):
    client.force_login(cast.adviser_a)
    assert client.post(f"{BASE}/2026/neste-ar/").status_code == 403
    assert not SurveyEdition.objects.filter(year=2027).exists()


# --- the diff page -----------------------------------------------------------------------------


def test_the_diff_page_compares_with_the_previous_year(client, cast, this_year):
    client.force_login(cast.admin)
    page = client.get(f"{BASE}/2026/").content.decode()
    assert f'href="{BASE}/2026/endringer/"' in page
    reply = client.get(f"{BASE}/2026/endringer/")
    assert reply.status_code == 200
    assert reply.context["base"].year == 2025
    html = reply.content.decode()
    summary = re.search(r'<p class="lead" id="diff-summary">(.*?)</p>', html)[1]
    assert summary.startswith("11 nye spørsmål")
    assert "svaralternativer koblet" in summary
    # the unit question: options mapped, shown old -> new
    assert "Flyktningkontor (flyktningkontor) → Flyktningkontor (refugee_office)" in html
    assert '<option value="2025" selected>' in html


def test_the_diff_page_marks_changed_words(client, cast, db):
    old = copy.deepcopy(PREVIOUS)
    new = copy.deepcopy(PREVIOUS)
    new.update(year=2026, previous_year=2025, title="Kommuneundersøkelsen 2026")
    new["sections"][0]["questions"][1]["text"] = "Resultatmål for deltakerne i prosent"
    new["sections"][0]["questions"][0]["show_if"] = {"kind": ["district"]}
    edition_import(actor=None, content=old)
    edition_import(actor=None, content=new)
    client.force_login(cast.admin)
    html = client.get(f"{BASE}/2026/endringer/").content.decode()
    assert "Resultatmål<ins> for deltakerne</ins> i prosent" in html
    assert "Vises for bydeler" in html  # the new rule, in the editor's words
    assert "vises for alle" in html  # the old rule: none


def test_the_diff_page_takes_a_year_from_the_list(client, cast, this_year):
    edition_import(actor=None, content=without_previous_year(2020))
    client.force_login(cast.admin)
    reply = client.get(f"{BASE}/2026/endringer/?fra=2020")
    assert reply.status_code == 200 and reply.context["base"].year == 2020
    assert '<option value="2020" selected>' in reply.content.decode()
    assert reply.context["diff"].summary.total == 0  # the same definition


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("abc", "«abc» er ikke et årstall"),
        ("1999", "Det finnes ingen 1999-utgave"),
        ("2026", "Velg en annen utgave enn 2026"),
        ("99999", "er ikke et årstall"),
    ],
)
def test_a_bad_year_is_told_in_words(client, cast, this_year, value, words):
    client.force_login(cast.admin)
    reply = client.get(f"{BASE}/2026/endringer/", {"fra": value})
    assert reply.status_code == 400
    assert words in reply.content.decode()
    assert reply.context["diff"] is None


def test_the_diff_page_without_another_edition(client, cast, db):
    edition_import(actor=None, content=definition())
    client.force_login(cast.admin)
    reply = client.get(f"{BASE}/2026/endringer/")
    assert reply.status_code == 200
    assert "Det finnes ingen annen utgave å sammenligne med." in reply.content.decode()


def test_without_previous_year_the_nearest_earlier_edition_is_the_default(client, cast, db):
    for year in (2020, 2023):
        edition_import(actor=None, content=without_previous_year(year))
    edition_import(actor=None, content=without_previous_year(2030))
    edition_import(actor=None, content=without_previous_year(2026))
    client.force_login(cast.admin)
    assert client.get(f"{BASE}/2026/endringer/").context["base"].year == 2023


def test_the_diff_page_of_the_shipped_editions(client, cast, db):
    for year in (2014, 2017, 2026):
        edition_import(actor=None, content=(EDITIONS / f"{year}.yaml").read_bytes())
    client.force_login(cast.admin)
    html = client.get(f"{BASE}/2026/endringer/").content.decode()
    assert "Endringer fra 2017 til 2026" in html
    assert "Twitter (twitter) → " in html
    html = client.get(f"{BASE}/2017/endringer/").content.decode()  # no previous_year: 2014
    assert "Endringer fra 2014 til 2017" in html
    assert "Ja/nei → Ett alternativ" in html  # intro_has_result_target retyped


def test_the_diff_page_query_count(client, cast, db, django_assert_max_num_queries):
    for year in range(2020, 2026):  # (2019 is not stored: its mapping is not checked)
        edition_import(actor=None, content=without_previous_year(year))
    edition_import(actor=None, content=definition(option_mappings=MAPPINGS[1:]))
    client.force_login(cast.admin)
    client.get(f"{BASE}/2026/endringer/")  # warm the session and the like
    with django_assert_max_num_queries(7):  # login (3), edition, others, base, regions
        reply = client.get(f"{BASE}/2026/endringer/?fra=2020")
    assert reply.status_code == 200 and len(reply.context["others"]) == 6


def test_the_diff_page_is_for_admins(client, cast, this_year):
    client.force_login(cast.adviser_a)
    assert client.get(f"{BASE}/2026/endringer/").status_code == 403


# --- the preview as any organisation ------------------------------------------------------------


@pytest.fixture
def oslo(cast):
    oslo = MunicipalityFactory(
        number="0301", name="Oslo", county__number="03", county__name="Oslo", region=cast.a.region
    )
    district = MunicipalityFactory(
        number="030101",
        name="Gamle Oslo",
        kind="district",
        parent=oslo,
        county=oslo.county,
        region=cast.a.region,
    )
    return oslo, district


def test_the_pick_lists_organisations_by_county_with_oslos_districts(client, cast, this_year, oslo):
    client.force_login(cast.admin)
    html = client.get(f"{BASE}/2026/").content.decode()
    select = re.search(r'<select name="organisation"[^>]*>(.*?)</select>', html, re.S)[1]
    groups = re.findall(r'<optgroup label="([^"]+)">', select)
    assert groups == ["Oslo", "Oslo: bydeler", "Agder", "Vestland"]
    assert '<option value="030101">Gamle Oslo (030101)</option>' in select
    assert '<option value="4204">Kristiansand (4204)</option>' in select
    assert 'id="preview-number"' in html and 'for="preview-organisation"' in html


@pytest.mark.parametrize(
    ("data", "target"),
    [
        ({"organisation": "030101", "number": ""}, "030101"),
        ({"organisation": "", "number": " 4601 "}, "4601"),
        ({"organisation": "4204", "number": "4204"}, "4204"),
    ],
)
def test_pick_by_name_or_number(client, cast, this_year, oslo, data, target):
    client.force_login(cast.admin)
    reply = client.post(f"{BASE}/2026/forhandsvisning/", data)
    assert reply.status_code == 302
    assert reply["Location"] == f"{BASE}/2026/forhandsvisning/{target}/"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({}, "Velg en organisasjon i listen eller skriv nummeret."),
        ({"organisation": "4204", "number": "4601"}, "Du valgte 4204 i listen og skrev 4601"),
        ({"number": "9999"}, "Ingen gjeldende kommune eller bydel har nummeret 9999."),
        ({"organisation": "9999"}, "Velg et gyldig valg"),
    ],
)
def test_a_bad_pick_is_told_in_words(client, cast, this_year, data, words):
    client.force_login(cast.admin)
    reply = client.post(f"{BASE}/2026/forhandsvisning/", data, follow=True)
    assert reply.redirect_chain == [(f"{BASE}/2026/", 302)]
    assert words in reply.content.decode()


def test_the_preview_shows_which_attributes_applied(client, cast, this_year, oslo):
    _oslo, district = oslo
    client.force_login(cast.admin)
    reply = client.get(f"{BASE}/2026/forhandsvisning/{cast.a.number}/")
    assert reply.context["hidden_by"] == {"settlement_category": 0, "kind": 1, "region": 0}
    html = reply.content.decode()
    attributes = re.search(
        r'<dl class="facts mb-2" id="preview-attributes">(.*?)</dl>', html, re.S
    )[1]
    assert "Bosetter ikke" in attributes and "beregnet fra nøkkeltallene" in attributes
    assert "Kommune" in attributes and "IMDi Sør" in attributes
    assert "Vises for bydeler" in html
    assert "gjelder ikke for denne organisasjonen" in html
    assert "Typen (kommune eller bydel) skjuler 1 spørsmål." in html
    # the organisation is preselected in the pick on the preview page
    assert '<option value="4204" selected>' in html

    reply = client.get(f"{BASE}/2026/forhandsvisning/{district.number}/")
    assert reply.context["hidden_by"]["kind"] == 0
    assert "Bydel" in reply.content.decode()
