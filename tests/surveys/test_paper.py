"""Paper versions of the survey: the blank questionnaire (a print page and a PDF) as one
organisation gets it or with every question, and the answers so far as a draft PDF."""

import io
import re

import pytest
from django.conf import settings
from pypdf import PdfReader

from portal.municipalities.models import KeyFigures
from surveys.editions.services import edition_import, edition_set_status
from surveys.models import Answer, Response, SettlementCategoryOverride
from surveys.respondent.services import response_submit
from tests.factories import MunicipalityFactory
from tests.surveys.conftest import definition, save_posted

BASE = "/kommune/4204/undersokelse/2026"
ADMIN = "/direktoratet/undersokelser/2026"
BATTERY_SECTION = {
    "key": "tools",
    "title": "Verktøy",
    "intro": "Om verktøyene kommunen har.",
    "questions": [
        {
            "key": "tools",
            "type": "yes_no_grid",
            "text": "Har kommunen disse verktøyene?",
            "allow_dont_know": True,
            "required": True,
            "items": [
                {"key": "plan", "label": "Plan"},
                {"key": "budget", "label": "Budsjett"},
                {"key": "other", "label": "Annet, beskriv", "other": True},
            ],
        },
        {
            "key": "no_budget_why",
            "type": "text",
            "text": "Hvorfor har kommunen ikke budsjett?",
            "help": "Kort forklaring.",
            "show_if": {"answers": [{"question": "tools", "item": "budget", "in": ["no"]}]},
        },
        {
            "key": "west_only",
            "type": "yes_no",
            "text": "Bare for region Vest",
            "show_if": {"region": ["vest"]},
        },
        {
            "key": "after_west",
            "type": "text",
            "text": "Etter et spørsmål bare for Vest",
            "show_if": {"answers": [{"question": "west_only", "in": ["yes"]}]},
        },
        {
            "key": "unless_west_yes",
            "type": "text",
            "text": "Med mindre Vest svarte ja",
            "show_if": {"answers": [{"question": "west_only", "not_in": ["yes"]}]},
        },
    ],
}


def _definition():
    doc = definition()
    doc["intro"] = "Velkommen til undersøkelsen for {organisation}."
    doc["sections"].append(BATTERY_SECTION)
    return doc


@pytest.fixture
def edition(db):
    edition = edition_import(actor=None, content=_definition())
    return edition_set_status(actor=None, edition=edition, status="open")


@pytest.fixture
def settles(cast):
    """Municipality A settled refugees every year ("settles"); 25 requested, 20 decided."""
    for year in range(2021, 2026):
        KeyFigures.objects.create(municipality=cast.a, year=year, settled=10)
    KeyFigures.objects.create(municipality=cast.a, year=2026, requested=25, decided=20)


def pdf_text(content: bytes) -> tuple[str, int]:
    """The PDF's text with whitespace made single, and its number of pages."""
    assert content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return " ".join(text.split()), len(reader.pages)


def question_blocks(html: str) -> dict[str, str]:
    """Each printed question's HTML by its key."""
    parts = re.split(r'(?=<div class="paper-q )', html)
    out = {}
    for part in parts[1:]:
        key = re.search(r'id="paper-([\w-]+)"', part).group(1)
        out[key] = part.split("</div>", 1)[0] if 'class="paper-lines"' not in part else part
    return out


# --- The organisation's blank questionnaire ----------------------------------------------------


