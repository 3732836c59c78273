"""The shipped editions: 2014 and 2017 rebuilt from IMDi's reports (closed), and a demo edition
for the current year (open)."""

from __future__ import annotations

from pathlib import Path

from django.db import transaction

from surveys.definition import parse_definition
from surveys.models import Answer, SurveyEdition
from surveys.services import _earlier_question, edition_import, edition_set_status

EDITIONS_DIR = Path(__file__).resolve().parent / "editions"
SHIPPED = [
    ("2014.yaml", SurveyEdition.Status.CLOSED),
    ("2017.yaml", SurveyEdition.Status.CLOSED),
    ("2026.yaml", SurveyEdition.Status.OPEN),
]


@transaction.atomic
def load_shipped_editions() -> list[str]:
    lines = []
    for name, status in SHIPPED:
        content = (EDITIONS_DIR / name).read_bytes()
        definition = parse_definition(content, earlier_question=_earlier_question)
        edition = SurveyEdition.objects.filter(year=definition["year"]).first()
        if edition is not None and edition.definition == definition:
            lines.append(f"{name}: unchanged")
        elif edition is not None and Answer.objects.filter(response__edition=edition).exists():
            lines.append(f"{name}: has answers, left as it is")
        else:
            edition = edition_import(actor=None, content=content, source=f"shipped {name}")
            lines.append(f"{name}: imported")
        if edition.status != status:
            edition_set_status(actor=None, edition=edition, status=status)
    return lines
