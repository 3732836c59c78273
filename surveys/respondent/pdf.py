"""PDF copies of a response, rendered by WeasyPrint from an HTML template."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation

from portal.core.pdf import render_pdf
from surveys.models import Response
from surveys.respondent import questions as qtypes
from surveys.respondent.context import render_text
from surveys.respondent.selectors import survey_state


def response_rows(response: Response) -> list[dict]:
    """Per visible section: its questions with the answer as text (blank when unanswered)."""
    state = survey_state(response.edition, response.municipality, response=response)
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
                }
            )
        rows.append({"section": section, "items": items})
    return rows


def render_response_pdf(response: Response) -> bytes:
    language = translation.get_language() or "nb"
    html = render_to_string(
        "pdf/response.html",
        {"response": response, "sections": response_rows(response), "language": language},
    )
    return render_pdf(html)