def test_the_organisations_pdf_has_its_questions_and_rules_in_words(client, cast, edition, settles):
    client.force_login(cast.editor_a)
    reply = client.get(f"{BASE}/skjema.pdf")
    assert reply.status_code == 200
    assert reply["Content-Type"] == "application/pdf"
    assert 'filename="sporreskjema-2026-4204.pdf"' in reply["Content-Disposition"]
    text, pages = pdf_text(reply.content)
    assert pages >= 2
    assert "Kommuneundersøkelsen 2026" in text
    assert "Kristiansand (4204)" in text
    assert "Velkommen til undersøkelsen for Kristiansand." in text  # the intro, filled in
    assert "Bosetting" in text and "Tjenester" in text and "Verktøy" in text  # the sections
    # The organisation's key figures in the text.
    assert "Dere ble anmodet om å bosette 25 og vedtok 20." in text
    # A question that follows an answer: said in words, by the earlier question's number.
    assert "Besvares bare hvis du svarte «Ja» på spørsmål 2 («Har kommunen en plan?»)." in text
    # A battery's item: the item named.
    assert (
        "Besvares bare hvis du svarte «Nei» på spørsmål 12 («Har kommunen disse verktøyene?» – "
        "«Budsjett»)." in text
    )
    # Routed away by the settlement category, the kind and the region: left out.
    assert "Hva trenger dere hjelp til?" not in text
    assert "Bare for bydeler" not in text
    assert "Bare for region Vest" not in text
    # ... and so is a question that follows only an answer to one of them; a question whose rule
    # holds when that question is unanswered is printed, with nothing to say about it.
    assert "Etter et spørsmål bare for Vest" not in text
    assert "Med mindre Vest svarte ja" in text
    assert "Hopp over" not in text
    # No rule on the organisation's attributes is spelled out: they are its own.
    assert "Bare for" not in text
    assert "Spørsmål merket * må besvares." in text
    assert f"1 / {pages}" in text and f"{pages} / {pages}" in text  # page numbers


def test_the_organisations_print_page(client, cast, edition, settles):
    client.force_login(cast.viewer_a)
    page = client.get(f"{BASE}/skjema/")
    assert page.status_code == 200
    body = page.content.decode()
    assert body.count("<h1") == 1
    assert "/static/css/paper." in body  # the print stylesheet
    assert f'href="{BASE}/skjema.pdf"' in body
    blocks = question_blocks(body)
    assert "first_time_help" not in blocks and "district_only" not in blocks
    assert "west_only" not in blocks and "after_west" not in blocks
    # Numbered in order, without gaps where questions are left out.
    numbers = re.findall(r'<span class="paper-no">(\d+)\.</span>', body)
    assert numbers == [str(n) for n in range(1, len(blocks) + 1)]


def test_every_question_type_is_drawn_to_fill_in(client, cast, edition, settles):
    client.force_login(cast.editor_a)
    blocks = question_blocks(client.get(f"{BASE}/skjema/").content.decode())
    # A number with its unit and "don't know".
    assert 'class="paper-field"' in blocks["expected_settled"]
    assert "personer" in blocks["expected_settled"] and "Vet ikke" in blocks["expected_settled"]
    assert 'class="paper-field"' in blocks["target"] and "%" in blocks["target"]
    # One answer: round boxes, one per option (and "don't know").
    assert blocks["has_plan"].count("paper-box paper-round") == 3
    assert "Sett ett kryss." in blocks["has_plan"]
    assert blocks["unit"].count("paper-box paper-round") == 4
    assert "Annen, beskriv:" in blocks["unit"] and "paper-line" in blocks["unit"]  # "other"
    # Several answers: square boxes and the limit.
    assert blocks["measures"].count('class="paper-box"') == 4  # three options + don't know
    assert "Sett høyst 2 kryss." in blocks["measures"]
    # A ranking: the options to choose from and a numbered blank per place.
    assert "Plass 1:" in blocks["priorities"] and "Plass 2:" in blocks["priorities"]
    assert "Plass 3" not in blocks["priorities"]
    assert "Skole" in blocks["priorities"]
    # A scale with its labels.
    assert "1 – Svært misfornøyd" in blocks["satisfaction"]
    assert "5 – Svært fornøyd" in blocks["satisfaction"]
    assert blocks["satisfaction"].count("paper-box paper-round") == 6  # 1–5 and not relevant
    # A grid: a row per item, a box per point.
    assert '<table class="paper-grid">' in blocks["channels"]
    assert blocks["channels"].count("paper-box paper-round") == 2 * 6
    assert "Ikke relevant" in blocks["channels"]
    # A yes/no battery: Yes / No / Don't know for each item, and a line to describe "other".
    assert blocks["tools"].count("paper-box paper-round") == 3 * 3
    assert all(h in blocks["tools"] for h in ('<th scope="col">Ja</th>', ">Nei<", ">Vet ikke<"))
    assert "Beskriv «Annet, beskriv» (hvis dere svarte ja):" in blocks["tools"]
    assert 'class="paper-required"' in blocks["tools"]  # a required mark
    assert "Om verktøyene kommunen har." not in blocks["tools"]  # the section intro is above it
    # Text: one line; a longer text: several.
    assert blocks["contact_name"].count("paper-line-full") == 1
    assert blocks["advice"].count("paper-line-full") == 5
    # A hint.
    assert "Kort forklaring." in blocks["no_budget_why"]


