"""The questionnaire on paper: an edition, blank, as one organisation gets it or for everyone.

For one organisation, the sections and questions its settlement category, kind and region rule
out are left out, its key figures fill the texts, and what depends on an earlier answer says so
in words beside the question. For everyone (``municipality=None``) every question is printed,
with who it is for in words too, and the key figures are blanks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from portal.core.pdf import render_pdf
from portal.municipalities.models import Municipality, Region
from surveys.editions.definition import questions_by_key
from surveys.editions.rule_words import rule_on_paper
from surveys.models import SurveyEdition
from surveys.respondent.context import FIGURE_PLACEHOLDERS, org_context, render_text
from surveys.respondent.presenters import QuestionView, blank_view
from surveys.respondent.routing import reachable_questions
from surveys.respondent.selectors import edition_structure

BLANK = "________"  # a key figure the printed questionnaire leaves for the reader
ATTRIBUTES = ("settlement_category", "kind", "region")


@dataclass
class PaperQuestion:
    number: str
    view: QuestionView
    rules: list[str] = field(default_factory=list)

    @property
    def type(self) -> str:
        return self.view.question.type

    @property
    def config(self) -> dict[str, Any]:
        return self.view.question.config


@dataclass
class PaperSection:
    number: int
    title: str
    intro: str
    rules: list[str]
    questions: list[PaperQuestion]


@dataclass
class PaperForm:
    edition: SurveyEdition
    municipality: Municipality | None
    title: str
    intro: str
    sections: list[PaperSection]
    language: str

    @property
    def has_required(self) -> bool:
        return any(q.view.question.required for s in self.sections for q in s.questions)

    @property
    def question_count(self) -> int:
        return sum(len(s.questions) for s in self.sections)


def blank_placeholders(edition: SurveyEdition) -> dict[str, Any]:
    """The texts' placeholders when no organisation is named: the year, blanks for the rest."""
    values: dict[str, Any] = {"organisation": BLANK, "year": edition.year}
    for name in FIGURE_PLACEHOLDERS:
        values[name] = BLANK
    for name in ("requested", "decided", "settled"):
        values[f"{name}_last_year"] = BLANK
    return values


def paper_form(edition: SurveyEdition, municipality: Municipality | None = None) -> PaperForm:
    """The edition to print, in the active language; four queries for an organisation (its
    region names and key figures), one for everyone, once the edition's structure is cached."""
    sections, questions = edition_structure(edition)
    definitions = questions_by_key(edition.definition)
    regions = dict(Region.objects.values_list("code", "name"))
    if municipality is not None:
        org = org_context(municipality, edition)
        placeholders = org.placeholders()
        shown_sections, shown = reachable_questions(sections, questions, org)
    else:
        placeholders = blank_placeholders(edition)
        shown_sections = {s.key for s in sections}
        shown = {q.key for q in questions}

    def printed(section) -> list:
        return [q for q in questions if q.section_id == section.pk and q.key in shown]

    kept = [s for s in sections if s.key in shown_sections]
    numbers: dict[str, str] = {}
    for section in kept:
        for question in printed(section):
            numbers[question.key] = str(len(numbers) + 1)

    def rules(show_if: dict | None) -> list[str]:
        show_if = dict(show_if or {})
        if municipality is not None:
            # Its attributes match (or it would not be printed); a rule on a question it is
            # never shown holds (or it would not be printed either): neither needs saying.
            for attribute in ATTRIBUTES:
                show_if.pop(attribute, None)
            show_if["answers"] = [r for r in show_if.get("answers", []) if r["question"] in shown]
        return rule_on_paper(show_if, definitions, regions=regions, numbers=numbers)

    out = []
    for index, section in enumerate(kept, start=1):
        out.append(
            PaperSection(
                number=index,
                title=section.title_text,
                intro=render_text(section.intro, placeholders),
                rules=rules(section.show_if),
                questions=[
                    PaperQuestion(
                        number=numbers[q.key],
                        view=blank_view(q, placeholders),
                        rules=rules(q.show_if),
                    )
                    for q in printed(section)
                ],
            )
        )
    return PaperForm(
        edition=edition,
        municipality=municipality,
        title=edition.title_text,
        intro=render_text(edition.intro, placeholders),
        sections=out,
        language=translation.get_language() or "nb",
    )


def render_paper_pdf(form: PaperForm) -> bytes:
    """The printed questionnaire as a tagged PDF, in the language the form was read in."""
    with translation.override(form.language):
        return render_pdf(render_to_string("pdf/paper_form.html", {"form": form}))
