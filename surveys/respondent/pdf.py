"""PDF copies of a response, rendered by WeasyPrint from an HTML template.

A submitted (or approved) response gets the copy the receipt carries; one not yet submitted gets
the answers so far, marked as a draft with when it was printed and the numbers still to confirm.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone, translation

from portal.core.pdf import render_pdf
from surveys.models import Response
from surveys.respondent import questions as qtypes
from surveys.respondent.context import render_text
from surveys.respondent.selectors import SurveyState, survey_state


def _rows(state: SurveyState) -> list[dict]:
    values = state.org.placeholders()
    rows = []
    for section in state.sections:
        if section.key not in state.visible_sections:
            continue
        items = []
        for question in state.questions_in(section):
            answer = state.answers.get(question.key)
            items.append(
                {
                    "question": question,
                    "text": render_text(question.text, values),
                    "answer": qtypes.display(question, answer.value, answer.other_text)
                    if answer
                    else "",
                    "explanation": answer.explanation if answer else "",
                    "warning": answer.warning if answer and answer.needs_confirmation else "",
                }
            )
        rows.append({"section": section, "items": items})
    return rows


def response_rows(response: Response) -> list[dict]:
    """Per visible section: its visible questions with the answer as text (blank when
    unanswered) and the plausibility warning still to confirm or explain ('' when none)."""
    return _rows(survey_state(response.edition, response.municipality, response=response))


def pdf_file_name(response: Response) -> str:
    name = f"kommuneundersokelsen-{response.edition.year}-{response.municipality.number}"
    return f"{name}.pdf" if response.is_locked else f"{name}-utkast.pdf"


def render_response_pdf(response: Response) -> bytes:
    language = translation.get_language() or "nb"
    state = survey_state(response.edition, response.municipality, response=response)
    answered, total = state.total_progress()
    html = render_to_string(
        "pdf/response.html",
        {
            "response": response,
            "sections": _rows(state),
            "language": language,
            "draft": not response.is_locked,
            "printed_at": timezone.localtime(),
            "answered": answered,
            "total": total,
            "warning_count": len(state.warnings()),
        },
    )
    return render_pdf(html)