def test_the_organisation_gets_a_question_its_category_shows(client, cast, edition):
    # Without key figures A does not settle: the help question for them is printed, and its
    # rule on the category is not spelled out (it applies).
    client.force_login(cast.editor_a)
    text, _pages = pdf_text(client.get(f"{BASE}/skjema.pdf").content)
    assert "Hva trenger dere hjelp til?" in text
    assert "Bare for" not in text
    # Key figures it does not have are a dash, as on the screen.
    assert "Dere ble anmodet om å bosette – og vedtok –." in text


def test_in_the_users_language(client, cast, edition, settles):
    client.force_login(cast.editor_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    text, _pages = pdf_text(client.get(f"{BASE}/skjema.pdf").content)
    assert "Municipal survey 2026" in text
    assert "Answer only if you answered «Yes» to question 2" in text
    assert "Tick one box." in text
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nn"
    text, _pages = pdf_text(client.get(f"{BASE}/skjema.pdf").content)
    assert "Kommuneundersøkinga 2026" in text
    assert "Skal berre svarast på dersom du svarte «Ja» på spørsmål 2" in text


# --- For the directorate: every question, or as one organisation gets it -----------------------


def test_the_generic_questionnaire_has_every_question_with_its_routing_in_words(
    client, cast, edition
):
    client.force_login(cast.admin)
    reply = client.get(f"{ADMIN}/skjema.pdf")
    assert reply.status_code == 200
    assert 'filename="sporreskjema-2026-alle.pdf"' in reply["Content-Disposition"]
    text, _pages = pdf_text(reply.content)
    assert "Alle kommuner og bydeler: alle spørsmålene" in text
    assert "Kristiansand" not in text
    for question in (
        "Hva trenger dere hjelp til?",
        "Bare for bydeler",
        "Bare for region Vest",
        "Etter et spørsmål bare for Vest",
    ):
        assert question in text
    assert (
        "Bare for kommuner og bydeler i bosettingskategorien «Bosetter for første gang» eller "
        "«Bosetter ikke»." in text
    )
    assert "Bare for bydeler." in text
    assert "Bare for kommuner og bydeler i region IMDi Vest." in text
    assert "Besvares bare hvis du svarte «Ja» på spørsmål 16 («Bare for region Vest»)." in text
    assert "Hopp over dette hvis du svarte «Ja» på spørsmål 16 («Bare for region Vest»)." in text
    # No organisation's key figures: blanks to fill in.
    assert "Dere ble anmodet om å bosette ________ og vedtok ________." in text
    page = client.get(f"{ADMIN}/skjema/")
    assert page.status_code == 200
    assert "first_time_help" in question_blocks(page.content.decode())


def test_the_preview_prints_as_the_chosen_organisation(client, cast, edition):
    SettlementCategoryOverride.objects.create(
        municipality=cast.b, year=2026, category="first_time", set_by=cast.admin
    )
    client.force_login(cast.admin)
    preview = client.get(f"{ADMIN}/forhandsvisning/4601/").content.decode()
    assert f'href="{ADMIN}/forhandsvisning/4601/skjema/"' in preview
    assert f'href="{ADMIN}/forhandsvisning/4601/skjema.pdf"' in preview
    assert f'href="{ADMIN}/skjema/"' in preview
    page = client.get(f"{ADMIN}/forhandsvisning/4601/skjema/")
    assert page.status_code == 200
    blocks = question_blocks(page.content.decode())
    assert "first_time_help" in blocks and "west_only" in blocks and "after_west" in blocks
    assert "district_only" not in blocks
    text, _pages = pdf_text(client.get(f"{ADMIN}/forhandsvisning/4601/skjema.pdf").content)
    assert "Bergen (4601)" in text
    assert "Bare for kommuner" not in text and "Bare for bydeler." not in text
    assert "Besvares bare hvis du svarte «Ja» på spørsmål" in text


def test_the_edition_page_links_the_generic_questionnaire(client, cast, edition):
    client.force_login(cast.admin)
    body = client.get(f"{ADMIN}/").content.decode()
    assert f'href="{ADMIN}/skjema/"' in body and f'href="{ADMIN}/skjema.pdf"' in body


def test_a_draft_edition_prints_for_admins_only(client, cast, db):
    edition_import(actor=None, content=_definition())  # a draft
    client.force_login(cast.admin)
    assert client.get(f"{ADMIN}/skjema/").status_code == 200
    assert client.get(f"{ADMIN}/forhandsvisning/4204/skjema.pdf").status_code == 200
    # Not yet the organisations' to see, even for an admin on the organisation's own pages.
    assert client.get(f"{BASE}/skjema/").status_code == 404
    client.force_login(cast.editor_a)
    assert client.get(f"{BASE}/skjema.pdf").status_code == 404


# --- Access and bad input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("editor_a", 200),
        ("viewer_a", 200),
        ("signatory_a", 200),
        ("editor_b", 404),  # another organisation's: not found
        ("adviser_a", 200),
        ("adviser_other", 404),
        ("officer", 403),
        ("admin", 200),
    ],
)
def test_who_prints_the_organisations_questionnaire(client, cast, edition, who, expected):
    client.force_login(cast.member(who))
    assert client.get(f"{BASE}/skjema/").status_code == expected
    assert client.get(f"{BASE}/skjema.pdf").status_code == expected


