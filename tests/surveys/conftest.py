"""A small edition with every question type, routing and a plausibility check."""

import copy

import pytest

from portal.municipalities.models import KeyFigures
from surveys.editions.services import edition_import, edition_set_status
from surveys.respondent.forms import AnswersForm
from surveys.respondent.services import answers_save

DEFINITION = {
    "year": 2026,
    "title": {
        "nb": "Kommuneundersøkelsen 2026",
        "nn": "Kommuneundersøkinga 2026",
        "en": "Municipal survey 2026",
    },
    "opens": "2026-11-02",
    "deadline": "2027-01-15",
    "previous_year": 2025,
    "sections": [
        {
            "key": "settlement",
            "title": "Bosetting",
            "questions": [
                {
                    "key": "expected_settled",
                    "type": "integer",
                    "text": "Dere ble anmodet om å bosette {requested} og vedtok {decided}. Hvor mange regner dere med å bosette?",
                    "unit": "personer",
                    "min": 0,
                    "max": 5000,
                    "allow_dont_know": True,
                    "checks": [
                        {
                            "key_figure": "decided",
                            "max_ratio": 1.0,
                            "message": "Dere vedtok {decided}. Stemmer {value}?",
                        }
                    ],
                },
                {
                    "key": "has_plan",
                    "type": "yes_no",
                    "text": "Har kommunen en plan?",
                    "allow_dont_know": True,
                },
                {
                    "key": "plan_year",
                    "type": "integer",
                    "text": "Hvilket år ble planen vedtatt?",
                    "min": 1990,
                    "max": 2030,
                    "show_if": {"answers": [{"question": "has_plan", "in": ["yes"]}]},
                },
                {
                    "key": "first_time_help",
                    "type": "textarea",
                    "text": "Hva trenger dere hjelp til?",
                    "show_if": {"settlement_category": ["first_time", "does_not_settle"]},
                },
                {
                    "key": "district_only",
                    "type": "text",
                    "text": "Bare for bydeler",
                    "show_if": {"kind": ["district"]},
                },
            ],
        },
        {
            "key": "services",
            "title": "Tjenester",
            "questions": [
                {
                    "key": "unit",
                    "type": "single",
                    "text": "Hvilken enhet har ansvaret?",
                    "options": [
                        {"key": "none", "label": "Ingen"},
                        {"key": "nav", "label": "NAV"},
                        {"key": "refugee_office", "label": "Flyktningkontor"},
                        {"key": "other", "label": "Annen, beskriv", "other": True},
                    ],
                },
                {
                    "key": "measures",
                    "type": "multi",
                    "text": "Velg inntil to tiltak",
                    "max_choices": 2,
                    "allow_dont_know": True,
                    "options": [
                        {"key": "language", "label": "Språk"},
                        {"key": "work", "label": "Arbeid"},
                        {"key": "housing", "label": "Bolig"},
                    ],
                },
                {
                    "key": "priorities",
                    "type": "rank",
                    "text": "Ranger de to viktigste",
                    "rank": 2,
                    "options": [
                        {"key": "housing", "label": "Bolig"},
                        {"key": "work", "label": "Arbeid"},
                        {"key": "school", "label": "Skole"},
                    ],
                },
                {"key": "target", "type": "percent", "text": "Resultatmål i prosent"},
                {
                    "key": "satisfaction",
                    "type": "scale",
                    "text": "Hvor fornøyd er dere?",
                    "scale": {
                        "min": 1,
                        "max": 5,
                        "min_label": "Svært misfornøyd",
                        "max_label": "Svært fornøyd",
                    },
                    "allow_not_relevant": True,
                },
                {
                    "key": "channels",
                    "type": "scale_grid",
                    "text": "Hvor nyttig er kanalene?",
                    "items": [
                        {"key": "email", "label": "E-post"},
                        {"key": "meetings", "label": "Møter"},
                    ],
                    "allow_not_relevant": True,
                },
                {"key": "contact_name", "type": "text", "text": "Kontaktperson", "max_length": 20},
                {"key": "advice", "type": "textarea", "text": "Råd til IMDi"},
            ],
        },
    ],
}

PREVIOUS = {
    "year": 2025,
    "title": "Kommuneundersøkelsen 2025",
    "opens": "2025-11-03",
    "deadline": "2026-01-16",
    "sections": [
        {
            "key": "services",
            "title": "Tjenester",
            "questions": [
                {
                    "key": "unit",
                    "type": "single",
                    "text": "Hvilken enhet har ansvaret?",
                    "options": [
                        {"key": "ingen", "label": "Ingen"},
                        {"key": "nav", "label": "NAV"},
                        {"key": "flyktningkontor", "label": "Flyktningkontor"},
                    ],
                },
                {"key": "target", "type": "percent", "text": "Resultatmål i prosent"},
            ],
        }
    ],
}


def definition(**changes):
    doc = copy.deepcopy(DEFINITION)
    doc.update(changes)
    return doc


def save_posted(*, actor, edition, municipality, data, keys):
    """``answers_save`` of the answers to ``keys`` in form data as a page posts it."""
    posted = AnswersForm(data, questions=edition.questions.all(), keys=keys).posted()
    return answers_save(
        actor=actor, edition=edition, municipality=municipality, answers=posted.answers
    )


@pytest.fixture
def edition(db):
    edition = edition_import(actor=None, content=definition())
    return edition_set_status(actor=None, edition=edition, status="open")


@pytest.fixture
def previous_edition(db):
    return edition_import(actor=None, content=copy.deepcopy(PREVIOUS))


@pytest.fixture
def a_settles(cast):
    """Municipality A settled refugees every year 2021–2025, so it is in the "settles" category
    of the 2026 edition."""
    for year in range(2021, 2026):
        KeyFigures.objects.create(municipality=cast.a, year=year, settled=10)


@pytest.fixture
def editor(client, cast, edition):
    """A client logged in as an editor of municipality A, with the 2026 edition open."""
    client.force_login(cast.editor_a)
    return client