@pytest.mark.parametrize("who", ["editor_a", "adviser_a", "officer"])
def test_only_admins_print_from_the_directorates_pages(client, cast, edition, who):
    client.force_login(cast.member(who))
    for url in (
        f"{ADMIN}/skjema/",
        f"{ADMIN}/skjema.pdf",
        f"{ADMIN}/forhandsvisning/4204/skjema/",
        f"{ADMIN}/forhandsvisning/4204/skjema.pdf",
    ):
        assert client.get(url).status_code == 403, url


def test_unknown_years_and_organisations_are_not_found(client, cast, edition):
    client.force_login(cast.admin)
    for url in (
        "/kommune/4204/undersokelse/1999/skjema/",
        "/kommune/4204/undersokelse/1999/skjema.pdf",
        "/kommune/9999/undersokelse/2026/skjema/",
        "/kommune/9999/undersokelse/2026/skjema.pdf",
        "/direktoratet/undersokelser/1999/skjema/",
        "/direktoratet/undersokelser/1999/skjema.pdf",
        "/direktoratet/undersokelser/1999/forhandsvisning/4204/skjema/",
        f"{ADMIN}/forhandsvisning/9999/skjema/",
        f"{ADMIN}/forhandsvisning/9999/skjema.pdf",
    ):
        assert client.get(url).status_code == 404, url
    # A municipality that has since merged into another is no longer printed as itself.
    old = MunicipalityFactory(number="1001", name="Gamle Kristiansand", valid_to="2019-12-31")
    assert client.get(f"{ADMIN}/forhandsvisning/{old.number}/skjema/").status_code == 404


def test_printing_is_read_only(client, cast, edition):
    client.force_login(cast.admin)
    assert client.post(f"{BASE}/skjema/").status_code == 405
    assert client.post(f"{ADMIN}/skjema.pdf").status_code == 405


# --- The answers so far, as a draft ------------------------------------------------------------


@pytest.fixture
def draft(cast, edition, settles):
    """A's answers so far: a number that needs confirming, an answer to a question since hidden,
    and one copied from last year."""
    save_posted(
        actor=cast.editor_a,
        edition=edition,
        municipality=cast.a,
        data={"q-expected_settled": "30", "q-has_plan": "yes", "q-plan_year": "2019"},
        keys=["expected_settled", "has_plan", "plan_year"],
    )
    # plan_year follows has_plan = yes: answered, then hidden again by a changed answer.
    save_posted(
        actor=cast.editor_a,
        edition=edition,
        municipality=cast.a,
        data={"q-has_plan": "no", "q-has_plan-version": "1"},
        keys=["has_plan"],
    )
    return Response.objects.get(edition=edition, municipality=cast.a)


def test_the_draft_pdf_lists_the_answers_so_far(client, cast, draft):
    client.force_login(cast.signatory_a)
    reply = client.get(f"{BASE}/svar.pdf")
    assert reply.status_code == 200
    assert 'filename="kommuneundersokelsen-2026-4204-utkast.pdf"' in reply["Content-Disposition"]
    text, _pages = pdf_text(reply.content)
    assert "Utkast – ikke sendt inn" in text
    assert "Skrevet ut" in text
    assert "Under arbeid" in text  # the status
    assert "2 av 12 spørsmål" in text
    # Every question shown: with its answer, or "not answered".
    assert "30 personer" in text
    assert "Har kommunen en plan? Nei" in text
    assert "Råd til IMDi Ikke besvart" in text
    assert text.count("Ikke besvart") == 10
    # The number to confirm, in the words the form shows it.
    assert "Bekreft eller forklar: Dere vedtok 20. Stemmer 30?" in text
    assert "1 tall må fortsatt bekreftes eller forklares." in text
    # The answer to a question no longer shown is left out, and so are questions never shown.
    assert "Hvilket år ble planen vedtatt?" not in text and "2019" not in text
    assert "Hva trenger dere hjelp til?" not in text


def test_a_same_as_last_year_answer_is_printed_as_its_value(
    client, cast, edition, previous_edition, settles
):
    edition_set_status(actor=None, edition=previous_edition, status="closed")
    old = Response.objects.create(edition=previous_edition, municipality=cast.a, status="submitted")
    Answer.objects.create(
        response=old,
        municipality=cast.a,
        question=previous_edition.questions.get(key="target"),
        value=55,
    )
    client.force_login(cast.editor_a)
    reply = client.post(f"{BASE}/del/services/", {"same_as_last_year": "target"})
    assert reply.status_code == 302
    assert Answer.objects.get(response__edition=edition, question__key="target").value == 55
    text, _pages = pdf_text(client.get(f"{BASE}/svar.pdf").content)
    assert "Resultatmål i prosent 55 %" in text


def test_the_submitted_copy_is_not_a_draft(client, cast, draft):
    save_posted(
        actor=cast.editor_a,
        edition=draft.edition,
        municipality=cast.a,
        data={"q-expected_settled-confirm": "1", "q-expected_settled": "30"},
        keys=["expected_settled"],
    )
    draft.refresh_from_db()
    response_submit(actor=cast.signatory_a, response=draft, on_behalf_of="", confirmed=True)
    client.force_login(cast.viewer_a)
    reply = client.get(f"{BASE}/svar.pdf")
    assert 'filename="kommuneundersokelsen-2026-4204.pdf"' in reply["Content-Disposition"]
    text, _pages = pdf_text(reply.content)
    assert "Utkast" not in text and "Skrevet ut" not in text and "Bekreft eller forklar" not in text
    assert "Sendt inn" in text and "30 personer" in text


def test_overview_and_review_offer_the_paper_versions(client, cast, draft):
    client.force_login(cast.signatory_a)
    for url in (f"{BASE}/", f"{BASE}/gjennomgang/"):
        body = client.get(url).content.decode()
        assert f'<a href="{BASE}/skjema/">Skriv ut spørreskjemaet (tomt)</a>' in body, url
        assert f'<a href="{BASE}/skjema.pdf">' in body, url
        assert f'<a href="{BASE}/svar.pdf">Last ned svarene så langt (PDF)</a>' in body, url
    assert "/static/css/paper." in client.get(f"{BASE}/gjennomgang/").content.decode()
    draft.status = Response.Status.SUBMITTED
    draft.save()
    body = client.get(f"{BASE}/").content.decode()
    assert "Skriv ut spørreskjemaet (tomt)" in body
    assert "Last ned svarene så langt" not in body


def test_no_answers_yet_no_draft_to_download(client, cast, edition):
    client.force_login(cast.editor_a)
    body = client.get(f"{BASE}/").content.decode()
    assert "Skriv ut spørreskjemaet (tomt)" in body
    assert "Last ned svarene så langt" not in body
    assert client.get(f"{BASE}/svar.pdf").status_code == 404
